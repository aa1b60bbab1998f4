import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type SqliteDatabase, type SqliteStatement } from 'kysely';
import type { ClaimArgs, ClaimedDelivery, Dialect } from '../../dialect.js';
import type { Database } from '../../schema.js';

/**
 * Kysely prepares every statement anew; caching them by SQL text saves ~10 µs a query on the hot
 * paths (claim, record outcome, insert event). Statements run synchronously, so reuse is safe.
 */
function cachingDatabase(raw: BetterSqlite3.Database, capacity = 512): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => raw.close(),
    prepare(text: string): SqliteStatement {
      let stmt = cache.get(text);
      if (stmt) {
        // Keep recently used statements at the end of the map (LRU order).
        cache.delete(text);
        cache.set(text, stmt);
        return stmt;
      }
      stmt = raw.prepare(text) as unknown as SqliteStatement;
      cache.set(text, stmt);
      if (cache.size > capacity) cache.delete(cache.keys().next().value as string);
      return stmt;
    },
  };
}

export function openSqlite(file: string): Dialect {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const raw = new BetterSqlite3(file);
  // WAL with synchronous=NORMAL: a committed transaction survives a process crash (kill -9), which
  // is the durability the delivery engine promises; only a power loss could drop the last commits.
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('cache_size = -64000');
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: cachingDatabase(raw) }),
  });

  return {
    name: 'sqlite',
    db,
    singleProcess: true,
    jsonText: (column, key) => sql<string | null>`json_extract(${sql.ref(column)}, ${'$.' + key})`,
    claimDue: (args) => claimDue(db, args),
    skipLocked: (query) => query,
    forUpdate: (query) => query,
    exclusive: (_name, work) => work(),
    notifyDeliveries: async () => {},
    listenDeliveries: async () => async () => {},
    close: () => db.destroy(),
  };
}

/**
 * The same claim as on PostgreSQL (see dialects/postgres), without row locks: SQLite runs one
 * writer at a time, and the database serves one process.
 */
async function claimDue(db: Kysely<Database>, a: ClaimArgs): Promise<ClaimedDelivery[]> {
  const kinds = sql.join(a.kinds.length > 0 ? [...a.kinds] : ['']);
  const exclude = sql.join(a.excludeEndpoints.length > 0 ? [...a.excludeEndpoints] : ['']);
  const result = await sql<ClaimedDelivery>`
    WITH leased AS (
      SELECT endpoint_id, count(*) AS n
      FROM deliveries
      WHERE lease_until_ms IS NOT NULL AND lease_until_ms > ${a.realNow} AND status = 'pending'
      GROUP BY endpoint_id
    ),
    candidates AS (
      SELECT seq, endpoint_id, next_attempt_ms
      FROM deliveries
      WHERE status = 'pending'
        AND next_attempt_ms <= ${a.now}
        AND (lease_until_ms IS NULL OR lease_until_ms <= ${a.realNow})
        AND endpoint_id NOT IN (
          SELECT id FROM endpoints
          WHERE kind NOT IN (${kinds}) AND deleted = 0 AND status = 'enabled'
        )
        AND endpoint_id NOT IN (SELECT endpoint_id FROM leased WHERE n >= ${a.endpointLimit})
        AND endpoint_id NOT IN (${exclude})
      ORDER BY next_attempt_ms
      LIMIT ${a.limit}
    ),
    ranked AS (
      SELECT c.seq, coalesce(l.n, 0) AS busy,
        row_number() OVER (PARTITION BY c.endpoint_id ORDER BY c.next_attempt_ms, c.seq) AS rn
      FROM candidates c LEFT JOIN leased l ON l.endpoint_id = c.endpoint_id
    )
    UPDATE deliveries
    SET lease_until_ms = ${a.leaseUntil}, lease_owner = ${a.owner}
    WHERE seq IN (SELECT seq FROM ranked WHERE rn + busy <= ${a.endpointLimit})
    RETURNING id, event_id, endpoint_id, attempts, first_attempt_ms, one_shot`.execute(db);
  return result.rows;
}
