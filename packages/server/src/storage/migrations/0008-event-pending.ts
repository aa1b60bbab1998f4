import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

/**
 * `pending_webhooks` moves from the events row to a table of its own (`event_pending`, a row for
 * each event that had endpoints to deliver to): each delivery that succeeds counts its event
 * down, and in the events row (~1.2 KB with its data) those updates were ~30% of the WAL a drain
 * wrote. The events table loses the column (on SQLite this rewrites the table, once).
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  let table = db.schema
    .createTable('event_pending')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('pending', 'integer', (c) => c.notNull());
  // Keyed by the event id alone: no separate rowid tree to write.
  if (dialect === 'sqlite') table = table.modifyEnd(sql`without rowid`);
  await table.execute();
  await sql`
    INSERT INTO event_pending (event_id, pending)
    SELECT id, pending_webhooks FROM events WHERE pending_webhooks > 0
  `.execute(db);
  await db.schema.alterTable('events').dropColumn('pending_webhooks').execute();
}
