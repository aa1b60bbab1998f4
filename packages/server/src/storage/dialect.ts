import type { Kysely, RawBuilder } from 'kysely';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

/** A claimed delivery: what the worker needs to send it. */
export interface ClaimedDelivery {
  id: string;
  event_id: string;
  endpoint_id: string;
  attempts: number;
  first_attempt_ms: number | null;
  one_shot: number;
}

/**
 * What differs between SQLite and PostgreSQL. Everything else in storage/ is plain Kysely and
 * runs on both.
 */
export interface Dialect {
  name: DialectName;
  db: Kysely<Database>;
  /** A JSON member of a text column, as text: for filters such as a customer's email. */
  jsonText(column: string, key: string): RawBuilder<string | null>;
  /**
   * Claims up to `limit` due deliveries for `owner` until `leaseUntil` (real ms), skipping the
   * endpoints in `excludeEndpoints` (already at their concurrency limit here).
   */
  claimDue(args: {
    now: number;
    realNow: number;
    leaseUntil: number;
    owner: string;
    limit: number;
    excludeEndpoints: readonly string[];
  }): Promise<ClaimedDelivery[]>;
  /** Wakes delivery workers in other processes (PostgreSQL NOTIFY); a no-op on SQLite. */
  notifyDeliveries(): Promise<void>;
  /** Calls `listener` when another process notifies; returns a function that stops listening. */
  listenDeliveries(listener: () => void): Promise<() => Promise<void>>;
  /** Whether this process is the only one using the database (SQLite): stale leases can be cleared. */
  singleProcess: boolean;
  close(): Promise<void>;
}
