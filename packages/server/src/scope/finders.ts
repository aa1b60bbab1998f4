import type { Kysely } from 'kysely';
import type { WriteContext } from '../services/context.js';
import type { Dialect } from '../storage/dialect.js';
import {
  listEndpoints,
  type EndpointQuery,
  type EndpointRow,
} from '../storage/repositories/endpoints.js';
import { selectEvents, type EventRow } from '../storage/repositories/events.js';
import {
  listObjects,
  type ObjectQuery,
  type ObjectRow,
  type RangeFilter,
  type WhereValue,
} from '../storage/repositories/objects.js';
import type { Page, PageRequest } from '../storage/repositories/pagination.js';
import type { Database } from '../storage/schema.js';
import { errors } from '../stripe/errors.js';
import { accountReach, isPlatformKey, platformView, type Access, type Scope } from './scope.js';

/**
 * Scoped finders: every read of a row by id goes through one of these, with the scope in the
 * query itself (platform, and for objects and endpoints the account acted as), so a row of
 * another tenant is never read, then checked against the scope's policy (mode, credential).
 * The named policies:
 * - own objects (`requireObject`, `listVisible`): of the scope's platform, the account it acts
 *   as (null: the platform's own) and its mode; not deleted;
 * - connected accounts (`requireAccount`): the platform's accounts as `accountReach` allows;
 * - own endpoints (`requireEndpoint`): webhook endpoints, listen sessions and event destinations
 *   of the platform, the account acted as and the mode;
 * - events (`requireEvent`): of the platform and mode, of the account acted as, or (for
 *   Switchboard's platform-wide routes, platform keys only) of every account.
 */

/** `objects.deleted` of an account that disconnected from the platform (hidden, not gone). */
export const DISCONNECTED = 2;

const modeOf = (scope: Scope) => (scope.livemode ? 1 : 0);

type Lock = Pick<WriteContext, 'db' | 'services'>;

/** The rows of `objects` with this id in the scope's platform and account (any mode, any state). */
function selectOwnObject(db: Kysely<Database>, scope: Scope, id: string) {
  return db
    .selectFrom('objects')
    .selectAll()
    .where('id', '=', id)
    .where('platform_id', '=', scope.platform.id)
    .where('account_id', scope.accountId === null ? 'is' : '=', scope.accountId);
}

/**
 * An object of `type` that the scope owns, or Stripe's "No such ..." (naming the other mode when
 * the object exists there, as Stripe does).
 */
export async function requireObject(
  db: Kysely<Database>,
  scope: Scope,
  type: string,
  id: string,
  label = type,
  param = 'id',
): Promise<ObjectRow> {
  const row = await selectOwnObject(db, scope, id).executeTakeFirst();
  return ownOrThrow(row, scope, type, id, label, param);
}

/**
 * requireObject for an object this write goes on to change: the row stays locked until the write
 * commits (PostgreSQL `FOR UPDATE`), so that two concurrent writes never both start from the
 * same version and one lose the other's changes (confirming one payment intent six times at once
 * charged it six times).
 */
export async function requireObjectToChange(
  w: Lock,
  scope: Scope,
  type: string,
  id: string,
  label = type,
  param = 'id',
): Promise<ObjectRow> {
  const row = await w.services.dialect
    .forUpdate(selectOwnObject(w.db, scope, id))
    .executeTakeFirst();
  return ownOrThrow(row, scope, type, id, label, param);
}

function ownOrThrow(
  row: ObjectRow | undefined,
  scope: Scope,
  type: string,
  id: string,
  label: string,
  param: string,
): ObjectRow {
  if (!row || row.type !== type || row.deleted !== 0)
    throw errors.resourceMissing(label, id, param);
  if (row.livemode !== modeOf(scope)) throw errors.livemodeMismatch(label, id, row.livemode === 1);
  return row;
}

/** A page of a list: `limit`, `starting_after`, `ending_before`. */
export interface PageParams {
  limit?: number | undefined;
  starting_after?: string | undefined;
  ending_before?: string | undefined;
}

