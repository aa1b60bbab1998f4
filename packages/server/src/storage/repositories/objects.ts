import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type { Dialect } from '../dialect.js';
import type { Database, ObjectsTable } from '../schema.js';
import { paginate, type Page, type PageRequest } from './pagination.js';
import { reusableInsert } from './reusable.js';

export type ObjectRow = Selectable<ObjectsTable>;

const insertObjectRow = reusableInsert('objects');

export async function insertObject(
  db: Kysely<Database>,
  row: Omit<ObjectRow, 'seq'>,
): Promise<void> {
  await insertObjectRow(db, [row]);
}

/** Inserts the object unless one with its id exists (then nothing happens). */
export async function insertObjectIfMissing(
  db: Kysely<Database>,
  row: Omit<ObjectRow, 'seq'>,
): Promise<void> {
  await db
    .insertInto('objects')
    .values(row)
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/**
 * Reads an object and locks it until the transaction ends, for a read-modify-write that must not
 * lose a concurrent one (PostgreSQL `FOR UPDATE`; SQLite runs one writer at a time anyway).
 */
export async function findObjectForUpdate(
  dialect: Dialect,
  db: Kysely<Database>,
  id: string,
): Promise<ObjectRow | undefined> {
  return dialect
    .forUpdate(db.selectFrom('objects').selectAll().where('id', '=', id))
    .executeTakeFirst();
}

export async function findObject(db: Kysely<Database>, id: string): Promise<ObjectRow | undefined> {
  return db.selectFrom('objects').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updateObject(
  db: Kysely<Database>,
  id: string,
  changes: Partial<Pick<ObjectRow, 'data' | 'internal' | 'deleted'>>,
): Promise<void> {
  await db.updateTable('objects').set(changes).where('id', '=', id).execute();
}

export interface ObjectQuery {
  platformId: string;
  livemode: boolean;
  type: string;
  /** The connected account the objects live in; null for the platform's own. */
  accountId: string | null;
  parentId?: string | undefined;
  /**
   * Exact matches on members of the rendered object, e.g. `{ email: 'a@b.c' }`, `{ active: true }`;
   * a list matches any of its values (`{ lookup_key: ['a', 'b'] }`).
   */
  where?: Record<string, WhereValue> | undefined;
  /** Exact matches of any JSON type on members (`a.b` nested), e.g. `{ active: true }`. */
  matches?: Record<string, unknown> | undefined;
  created?: RangeFilter | undefined;
  /** Ranges over numeric members, e.g. `{ arrival_date: { gte: 1700000000 } }`. */
  ranges?: Record<string, RangeFilter> | undefined;
}

export type WhereValue = string | boolean | readonly string[];

export interface RangeFilter {
  gt?: number | undefined;
  gte?: number | undefined;
  lt?: number | undefined;
  lte?: number | undefined;
}

export async function listObjects(
  dialect: Dialect,
  q: ObjectQuery,
  page: PageRequest,
): Promise<Page<ObjectRow>> {
  let query = dialect.db
    .selectFrom('objects')
    .selectAll()
    .where('platform_id', '=', q.platformId)
    .where('type', '=', q.type)
    .where('livemode', '=', q.livemode ? 1 : 0)
    .where('account_id', q.accountId === null ? 'is' : '=', q.accountId)
    .where('deleted', '=', 0);
  if (q.parentId !== undefined) query = query.where('parent_id', '=', q.parentId);
  for (const [key, value] of Object.entries(q.where ?? {})) {
    const member = dialect.jsonText('data', key);
    if (!Array.isArray(value)) query = query.where(member, '=', String(value));
    else if (value.length === 0) query = query.where(sql<boolean>`1 = 0`);
    else query = query.where(member, 'in', value as string[]);
  }
  for (const [path, value] of Object.entries(q.matches ?? {})) {
    query = query.where(dialect.jsonValue('data', path), '=', JSON.stringify(value));
  }
  if (q.created) query = applyRange(query, 'created', q.created);
  for (const [path, range] of Object.entries(q.ranges ?? {})) {
    query = applyRange(query, dialect.jsonNumber('data', path), range);
  }
  return paginate(query, 'seq', page);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function applyRange<Q extends { where: (...args: any[]) => Q }>(
  query: Q,
  column: string | RawBuilder<number | null>,
  range: RangeFilter,
): Q {
  let q = query;
  if (range.gt !== undefined) q = q.where(column, '>', range.gt);
  if (range.gte !== undefined) q = q.where(column, '>=', range.gte);
  if (range.lt !== undefined) q = q.where(column, '<', range.lt);
  if (range.lte !== undefined) q = q.where(column, '<=', range.lte);
  return q;
}
