import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { Kysely, PostgresDialect, sql, type PostgresPool } from 'kysely';
import pg from 'pg';
import {
  CREDENTIALS_REVOKED,
  ENDPOINTS_CHANGED,
  type AnySelect,
  type Dialect,
} from '../../dialect.js';
import type { Database } from '../../schema.js';
import { compiledOnce, runEachThroughKysely, unread } from '../../repositories/reusable.js';
import { CHANNEL, postgresQueue } from './queue.js';
const INT8_OID = 20;
const NUMERIC_OID = 1700;

export interface PostgresOptions {
  /** Connections in the pool of this process. */
  poolSize?: number;
  /** Told about connections lost while idle (a server restart); the pool replaces them. */
  onConnectionError?: (error: Error) => void;
}

/**
 * BIGINT (every `_ms` column, seq, counts) and NUMERIC (sums) as JS numbers: milliseconds and
 * sequence numbers stay far below 2^53.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

const statementNames = new Map<string, string>();

/** A prepared statement's name: the same on every connection for the same SQL text. */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `sb_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * The pool as Kysely sees it: its clients run the statements compiled once
 * (repositories/reusable.ts: the inserts, lookups and updates of every create and every attempt)
 * as named prepared statements, so PostgreSQL parses and plans each once per connection instead of
 * on every run. Other queries (lists with their filters, IN lists of any length) stay unnamed, so
 * the prepared set stays bounded. Inside a transaction they pipeline (pipelinedClient).
 */
function preparingPool(pool: pg.Pool): PostgresPool {
  return {
    async connect() {
      return pipelinedClient(await pool.connect());
    },
    end: () => pool.end(),
  };
}

type Result = { command: string; rowCount: number | null; rows: unknown[] };

/**
 * A pooled client on which a transaction's `begin` and the statements whose result nobody reads
 * (reusable.ts `unread`: the inserts of an object, an event, its deliveries, an idempotency key)
 * are held back and sent with the next statement that is awaited, in the order they were written,
 * in one write to the socket (the connection runs in node-postgres's pipeline mode). A create then
 * waits for PostgreSQL twice (the endpoints it routes to; the inserts and the commit) rather than
 * seven to nine times, and writes to its socket twice: a write per statement was 22% of the
 * server's CPU in a profile of API creates (issue 23). A held-back statement that fails aborts the
 * transaction: its error is thrown by the statement awaited after it (the commit at the latest),
 * in place of that statement's own "transaction is aborted".
 */
function pipelinedClient(client: pg.PoolClient) {
  const send = (text: string, values?: unknown[]): Promise<Result> =>
    compiledOnce.has(text)
      ? client.query({ name: statementName(text), text, values })
      : client.query(text, values);
  // node-postgres writes each query with a write of its own; corked, they leave in one.
  const socket = (client as unknown as { connection?: { stream?: Partial<Writable> } }).connection
    ?.stream;
  let inTransaction = false;
  let held: Array<[string, unknown[] | undefined]> = [];
  const holdBack = (text: string, values: unknown[] | undefined, result: Result) => {
    held.push([text, values]);
    return Promise.resolve(result);
  };
  const query = async (text: string, values?: unknown[]): Promise<Result> => {
    if (text === 'begin') {
      inTransaction = true;
      return holdBack(text, values, { command: 'BEGIN', rowCount: null, rows: [] });
    }
    if (inTransaction && unread.has(text))
      return holdBack(text, values, { command: 'INSERT', rowCount: 0, rows: [] });
    if (text === 'commit' || text === 'rollback') inTransaction = false;
    if (held.length === 0) return send(text, values);
    const earlier = held;
    held = [];
    if (text === 'rollback') {
      // What was held back would be undone: it need not be sent, nor, unbegun, the rollback.
      if (earlier[0]![0] === 'begin') return { command: 'ROLLBACK', rowCount: null, rows: [] };
      return send(text, values);
    }
    let failure: { error: unknown } | null = null;
    const sent: Array<Promise<unknown>> = [];
    let answer: Promise<Result>;
    socket?.cork?.();
    try {
      for (const [t, v] of earlier)
        sent.push(send(t, v).catch((error: unknown) => (failure ??= { error })));
      answer = send(text, values);
    } finally {
      socket?.uncork?.();
    }
    await Promise.all(sent);
    if (failure) {
      answer.catch(() => undefined);
      throw (failure as { error: unknown }).error;
    }
    return answer;
  };
  return { query: query as never, release: () => client.release() };
}

export function openPostgres(url: string, options: PostgresOptions = {}): Dialect {
  const connection = { connectionString: url, types, keepAlive: true };
  const pool = new pg.Pool({
    ...connection,
    pipeline: true,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // A connection cut by a server restart emits 'error': on the pool while idle, on the client while
  // checked out between two queries (inside a transaction). Unheard, either would end the process.
  // The query in progress fails, and the pool drops the connection and opens a new one when needed.
  pool.on('error', (e) => options.onConnectionError?.(e));
  /**
   * The backends of this process's connections: what they notify, this process has done already
   * (it wakes its own worker and task runner, forgets its cached keys and endpoints, before or as
   * it notifies), so its listener skips it. Each create used to wake this process's worker and
   * task runner a second time through its own NOTIFY: ~1.5 statements a create.
   */
  const ownBackends = new Set<number>();
  pool.on('connect', (client) => {
    client.on('error', (e) => options.onConnectionError?.(e));
    const pid = (client as pg.Client & { processID?: number }).processID;
    if (pid) ownBackends.add(pid);
  });
  pool.on('remove', (client) => {
    const pid = (client as pg.Client & { processID?: number }).processID;
    if (pid) ownBackends.delete(pid);
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });

  let notifying: Promise<void> | null = null;
  let notifyAgain = false;

  return {
    name: 'postgres',
    db,
    singleProcess: false,
    lockDeliveries: null,
    // A dotted key is a path: 'recurring.interval'.
    jsonText: (column, key) =>
      sql<string | null>`(${sql.ref(column)}::jsonb #>> ${key.split('.')})`,
    jsonValue: (column, path) =>
      sql<string | null>`((${sql.ref(column)}::jsonb #> ${path.split('.')})::text)`,
    jsonNumber: (column, path) =>
      sql<number | null>`((${sql.ref(column)}::jsonb #>> ${path.split('.')})::numeric)`,
    deliveryQueue: (options) => postgresQueue(db, options),
    runEach: runEachThroughKysely,
    skipLocked: <QB extends AnySelect>(query: QB) => query.forUpdate().skipLocked() as QB,
    forUpdate: <QB extends AnySelect>(query: QB) => query.forUpdate() as QB,
    async exclusive(name, work) {
      // A session-level lock on a connection of its own, so that `work` may use the whole pool.
      const client = await pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [
          `switchboard:${name}`,
        ]);
        try {
          return await work();
        } finally {
          await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [
            `switchboard:${name}`,
          ]);
        }
      } finally {
        client.release();
      }
    },
    notifyDeliveries() {
      // Coalesced: while one NOTIFY is on its way, further calls ask for a single one after it.
      // One wake-up makes a worker claim everything due, so more would only cost round trips.
      if (notifying) {
        notifyAgain = true;
        return notifying;
      }
      notifying = (async () => {
        do {
          notifyAgain = false;
          await pool.query(`SELECT pg_notify('${CHANNEL}', '')`);
        } while (notifyAgain);
      })().finally(() => {
        notifying = null;
      });
      return notifying;
    },
    listenDeliveries: (listener) =>
      listen(connection, listener, options.onConnectionError, ownBackends),
    async notifyCredentialsRevoked(tx) {
      // In the transaction: PostgreSQL delivers it at commit, before the revoking request answers.
      await sql`SELECT pg_notify(${CHANNEL}, ${CREDENTIALS_REVOKED})`.execute(tx);
    },
    async notifyEndpointsChanged(tx) {
      await sql`SELECT pg_notify(${CHANNEL}, ${ENDPOINTS_CHANGED})`.execute(tx);
    },
    close: () => db.destroy(),
  };
}

