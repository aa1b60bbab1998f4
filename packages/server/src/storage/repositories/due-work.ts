import type { ExpressionBuilder, Kysely } from 'kysely';
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
  // One statement, so one snapshot: a task's run marks it done and queues its deliveries in one
  // transaction, and two queries (on PostgreSQL, two connections) could see the deliveries before
  // it and the task after it, both with nothing pending.
  const pendingDeliveries = (eb: ExpressionBuilder<Database, never>) =>
    eb
      .selectFrom('deliveries')
      .where('status', '=', 'pending')
      .where('endpoint_id', 'not in', (eb) =>
        eb.selectFrom('endpoints').select('id').where('kind', '=', 'listen'),
      );
  const pendingTasks = (eb: ExpressionBuilder<Database, never>) =>
    eb.selectFrom('scheduled_tasks').where('status', '=', 'pending');
  const row = await db
    .selectNoFrom((eb) => [
      pendingTasks(eb)
        .where('due_ms', '<=', at)
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .as('tasks_due'),
      pendingTasks(eb)
        .select((eb) => eb.fn.min<number | null>('due_ms').as('n'))
        .as('tasks_next'),
      pendingDeliveries(eb)
        .where('next_attempt_ms', '<=', at)
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .as('deliveries_due'),
      pendingDeliveries(eb)
        .select((eb) => eb.fn.min<number | null>('next_attempt_ms').as('n'))
        .as('deliveries_next'),
    ])
    .executeTakeFirstOrThrow();
  const nexts = [row.tasks_next, row.deliveries_next].filter((n) => n != null).map(Number);
  return {
    due: Number(row.tasks_due ?? 0) + Number(row.deliveries_due ?? 0),
    next: nexts.length > 0 ? Math.min(...nexts) : null,
  };
}
