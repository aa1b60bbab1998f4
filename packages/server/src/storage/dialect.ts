import type { Kysely, RawBuilder, SelectQueryBuilder } from 'kysely';
import type { EventRow } from './repositories/events.js';
import type { RunEach } from './repositories/reusable.js';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

/** What Dialect.notifyCredentialsRevoked says to the other processes' listeners. */
export const CREDENTIALS_REVOKED = 'credentials';

/** A claimed delivery: what the worker needs to send it. */
export interface ClaimedDelivery {
  id: string;
  event_id: string;
  endpoint_id: string;
  attempts: number;
  first_attempt_ms: number | null;
  one_shot: number;
  /** The event, when the claim read it with the delivery (SQLite without leases). */
  event?: EventRow;
}

export interface ClaimArgs {
  /** Clock ms: deliveries due at or before it. */
  now: number;
  /** Real ms: leases ending at or before it have expired. */
  realNow: number;
  leaseUntil: number;
  owner: string;
  limit: number;
  kinds: readonly string[];
  endpointLimit: number;
  /**
   * One process (SQLite): how many deliveries of one endpoint the worker may hold (in flight,
   * queued in its transport, waiting): the claim tops each endpoint up to it, less `heldHere`.
   * Default twice `endpointLimit`.
   */
  topUpTo?: number | undefined;
  excludeEndpoints: readonly string[];
  /**
   * What this worker holds now (in flight or waiting for a slot), by endpoint. With several
   * processes the claim counts these instead of this worker's own leases: a lease whose attempt
   * has ended but whose outcome is not written yet does not hold a slot any more.
   */
  heldHere?: ReadonlyMap<string, number> | undefined;
  /**
   * When given, the listen sessions (endpoints of kind `listen`) connected to this process: it
   * takes no delivery to another session, which the process holding its websocket delivers.
   */
  listenSessions?: readonly string[] | undefined;
  /**
   * Claim without leases: the worker holds the delivery lock (Dialect.lockDeliveries), so no
   * other process claims deliveries of its kinds. It leaves out the deliveries it holds instead
   * (in flight, waiting for a slot, or with an outcome not yet written), by id with their
   * endpoint; deliveries to endpoints of other kinds, even deleted or disabled ones, are left to
   * the process with a transport for them. SQLite only.
   */
  heldIds?: ReadonlyMap<string, string> | undefined;
}

export interface NextDueArgs {
  /** Real ms: leases ending at or before it have expired. */
  realNow: number;
  kinds: readonly string[];
  listenSessions?: readonly string[] | undefined;
  /** Endpoints to leave out (at their limit here: a freed slot wakes the worker for them). */
  excludeEndpoints?: readonly string[] | undefined;
  /** As in ClaimArgs: deliveries this worker holds without a lease, not due for it again. */
  heldIds?: ReadonlyMap<string, string> | undefined;
}

/**
 * When a worker next has something to claim: the earliest due time (clock ms) of a pending
 * delivery nobody holds, and the earliest end of a lease (real ms), after which its delivery may
 * be taken over. Null when there is none.
 */
export interface NextDue {
  due: number | null;
  leaseEnds: number | null;
}

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
   * Claims up to `limit` due deliveries for `owner` until `leaseUntil` (real ms): deliveries to
   * endpoints of the given `kinds` (the transports the worker has), plus deliveries to deleted or
   * disabled endpoints of any kind (to cancel them). Skips the endpoints in `excludeEndpoints`
   * (at their limit in this process). With several processes (PostgreSQL) it also never leaves
   * more than `endpointLimit` deliveries of one endpoint leased at once, across every worker; a
   * single-process database (SQLite) leaves that to the worker's own count.
   */
  claimDue(args: ClaimArgs): Promise<ClaimedDelivery[]>;
  /**
   * When there is next something to claim (see NextDue). SQLite leaves out `excludeEndpoints`
   * (their freed slots wake the worker); PostgreSQL, whose slots free in other processes too,
   * counts every endpoint (repositories/deliveries.ts nextDueTime).
   */
  nextDue(args: NextDueArgs): Promise<NextDue>;
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
   * queued) or CREDENTIALS_REVOKED; and with null after every (re)connection, when notifications
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
   * leases (ClaimArgs.heldIds). Null on PostgreSQL, where several processes deliver, kept apart
   * by leases.
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
