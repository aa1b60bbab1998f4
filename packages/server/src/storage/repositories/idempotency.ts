import type { Kysely, Selectable } from 'kysely';
import type { Database, IdempotencyKeysTable } from '../schema.js';
import { reusable, reusableInsert } from './reusable.js';

export type IdempotencyRow = Selectable<IdempotencyKeysTable>;

export interface IdempotencyScope {
  platform_id: string;
  account_scope: string;
  livemode: number;
  key: string;
}

const selectKey = reusable<IdempotencyScope, IdempotencyRow>((db, v) =>
  db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('platform_id', '=', v.platform_id)
    .where('account_scope', '=', v.account_scope)
    .where('livemode', '=', v.livemode)
    .where('key', '=', v.key),
);

export async function findIdempotencyKey(
  db: Kysely<Database>,
  scope: IdempotencyScope,
): Promise<IdempotencyRow | undefined> {
  return (await selectKey(db, scope))[0];
}

const insertKeyRow = reusableInsert('idempotency_keys');

export async function insertIdempotencyKey(
  db: Kysely<Database>,
  row: IdempotencyRow,
): Promise<void> {
  await insertKeyRow(db, [row]);
}

/** Keys are kept 24 hours, as Stripe keeps them. */
export async function deleteExpiredIdempotencyKeys(
  db: Kysely<Database>,
  before: number,
): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('created_ms', '<', before).execute();
}
