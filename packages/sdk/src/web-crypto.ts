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

const encoder = new TextEncoder();

/**
 * Imported HMAC keys by secret: a receiver uses the same one or two secrets for every delivery, so
 * each delivery signs without importing again. Bounded, so a caller passing many secrets does not
 * grow it without end.
 */
const keyCache = new Map<string, Promise<CryptoKey>>();
const KEY_CACHE_LIMIT = 64;

function subtle(): SubtleCrypto {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (!c?.subtle) {
    throw new Error(
      'Web Crypto (globalThis.crypto.subtle) is not available in this runtime; use the Node build of @switchboard/sdk.',
    );
  }
  return c.subtle;
}

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (!key) {
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    key = subtle().importKey(
      'raw',
      encoder.encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    keyCache.set(secret, key);
  }
  return key;
}

function toHex(buffer: ArrayBuffer): string {
  const bytes = new Uint8Array(buffer);
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** HMAC-SHA256 of `<t>.<payload>` with Web Crypto; same result as the sync `computeSignature`. */
export async function computeSignatureAsync(
  payload: string,
  secret: string,
  timestamp: number,
): Promise<string> {
  const mac = await subtle().sign(
    'HMAC',
    await hmacKey(secret),
    encoder.encode(signedContent(timestamp, payload)),
  );
  return toHex(mac);
}

/** The `Stripe-Signature` value for a payload, one `v1` per secret (async, Web Crypto). */
export async function signPayloadAsync(
  payload: string,
  secrets: string | readonly string[],
  timestamp: number = Math.floor(Date.now() / 1000),
): Promise<string> {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  const signatures = await Promise.all(
    list.map((s) => computeSignatureAsync(payload, s, timestamp)),
  );
  return formatSignatureHeader(timestamp, signatures);
}

/** Async twin of `verifyHeader`: same checks, same errors, Web Crypto instead of `node:crypto`. */
export async function verifyHeaderAsync(
  payload: unknown,
  header: HeaderValue,
  secret: string | readonly string[],
  options: VerifyOptions = {},
): Promise<true> {
  const prepared = prepareVerification(payload, header, secret);
  const expected = await Promise.all(
    prepared.secrets.map((s) =>
      computeSignatureAsync(prepared.payload, s, prepared.parsed.timestamp),
    ),
  );
  judgeSignatures(prepared, expected, options);
  return true;
}

/**
 * Verifies and parses a webhook delivery with Web Crypto, as `stripe.webhooks.constructEventAsync`
 * does. Works on Node 20+, Deno, Bun, Cloudflare Workers, Vercel Edge and browsers.
 */
export async function constructEventAsync<T = unknown>(
  payload: string | Uint8Array,
  header: HeaderValue,
  secret: string | readonly string[],
  tolerance?: number,
  receivedAt?: number,
): Promise<T> {
  await verifyHeaderAsync(payload, header, secret, { tolerance, receivedAt });
  const text = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
  return parseVerifiedEvent<T>(text);
}

/** Same contract as stripe-node's `webhooks.generateTestHeaderStringAsync`. */
export async function generateTestHeaderStringAsync(opts: TestHeaderOptions): Promise<string> {
  if (!opts) throw new SignatureVerificationError(messages.noOptions);
  const timestamp = (opts.timestamp && Math.floor(opts.timestamp)) || Math.floor(Date.now() / 1000);
  const signature =
    opts.signature || (await computeSignatureAsync(opts.payload, opts.secret, timestamp));
  return formatSignatureHeader(timestamp, [signature], opts.scheme || 'v1');
}

/** Async twin of `parseEventNotification` (Web Crypto), as `stripe.parseEventNotificationAsync`. */
export async function parseEventNotificationAsync(
  payload: string | Uint8Array,
  header: HeaderValue,
  secret: string | readonly string[],
  tolerance?: number,
  receivedAt?: number,
): Promise<EventNotification> {
  await verifyHeaderAsync(payload, header, secret, { tolerance, receivedAt });
  return toEventNotification(
    typeof payload === 'string' ? payload : new TextDecoder().decode(payload),
    true,
  );
}