/** Turns `starting_after` / `ending_before` ids into positions, checking they belong to the list. */
export async function pageRequest(
  params: PageParams,
  lookup: (id: string) => Promise<{ seq: number } | undefined>,
  label: string,
): Promise<PageRequest> {
  if (params.starting_after !== undefined && params.ending_before !== undefined) {
    throw errors.parametersExclusive('starting_after', 'ending_before');
  }
  const page: PageRequest = { limit: params.limit ?? 10 };
  if (params.starting_after !== undefined) {
    const row = await lookup(params.starting_after);
    if (!row) throw errors.resourceMissing(label, params.starting_after, 'starting_after');
    page.afterSeq = Number(row.seq);
  }
  if (params.ending_before !== undefined) {
    const row = await lookup(params.ending_before);
    if (!row) throw errors.resourceMissing(label, params.ending_before, 'ending_before');
    page.beforeSeq = Number(row.seq);
  }
  return page;
}

/** What a list of own objects may narrow by. */
export interface OwnObjectQuery {
  type: string;
  parentId?: string | undefined;
  /** Exact matches on members of the rendered object, e.g. `{ email: 'a@b.c' }`. */
  where?: Record<string, WhereValue> | undefined;
  /** Exact matches of any JSON type on members (`a.b` nested), e.g. `{ active: true }`. */
  matches?: Record<string, unknown> | undefined;
  created?: RangeFilter | undefined;
  /** Ranges over numeric members, e.g. `{ arrival_date: { gte: 1700000000 } }`. */
  ranges?: Record<string, RangeFilter> | undefined;
}

/** Lists the scope's own objects of one type, newest first, a page at a time. */
export async function listOwnObjects(
  dialect: Dialect,
  scope: Scope,
  query: OwnObjectQuery,
  params: PageParams,
  label = query.type,
): Promise<Page<ObjectRow>> {
  const full: ObjectQuery = {
    ...query,
    platformId: scope.platform.id,
    livemode: scope.livemode,
    accountId: scope.accountId,
  };
  const page = await pageRequest(
    params,
    async (id) => {
      const row = await selectOwnObject(dialect.db, scope, id).executeTakeFirst();
      const sameList =
        row &&
        row.type === full.type &&
        row.livemode === modeOf(scope) &&
        (full.parentId === undefined || row.parent_id === full.parentId);
      return sameList ? row : undefined;
    },
    label,
  );
  return listObjects(dialect, full, page);
}

/**
 * A connected account of the scope's platform that the scope reaches for `access`
 * (scope.ts `accountReach`), or Stripe's error: "No such account", the deauthorized account's
 * error, or, for a test key changing a live account, an error that says a live key is needed.
 */
export async function requireAccount(
  db: Kysely<Database>,
  scope: Scope,
  id: string,
  access: Access = 'read',
  param = 'account',
): Promise<ObjectRow> {
  if (access === 'read' && scope.account?.id === id) return scope.account;
  const row = await selectAccount(db, scope, id).executeTakeFirst();
  return accountOrThrow(row, scope, id, access, param);
}

/** requireAccount for an account this write goes on to change (access `write`): locked. */
export async function requireAccountToChange(
  w: Lock,
  scope: Scope,
  id: string,
  param = 'id',
  /** Also an account that disconnected (to connect it again). */
  disconnected: 'refuse' | 'allow' = 'refuse',
): Promise<ObjectRow> {
  const row = await w.services.dialect.forUpdate(selectAccount(w.db, scope, id)).executeTakeFirst();
  if (row && disconnected === 'allow' && row.deleted === DISCONNECTED) {
    // Checked as if connected (mode, OAuth binding), then returned as it is.
    accountOrThrow({ ...row, deleted: 0 }, scope, id, 'write', param);
    return row;
  }
  return accountOrThrow(row, scope, id, 'write', param);
}

function selectAccount(db: Kysely<Database>, scope: Scope, id: string) {
  return db
    .selectFrom('objects')
    .selectAll()
    .where('id', '=', id)
    .where('type', '=', 'account')
    .where('platform_id', '=', scope.platform.id)
    .where('account_id', 'is', null);
}

function accountOrThrow(
  row: ObjectRow | undefined,
  scope: Scope,
  id: string,
  access: Access,
  param: string,
): ObjectRow {
  const reach = row ? accountReach(scope, row, access) : 'missing';
  if (!row || reach === 'missing' || row.deleted === 1)
    throw errors.resourceMissing('account', id, param);
  if (row.deleted === DISCONNECTED) throw errors.accountDeauthorized(id);
  if (reach === 'live-account') throw errors.liveAccountNeedsLiveKey(id, param);
  return row;
}

