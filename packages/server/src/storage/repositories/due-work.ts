import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** Pending work on the clock: how much of it is due at a time, and when the earliest falls due. */
export interface DueWork {
  /** Pending tasks and deliveries due at or before the time asked about. */
  due: number;
  /** The earliest due time (clock ms) of any of them, or null when nothing is pending. */
  next: number | null;
}

/**
 * What advancing a manual clock waits for: pending scheduled tasks, and pending deliveries to
 * every endpoint but listen sessions (a session that is away defers its deliveries again and
 * again; its CLI gets them when it is back, whatever the clock says). Leases do not matter: a
 * delivery in flight is pending until its outcome is written.
 */
export async function dueWork(db: Kysely<Database>, at: number): Promise<DueWork> {
  const [tasks, deliveries] = await Promise.all([
    db
      .selectFrom('scheduled_tasks')
      .select((eb) => [
        eb.fn.count<number | string>(eb.case().when('due_ms', '<=', at).then(1).end()).as('due'),
        eb.fn.min<number | null>('due_ms').as('next'),
      ])
      .where('status', '=', 'pending')
      .executeTakeFirst(),
    db
      .selectFrom('deliveries')
      .select((eb) => [
        eb.fn
          .count<number | string>(eb.case().when('next_attempt_ms', '<=', at).then(1).end())
          .as('due'),
        eb.fn.min<number | null>('next_attempt_ms').as('next'),
      ])
      .where('status', '=', 'pending')
      .where('endpoint_id', 'not in', (eb) =>
        eb.selectFrom('endpoints').select('id').where('kind', '=', 'listen'),
      )
      .executeTakeFirst(),
  ]);
  const nexts = [tasks?.next, deliveries?.next].filter((n) => n != null).map(Number);
  return {
    due: Number(tasks?.due ?? 0) + Number(deliveries?.due ?? 0),
    next: nexts.length > 0 ? Math.min(...nexts) : null,
  };
}
