import type { Kysely } from 'kysely';
import type { ClaimedDelivery, DeliveryQueue, QueueOptions } from '../../../delivery/queue.js';
import type { RunEach } from '../../repositories/reusable.js';
import { recordOutcomes, releaseAllLeases, releaseLeases } from '../../repositories/deliveries.js';
import { findEndpoints } from '../../repositories/endpoints.js';
import { findEvents } from '../../repositories/events.js';
import type { Database } from '../../schema.js';
import type { SqliteClaimer } from './claim.js';

/**
 * The SQLite delivery queue. Claims run on Kysely's connection (after any transaction in
 * progress), synchronously, one endpoint at a time (claim.ts). One process uses the file: the
 * worker keeps each endpoint's limit in memory (ClaimRequest.occupied), so leases are not counted
 * across workers here.
 */
export function sqliteQueue(
  db: Kysely<Database>,
  claimer: () => SqliteClaimer,
  runEach: RunEach,
  options: QueueOptions,
): DeliveryQueue {
  const lease = (realNow: number) =>
    options.withoutLeases ? null : { owner: options.owner, until: realNow + options.leaseMs };
  const onConnection = <T>(work: () => T): Promise<T> =>
    db.connection().execute(async () => work());
  return {
    async claim(request) {
      const rows = await onConnection(() => claimer().claim(request, lease(request.realNow)));
      if (rows.length === 0) return [];
      // Without leases the claim read the events already.
      const unread = [...new Set(rows.filter((r) => r.event === undefined).map((r) => r.event_id))];
      const [events, endpoints] = await Promise.all([
        unread.length > 0 ? findEvents(db, unread) : [],
        findEndpoints(db, [...new Set(rows.map((r) => r.endpoint_id))]),
      ]);
      const eventById = new Map(events.map((e) => [e.id, e]));
      const endpointById = new Map(endpoints.map((e) => [e.id, e]));
      return rows.map((r): ClaimedDelivery => ({
        ...r,
        event: r.event === undefined ? (eventById.get(r.event_id) ?? null) : r.event,
        endpoint: endpointById.get(r.endpoint_id) ?? null,
      }));
    },
    nextDue: (request) => onConnection(() => claimer().nextDue(request, options.withoutLeases)),
    async renew(ids) {
      if (options.withoutLeases || ids.length === 0) return;
      await db
        .updateTable('deliveries')
        .set({ lease_until_ms: Date.now() + options.leaseMs })
        .where('id', 'in', ids)
        .where('lease_owner', '=', options.owner)
        .where('status', '=', 'pending')
        .execute();
    },
    release: (ids) => releaseLeases(db, ids),
    releaseAll: () => releaseAllLeases(db),
    record: (batch, onFailure) =>
      recordOutcomes(db, { runEach, forUpdate: (query) => query }, batch, onFailure),
  };
}
