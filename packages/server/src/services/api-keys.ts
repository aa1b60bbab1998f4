import type { Kysely } from 'kysely';
import { newId, randomToken } from '../domain/ids.js';
import { insertApiKey, updateApiKey, type ApiKeyRow } from '../storage/repositories/api-keys.js';
import type { Database } from '../storage/schema.js';
import type { WriteContext } from './context.js';
import { hashKey } from './platforms.js';

/** The longest a rolled key may keep working beside its successor, as Stripe's Dashboard offers. */
export const MAX_ROLL_OVERLAP_S = 7 * 86_400;

/** `sk_test_`, `rk_live_`, ...: how a key of this row's kind and mode starts. */
export function keyPrefix(row: Pick<ApiKeyRow, 'kind' | 'livemode'>): string {
  return `${row.kind === 'restricted' ? 'rk' : 'sk'}_${row.livemode === 1 ? 'live' : 'test'}_`;
}

/**
 * Replaces a secret or restricted key with a new one of the same kind, mode and permissions. The
 * old key stops working at `now + overlapMs` (clock ms), or at once with 0. The new key is returned
 * in clear, once; a live key is kept only as its hash, a test key also in clear (as all test keys
 * are, so that `switchboard keys` shows them).
 */
export async function rollKey(
  db: Kysely<Database>,
  old: ApiKeyRow,
  now: number,
  overlapMs: number,
): Promise<{ row: ApiKeyRow; token: string }> {
  const token = `${keyPrefix(old)}${randomToken(48)}`;
  const { seq: _seq, ...copied } = old;
  const row = {
    ...copied,
    id: newId('key', 16),
    token_hash: hashKey(token),
    token: old.livemode === 1 ? null : token,
    last4: token.slice(-4),
    created: Math.floor(now / 1000),
    revoked: 0,
    expires_ms: null,
  };
  await insertApiKey(db, row);
  await updateApiKey(
    db,
    old.id,
    overlapMs === 0 ? { revoked: 1, expires_ms: now } : { expires_ms: now + overlapMs },
  );
  return { row: { ...row, seq: 0 }, token };
}

/**
 * In the transaction that revoked keys (or ended them with a roll): the other processes are told
 * when it commits, and this one forgets its cached keys once it has.
 */
export async function credentialsRevoked(w: WriteContext): Promise<void> {
  await w.services.dialect.notifyCredentialsRevoked(w.db);
  w.afterCommit.push(() => w.services.credentialsRevoked?.());
}
