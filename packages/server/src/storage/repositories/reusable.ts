import { CompiledQuery, type Compilable, type Insertable, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** Where a value goes, while the statement is compiled the first time. */
class Slot {
  constructor(readonly name: string) {}
}

/**
 * Runs one statement once per list of parameters, inside the caller's transaction `db` (see
 * Dialect.runEach).
 */
export type RunEach = (
  db: Kysely<Database>,
  sql: string,
  parameterLists: readonly unknown[][],
) => Promise<void>;

/** RunEach through Kysely: one query each. */
export const runEachThroughKysely: RunEach = async (db, sql, parameterLists) => {
  for (const parameters of parameterLists)
    await db.executeQuery(CompiledQuery.raw(sql, parameters));
};

/**
 * The SQL text of every statement compiled once here. A dialect may keep these prepared on each
 * connection (PostgreSQL: dialects/postgres), since they are a bounded set run over and over.
 */
export const compiledOnce = new Set<string>();

/**
 * The SQL text of the statements whose result nobody reads and whose failure nobody catches where
 * it happens (the inserts of reusableInsert): inside a transaction, a dialect may send them
 * without waiting for their answer, as long as a failure fails the transaction's next statement
 * or its commit (PostgreSQL: dialects/postgres, pipelined).
 */
export const unread = new Set<string>();

/** A statement compiled once; `each` runs it for many sets of values (see RunEach). */
export interface Reusable<V, R> {
  (db: Kysely<Database>, values: V): Promise<R[]>;
  each(db: Kysely<Database>, values: readonly V[], runEach?: RunEach): Promise<void>;
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
): Reusable<V, R> {
  type Template = { sql: string; slots: Array<Slot | { fixed: unknown }> };
  const templates = new Map<unknown, Template>();
  const templateFor = (db: Kysely<Database>): Template => {
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
      compiledOnce.add(template.sql);
    }
    return template;
  };
  const parametersOf = (template: Template, values: V): unknown[] =>
    template.slots.map((s) =>
      s instanceof Slot ? (values as Record<string, unknown>)[s.name] : s.fixed,
    );
  const run = async (db: Kysely<Database>, values: V): Promise<R[]> => {
    const template = templateFor(db);
    const query = CompiledQuery.raw(template.sql, parametersOf(template, values));
    return (await db.executeQuery(query)).rows as R[];
  };
  run.each = async (db: Kysely<Database>, list: readonly V[], runEach = runEachThroughKysely) => {
    if (list.length === 0) return;
    const template = templateFor(db);
    await runEach(
      db,
      template.sql,
      list.map((values) => parametersOf(template, values)),
    );
  };
  return run;
}

/** Rows per insert statement: a few fixed sizes, so each is compiled and prepared once. */
const chunkSizes = [64, 16, 4, 1];

/**
 * Inserts rows into `table` in chunks of 64, 16, 4 and 1 rows, each statement compiled once per
 * set of columns given (columns whose value is undefined in the first row are left out, as Kysely
 * leaves them out; all rows are expected to have the same columns). The values go to the
 * statement as one array, row by row in column order, as Kysely binds a VALUES list (checked when
 * compiling): naming each row's values and looking them up again took ~2.4 µs a row recording
 * attempts (3% of the main thread in a drain profile).
 */
export function reusableInsert<T extends keyof Database & string>(
  table: T,
  /** A unique column: rows whose value is already there are skipped (ON CONFLICT DO NOTHING). */
  options: { skipConflictsOn?: string } = {},
): (db: Kysely<Database>, rows: ReadonlyArray<Insertable<Database[T]>>) => Promise<void> {
  // SQL text for each chunk size and set of columns, by dialect.
  const statements = new Map<string, Map<unknown, string>>();
  const sqlFor = (db: Kysely<Database>, columns: string[], rows: number): string => {
    const key = `${rows}:${columns.join(',')}`;
    let byDialect = statements.get(key);
    if (!byDialect) statements.set(key, (byDialect = new Map()));
    const dialect = db.getExecutor().adapter.constructor;
    let text = byDialect.get(dialect);
    if (text === undefined) {
      const slot = (i: number, c: string) => `${i}.${c}`;
      const insert = db
        .insertInto(table)
        .values(
          Array.from(
            { length: rows },
            (_, i) => Object.fromEntries(columns.map((c) => [c, slot(i, c)])) as never,
          ),
        );
      const unique = options.skipConflictsOn;
      const compiled = (
        unique ? insert.onConflict((oc) => oc.column(unique as never).doNothing()) : insert
      ).compile();
      const expected = Array.from({ length: rows }, (_, i) => columns.map((c) => slot(i, c)));
      if (compiled.parameters.join('\n') !== expected.flat().join('\n'))
        throw new Error(`reusableInsert(${table}): values are not bound row by row`);
      text = compiled.sql;
      byDialect.set(dialect, text);
      compiledOnce.add(text);
      unread.add(text);
    }
    return text;
  };
  return async (db, rows) => {
    if (rows.length === 0) return;
    const first = rows[0] as Record<string, unknown>;
    const columns = Object.keys(first).filter((c) => first[c] !== undefined);
    let at = 0;
    for (const size of chunkSizes) {
      for (; rows.length - at >= size; at += size) {
        const parameters: unknown[] = [];
        for (let i = 0; i < size; i++) {
          const row = rows[at + i] as Record<string, unknown>;
          for (const c of columns) parameters.push(row[c]);
        }
        await db.executeQuery(CompiledQuery.raw(sqlFor(db, columns, size), parameters));
      }
    }
  };
}
