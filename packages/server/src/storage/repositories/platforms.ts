import type { Kysely, Selectable } from 'kysely';
import type { Database, PlatformsTable } from '../schema.js';

export type PlatformRow = Selectable<PlatformsTable>;

export async function insertPlatform(
  db: Kysely<Database>,
  row: Omit<PlatformRow, 'seq'>,
): Promise<void> {
  await db.insertInto('platforms').values(row).execute();
}

export async function findPlatform(
  db: Kysely<Database>,
  id: string,
): Promise<PlatformRow | undefined> {
  return db.selectFrom('platforms').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The platform whose Connect application (OAuth `client_id`) this is. */
export async function findPlatformByApplication(
  db: Kysely<Database>,
  applicationId: string,
): Promise<PlatformRow | undefined> {
  return db
    .selectFrom('platforms')
    .selectAll()
    .where('application_id', '=', applicationId)
    .executeTakeFirst();
}

export async function firstPlatform(db: Kysely<Database>): Promise<PlatformRow | undefined> {
  return db
    .selectFrom('platforms')
    .selectAll()
    .where('parent_id', 'is', null)
    .orderBy('seq')
    .limit(1)
    .executeTakeFirst();
}

export async function listPlatforms(
  db: Kysely<Database>,
  parentId: string | null,
): Promise<PlatformRow[]> {
  return db
    .selectFrom('platforms')
    .selectAll()
    .where('parent_id', parentId === null ? 'is' : '=', parentId)
    .orderBy('seq', 'desc')
    .execute();
}

/** Replaces the URIs the platform's Connect OAuth flow may return to (the first is the default). */
export async function setRedirectUris(
  db: Kysely<Database>,
  platformId: string,
  uris: readonly string[],
): Promise<void> {
  await db
    .updateTable('platforms')
    .set({ redirect_uris: JSON.stringify(uris) })
    .where('id', '=', platformId)
    .execute();
}
