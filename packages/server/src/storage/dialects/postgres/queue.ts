import { CompiledQuery, type Kysely } from 'kysely';
import { ENDPOINTS_CHANGED } from '../../dialect.js';
import type {
  ClaimedDelivery,
  DeliveryQueue,
  FailurePolicy,
  OutcomeBatch,
  QueueOptions,
} from '../../../delivery/queue.js';
import { releaseAllLeases, releaseLeases } from '../../repositories/deliveries.js';
import { endpointsChanged, type EndpointRow } from '../../repositories/endpoints.js';
import type { EventRow } from '../../repositories/events.js';
import { compiledOnce } from '../../repositories/reusable.js';
import type { Database } from '../../schema.js';

/**
 * The channel on which processes tell each other what changed (postgres-dialect.ts): deliveries
 * queued, credentials revoked, endpoints changed.
 */
export const CHANNEL = 'switchboard_deliveries';

/** A statement run as a named prepared statement (postgres-dialect.ts prepares compiledOnce). */
function prepared(text: string): string {
  compiledOnce.add(text);
  return text;
}

// The functions of migrations/0013-postgres-queue.ts: each a round trip.
const CLAIM = prepared(`SELECT * FROM switchboard_claim($1, $2, $3, $4, $5, $6::text[], $7, $8,
  $9::text[], $10::text[], $11::text[], $12::integer[])`);
const NEXT_DUE = prepared(
  'SELECT due, lease_ends FROM switchboard_next_due($1, $2::text[], $3::text[], $4::text[])',
);
const RECORD = prepared('SELECT switchboard_record_outcomes($1::jsonb)');
const NOTIFY_ENDPOINTS_CHANGED = `SELECT pg_notify('${CHANNEL}', '${ENDPOINTS_CHANGED}')`;
// Rows an outcome is being written for are skipped: their lease ends with the outcome anyway, and
// waiting on them could deadlock with the batch writing it (rows locked in another order). The
// worker is seen now (queue_workers, migrations/0016-claim-alone.ts): its leases last a lease
// length past this.
const RENEW = prepared(`WITH seen AS (INSERT INTO queue_workers (owner, seen_ms) VALUES ($3, $4)
    ON CONFLICT (owner) DO UPDATE SET seen_ms = excluded.seen_ms)
  UPDATE deliveries SET lease_until_ms = $1
  WHERE seq IN (SELECT seq FROM deliveries WHERE id = ANY($2::text[]) AND lease_owner = $3
    AND status = 'pending' FOR UPDATE SKIP LOCKED)`);
const LOCK_ENDPOINTS = prepared(`SELECT id, status, url, livemode, failing_since_ms, warned_at_ms
  FROM endpoints WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`);
const UPDATE_HEALTH = prepared(`UPDATE endpoints SET failing_since_ms = $2, warned_at_ms = $3,
  status = CASE WHEN $4 THEN 'disabled' ELSE status END,
  disabled_reason = CASE WHEN $4 THEN 'failing' ELSE disabled_reason END
  WHERE id = $1`);

/**
 * A row of switchboard_claim: the delivery, its event (null columns: gone) with its seq as
 * `event_seq`, and its endpoint.
 */
type ClaimRow = Pick<
  ClaimedDelivery,
  'id' | 'event_id' | 'endpoint_id' | 'attempts' | 'first_attempt_ms' | 'one_shot'
> &
  Omit<EventRow, 'seq' | 'id'> & {
    event_seq: number | null;
    /** On the first row of each endpoint (null after; null too when the endpoint is gone). */
    endpoint: EndpointRow | null;
  };

function claimed(r: ClaimRow, endpoint: EndpointRow | null): ClaimedDelivery {
  return {
    id: r.id,
    event_id: r.event_id,
    endpoint_id: r.endpoint_id,
    attempts: r.attempts,
    first_attempt_ms: r.first_attempt_ms,
    one_shot: r.one_shot,
    event:
      r.event_seq === null
        ? null
        : {
            seq: r.event_seq,
            id: r.event_id,
            platform_id: r.platform_id,
            account_id: r.account_id,
            livemode: r.livemode,
            type: r.type,
            object: r.object,
            api_version: r.api_version,
            created: r.created,
            created_ms: r.created_ms,
            data: r.data,
            request_id: r.request_id,
            idempotency_key: r.idempotency_key,
            object_id: r.object_id,
            pending_webhooks: r.pending_webhooks,
          },
    endpoint,
  };
}

