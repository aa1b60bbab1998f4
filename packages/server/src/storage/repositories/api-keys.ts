import type { Kysely, Selectable } from 'kysely';
import type { ApiKeysTable, Database } from '../schema.js';

export type ApiKeyRow = Selectable<ApiKeysTable>;

export async function insertApiKey(
  db: Kysely<Database>,
  row: Omit<ApiKeyRow, 'seq'>,
): Promise<void> {
  await db.insertInto('api_keys').values(row).execute();
}

export async function findApiKeyByHash(
  db: Kysely<Database>,
  hash: string,
): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('token_hash', '=', hash).executeTakeFirst();
}

export async function listApiKeys(db: Kysely<Database>, platformId: string): Promise<ApiKeyRow[]> {
  return db
    .selectFrom('api_keys')
    .selectAll()
    .where('platform_id', '=', platformId)
    .where('revoked', '=', 0)
    .where('account_id', 'is', null)
    .orderBy('seq')
    .execute();
}

/** Revokes every key that acts as the account (its OAuth tokens), when it disconnects. */
export async function revokeAccountKeys(db: Kysely<Database>, accountId: string): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ revoked: 1 })
    .where('account_id', '=', accountId)
    .execute();
}

export async function findApiKeyById(
  db: Kysely<Database>,
  id: string,
): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
}
