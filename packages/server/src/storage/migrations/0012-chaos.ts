import type { Kysely } from 'kysely';

/**
 * Chaos delivery (delivery/chaos.ts): `endpoints.chaos`, a webhook endpoint's settings (JSON; null:
 * off, which is every endpoint's default), and `attempts.chaos`, what chaos did to an attempt (null:
 * nothing).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('endpoints').addColumn('chaos', 'text').execute();
  await db.schema.alterTable('attempts').addColumn('chaos', 'text').execute();
}