/**
 * The PostgreSQL delivery queue: several processes deliver from the database, kept apart by
 * leases, each endpoint's limit counted across them by the claim. Claims, next-due lookups and
 * outcome batches are one function call each (migrations/0013-postgres-queue.ts).
 */
export function postgresQueue(db: Kysely<Database>, options: QueueOptions): DeliveryQueue {
  if (options.withoutLeases) throw new Error('PostgreSQL delivery queues claim with leases');
  const run = async <R>(d: Kysely<Database>, text: string, parameters: unknown[]) =>
    (await d.executeQuery<R>(CompiledQuery.raw(text, parameters))).rows;
  return {
    async claim(a) {
      const rows = await run<ClaimRow>(db, CLAIM, [
        a.now,
        a.realNow,
        a.realNow + options.leaseMs,
        options.owner,
        a.limit,
        a.kinds,
        a.endpointLimit,
        a.topUpTo,
        a.excludeEndpoints,
        a.listenSessions ?? null,
        [...a.occupied.keys()],
        [...a.occupied.values()],
      ]);
      const endpoints = new Map<string, EndpointRow>();
      for (const r of rows) if (r.endpoint) endpoints.set(r.endpoint_id, r.endpoint);
      return rows.map((r) => claimed(r, endpoints.get(r.endpoint_id) ?? null));
    },
    async nextDue(a) {
      const [row] = await run<{ due: number | null; lease_ends: number | null }>(db, NEXT_DUE, [
        a.realNow,
        a.kinds,
        a.excludeEndpoints,
        a.listenSessions ?? null,
      ]);
      return { due: row?.due ?? null, leaseEnds: row?.lease_ends ?? null };
    },
    async renew(ids) {
      if (ids.length === 0) return;
      const realNow = Date.now();
      await run(db, RENEW, [realNow + options.leaseMs, ids, options.owner, realNow]);
    },
    release: (ids) => releaseLeases(db, ids),
    releaseAll: () => releaseAllLeases(db),
    record: (batch, onFailure) => record(db, batch, onFailure),
  };
}

/**
 * One function call; with failures, in a transaction that first locks the batch's endpoints in id
 * order (the function locks those whose streak ends the same way, and events after them) and
 * writes what `onFailure` decides.
 */
async function record(
  db: Kysely<Database>,
  batch: OutcomeBatch,
  onFailure: FailurePolicy,
): Promise<void> {
  const document = JSON.stringify({
    now: batch.now,
    attempts: batch.attempts,
    finished: batch.finished,
    deferred: batch.deferred,
    delivered: batch.delivered.map((d) => ({ event_id: d.eventId, n: d.n })),
    succeeded: batch.succeeded,
  });
  if (batch.failed.length === 0) {
    await db.executeQuery(CompiledQuery.raw(RECORD, [document]));
    return;
  }
  let disabled = false;
  await db.transaction().execute(async (tx) => {
    const failed = new Set(batch.failed);
    const locked = [...batch.failed, ...batch.succeeded].sort();
    const rows = await tx.executeQuery<Parameters<FailurePolicy>[0]>(
      CompiledQuery.raw(LOCK_ENDPOINTS, [locked]),
    );
    for (const row of rows.rows) {
      if (!failed.has(row.id)) continue;
      const change = onFailure(row);
      if (!change) continue;
      if (change.disable && !disabled) {
        // A disabled endpoint no longer gets events: every process is told at the commit
        // (services/routing-cache.ts).
        disabled = true;
        endpointsChanged();
        await tx.executeQuery(CompiledQuery.raw(NOTIFY_ENDPOINTS_CHANGED));
      }
      await tx.executeQuery(
        CompiledQuery.raw(UPDATE_HEALTH, [
          row.id,
          change.failing_since_ms,
          change.warned_at_ms,
          change.disable,
        ]),
      );
    }
    await tx.executeQuery(CompiledQuery.raw(RECORD, [document]));
  });
  if (disabled) endpointsChanged();
}
