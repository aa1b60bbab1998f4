import type { Kysely } from 'kysely';
import { errors } from '../stripe/errors.js';
import type { Caller } from './route.js';
import { newId } from '../domain/ids.js';
import type { WriteContext } from '../services/context.js';
import type { Database } from '../storage/schema.js';
import {
  findObject,
  findObjectForUpdate,
  insertObject,
  listObjects,
  updateObject,
  type ObjectQuery,
  type ObjectRow,
} from '../storage/repositories/objects.js';
import type { Page, PageRequest } from '../storage/repositories/pagination.js';
import type { Dialect } from '../storage/dialect.js';

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

/** The caller can see an object when it is in the caller's platform, account and mode. */
export function visibleTo(row: ObjectRow, caller: Caller): boolean {
  return (
    row.platform_id === caller.platform.id &&
    row.account_id === caller.accountId &&
    row.livemode === (caller.livemode ? 1 : 0) &&
    row.deleted === 0
  );
}

/**
 * Loads an object of `type` the caller may see, or throws Stripe's "No such ..." (naming the
 * other mode when the object exists there, as Stripe does).
 */
export async function requireObject(
  db: Kysely<Database>,
  caller: Caller,
  type: string,
  id: string,
  label = type,
  param = 'id',
): Promise<ObjectRow> {
  return visibleOrThrow(await findObject(db, id), caller, type, id, label, param);
}

/**
 * Reads an object that this write goes on to change: the row stays locked until the write commits
 * (findObjectForUpdate), so that two concurrent writes never both start from the same version
 * and one lose the other's changes (on PostgreSQL, where requests run at once on a pool of
 * connections: confirming one payment intent six times at once charged it six times).
 */
export function findObjectToChange(w: WriteContext, id: string): Promise<ObjectRow | undefined> {
  return findObjectForUpdate(w.services.dialect, w.db, id);
}

/** requireObject for an object this write goes on to change: locked (findObjectToChange). */
export async function requireObjectToChange(
  w: WriteContext,
  caller: Caller,
  type: string,
  id: string,
  label = type,
  param = 'id',
): Promise<ObjectRow> {
  return visibleOrThrow(await findObjectToChange(w, id), caller, type, id, label, param);
}

function visibleOrThrow(
  row: ObjectRow | undefined,
  caller: Caller,
  type: string,
  id: string,
  label: string,
  param: string,
): ObjectRow {
  if (row && row.type === type && visibleTo(row, caller)) return row;
  if (
    row &&
    row.type === type &&
    row.deleted === 0 &&
    row.platform_id === caller.platform.id &&
    row.account_id === caller.accountId &&
    row.livemode !== (caller.livemode ? 1 : 0)
  ) {
    throw errors.livemodeMismatch(label, id, row.livemode === 1);
  }
  throw errors.resourceMissing(label, id, param);
}

/** Turns `starting_after` / `ending_before` ids into positions, checking they belong to the list. */
export async function pageRequest(
  params: {
    limit?: number | undefined;
    starting_after?: string | undefined;
    ending_before?: string | undefined;
  },
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

/** Lists objects of one type in the caller's scope, newest first. */
export async function listVisible<T>(
  dialect: Dialect,
  caller: Caller,
  url: string,
  query: Omit<ObjectQuery, 'platformId' | 'livemode' | 'accountId'> & { accountId?: string | null },
  params: {
    limit?: number | undefined;
    starting_after?: string | undefined;
    ending_before?: string | undefined;
  },
  label = query.type,
): Promise<ListObject<T>> {
  const full: ObjectQuery = {
    platformId: caller.platform.id,
    livemode: caller.livemode,
    accountId: query.accountId === undefined ? caller.accountId : query.accountId,
    ...query,
  };
  const page = await pageRequest(
    params,
    async (id) => {
      const row = await findObject(dialect.db, id);
      const sameList =
        row &&
        row.type === full.type &&
        row.platform_id === full.platformId &&
        row.account_id === full.accountId &&
        row.livemode === (full.livemode ? 1 : 0) &&
        (full.parentId === undefined || row.parent_id === full.parentId);
      return sameList ? row : undefined;
    },
    label,
  );
  const result = await listObjects(dialect, full, page);
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
