import type { Kysely } from 'kysely';

/** The signing secret of CLI listen sessions: one per platform and mode, stable across sessions. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('listen_secrets')
    .addColumn('platform_id', 'text', (c) => c.notNull())
    .addColumn('livemode', 'integer', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('listen_secrets_pk', ['platform_id', 'livemode'])
    .execute();
}
