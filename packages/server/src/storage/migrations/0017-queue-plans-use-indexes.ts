import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

/**
 * PostgreSQL: the queue's functions never read a whole table. They run with
 * `plan_cache_mode = force_generic_plan`, and a connection keeps the generic plan of each
 * statement it first made: made while `deliveries` was empty or small (a new database, the first
 * minutes of a server), it read the table row by row, and went on doing so as it grew until an
 * ANALYZE happened to invalidate it. In a steady stream of creates on a new database (300/s,
 * auto_explain), the lease of a claim and the delivery states of an outcome batch scanned
 * `deliveries` on every call: 0.7-1.1 ms a call for a few rows. Every statement in these
 * functions has an index made for it, so the planner is told to use them whatever the
 * statistics say (`enable_seqscan = off` makes a table scan the plan of last resort, not
 * forbidden: the small `queue_workers` is still scanned).
 *
 * And without JIT compilation: a table scan left as the last resort is costed so high that
 * PostgreSQL compiled the statement (inlining, optimisation) on every call, 45 ms a claim. These
 * statements each touch a few rows; JIT never pays for itself here.
 *
 * A later migration that replaces one of these functions (CREATE OR REPLACE resets what ALTER
 * FUNCTION ... SET gave it) must give it these settings again.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  if (dialect !== 'postgres') return;
  for (const fn of [
    sql`switchboard_claim(bigint, bigint, bigint, text, integer, text[], integer, integer, text[],
      text[], text[], integer[])`,
    sql`switchboard_next_due(bigint, text[], text[], text[])`,
    sql`switchboard_record_outcomes(jsonb)`,
  ]) {
    await sql`ALTER FUNCTION ${fn} SET enable_seqscan = off`.execute(db);
    await sql`ALTER FUNCTION ${fn} SET jit = off`.execute(db);
  }
}
