import type { Kysely, RawBuilder, SelectQueryBuilder } from 'kysely';
import type { DeliveryQueue, QueueOptions } from '../delivery/queue.js';
import type { RunEach } from './repositories/reusable.js';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

/** What Dialect.notifyCredentialsRevoked says to the other processes' listeners. */
export const CREDENTIALS_REVOKED = 'credentials';

/** What Dialect.notifyEndpointsChanged says to the other processes' listeners. */
export const ENDPOINTS_CHANGED = 'endpoints';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySelect = SelectQueryBuilder<any, any, any>;

/**
 * What differs between SQLite and PostgreSQL. Everything else in storage/ is plain Kysely and
 * runs on both.
 */
export interface Dialect {
  name: DialectName;
  db: Kysely<Database>;
  /**
   * A JSON member of a text column, as text (a boolean as 'true' or 'false'): for filters such as
   * a customer's email or a price's `active`.
   */
  jsonText(column: string, key: string): RawBuilder<string | null>;
  /**
   * A JSON member (`a.b` for a nested one) as JSON text (`true`, `12`, `"x"`), to compare
   * with JSON.stringify(value) whatever its type.
   */
  jsonValue(column: string, path: string): RawBuilder<string | null>;
  /** A numeric JSON member (`a.b` for a nested one), for ranges (a payout's arrival_date). */
  jsonNumber(column: string, path: string): RawBuilder<number | null>;
  /**
   * The delivery queue for one worker (delivery/queue.ts): with leases, or without for the one
   * process that holds the delivery lock (lockDeliveries).
   */
  deliveryQueue(options: QueueOptions): DeliveryQueue;
  /**
   * Locks the rows a select returns until the transaction ends, skipping rows another transaction
   * holds (PostgreSQL `FOR UPDATE SKIP LOCKED`): for claiming work. SQLite serialises writers, so
   * there the query is returned as it is.
   */
  skipLocked<QB extends AnySelect>(query: QB): QB;
  /** Locks the rows a select returns until the transaction ends (`FOR UPDATE`; as is on SQLite). */
  forUpdate<QB extends AnySelect>(query: QB): QB;
  /**
   * Runs `work` while holding a lock named `name` across every process using the database
   * (a PostgreSQL advisory lock); on SQLite, one process uses the database and `work` just runs.
   */
  exclusive<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** Wakes delivery workers and task runners in other processes (PostgreSQL NOTIFY); a no-op on SQLite. */
  notifyDeliveries(): Promise<void>;
  /**
   * Calls `listener` when another process notifies, with what it said: '' (deliveries or tasks
   * queued), CREDENTIALS_REVOKED or ENDPOINTS_CHANGED; and with null after every (re)connection, when notifications
   * may have been missed. Returns a function that stops listening.
   */
  listenDeliveries(listener: (topic: string | null) => void): Promise<() => Promise<void>>;
  /**
   * Inside the transaction that revoked API keys: tells the other processes when it commits, so
   * that they forget the keys they cached (PostgreSQL NOTIFY CREDENTIALS_REVOKED; a no-op on
   * SQLite, where one process serves the API).
   */
  notifyCredentialsRevoked(tx: Kysely<Database>): Promise<void>;
  /**
   * Inside a transaction that changed endpoints: tells the other processes when it commits, so
   * that they stop routing by what they cached (services/routing-cache.ts; PostgreSQL NOTIFY
   * ENDPOINTS_CHANGED; a no-op on SQLite).
   */
  notifyEndpointsChanged(tx: Kysely<Database>): Promise<void>;
  /**
   * Runs one statement once per list of parameters inside the transaction `tx`, for the
   * statements written once per delivery attempt. SQLite binds its prepared statement directly, on
   * the one connection the transaction holds: through Kysely each run cost ~1.7 µs and ~4 KB of
   * garbage more (a drain profile). PostgreSQL runs them through Kysely.
   */
  runEach: RunEach;
  /**
   * Why the database cannot be trusted now, or null (readiness probes ask): on SQLite, the file
   * was deleted or replaced under the running process, after which writes are refused.
   */
  problem?(): string | null;
  /** Whether this process is the only one using the database (SQLite): stale leases can be cleared. */
  singleProcess: boolean;
  /**
   * SQLite: makes this process the one that delivers from the database file, until it closes, or
   * throws DeliveryLockError when another process holds that. Its worker then claims without
   * leases (QueueOptions.withoutLeases). Null on PostgreSQL, where several processes deliver, kept
   * apart by leases.
   */
  lockDeliveries: (() => void) | null;
  close(): Promise<void>;
}

/** Another process already delivers from this SQLite database (Dialect.lockDeliveries). */
export class DeliveryLockError extends Error {
  constructor(file: string) {
    super(
      `another Switchboard process delivers from ${file}: SQLite allows one process with the worker role per database (stop the other, or use PostgreSQL for several)`,
    );
    this.name = 'DeliveryLockError';
  }
}
