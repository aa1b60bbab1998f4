import type { Kysely, Selectable } from 'kysely';
import type { FailurePolicy, OutcomeBatch } from '../../delivery/queue.js';
import type { AnySelect } from '../dialect.js';
import type { AttemptsTable, Database, DeliveriesTable } from '../schema.js';
import { endpointsChanged } from './endpoints.js';
import { paginate, type Page, type PageRequest } from './pagination.js';
import { reusable, reusableInsert, type RunEach } from './reusable.js';

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

// Idempotent: a batch whose commit was cut off (the database restarting) is written again, and may
// have been committed after all.
const insertAttemptRows = reusableInsert('attempts', { skipConflictsOn: 'id' });

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
  runEach?: RunEach,
): Promise<void> {
  await finishDelivery.each(db, outcomes, runEach);
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
  runEach?: RunEach,
): Promise<void> {
  await deferDelivery.each(db, deferrals, runEach);
}

const countDelivered = reusable<{ id: string; n: number }>((db, v) =>
  db
    .updateTable('event_pending')
    .set((eb) => ({ pending: eb('pending', '-', v.n) }))
    .where('event_id', '=', v.id)
    .where('pending', '>=', v.n),
);

/**
 * For each event, `n` more endpoints answered 2xx (pending_webhooks never goes below zero). Rows
 * are written in the order given.
 */
export async function countDeliveredWebhooks(
  db: Kysely<Database>,
  counts: ReadonlyArray<{ id: string; n: number }>,
  runEach?: RunEach,
): Promise<void> {
  await countDelivered.each(db, counts, runEach);
}

/**
 * Records a batch of outcomes (DeliveryQueue.record) statement by statement in one transaction:
 * the SQLite queue's way (SQLite has one writer at a time; each statement runs on its prepared
 * statement through `runEach`). PostgreSQL records a batch with one function instead
 * (dialects/postgres/queue.ts).
 */
export async function recordOutcomes(
  db: Kysely<Database>,
  storage: { runEach: RunEach; forUpdate<QB extends AnySelect>(query: QB): QB },
  batch: OutcomeBatch,
  onFailure: FailurePolicy,
): Promise<void> {
  const { runEach } = storage;
  let disabled = false;
  await db.transaction().execute(async (tx) => {
    await insertAttempts(tx, batch.attempts);
    await deferDeliveries(tx, batch.deferred, runEach);
    await finishDeliveries(tx, batch.finished, runEach);
    if (batch.succeeded.length > 0) {
      // Only endpoints in a failure streak are written (and locked): rarely any.
      await tx
        .updateTable('endpoints')
        .set({ failing_since_ms: null, warned_at_ms: null })
        .where('id', 'in', batch.succeeded)
        .where('failing_since_ms', 'is not', null)
        .execute();
    }
    if (batch.failed.length > 0) {
      // Locked, so that a failure streak is extended from the endpoint as it is: a user
      // re-enabling the endpoint meanwhile clears the streak, which an unlocked read would restore.
      const rows = await storage
        .forUpdate(
          tx
            .selectFrom('endpoints')
            .select(['id', 'status', 'url', 'livemode', 'failing_since_ms', 'warned_at_ms'])
            .where('id', 'in', batch.failed)
            .orderBy('id'),
        )
        .execute();
      for (const row of rows) {
        const change = onFailure(row);
        if (!change) continue;
        // A disabled endpoint no longer gets events (services/routing-cache.ts).
        if (change.disable) {
          disabled = true;
          endpointsChanged();
        }
        await tx
          .updateTable('endpoints')
          .set({
            failing_since_ms: change.failing_since_ms,
            warned_at_ms: change.warned_at_ms,
            ...(change.disable ? { status: 'disabled', disabled_reason: 'failing' } : {}),
          })
          .where('id', '=', row.id)
          .execute();
      }
    }
    const counts = batch.delivered.map(({ eventId, n }) => ({ id: eventId, n }));
    await countDeliveredWebhooks(tx, counts, runEach);
  });
  if (disabled) endpointsChanged();
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

export interface QueueStats {
  /** Deliveries not yet delivered nor given up on. */
  pending: number;
  /** Pending deliveries due now that no worker holds. */
  due: number;
  /** When the oldest of those fell due (clock ms), or null. */
  oldestDueMs: number | null;
}

/** The query behind queueStats (its plan is tested: it must read an index, not the table). */
export function queueStatsQuery(db: Kysely<Database>, now: number, realNow: number) {
  return db
    .selectFrom('deliveries')
    .select((eb) => {
      const waiting = eb.and([
        eb('next_attempt_ms', '<=', now),
        eb.or([eb('lease_until_ms', 'is', null), eb('lease_until_ms', '<=', realNow)]),
      ]);
      return [
        eb.fn.countAll<number>().as('pending'),
        eb.fn.count<number>(eb.case().when(waiting).then(1).end()).as('due'),
        eb.fn
          .min<number | null>(eb.case().when(waiting).then(eb.ref('next_attempt_ms')).end())
          .as('oldest'),
      ];
    })
    .where('status', '=', 'pending');
}

/** The delivery queue as a whole, at clock time `now`. */
export async function queueStats(
  db: Kysely<Database>,
  now: number,
  realNow: number,
): Promise<QueueStats> {
  const row = await queueStatsQuery(db, now, realNow).executeTakeFirstOrThrow();
  return {
    pending: Number(row.pending),
    due: Number(row.due),
    oldestDueMs: row.oldest == null ? null : Number(row.oldest),
  };
}
