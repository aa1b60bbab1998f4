import type { ClaimResult, DedupeStore } from './dedupe.js';

/** The part of a prepared statement the store uses; better-sqlite3's and `node:sqlite`'s fit. */
export interface SqliteStatementLike {
  run(...params: unknown[]): { changes: number | bigint };
  get(...params: unknown[]): unknown;
}

/**
 * A synchronous SQLite connection, described by shape so the SDK depends on no driver: pass a
 * better-sqlite3 `Database`, or a `node:sqlite` `DatabaseSync` (Node 22.5+).
 */
export interface SqliteDatabaseLike {
  prepare(sql: string): SqliteStatementLike;
  exec(sql: string): unknown;
}

export interface SqliteDedupeStoreOptions {
  /** Table to keep processed event ids in; created if missing. Default `processed_webhook_events`. */
  table?: string;
  /** Forget expired keys once every this many claims (0: never; call `prune` yourself). Default 1000. */
  pruneEvery?: number;
}

/**
 * A durable {@link DedupeStore} in a SQLite table. Each claim is one `INSERT ... ON CONFLICT DO
 * UPDATE ... WHERE` statement, so it is atomic across processes sharing the file (SQLite 3.24+).
 */
export function createSqliteDedupeStore(
  db: SqliteDatabaseLike,
  options: SqliteDedupeStoreOptions = {},
): DedupeStore & { prune(now: number): number } {
  const table = options.table ?? 'processed_webhook_events';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) {
    throw new Error(`Invalid table name '${table}': use letters, digits and underscores.`);
  }
  db.exec(
    `CREATE TABLE IF NOT EXISTS ${table} (
      key TEXT PRIMARY KEY,
      state TEXT NOT NULL CHECK (state IN ('processing', 'processed')),
      until INTEGER NOT NULL
    )`,
  );
  db.exec(`CREATE INDEX IF NOT EXISTS ${table}_until ON ${table} (until)`);
  // `until` is the lease's end while processing and the retention's end once processed; a row past
  // it is free to claim again.
  const claim = db.prepare(
    `INSERT INTO ${table} (key, state, until) VALUES (?, 'processing', ?)
     ON CONFLICT (key) DO UPDATE SET state = 'processing', until = excluded.until
     WHERE ${table}.until <= ?`,
  );
  const state = db.prepare(`SELECT state FROM ${table} WHERE key = ?`);
  const complete = db.prepare(`UPDATE ${table} SET state = 'processed', until = ? WHERE key = ?`);
  const release = db.prepare(`DELETE FROM ${table} WHERE key = ? AND state = 'processing'`);
  const prune = db.prepare(`DELETE FROM ${table} WHERE until <= ?`);
  const pruneEvery = options.pruneEvery ?? 1000;
  let claims = 0;
  const claimKey = (key: string, now: number, leaseUntil: number): ClaimResult => {
    if (pruneEvery > 0 && ++claims % pruneEvery === 0) prune.run(now);
    if (Number(claim.run(key, leaseUntil, now).changes) === 1) return 'claimed';
    const row = state.get(key) as { state: 'processing' | 'processed' } | undefined;
    // The row can vanish between the two statements (released or pruned): then it is free.
    return row ? row.state : claimKey(key, now, leaseUntil);
  };
  return {
    claim: claimKey,
    complete(key: string, retainUntil: number): void {
      complete.run(retainUntil, key);
    },
    release(key: string): void {
      release.run(key);
    },
    prune(now: number): number {
      return Number(prune.run(now).changes);
    },
  };
}
