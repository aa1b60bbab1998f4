import type { Kysely } from 'kysely';

/**
 * What a key may do beyond its kind: a restricted key's permissions (a JSON array such as
 * `["events:read"]`; null on keys made before permissions could be chosen, which keep the two
 * read permissions they had), and an OAuth token's scope (`read_only` or `read_write`; null on
 * tokens issued before, which were all treated as `read_write`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('api_keys').addColumn('permissions', 'text').execute();
  await db.schema.alterTable('api_keys').addColumn('oauth_scope', 'text').execute();
}
