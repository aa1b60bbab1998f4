import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

/** Work due at a time on the server's clock: pending funds becoming available, payouts arriving. */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('scheduled_tasks')
    .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => c.primaryKey())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('platform_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('due_ms', big, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('lease_until_ms', big)
    .addColumn('created_ms', big, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('scheduled_tasks_due')
    .on('scheduled_tasks')
    .columns(['status', 'due_ms'])
    .execute();
}