/** Lists the platform's connected accounts in the scope's mode (an OAuth token: its own). */
export async function listAccounts(
  dialect: Dialect,
  scope: Scope,
  query: { created?: RangeFilter | undefined },
  params: PageParams,
): Promise<Page<ObjectRow>> {
  const full: ObjectQuery = {
    type: 'account',
    platformId: scope.platform.id,
    livemode: scope.livemode,
    accountId: null,
    created: query.created,
  };
  const page = await pageRequest(
    params,
    async (id) => {
      const row = await selectAccount(dialect.db, scope, id).executeTakeFirst();
      return row && row.livemode === modeOf(scope) && accountReach(scope, row, 'read') === 'ok'
        ? row
        : undefined;
    },
    'account',
  );
  if (scope.credential.kind === 'oauth') {
    // A connected account has no connected accounts of its own.
    return { rows: [], hasMore: false };
  }
  return listObjects(dialect, full, page);
}

/** The endpoints with this id in the scope's platform, account and mode. */
function selectOwnEndpoint(db: Kysely<Database>, scope: Scope, id: string) {
  return db
    .selectFrom('endpoints')
    .selectAll()
    .where('id', '=', id)
    .where('platform_id', '=', scope.platform.id)
    .where('account_id', scope.accountId === null ? 'is' : '=', scope.accountId)
    .where('livemode', '=', modeOf(scope))
    .where('deleted', '=', 0);
}

/** An endpoint of one of `kinds` that the scope owns, or `missing()`'s error. */
export async function requireEndpoint(
  db: Kysely<Database>,
  scope: Scope,
  id: string,
  kinds: readonly string[],
  missing: () => Error,
): Promise<EndpointRow> {
  const row = await selectOwnEndpoint(db, scope, id).executeTakeFirst();
  if (!row || !kinds.includes(row.kind)) throw missing();
  return row;
}

/** requireEndpoint for an endpoint this write goes on to change: locked until it commits. */
export async function requireEndpointToChange(
  w: Lock,
  scope: Scope,
  id: string,
  kinds: readonly string[],
  missing: () => Error,
): Promise<EndpointRow> {
  const row = await w.services.dialect
    .forUpdate(selectOwnEndpoint(w.db, scope, id))
    .executeTakeFirst();
  if (!row || !kinds.includes(row.kind)) throw missing();
  return row;
}

/** Lists the scope's own endpoints of one kind. */
export async function listOwnEndpoints(
  db: Kysely<Database>,
  scope: Scope,
  kind: string,
  params: PageParams,
  label: string,
): Promise<Page<EndpointRow>> {
  const q: EndpointQuery = {
    platformId: scope.platform.id,
    livemode: scope.livemode,
    accountId: scope.accountId,
    kind,
  };
  const page = await pageRequest(
    params,
    async (id) => {
      const row = await selectOwnEndpoint(db, scope, id).executeTakeFirst();
      return row && row.kind === kind ? row : undefined;
    },
    label,
  );
  return listEndpoints(db, q, page);
}

/** Which accounts' events a lookup reaches. */
export type EventReach =
  /** The account the scope acts as (null: the platform's own), as Stripe's `/v1/events`. */
  | { kind: 'own' }
  /** One named account of the platform (or null: the platform's own). */
  | { kind: 'account'; account: string | null }
  /** The platform's and every connected account's: Switchboard's platform-wide routes. */
  | { kind: 'platform-wide' };

/**
 * The account filter an event lookup or list uses. A platform-wide or a named account's reach
 * narrows to the scope's own account for anything but a platform key: an OAuth token or a
 * request acting as an account sees that account's events only.
 */
export function eventAccounts(scope: Scope, reach: EventReach): string | null | 'any' {
  if (reach.kind === 'own') return scope.accountId;
  if (scope.credential.kind === 'oauth') return scope.accountId;
  if (reach.kind === 'platform-wide') return scope.accountId ?? 'any';
  return reach.account;
}

/**
 * An event of the scope's platform and mode that `reach` covers, of one of `objects` (v1
 * `event`, v2 `v2.core.event`), and not past retention (`notBefore`, unix seconds); anything else
 * is "No such event", as on Stripe.
 */
