import type { Kysely } from 'kysely';
import type { RoutableEndpoint } from '../domain/glossary.js';
import {
  endpointsGeneration,
  routableEndpoints,
  type EndpointRow,
} from '../storage/repositories/endpoints.js';
import type { Database } from '../storage/schema.js';
import type { WriteContext } from './context.js';

export type Routable = RoutableEndpoint & { row: EndpointRow };

interface Entry {
  generation: number;
  loadedMs: number;
  endpoints: readonly Routable[];
}

/**
 * A read of the routing cache is trusted this long at most, whatever happened meanwhile: the net
 * under what notifications cannot reach (a second SQLite process, which has no NOTIFY).
 */
const TRUSTED_MS = 1_000;

/** Per database (tests run several servers in one process), per platform. */
const caches = new WeakMap<Kysely<Database>, Map<string, Entry>>();

export function toRoutable(row: EndpointRow): Routable {
  const config = JSON.parse(row.config) as {
    payload?: 'snapshot' | 'thin' | 'both';
    events_from?: string[];
  };
  return {
    id: row.id as RoutableEndpoint['id'],
    kind: row.kind as RoutableEndpoint['kind'],
    platformId: row.platform_id as RoutableEndpoint['platformId'],
    ownerAccount: row.account_id as RoutableEndpoint['ownerAccount'],
    livemode: row.livemode === 1,
    connect: row.connect === 1,
    enabledEvents: JSON.parse(row.enabled_events) as string[],
    status: row.status as RoutableEndpoint['status'],
    payload: config.payload ?? 'snapshot',
    eventsFrom: config.events_from ?? [],
    row,
  };
}

/**
 * The endpoints that may receive the platform's events (enabled, not deleted; routing filters
 * further), read once and kept until the endpoints table changes: without it every create on
 * PostgreSQL waited for this read before it could send its writes, two waits instead of one.
 *
 * What is read is kept only once the transaction that read it has committed, and only if no write
 * to `endpoints` began since the read began (endpointsChanged): a transaction that changed an
 * endpoint and then routes an event reads its own change, and it is never kept; nor is a read
 * that raced another process's change, which PostgreSQL notifies to every process at its commit
 * (Dialect.notifyEndpointsChanged, from inTransaction).
 */
export async function routingEndpoints(w: WriteContext): Promise<readonly Routable[]> {
  const root = w.services.dialect.db;
  let cache = caches.get(root);
  if (!cache) caches.set(root, (cache = new Map()));
  const generation = endpointsGeneration();
  const realNow = Date.now();
  const hit = cache.get(w.platform.id);
  if (hit && hit.generation === generation && realNow - hit.loadedMs < TRUSTED_MS)
    return hit.endpoints;
  const endpoints = (await routableEndpoints(w.db, w.platform.id)).map(toRoutable);
  const platformId = w.platform.id;
  const store = cache;
  w.afterCommit.push(() => {
    if (endpointsGeneration() !== generation) return;
    if (store.size > 10_000) store.clear();
    store.set(platformId, { generation, loadedMs: realNow, endpoints });
  });
  return endpoints;
}
