import type { Kysely, Selectable } from 'kysely';
import type { Database, IdempotencyKeysTable } from '../schema.js';

export type IdempotencyRow = Selectable<IdempotencyKeysTable>;

export interface IdempotencyScope {
  platform_id: string;
  account_scope: string;
  livemode: number;
  key: string;
}

export async function findIdempotencyKey(
  db: Kysely<Database>,
  scope: IdempotencyScope,
): Promise<IdempotencyRow | undefined> {
  return db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('platform_id', '=', scope.platform_id)
    .where('account_scope', '=', scope.account_scope)
    .where('livemode', '=', scope.livemode)
    .where('key', '=', scope.key)
    .executeTakeFirst();
}

export async function insertIdempotencyKey(
  db: Kysely<Database>,
  row: IdempotencyRow,
): Promise<void> {
  await db.insertInto('idempotency_keys').values(row).execute();
}

/** Keys are kept 24 hours, as Stripe keeps them. */
export async function deleteExpiredIdempotencyKeys(
  db: Kysely<Database>,
  before: number,
): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('created_ms', '<', before).execute();
}
