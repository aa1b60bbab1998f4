import type { Kysely, Selectable } from 'kysely';
import type { AttemptsTable, Database, DeliveriesTable } from '../schema.js';
import { paginate, type Page, type PageRequest } from './pagination.js';

export type DeliveryRow = Selectable<DeliveriesTable>;
export type AttemptRow = Selectable<AttemptsTable>;

export async function insertDeliveries(
  db: Kysely<Database>,
  rows: Omit<DeliveryRow, 'seq'>[],
): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto('deliveries').values(rows).execute();
}

export async function deliveriesForEvent(
  db: Kysely<Database>,
  eventId: string,
): Promise<DeliveryRow[]> {
  return db
    .selectFrom('deliveries')
    .selectAll()
    .where('event_id', '=', eventId)
    .orderBy('seq')
    .execute();
}

/** The next time any pending delivery falls due (clock ms), or null when none is pending. */
export async function nextDueTime(db: Kysely<Database>): Promise<number | null> {
  const row = await db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.min<number>('next_attempt_ms').as('next'))
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return row?.next == null ? null : Number(row.next);
}

/** Gives back leases of a process that is gone: only safe when one process uses the database. */
export async function releaseAllLeases(db: Kysely<Database>): Promise<number> {
  const result = await db
    .updateTable('deliveries')
    .set({ lease_until_ms: null, lease_owner: null })
    .where('lease_until_ms', 'is not', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function releaseLeases(db: Kysely<Database>, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('deliveries')
    .set({ lease_until_ms: null, lease_owner: null })
    .where('id', 'in', ids)
    .execute();
}

export async function pendingCount(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertAttempts(
  db: Kysely<Database>,
  rows: Omit<AttemptRow, 'seq'>[],
): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto('attempts').values(rows).execute();
}

export interface AttemptQuery {
  eventId?: string | undefined;
  endpointId?: string | undefined;
}

export async function listAttempts(
  db: Kysely<Database>,
  q: AttemptQuery,
  page: PageRequest,
): Promise<Page<AttemptRow>> {
  let query = db.selectFrom('attempts').selectAll();
  if (q.eventId !== undefined) query = query.where('event_id', '=', q.eventId);
  if (q.endpointId !== undefined) query = query.where('endpoint_id', '=', q.endpointId);
  return paginate(query, 'seq', page);
}

export async function findAttempt(
  db: Kysely<Database>,
  id: string,
): Promise<AttemptRow | undefined> {
  return db.selectFrom('attempts').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function deliveriesPage(
  db: Kysely<Database>,
  q: { endpointId?: string; eventId?: string },
  page: PageRequest,
): Promise<Page<DeliveryRow>> {
  let query = db.selectFrom('deliveries').selectAll();
  if (q.endpointId) query = query.where('endpoint_id', '=', q.endpointId);
  if (q.eventId) query = query.where('event_id', '=', q.eventId);
  return paginate(query, 'seq', page);
}
