import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, EventsTable } from '../schema.js';
import { applyRange, type RangeFilter } from './objects.js';
import { paginate, type Page, type PageRequest } from './pagination.js';
import { reusableInsert } from './reusable.js';

/** An event with its `pending_webhooks` (kept in `event_pending`: see schema.ts). */
export type EventRow = Selectable<EventsTable> & { pending_webhooks: number };

const insertEventRow = reusableInsert('events');
const insertPendingRow = reusableInsert('event_pending');

export async function insertEvent(db: Kysely<Database>, row: Omit<EventRow, 'seq'>): Promise<void> {
  const { pending_webhooks: pending, ...event } = row;
  await insertEventRow(db, [event]);
  if (pending > 0) await insertPendingRow(db, [{ event_id: row.id, pending }]);
}

/** An event's pending_webhooks, in a query joined to `event_pending` (no row: 0). */
export const pendingWebhooks = sql<number>`coalesce(event_pending.pending, 0)`;

/** Events with their pending_webhooks, for any query that reads events as EventRow. */
export function selectEvents(db: Kysely<Database>) {
  return db
    .selectFrom('events')
    .leftJoin('event_pending', 'event_pending.event_id', 'events.id')
    .selectAll('events')
    .select(pendingWebhooks.as('pending_webhooks'));
}

export async function findEvent(db: Kysely<Database>, id: string): Promise<EventRow | undefined> {
  return selectEvents(db).where('events.id', '=', id).executeTakeFirst();
}

export async function findEvents(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<EventRow[]> {
  if (ids.length === 0) return [];
  return selectEvents(db).where('events.id', 'in', ids).execute();
}

export interface EventQuery {
  platformId: string;
  livemode: boolean;
  /** Only this connected account's events; null for the platform's own. */
  accountId: string | null | 'any';
  object: 'event' | 'v2.core.event';
  /** Exact types; a trailing or inner `*` is a wildcard (`customer.*`). */
  types?: readonly string[] | undefined;
  created?: RangeFilter | undefined;
  /** true: every endpoint answered 2xx; false: some endpoint has not yet. */
  deliverySuccess?: boolean | undefined;
  objectId?: string | undefined;
  /** Events older than this (unix seconds) are past retention and not listed. */
  notBefore?: number | undefined;
}

export async function listEvents(
  db: Kysely<Database>,
  q: EventQuery,
  page: PageRequest,
): Promise<Page<EventRow>> {
  let query = selectEvents(db)
    .where('platform_id', '=', q.platformId)
    .where('livemode', '=', q.livemode ? 1 : 0)
    .where('object', '=', q.object);
  if (q.accountId !== 'any')
    query = query.where('account_id', q.accountId === null ? 'is' : '=', q.accountId);
  if (q.types && q.types.length > 0) {
    const types = q.types;
    query = query.where((eb) =>
      eb.or(
        types.map((t) =>
          t.includes('*')
            ? eb('type', 'like', t.replace(/[%_]/g, '\\$&').replace(/\*/g, '%'))
            : eb('type', '=', t),
        ),
      ),
    );
  }
  if (q.created) query = applyRange(query, 'created', q.created);
  if (q.notBefore !== undefined) query = query.where('created', '>=', q.notBefore);
  if (q.deliverySuccess !== undefined) {
    query = query.where(pendingWebhooks, q.deliverySuccess ? '=' : '>', 0);
  }
  if (q.objectId !== undefined) query = query.where('object_id', '=', q.objectId);
  return paginate(query, 'seq', page);
}
