import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

/**
 * `api_keys.expires_ms`: a secret key rolled with an overlap stops working then (clock ms; null:
 * until revoked). `platforms.redirect_uris`: the URIs its Connect OAuth flow may return to (JSON
 * array; the first is the default), as in Stripe's Connect settings.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  await db.schema.alterTable('api_keys').addColumn('expires_ms', big).execute();
  await db.schema
    .alterTable('platforms')
    .addColumn('redirect_uris', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
}
