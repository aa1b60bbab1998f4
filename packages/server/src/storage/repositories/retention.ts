import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** Events looked at per transaction: short enough not to hold up the API on SQLite. */
const ROUND = 500;

/**
 * Deletes the events created before `before` (unix seconds) together with their deliveries,
 * attempts and pending counts, oldest first, a round of at most `round` events per transaction.
 * Events that still have a pending delivery are kept until it is done. Events are walked in the
 * order they were written, which is the order of their creation, and the walk stops at the first
 * event inside the window, so that a round never scans the events being kept. Returns how many
 * events were deleted. `pause` runs between rounds (to let other work in); when it resolves with
 * false, the walk ends there.
 */
export async function deleteEventsBefore(
  db: Kysely<Database>,
  before: number,
  options: { round?: number; pause?: () => Promise<boolean> } = {},
): Promise<number> {
  const round = options.round ?? ROUND;
  let deleted = 0;
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('events')
      .select(['seq', 'id', 'created'])
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(round)
      .execute();
    const old: typeof rows = [];
    for (const row of rows) {
      if (Number(row.created) >= before) break;
      old.push(row);
    }
    if (old.length === 0) return deleted;
    after = Number(old[old.length - 1]!.seq);
    const ids = old.map((r) => r.id);
    deleted += await db.transaction().execute(async (tx) => {
      const pending = await tx
        .selectFrom('deliveries')
        .select('event_id')
        .distinct()
        .where('event_id', 'in', ids)
        .where('status', '=', 'pending')
        .execute();
      const keep = new Set(pending.map((p) => p.event_id));
      const gone = ids.filter((id) => !keep.has(id));
      if (gone.length === 0) return 0;
      await tx.deleteFrom('attempts').where('event_id', 'in', gone).execute();
      await tx.deleteFrom('deliveries').where('event_id', 'in', gone).execute();
      await tx.deleteFrom('event_pending').where('event_id', 'in', gone).execute();
      await tx.deleteFrom('events').where('id', 'in', gone).execute();
      return gone.length;
    });
    if (old.length < rows.length) return deleted;
    if (options.pause && !(await options.pause())) return deleted;
  }
}