export async function requireEvent(
  db: Kysely<Database>,
  scope: Scope,
  id: string,
  options: { notBefore: number; reach?: EventReach; objects?: readonly string[] },
): Promise<EventRow> {
  const accounts = eventAccounts(scope, options.reach ?? { kind: 'own' });
  const objects = options.objects ?? ['event'];
  const row = await findEventOf(db, scope, id);
  if (
    !row ||
    !objects.includes(row.object) ||
    (accounts !== 'any' && row.account_id !== accounts) ||
    row.livemode !== modeOf(scope) ||
    Number(row.created) < options.notBefore
  ) {
    throw errors.resourceMissing('event', id);
  }
  return row;
}

/** An event by id, only if it is the scope's platform's (for list cursors; then checked). */
export async function findEventOf(
  db: Kysely<Database>,
  scope: Scope,
  id: string,
): Promise<EventRow | undefined> {
  return selectEvents(db)
    .where('events.id', '=', id)
    .where('events.platform_id', '=', scope.platform.id)
    .executeTakeFirst();
}

/**
 * A child object (a person, an external account) of an account the scope already reached
 * (requireAccount): of the parent, of one of `types`, not deleted. With
 * `lock` (a write), the row stays locked until the write commits.
 */
export async function requireChild(
  db: Kysely<Database>,
  scope: Scope,
  parent: { id: string; livemode: number },
  types: readonly string[],
  id: string,
  options: { label: string; lock?: Lock },
): Promise<ObjectRow> {
  const query = (options.lock?.db ?? db)
    .selectFrom('objects')
    .selectAll()
    .where('id', '=', id)
    .where('platform_id', '=', scope.platform.id)
    .where('parent_id', '=', parent.id);
  const row = await (
    options.lock ? options.lock.services.dialect.forUpdate(query) : query
  ).executeTakeFirst();
  // In the scope's mode, or the parent's (a test key reads a live account's bank accounts).
  const modeOk = row && (row.livemode === modeOf(scope) || row.livemode === parent.livemode);
  if (!row || !types.includes(row.type) || row.deleted !== 0 || !modeOk)
    throw errors.resourceMissing(options.label, id);
  return row;
}

/**
 * A connected account of the scope's platform in any state (connected, disconnected, deleted),
 * or undefined: for the flows that word their own errors (OAuth's `invalid_grant`).
 */
export function findPlatformAccount(
  db: Kysely<Database>,
  scope: Scope,
  id: string,
): Promise<ObjectRow | undefined> {
  return selectAccount(db, scope, id).executeTakeFirst();
}

/**
 * A webhook endpoint or event destination of the scope's platform and mode that an event may be
 * resent to: the scope's own, or, for a platform key, any of the platform's (an event of a
 * connected account goes to the platform's `connect=true` endpoints). resendTarget then checks
 * that the endpoint receives the event's scope.
 */
export function findResendTarget(
  db: Kysely<Database>,
  scope: Scope,
  id: string,
): Promise<EndpointRow | undefined> {
  let query = db
    .selectFrom('endpoints')
    .selectAll()
    .where('id', '=', id)
    .where('platform_id', '=', scope.platform.id)
    .where('deleted', '=', 0);
  if (scope.credential.kind === 'oauth')
    query = query.where('account_id', '=', scope.credential.account);
  return query.executeTakeFirst();
}

/** The listen sessions of the scope's platform and mode (none for an OAuth token). */
export async function listenSessionsOf(
  db: Kysely<Database>,
  scope: Scope,
): Promise<Array<{ id: string }>> {
  if (!isPlatformKey(platformView(scope))) return [];
  return db
    .selectFrom('endpoints')
    .select('id')
    .where('platform_id', '=', scope.platform.id)
    .where('kind', '=', 'listen')
    .where('livemode', '=', modeOf(scope))
    .where('deleted', '=', 0)
    .execute();
}

/**
 * A row of `objects` with this id in the scope's platform and the account it acts as, in any
 * mode, type or state, or undefined: for resources whose objects need a check of their own (v2
 * accounts are rows of two types). With `lock` (a write), locked until the write commits.
 */
export function findOwnObject(
  db: Kysely<Database>,
  scope: Scope,
  id: string,
  lock?: Lock,
): Promise<ObjectRow | undefined> {
  if (lock)
    return lock.services.dialect.forUpdate(selectOwnObject(lock.db, scope, id)).executeTakeFirst();
  return selectOwnObject(db, scope, id).executeTakeFirst();
}
