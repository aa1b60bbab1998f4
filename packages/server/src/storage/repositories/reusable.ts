import { CompiledQuery, type Compilable, type Insertable, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** Where a value goes, while the statement is compiled the first time. */
class Slot {
  constructor(readonly name: string) {}
}

/**
 * A Kysely query compiled once and then run with new values, for the statements run once per
 * request or per delivery attempt. Building and compiling a query costs ~5-10 us each time
 * (a tree of frozen nodes, then the SQL text), more than SQLite takes to run most of them.
 *
 * `build` receives stand-ins for the values, to use where Kysely binds a single parameter
 * (`set`, `values`, `where(col, '=', v)`, arithmetic); the compiled SQL is the same on every
 * dialect Kysely compiles it for. Resolves with the rows the statement returns.
 */
export function reusable<V extends object, R = unknown>(
  build: (db: Kysely<Database>, values: V) => Compilable<R>,
): (db: Kysely<Database>, values: V) => Promise<R[]> {
  let template: { sql: string; slots: Array<Slot | { fixed: unknown }> } | null = null;
  return async (db, values) => {
    if (!template) {
      const standIns = new Proxy({}, { get: (_, key) => new Slot(String(key)) }) as V;
      const compiled = build(db, standIns).compile();
      template = {
        sql: compiled.sql,
        slots: compiled.parameters.map((p) => (p instanceof Slot ? p : { fixed: p })),
      };
    }
    const parameters = template.slots.map((s) =>
      s instanceof Slot ? (values as Record<string, unknown>)[s.name] : s.fixed,
    );
    return (await db.executeQuery(CompiledQuery.raw(template.sql, parameters))).rows as R[];
  };
}

/**
 * Inserts one row into `table`, with a statement compiled once per set of columns given (columns
 * whose value is undefined are left out, as Kysely leaves them out).
 */
export function reusableInsert<T extends keyof Database & string>(
  table: T,
): (db: Kysely<Database>, row: Insertable<Database[T]>) => Promise<void> {
  const byColumns = new Map<
    string,
    (db: Kysely<Database>, row: Record<string, unknown>) => Promise<unknown[]>
  >();
  return async (db, row) => {
    const values = row as Record<string, unknown>;
    const columns = Object.keys(values).filter((c) => values[c] !== undefined);
    const key = columns.join(',');
    let insert = byColumns.get(key);
    if (!insert) {
      insert = reusable<Record<string, unknown>>((d, v) =>
        d.insertInto(table).values(Object.fromEntries(columns.map((c) => [c, v[c]])) as never),
      );
      byColumns.set(key, insert);
    }
    await insert(db, values);
  };
}
