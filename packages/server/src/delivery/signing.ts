import { computeSignature, signPayload } from '@switchboard/sdk';
import type { OutgoingDelivery } from './transport.js';

/** How a delivery is signed when it goes out. */
export interface Signing {
  /** The endpoint's active secrets (while a rolled secret overlaps, one v1 signature each). */
  secrets: string[];
  /**
   * Test mode: the key of the decoy `v0` signature Stripe adds, which receivers must ignore
   * (every scheme but v1). Null in live mode.
   */
  decoyKey: string | null;
}

/**
 * The delivery's headers with its `Stripe-Signature`, timestamped now: a delivery is signed when
 * it is sent (a retry gets a fresh timestamp and signature, as on Stripe), by the transport, so
 * that the sender thread does the hashing.
 */
export function signedHeaders(d: OutgoingDelivery): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000);
  let signature = signPayload(d.body, d.signing.secrets, timestamp);
  if (d.signing.decoyKey !== null)
    signature += `,v0=${computeSignature(d.body, d.signing.decoyKey, timestamp)}`;
  return { ...d.headers, 'Stripe-Signature': signature };
}
