import type { Kysely } from 'kysely';

/**
 * Keys that act as one connected account: the `access_token` of an OAuth connection
 * (`POST /oauth/token`), as if every request carried `Stripe-Account`. Null for the platform's own
 * keys. OAuth refresh tokens are kept the same way, hashed, with kind `refresh` (never accepted as
 * an API key).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('api_keys').addColumn('account_id', 'text').execute();
}
