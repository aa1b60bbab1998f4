import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import {
  findIdempotencyKey,
  insertIdempotencyKey,
  type IdempotencyRow,
  type IdempotencyScope,
} from '../storage/repositories/idempotency.js';
import { errors } from '../stripe/errors.js';

/** A response to send: the status and the JSON text. */
export interface Reply {
  status: number;
  body: string;
  replayed?: boolean;
}

/** Same key and same request means the same parameters, in any order, on the same method and path. */
export function requestHash(method: string, path: string, params: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${canonical(params)}`)
    .digest('hex');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** An earlier result for this key: replayed if the request matches, refused if it does not. */
export async function replayIfSeen(
  db: Kysely<Database>,
  scope: IdempotencyScope,
  hash: string,
  apiKey: string,
): Promise<Reply | null> {
  const row = await findIdempotencyKey(db, scope);
  if (!row) return null;
  return replay(row, hash, scope.key, apiKey);
}

/**
 * How a stored reply that carries secrets starts: `sealed:v1:<iv>:<tag>:<ciphertext>` (base64url),
 * AES-256-GCM under a key derived from the API key that made the request.
 */
const SEALED = 'sealed:v1:';

/**
 * The key a reply is sealed with: an HMAC of the API key, which the database never holds (live
 * keys are kept as their SHA-256 only, a different function of the key), so a copy of the
 * database does not open the replies; the client that retries with its key does.
 */
const sealingKey = (apiKey: string) =>
  createHmac('sha256', apiKey).update('switchboard idempotent reply v1').digest();

export function seal(body: string, apiKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(apiKey), iv);
  const data = Buffer.concat([cipher.update(body, 'utf8'), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), data].map((b) => b.toString('base64url'));
  return SEALED + parts.join(':');
}

/** The reply in clear, or null when `apiKey` is not the one that sealed it. */
export function unseal(stored: string, apiKey: string): string | null {
  const [iv, tag, data] = stored
    .slice(SEALED.length)
    .split(':')
    .map((p) => Buffer.from(p, 'base64url'));
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealingKey(apiKey), iv!);
    decipher.setAuthTag(tag!);
    return Buffer.concat([decipher.update(data!), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/**
 * The reply to send again. A sealed one (its route's replies carry secrets) opens only with the
 * API key that made the first request; another key of the account gets an idempotency error.
 */
export function replay(row: IdempotencyRow, hash: string, key: string, apiKey: string): Reply {
  if (row.request_hash !== hash) throw errors.idempotencyMismatch(key);
  let body = row.response_body;
  if (body.startsWith(SEALED)) {
    const opened = unseal(body, apiKey);
    if (opened === null) throw errors.idempotencyOtherApiKey(key);
    body = opened;
  }
  return { status: row.status_code, body, replayed: true };
}

/**
 * Stores the reply for 24 hours. `sealWith`: the API key of the request, when the route's replies
 * carry secrets (new keys, OAuth tokens) that are otherwise stored hashed, or not at all.
 */
export async function remember(
  db: Kysely<Database>,
  scope: IdempotencyScope,
  hash: string,
  reply: Reply,
  realNow: number,
  sealWith: string | null = null,
): Promise<void> {
  await insertIdempotencyKey(db, {
    ...scope,
    request_hash: hash,
    status_code: reply.status,
    response_body: sealWith === null ? reply.body : seal(reply.body, sealWith),
    created_ms: realNow,
  });
}

/** Unique-key violations, as SQLite and PostgreSQL report them. */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return (
    err?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    err?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    err?.code === '23505'
  );
}
