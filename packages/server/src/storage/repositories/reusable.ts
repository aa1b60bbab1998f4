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
 * (`set`, `values`, `where(col, '=', v)`, arithmetic). The SQL differs between dialects (`?` on
 * SQLite, `$1` on PostgreSQL), so it is compiled once per dialect in use (a process may use both:
 * the test suites do). Resolves with the rows the statement returns.
 */
export function reusable<V extends object, R = unknown>(
  build: (db: Kysely<Database>, values: V) => Compilable<R>,
): (db: Kysely<Database>, values: V) => Promise<R[]> {
  type Template = { sql: string; slots: Array<Slot | { fixed: unknown }> };
  const templates = new Map<unknown, Template>();
  return async (db, values) => {
    const dialect = db.getExecutor().adapter.constructor;
    let template = templates.get(dialect);
    if (!template) {
      const standIns = new Proxy({}, { get: (_, key) => new Slot(String(key)) }) as V;
      const compiled = build(db, standIns).compile();
      template = {
        sql: compiled.sql,
        slots: compiled.parameters.map((p) => (p instanceof Slot ? p : { fixed: p })),
      };
      templates.set(dialect, template);
    }
    const parameters = template.slots.map((s) =>
      s instanceof Slot ? (values as Record<string, unknown>)[s.name] : s.fixed,
    );
    return (await db.executeQuery(CompiledQuery.raw(template.sql, parameters))).rows as R[];
  };
}

/** Rows per insert statement: a few fixed sizes, so each is compiled and prepared once. */
const chunkSizes = [64, 16, 4, 1];

/**
 * Inserts rows into `table` in chunks of 64, 16, 4 and 1 rows, each statement compiled once per
 * set of columns given (columns whose value is undefined in the first row are left out, as Kysely
 * leaves them out; all rows are expected to have the same columns).
 */
export function reusableInsert<T extends keyof Database & string>(
  table: T,
  /** A unique column: rows whose value is already there are skipped (ON CONFLICT DO NOTHING). */
  options: { skipConflictsOn?: string } = {},
): (db: Kysely<Database>, rows: ReadonlyArray<Insertable<Database[T]>>) => Promise<void> {
  type Insert = (db: Kysely<Database>, values: Record<string, unknown>) => Promise<unknown[]>;
  const statements = new Map<string, Insert>();
  const statement = (columns: string[], rows: number): Insert => {
    const key = `${rows}:${columns.join(',')}`;
    let insert = statements.get(key);
    if (!insert) {
      insert = reusable<Record<string, unknown>>((db, v) => {
        const query = db
          .insertInto(table)
          .values(
            Array.from(
              { length: rows },
              (_, i) => Object.fromEntries(columns.map((c) => [c, v[`${i}.${c}`]])) as never,
            ),
          );
        const unique = options.skipConflictsOn;
        return unique ? query.onConflict((oc) => oc.column(unique as never).doNothing()) : query;
      });
      statements.set(key, insert);
    }
    return insert;
  };
  return async (db, rows) => {
    if (rows.length === 0) return;
    const first = rows[0] as Record<string, unknown>;
    const columns = Object.keys(first).filter((c) => first[c] !== undefined);
    let at = 0;
    for (const size of chunkSizes) {
      const insert = statement(columns, size);
      for (; rows.length - at >= size; at += size) {
        const values: Record<string, unknown> = {};
        for (let i = 0; i < size; i++) {
          const row = rows[at + i] as Record<string, unknown>;
          for (const c of columns) values[`${i}.${c}`] = row[c];
        }
        await insert(db, values);
      }
    }
  };
}
