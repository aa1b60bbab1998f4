import type { Kysely, Selectable } from 'kysely';
import type { AttemptsTable, Database, DeliveriesTable } from '../schema.js';
import { paginate, type Page, type PageRequest } from './pagination.js';
import { reusable, reusableInsert } from './reusable.js';

export type DeliveryRow = Selectable<DeliveriesTable>;
export type AttemptRow = Selectable<AttemptsTable>;

const insertDeliveryRows = reusableInsert('deliveries');

export async function insertDeliveries(
  db: Kysely<Database>,
  rows: Omit<DeliveryRow, 'seq'>[],
): Promise<void> {
  await insertDeliveryRows(db, rows);
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
const selectNextDue = reusable<{ status: string }, { next: number | null }>((db, v) =>
  db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.min<number>('next_attempt_ms').as('next'))
    .where('status', '=', v.status),
);

export async function nextDueTime(db: Kysely<Database>): Promise<number | null> {
  const [row] = await selectNextDue(db, { status: 'pending' });
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

const insertAttemptRows = reusableInsert('attempts');

export async function insertAttempts(
  db: Kysely<Database>,
  rows: Omit<AttemptRow, 'seq'>[],
): Promise<void> {
  await insertAttemptRows(db, rows);
}

/** Where an attempt leaves its delivery: done, failed for good, or pending a retry. */
export interface DeliveryOutcome {
  id: string;
  status: 'succeeded' | 'failed' | 'pending';
  attempts: number;
  first_attempt_ms: number;
  next_attempt_ms: number | null;
  last_status_code: number | null;
  last_error: string | null;
  updated_ms: number;
}

const finishDelivery = reusable<DeliveryOutcome>((db, v) =>
  db
    .updateTable('deliveries')
    .set({
      status: v.status,
      attempts: v.attempts,
      first_attempt_ms: v.first_attempt_ms,
      next_attempt_ms: v.next_attempt_ms,
      lease_until_ms: null,
      lease_owner: null,
      last_status_code: v.last_status_code,
      last_error: v.last_error,
      updated_ms: v.updated_ms,
    })
    .where('id', '=', v.id),
);

/** Records each delivery's state after an attempt and gives up its lease. */
export async function finishDeliveries(
  db: Kysely<Database>,
  outcomes: readonly DeliveryOutcome[],
): Promise<void> {
  for (const o of outcomes) await finishDelivery(db, o);
}

const deferDelivery = reusable<{ id: string; next_attempt_ms: number; updated_ms: number }>(
  (db, v) =>
    db
      .updateTable('deliveries')
      .set({
        next_attempt_ms: v.next_attempt_ms,
        lease_until_ms: null,
        lease_owner: null,
        updated_ms: v.updated_ms,
      })
      .where('id', '=', v.id),
);

/** Puts deliveries back in the queue, untried, until `next_attempt_ms`, and gives up their leases. */
export async function deferDeliveries(
  db: Kysely<Database>,
  deferrals: ReadonlyArray<{ id: string; next_attempt_ms: number; updated_ms: number }>,
): Promise<void> {
  for (const d of deferrals) await deferDelivery(db, d);
}

const countDelivered = reusable<{ id: string; n: number }>((db, v) =>
  db
    .updateTable('events')
    .set((eb) => ({ pending_webhooks: eb('pending_webhooks', '-', v.n) }))
    .where('id', '=', v.id)
    .where('pending_webhooks', '>=', v.n),
);

/** `n` more endpoints answered 2xx for the event (pending_webhooks never goes below zero). */
export async function countDeliveredWebhooks(
  db: Kysely<Database>,
  eventId: string,
  n: number,
): Promise<void> {
  await countDelivered(db, { id: eventId, n });
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
