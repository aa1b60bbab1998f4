import { SignatureVerificationError, messages } from './errors.js';
import { parseSignatureHeader, type ParsedSignatureHeader } from './header.js';

/** Stripe's SDKs reject signatures older than this many seconds. */
export const DEFAULT_TOLERANCE = 300;

export type Payload = string | Uint8Array;
export type HeaderValue = string | Uint8Array | string[] | null | undefined;

export interface VerifyOptions {
  /** Seconds a signature stays valid; 0 turns the age check off. Default 300. */
  tolerance?: number | undefined;
  /** Unix milliseconds to measure the age against; default `Date.now()`. */
  receivedAt?: number | undefined;
}

export interface PreparedVerification {
  payload: string;
  header: string;
  parsed: ParsedSignatureHeader;
  secrets: string[];
  suspectPayloadType: boolean;
}

const decoder = new TextDecoder('utf8');

/** Checks everything that does not need a MAC, in the order stripe-node checks it. */
export function prepareVerification(
  payload: unknown,
  header: HeaderValue,
  secret: string | readonly string[],
): PreparedVerification {
  if (Array.isArray(header)) throw new Error(messages.arrayHeader);
  if (!payload) throw new SignatureVerificationError(messages.noPayload, {});
  const suspectPayloadType = typeof payload !== 'string' && !(payload instanceof Uint8Array);
  const decodedPayload =
    payload instanceof Uint8Array ? decoder.decode(payload) : (payload as string);
  if (header == null || header === '') {
    throw new SignatureVerificationError(messages.noHeader, { payload: String(decodedPayload) });
  }
  const decodedHeader = header instanceof Uint8Array ? decoder.decode(header) : String(header);
  const parsed = parseSignatureHeader(decodedHeader);
  const details = { header: decodedHeader, payload: decodedPayload };
  if (parsed.timestamp === -1 || Number.isNaN(parsed.timestamp)) {
    throw new SignatureVerificationError(messages.noTimestamp, details);
  }
  if (parsed.signatures.length === 0)
    throw new SignatureVerificationError(messages.noSignatures, details);
  const secrets = (typeof secret === 'string' ? [secret] : [...secret]).filter(
    (s) => typeof s === 'string' && s.trim() !== '',
  );
  if (secrets.length === 0) throw new SignatureVerificationError(messages.noSecret, details);
  return { payload: decodedPayload, header: decodedHeader, parsed, secrets, suspectPayloadType };
}

/** The bytes Stripe signs: `<t>.<raw body>`. */
export function signedContent(timestamp: number, payload: string): string {
  return `${timestamp}.${payload}`;
}

/** Compares two hex strings without leaking where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Given the expected MAC for each secret, decides the outcome: any `v1` matching any secret passes,
 * then the timestamp must be within tolerance (old timestamps only; future ones pass, as Stripe's).
 */
export function judgeSignatures(
  prepared: PreparedVerification,
  expected: readonly string[],
  options: VerifyOptions = {},
): void {
  const found = prepared.parsed.signatures.some((sig) =>
    expected.some((mac) => constantTimeEqual(mac, sig)),
  );
  const details = { header: prepared.header, payload: prepared.payload };
  if (!found) {
    const whitespace = prepared.secrets.some((s) => /\s/.test(s)) ? messages.whitespaceSecret : '';
    const base = prepared.suspectPayloadType ? messages.objectPayload : messages.mismatch;
    throw new SignatureVerificationError(base + whitespace, details);
  }
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  const now = Math.floor((options.receivedAt ?? Date.now()) / 1000);
  if (tolerance > 0 && now - prepared.parsed.timestamp > tolerance) {
    throw new SignatureVerificationError(messages.tolerance, details);
  }
}

/** Parses a verified body; refuses v2 thin notifications as stripe-node does. */
export function parseVerifiedEvent<T>(payload: string): T {
  const event = JSON.parse(payload) as { object?: unknown };
  if (event && event.object === 'v2.core.event') throw new Error(messages.thinEvent);
  return event as T;
}
