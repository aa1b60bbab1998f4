import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { EventDeliveryStatus } from '../../domain/delivery-summary.js';
import type { Database } from '../schema.js';
import type { DeliveryRow } from './deliveries.js';
import { selectEvents, type EventRow } from './events.js';
import { applyRange, type RangeFilter } from './objects.js';
import { paginate, type Page, type PageRequest } from './pagination.js';

/** The dashboard's reads: events of a whole platform by delivery status, attempts per minute. */
export interface PlatformEventQuery {
  platformId: string;
  livemode: boolean;
  /** An account id; `platform` for the platform's own events; `connected` for any connected account's. */
  account?: string | undefined;
  /** Exact types; `*` is a wildcard (`customer.*`). */
  types?: readonly string[] | undefined;
  deliveryStatus?: EventDeliveryStatus | undefined;
  /** Created within this range (unix seconds). */
  created?: RangeFilter | undefined;
  /** v1 (snapshot) events, or v2 (thin) events. */
  object: 'event' | 'v2.core.event';
  /** Unix seconds: older events are past retention. */
  notBefore: number;
}

type Eb = ExpressionBuilder<Database, 'events'>;

/** Deliveries of this event that no newer delivery (a resend) to the same endpoint replaces. */
function latestDeliveries(eb: Eb) {
  return eb
    .selectFrom('deliveries as d')
    .select(sql.lit(1).as('one'))
    .whereRef('d.event_id', '=', 'events.id')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('deliveries as d2')
            .select(sql.lit(1).as('one'))
            .whereRef('d2.event_id', '=', 'd.event_id')
            .whereRef('d2.endpoint_id', '=', 'd.endpoint_id')
            .whereRef('d2.seq', '>', 'd.seq'),
        ),
      ),
    );
}

/** The SQL form of domain/delivery-summary.ts `eventDeliveryStatus`. */
function hasDeliveryStatus(eb: Eb, status: EventDeliveryStatus) {
  const failed = eb.exists(latestDeliveries(eb).where('d.status', '=', 'failed'));
  const retrying = eb.exists(
    latestDeliveries(eb).where((d) =>
      d.and([d('d.status', '=', 'pending'), d('d.attempts', '>', 0)]),
    ),
  );
  const failing = eb.or([failed, retrying]);
  const any = eb.exists(
    eb
      .selectFrom('deliveries as d')
      .select(sql.lit(1).as('one'))
      .whereRef('d.event_id', '=', 'events.id'),
  );
  switch (status) {
    case 'none':
      return eb.not(any);
    case 'failed':
      return failed;
    case 'retrying':
      return eb.and([eb.not(failed), retrying]);
    case 'pending':
      return eb.and([
        eb.not(failing),
        eb.exists(latestDeliveries(eb).where('d.status', '=', 'pending')),
      ]);
    case 'delivered':
      return eb.and([
        any,
        eb.not(eb.exists(latestDeliveries(eb).where('d.status', '!=', 'succeeded'))),
      ]);
  }
}

export async function listPlatformEvents(
  db: Kysely<Database>,
  q: PlatformEventQuery,
  page: PageRequest,
): Promise<Page<EventRow>> {
  let query = selectEvents(db)
    .where('platform_id', '=', q.platformId)
    .where('livemode', '=', q.livemode ? 1 : 0)
    .where('object', '=', q.object)
    .where('created', '>=', q.notBefore);
  if (q.created) query = applyRange(query, 'created', q.created);
  if (q.account === 'platform') query = query.where('account_id', 'is', null);
  else if (q.account === 'connected') query = query.where('account_id', 'is not', null);
  else if (q.account !== undefined) query = query.where('account_id', '=', q.account);
  if (q.types && q.types.length > 0) {
    const types = q.types;
    query = query.where((eb) =>
      eb.or(
        types.map((t) =>
          t.includes('*')
            ? eb('type', 'like', t.replace(/[%_\\]/g, '\\$&').replace(/\*/g, '%'))
            : eb('type', '=', t),
        ),
      ),
    );
  }
  const status = q.deliveryStatus;
  if (status !== undefined) query = query.where((eb) => hasDeliveryStatus(eb, status));
  return paginate(query, 'seq', page);
}

export async function deliveriesForEvents(
  db: Kysely<Database>,
  eventIds: readonly string[],
): Promise<DeliveryRow[]> {
  if (eventIds.length === 0) return [];
  return db.selectFrom('deliveries').selectAll().where('event_id', 'in', eventIds).execute();
}

export interface MinuteOutcomeCount {
  endpoint_id: string;
  /** Minutes since the epoch. */
  minute: number;
  outcome: string;
  n: number;
}

/** Attempts per endpoint, minute and outcome since `sinceMs` (clock ms). */
export async function attemptCountsByMinute(
  db: Kysely<Database>,
  endpointIds: readonly string[],
  sinceMs: number,
): Promise<MinuteOutcomeCount[]> {
  if (endpointIds.length === 0) return [];
  // Integer division on both SQLite and PostgreSQL (started_ms is an integer column).
  const minute = sql<number>`started_ms / 60000`;
  const rows = await db
    .selectFrom('attempts')
    .select((eb) => [
      'endpoint_id',
      minute.as('minute'),
      'outcome',
      eb.fn.countAll<number>().as('n'),
    ])
    .where('endpoint_id', 'in', endpointIds)
    .where('started_ms', '>=', sinceMs)
    .groupBy(['endpoint_id', minute, 'outcome'])
    .execute();
  return rows.map((r) => ({ ...r, minute: Number(r.minute), n: Number(r.n) }));
}