/**
 * LISTEN on a connection of its own, reconnecting (1 s, doubling to 30 s) when it is lost. After
 * every (re)connection the listener is called once with null: notifications sent while away are
 * lost.
 */
async function listen(
  connection: pg.ClientConfig,
  listener: (topic: string | null) => void,
  onError: ((e: Error) => void) | undefined,
  ownBackends: ReadonlySet<number>,
): Promise<() => Promise<void>> {
  let stopped = false;
  let current: pg.Client | null = null;
  let timer: NodeJS.Timeout | null = null;
  let backoff = 1_000;

  const retry = () => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, backoff);
    timer.unref();
    backoff = Math.min(backoff * 2, 30_000);
  };

  const connect = async () => {
    const client = new pg.Client(connection);
    let lost = false;
    const onLost = (e?: Error) => {
      if (lost) return;
      lost = true;
      if (current === client) current = null;
      if (e) onError?.(e);
      client.end().catch(() => undefined);
      retry();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (n) => {
      if (!ownBackends.has(n.processId)) listener(n.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (e) {
      onLost(e as Error);
      return;
    }
    if (stopped || lost) {
      await client.end().catch(() => undefined);
      return;
    }
    current = client;
    backoff = 1_000;
    listener(null);
  };

  await connect();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    const client = current;
    current = null;
    await client?.end().catch(() => undefined);
  };
}
