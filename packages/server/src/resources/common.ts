import type { Kysely } from 'kysely';
import { newId } from '../domain/ids.js';
import { listOwnObjects, type OwnObjectQuery, type PageParams } from '../scope/finders.js';
import { errors } from '../stripe/errors.js';
import type { Scope } from '../scope/scope.js';
import type { WriteContext } from '../services/context.js';
import type { Database } from '../storage/schema.js';
import {
  findObjectForUpdate,
  insertObject,
  updateObject,
  type ObjectRow,
} from '../storage/repositories/objects.js';
import type { Page } from '../storage/repositories/pagination.js';
import type { Dialect } from '../storage/dialect.js';
import { previousAttributes } from '../domain/event-body.js';
import { emitEvent } from '../services/emit-event.js';

/** A Stripe list object. */
export interface ListObject<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

export function listOf<T>(url: string, page: Page<unknown>, data: T[]): ListObject<T> {
  return { object: 'list', data, has_more: page.hasMore, url };
}

export const parseData = <T>(row: ObjectRow): T => JSON.parse(row.data) as T;
export const parseInternal = <T extends object>(row: ObjectRow): T => JSON.parse(row.internal) as T;

export {
  pageRequest,
  requireObject,
  requireObjectToChange,
  type PageParams,
} from '../scope/finders.js';

/**
 * Reads an object by id, unscoped, and locks it until the write commits: only for the server's
 * own follow-up work on a row it already holds (a task's payout, the account a change refreshes),
 * never for an id a request names — those go through the scoped finders (scope/finders.ts).
 */
export function findObjectToChange(w: WriteContext, id: string): Promise<ObjectRow | undefined> {
  return findObjectForUpdate(w.services.dialect, w.db, id);
}

/**
 * One page of a list already in memory, newest first (an account's persons or external
 * accounts: a few each): `starting_after` / `ending_before` must name one of `items`.
 */
export function pageOf<T extends { id: string }>(
  items: T[],
  params: PageParams,
  url: string,
  label: string,
): ListObject<T> {
  if (params.starting_after !== undefined && params.ending_before !== undefined) {
    throw errors.parametersExclusive('starting_after', 'ending_before');
  }
  const limit = params.limit ?? 10;
  const at = (id: string, param: string) => {
    const i = items.findIndex((item) => item.id === id);
    if (i === -1) throw errors.resourceMissing(label, id, param);
    return i;
  };
  if (params.ending_before !== undefined) {
    const end = at(params.ending_before, 'ending_before');
    const start = Math.max(0, end - limit);
    return { object: 'list', data: items.slice(start, end), has_more: start > 0, url };
  }
  const start =
    params.starting_after === undefined ? 0 : at(params.starting_after, 'starting_after') + 1;
  return {
    object: 'list',
    data: items.slice(start, start + limit),
    has_more: items.length > start + limit,
    url,
  };
}

/** Lists the scope's own objects of one type, newest first, as a Stripe list. */
export async function listVisible<T>(
  dialect: Dialect,
  scope: Scope,
  url: string,
  query: OwnObjectQuery,
  params: PageParams,
  label = query.type,
): Promise<ListObject<T>> {
  const result = await listOwnObjects(dialect, scope, query, params, label);
  return listOf(
    url,
    result,
    result.rows.map((r) => parseData<T>(r)),
  );
}

export interface NewObject<T> {
  type: string;
  id?: string;
  prefix?: string;
  data: (id: string, created: number) => T;
  internal?: object;
  parentId?: string | null;
  /** Defaults to the account the request acts as. */
  accountId?: string | null;
  livemode?: boolean;
}

/** Creates and stores an object in the caller's scope; returns it as rendered. */
export async function createObject<T>(
  w: WriteContext,
  spec: NewObject<T>,
): Promise<{ id: string; data: T }> {
  const id = spec.id ?? newId(spec.prefix ?? spec.type, 14);
  const created = Math.floor(w.now / 1000);
  const data = spec.data(id, created);
  await insertObject(w.db, {
    id,
    platform_id: w.platform.id,
    account_id: spec.accountId === undefined ? w.accountId : spec.accountId,
    livemode: (spec.livemode ?? w.livemode) ? 1 : 0,
    type: spec.type,
    data: JSON.stringify(data),
    internal: JSON.stringify(spec.internal ?? {}),
    parent_id: spec.parentId ?? null,
    created,
    deleted: 0,
  });
  return { id, data };
}

export async function saveObject(
  db: Kysely<Database>,
  id: string,
  data: unknown,
  internal?: object,
): Promise<void> {
  await updateObject(
    db,
    id,
    internal === undefined
      ? { data: JSON.stringify(data) }
      : { data: JSON.stringify(data), internal: JSON.stringify(internal) },
  );
}

export async function deleteObject(db: Kysely<Database>, id: string): Promise<void> {
  await updateObject(db, id, { deleted: 1 });
}

/** Copies only the members that were sent (`undefined` means "not sent"). */
export function definedOnly<T extends object>(values: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(values))
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/**
 * Saves an object a request changed and, if anything visible changed, emits `event` with the
 * previous values (`*.updated`); returns the object as saved.
 */
export async function saveChanged<T>(
  w: WriteContext,
  id: string,
  before: T,
  after: T,
  event: string,
): Promise<T> {
  const previous = previousAttributes(before as never, after as never);
  await saveObject(w.db, id, after);
  if (previous)
    await emitEvent(w, { type: event, object: after as never, previousAttributes: previous });
  return after;
}
