import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

/**
 * SQLite: pending deliveries nobody holds, by endpoint and due time. The SQLite claim
 * (dialects/sqlite/claim.ts) walks it one endpoint at a time, so an endpoint at its limit with a
 * backlog of 50,000 costs a claim one index seek instead of a scan past all 50,000 (which a claim
 * ordered by due time across endpoints had to do). Partial: a claimed or finished delivery leaves it.
 * PostgreSQL claims with its own function (0005) and does not need it.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  if (dialect !== 'sqlite') return;
  await sql`
    CREATE INDEX deliveries_free ON deliveries (endpoint_id, next_attempt_ms)
    WHERE status = 'pending' AND lease_until_ms IS NULL
  `.execute(db);
}
