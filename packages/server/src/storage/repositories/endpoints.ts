import type { Kysely, Selectable } from 'kysely';
import type { Dialect } from '../dialect.js';
import type { Database, EndpointsTable } from '../schema.js';
import { paginate, type Page, type PageRequest } from './pagination.js';
import { reusable } from './reusable.js';

export type EndpointRow = Selectable<EndpointsTable>;

/**
 * How many times this process has seen the endpoints table change (its own writes, and other
 * processes' as PostgreSQL notifies them): the routing cache (services/routing-cache.ts) keeps
 * what it read only while this stays the same. Every write to `endpoints` calls endpointsChanged
 * before and after it: before, so that nothing read meanwhile is kept; after, for the write that
 * committed on its own (inTransaction calls it again after a transaction commits).
 */
let generation = 0;

export function endpointsChanged(): void {
  generation++;
}

export function endpointsGeneration(): number {
  return generation;
}

export async function insertEndpoint(
  db: Kysely<Database>,
  row: Omit<EndpointRow, 'seq'>,
): Promise<void> {
  endpointsChanged();
  await db.insertInto('endpoints').values(row).execute();
  endpointsChanged();
}

export async function findEndpoint(
  db: Kysely<Database>,
  id: string,
): Promise<EndpointRow | undefined> {
  return db.selectFrom('endpoints').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Reads an endpoint and locks it until the transaction ends (see findObjectForUpdate). */
export async function findEndpointForUpdate(
  dialect: Dialect,
  db: Kysely<Database>,
  id: string,
): Promise<EndpointRow | undefined> {
  return dialect
    .forUpdate(db.selectFrom('endpoints').selectAll().where('id', '=', id))
    .executeTakeFirst();
}

export async function findEndpoints(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<EndpointRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('endpoints').selectAll().where('id', 'in', ids).execute();
}

export async function updateEndpoint(
  db: Kysely<Database>,
  id: string,
  changes: Partial<Omit<EndpointRow, 'seq' | 'id'>>,
): Promise<void> {
  endpointsChanged();
  await db.updateTable('endpoints').set(changes).where('id', '=', id).execute();
  endpointsChanged();
}

/** Every endpoint that may receive the platform's events (routing filters further). */
const selectRoutable = reusable<{ platformId: string }, EndpointRow>((db, v) =>
  db
    .selectFrom('endpoints')
    .selectAll()
    .where('platform_id', '=', v.platformId)
    .where('deleted', '=', 0)
    .where('status', '=', 'enabled'),
);

export async function routableEndpoints(
  db: Kysely<Database>,
  platformId: string,
): Promise<EndpointRow[]> {
  return selectRoutable(db, { platformId });
}

export interface EndpointQuery {
  platformId: string;
  livemode: boolean;
  accountId: string | null;
  kind: string;
}

export async function listEndpoints(
  db: Kysely<Database>,
  q: EndpointQuery,
  page: PageRequest,
): Promise<Page<EndpointRow>> {
  const query = db
    .selectFrom('endpoints')
    .selectAll()
    .where('platform_id', '=', q.platformId)
    .where('livemode', '=', q.livemode ? 1 : 0)
    .where('account_id', q.accountId === null ? 'is' : '=', q.accountId)
    .where('kind', '=', q.kind)
    .where('deleted', '=', 0);
  return paginate(query, 'seq', page);
}

export async function countEndpoints(db: Kysely<Database>, q: EndpointQuery): Promise<number> {
  const row = await db
    .selectFrom('endpoints')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('platform_id', '=', q.platformId)
    .where('livemode', '=', q.livemode ? 1 : 0)
    .where('account_id', q.accountId === null ? 'is' : '=', q.accountId)
    .where('kind', '=', q.kind)
    .where('deleted', '=', 0)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Disabled webhook endpoints and destinations, counted by why they were disabled. */
export async function disabledEndpointCounts(
  db: Kysely<Database>,
): Promise<Array<{ reason: string; count: number }>> {
  const rows = await db
    .selectFrom('endpoints')
    .select((eb) => ['disabled_reason', eb.fn.countAll<number>().as('n')])
    .where('status', '=', 'disabled')
    .where('deleted', '=', 0)
    .where('kind', '<>', 'listen')
    .groupBy('disabled_reason')
    .execute();
  return rows.map((r) => ({ reason: r.disabled_reason ?? 'user', count: Number(r.n) }));
}

/** A platform's listen sessions of one mode that have not ended, with when each was last seen. */
export async function openListenSessions(
  db: Kysely<Database>,
  platformId: string,
  livemode: boolean,
): Promise<Array<{ id: string; lastSeenMs: number }>> {
  const rows = await db
    .selectFrom('endpoints')
    .select(['id', 'config'])
    .where('platform_id', '=', platformId)
    .where('livemode', '=', livemode ? 1 : 0)
    .where('kind', '=', 'listen')
    .where('deleted', '=', 0)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    lastSeenMs: (JSON.parse(r.config) as { last_seen_ms?: number }).last_seen_ms ?? 0,
  }));
}
