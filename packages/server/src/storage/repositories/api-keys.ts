import type { Kysely, Selectable } from 'kysely';
import type { Dialect } from '../dialect.js';
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

/** Which platform keys a caller manages: its platform's own, of its mode. */
export interface PlatformKeyScope {
  platformId: string;
  livemode: boolean;
}

const platformKeys = (db: Kysely<Database>, scope: PlatformKeyScope) =>
  db
    .selectFrom('api_keys')
    .selectAll()
    .where('platform_id', '=', scope.platformId)
    .where('livemode', '=', scope.livemode ? 1 : 0)
    .where('account_id', 'is', null)
    .where('kind', 'in', ['secret', 'restricted'])
    .where('revoked', '=', 0);

/**
 * The platform's secret and restricted keys of one mode that still work at clock time `now`
 * (not revoked, not past a roll's expiry), oldest first. OAuth tokens are not among them.
 */
export async function listPlatformKeys(
  db: Kysely<Database>,
  scope: PlatformKeyScope,
  now: number,
): Promise<ApiKeyRow[]> {
  return platformKeys(db, scope)
    .where((eb) => eb.or([eb('expires_ms', 'is', null), eb('expires_ms', '>', now)]))
    .orderBy('seq')
    .execute();
}

/** One of the platform's keys of the mode (see listPlatformKeys), by id; locked until commit. */
export async function findPlatformKeyToChange(
  dialect: Dialect,
  db: Kysely<Database>,
  scope: PlatformKeyScope,
  id: string,
  now: number,
): Promise<ApiKeyRow | undefined> {
  return dialect
    .forUpdate(
      platformKeys(db, scope)
        .where('id', '=', id)
        .where((eb) => eb.or([eb('expires_ms', 'is', null), eb('expires_ms', '>', now)])),
    )
    .executeTakeFirst();
}

export async function updateApiKey(
  db: Kysely<Database>,
  id: string,
  changes: { revoked?: number; expires_ms?: number | null },
): Promise<void> {
  await db.updateTable('api_keys').set(changes).where('id', '=', id).execute();
}

/**
 * The platforms (and sandboxes) and modes that have no publishable key: a sandbox has a test
 * mode only. For databases made before publishable keys existed.
 */
export async function platformModesWithoutPublishableKey(
  db: Kysely<Database>,
): Promise<Array<{ platformId: string; livemode: boolean }>> {
  const platforms = await db.selectFrom('platforms').select(['id', 'parent_id']).execute();
  const have = await db
    .selectFrom('api_keys')
    .select(['platform_id', 'livemode'])
    .where('kind', '=', 'publishable')
    .where('account_id', 'is', null)
    .where('revoked', '=', 0)
    .execute();
  const present = new Set(have.map((k) => `${k.platform_id}/${k.livemode}`));
  const out: Array<{ platformId: string; livemode: boolean }> = [];
  for (const p of platforms) {
    for (const livemode of p.parent_id ? [0] : [0, 1])
      if (!present.has(`${p.id}/${livemode}`))
        out.push({ platformId: p.id, livemode: livemode === 1 });
  }
  return out;
}

/** The publishable key made for a connected account's OAuth grant (its mode), if any. */
export async function findAccountPublishableKey(
  db: Kysely<Database>,
  accountId: string,
  livemode: boolean,
): Promise<ApiKeyRow | undefined> {
  return db
    .selectFrom('api_keys')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('kind', '=', 'publishable')
    .where('livemode', '=', livemode ? 1 : 0)
    .where('revoked', '=', 0)
    .orderBy('seq')
    .executeTakeFirst();
}
