import type { Kysely, Selectable } from 'kysely';
import type { Dialect } from '../dialect.js';
import type { Database, ScheduledTasksTable } from '../schema.js';

export type TaskRow = Selectable<ScheduledTasksTable>;

/** Inserts a task; one whose id is already taken is kept as it is (ids name unique work). */
export async function insertTask(db: Kysely<Database>, row: Omit<TaskRow, 'seq'>): Promise<void> {
  await db
    .insertInto('scheduled_tasks')
    .values(row)
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/**
 * Leases up to `limit` due tasks (real-time lease, as deliveries). Rows another worker is claiming
 * right now are skipped, so two workers never run the same task.
 */
export async function claimDueTasks(
  dialect: Dialect,
  args: { now: number; realNow: number; leaseUntil: number; limit: number },
): Promise<TaskRow[]> {
  const db = dialect.db;
  const due = db
    .selectFrom('scheduled_tasks')
    .select('seq')
    .where('status', '=', 'pending')
    .where('due_ms', '<=', args.now)
    .where((eb) =>
      eb.or([eb('lease_until_ms', 'is', null), eb('lease_until_ms', '<=', args.realNow)]),
    )
    .orderBy('due_ms')
    .limit(args.limit);
  const claimed = await db
    .updateTable('scheduled_tasks')
    .set({ lease_until_ms: args.leaseUntil })
    .where('seq', 'in', dialect.skipLocked(due))
    .returningAll()
    .execute();
  // RETURNING follows no ORDER BY (PostgreSQL returns rows in the order it found them): tasks run
  // in the order they fell due, so a payout run due before funds are released pays out none of them.
  return claimed.sort(
    (a, b) => Number(a.due_ms) - Number(b.due_ms) || Number(a.seq) - Number(b.seq),
  );
}

export async function completeTask(db: Kysely<Database>, id: string): Promise<void> {
  await db
    .updateTable('scheduled_tasks')
    .set({ status: 'done', lease_until_ms: null })
    .where('id', '=', id)
    .execute();
}

/** The next time a task falls due (clock ms), ignoring tasks another worker holds now. */
export async function nextTaskDue(db: Kysely<Database>, realNow: number): Promise<number | null> {
  const row = await db
    .selectFrom('scheduled_tasks')
    .select((eb) => eb.fn.min<number>('due_ms').as('next'))
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('lease_until_ms', 'is', null), eb('lease_until_ms', '<=', realNow)]))
    .executeTakeFirst();
  return row?.next == null ? null : Number(row.next);
}

export async function pendingTasks(
  db: Kysely<Database>,
  kind: string,
  platformId: string,
): Promise<TaskRow[]> {
  return db
    .selectFrom('scheduled_tasks')
    .selectAll()
    .where('status', '=', 'pending')
    .where('kind', '=', kind)
    .where('platform_id', '=', platformId)
    .execute();
}
