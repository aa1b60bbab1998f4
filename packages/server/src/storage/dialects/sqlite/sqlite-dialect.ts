import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type SqliteDatabase, type SqliteStatement } from 'kysely';
import { DeliveryLockError, type Dialect } from '../../dialect.js';
import type { Database } from '../../schema.js';
import { startCheckpointer, type Checkpointer } from './checkpointer.js';
import { runEachThroughKysely } from '../../repositories/reusable.js';
import { sqliteClaimer, type SqliteClaimer } from './claim.js';
import { watchDatabaseFile, type FileWatch } from './file-watch.js';
import { sqliteQueue } from './queue.js';

/**
 * Kysely prepares every statement anew; caching them by SQL text saves ~10 µs a query on the hot
 * paths (claim, record outcome, insert event). Statements run synchronously, so reuse is safe.
 */
function statementCache(
  raw: BetterSqlite3.Database,
  capacity = 512,
): (text: string) => BetterSqlite3.Statement {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return (text) => {
    let stmt = cache.get(text);
    if (stmt) {
      // Keep recently used statements at the end of the map (LRU order).
      cache.delete(text);
      cache.set(text, stmt);
      return stmt;
    }
    stmt = raw.prepare(text);
    cache.set(text, stmt);
    if (cache.size > capacity) cache.delete(cache.keys().next().value as string);
    return stmt;
  };
}

/**
 * Takes the delivery lock of a database file: an exclusive lock on a small file beside it
 * (`<file>-worker-lock`), held by a connection in EXCLUSIVE locking mode until it closes or the
 * process ends (the operating system lets go of a killed process's locks). Throws
 * DeliveryLockError when another connection, in this process or another, holds it.
 */
function takeDeliveryLock(file: string): BetterSqlite3.Database {
  const lock = new BetterSqlite3(`${file}-worker-lock`);
  try {
    lock.pragma('busy_timeout = 0');
    // Nothing is ever written to it: no journal file beside it either.
    lock.pragma('journal_mode = MEMORY');
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE; COMMIT');
    return lock;
  } catch (e) {
    lock.close();
    if ((e as { code?: string }).code === 'SQLITE_BUSY') throw new DeliveryLockError(file);
    throw e;
  }
}

export function openSqlite(
  file: string,
  options: { onProblem?: (why: string) => void } = {},
): Dialect {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const raw = new BetterSqlite3(file);
  // WAL with synchronous=NORMAL: a committed transaction survives a process crash (kill -9), which
  // is the durability the delivery engine promises; only a power loss could drop the last commits.
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('busy_timeout = 5000');
  // 16 MB of page cache: with 64 MB the server's peak RSS in the bench was ~45 MB higher (276 vs
  // 230 MB), for no measurable gain in CPU per create or per delivery on a 230 MB database.
  raw.pragma('cache_size = -16000');
  let checkpointer: Checkpointer | null = null;
  if (file !== ':memory:') {
    // Checkpoints run on their own thread (checkpointer.ts); should it fail, commits checkpoint
    // again as by default. No journal_size_limit: cutting a 270 MB WAL back when it starts over
    // blocked the event loop for 70-80 ms; the file stays at its largest size and is reused.
    raw.pragma('wal_autocheckpoint = 0');
    checkpointer = startCheckpointer(file, () => void raw.pragma('wal_autocheckpoint = 1000'));
  }
  // A deleted or replaced file: writes fail from then on (they would vanish at the next start);
  // reads of what the process still holds keep working, and the open file can still be copied
  // out of /proc/<pid>/fd.
  const watch: FileWatch | null =
    file === ':memory:'
      ? null
      : watchDatabaseFile(file, (why) => {
          raw.pragma('query_only = ON');
          options.onProblem?.(`${why}: writes are refused from now on; restart the server`);
        });
  const statement = statementCache(raw);
  const database: SqliteDatabase = {
    close: () => raw.close(),
    prepare: (text) => statement(text) as unknown as SqliteStatement,
  };
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });

  let deliveryLock: BetterSqlite3.Database | null = null;

  // Prepared on first use: the tables exist only once migrations have run.
  let prepared: SqliteClaimer | null = null;
  const claimer = () => (prepared ??= sqliteClaimer(raw));

  // Only inside a transaction, which holds the one connection (outside one, another
  // transaction may be open on it between its awaits).
  const runEach: Dialect['runEach'] = async (tx, text, parameterLists) => {
    if (!tx.isTransaction) return runEachThroughKysely(tx, text, parameterLists);
    const stmt = statement(text);
    for (const parameters of parameterLists) stmt.run(parameters);
  };

  return {
    name: 'sqlite',
    db,
    singleProcess: true,
    lockDeliveries() {
      // An in-memory database is this connection's alone.
      if (file !== ':memory:') deliveryLock ??= takeDeliveryLock(file);
    },
    // Booleans as PostgreSQL's ->> gives them ('true', 'false'), not json_extract's 1 and 0.
    jsonText: (column, key) => {
      const path = '$.' + key;
      return sql<
        string | null
      >`(case json_type(${sql.ref(column)}, ${path}) when 'true' then 'true' when 'false' then 'false' else json_extract(${sql.ref(column)}, ${path}) end)`;
    },
    jsonValue: (column, path) => sql<string | null>`(${sql.ref(column)} -> ${'$.' + path})`,
    jsonNumber: (column, path) =>
      sql<number | null>`json_extract(${sql.ref(column)}, ${'$.' + path})`,
    deliveryQueue: (options) => sqliteQueue(db, claimer, runEach, options),
    runEach,
    skipLocked: (query) => query,
    forUpdate: (query) => query,
    exclusive: (_name, work) => work(),
    problem: () => watch?.check() ?? null,
    notifyDeliveries: async () => {},
    listenDeliveries: async () => async () => {},
    notifyCredentialsRevoked: async () => {},
    notifyEndpointsChanged: async () => {},
    async close() {
      watch?.stop();
      // The checkpointer's connection closes first: the last one to close folds the WAL back in.
      await checkpointer?.stop();
      await db.destroy();
      deliveryLock?.close();
    },
  };
}
