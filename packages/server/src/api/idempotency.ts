import { createHash } from 'node:crypto';
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
): Promise<Reply | null> {
  const row = await findIdempotencyKey(db, scope);
  if (!row) return null;
  return replay(row, hash, scope.key);
}

export function replay(row: IdempotencyRow, hash: string, key: string): Reply {
  if (row.request_hash !== hash) throw errors.idempotencyMismatch(key);
  return { status: row.status_code, body: row.response_body, replayed: true };
}

export async function remember(
  db: Kysely<Database>,
  scope: IdempotencyScope,
  hash: string,
  reply: Reply,
  realNow: number,
): Promise<void> {
  await insertIdempotencyKey(db, {
    ...scope,
    request_hash: hash,
    status_code: reply.status,
    response_body: reply.body,
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
