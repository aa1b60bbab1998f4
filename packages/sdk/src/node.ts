import { createHmac } from 'node:crypto';
import { formatSignatureHeader } from './header.js';
import {
  judgeSignatures,
  parseVerifiedEvent,
  prepareVerification,
  signedContent,
  type HeaderValue,
  type VerifyOptions,
} from './verify-core.js';
import { messages, SignatureVerificationError } from './errors.js';
import type { TestHeaderOptions } from './test-header.js';
import { toEventNotification, type EventNotification } from './notification.js';

export type { TestHeaderOptions };

/** HMAC-SHA256 of `<t>.<payload>`, keyed with the whole secret string (`whsec_` included). */
export function computeSignature(payload: string, secret: string, timestamp: number): string {
  return createHmac('sha256', secret)
    .update(signedContent(timestamp, payload), 'utf8')
    .digest('hex');
}

/**
 * The `Stripe-Signature` value for a payload: one `v1` per secret, so a receiver holding either
 * the old or the new secret during a roll verifies it.
 */
export function signPayload(
  payload: string,
  secrets: string | readonly string[],
  timestamp: number = Math.floor(Date.now() / 1000),
): string {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  return formatSignatureHeader(
    timestamp,
    list.map((secret) => computeSignature(payload, secret, timestamp)),
  );
}

/**
 * Verifies the `Stripe-Signature` header against one secret, or several during a roll; throws
 * {@link SignatureVerificationError} with stripe-node's messages.
 */
export function verifyHeader(
  payload: unknown,
  header: HeaderValue,
  secret: string | readonly string[],
  options: VerifyOptions = {},
): true {
  const prepared = prepareVerification(payload, header, secret);
  const expected = prepared.secrets.map((s) =>
    computeSignature(prepared.payload, s, prepared.parsed.timestamp),
  );
  judgeSignatures(prepared, expected, options);
  return true;
}

/**
 * Verifies and parses a webhook delivery, as `stripe.webhooks.constructEvent` does. Pass the raw
 * body (string or Buffer), the `Stripe-Signature` header and the endpoint's secret(s).
 */
export function constructEvent<T = unknown>(
  payload: string | Uint8Array,
  header: HeaderValue,
  secret: string | readonly string[],
  tolerance?: number,
  receivedAt?: number,
): T {
  verifyHeader(payload, header, secret, { tolerance, receivedAt });
  const text = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
  return parseVerifiedEvent<T>(text);
}

/** Same contract as stripe-node's `webhooks.generateTestHeaderString`. */
export function generateTestHeaderString(opts: TestHeaderOptions): string {
  if (!opts) throw new SignatureVerificationError(messages.noOptions);
  const timestamp = (opts.timestamp && Math.floor(opts.timestamp)) || Math.floor(Date.now() / 1000);
  const signature = opts.signature || computeSignature(opts.payload, opts.secret, timestamp);
  return formatSignatureHeader(timestamp, [signature], opts.scheme || 'v1');
}

/**
 * Verifies and parses a thin (v2) event notification, as `stripe.parseEventNotification` does. The
 * result is plain data; fetch the full event with `createEventClient(...).fetchEvent(notification)`.
 */
export function parseEventNotification(
  payload: string | Uint8Array,
  header: HeaderValue,
  secret: string | readonly string[],
  tolerance?: number,
  receivedAt?: number,
): EventNotification {
  verifyHeader(payload, header, secret, { tolerance, receivedAt });
  return toEventNotification(
    typeof payload === 'string' ? payload : new TextDecoder().decode(payload),
  );
}
