import type { Kysely } from 'kysely';
import type { Config } from '../config/schema.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../observability/logger.js';
import type { Dialect } from '../storage/dialect.js';
import { endpointsChanged, endpointsGeneration } from '../storage/repositories/endpoints.js';
import type { Database } from '../storage/schema.js';
import type { PlatformRow } from '../storage/repositories/platforms.js';
import type { ClockControl } from './clock-control.js';

/** Long-lived dependencies, built once in main.ts. */
export interface Services {
  dialect: Dialect;
  clock: Clock;
  config: Config;
  log: Logger;
  /** After a commit that queued deliveries (to these endpoints, if known): wakes the workers. */
  deliveriesQueued(endpointIds?: readonly string[]): void;
  /** Called after a commit that scheduled a task: wakes the task runner. */
  tasksQueued(): void;
  /** Called after a commit that created an event (for metrics). */
  eventCreated?(type: string): void;
  /** Moves the clock: only when it is manual and this process runs the worker and the API. */
  clockControl?: ClockControl;
  /**
   * Called after a commit that revoked keys or disconnected an account (also when another
   * process says it did): this process forgets the keys it cached, so they stop working at once,
   * and ends the listen sessions and dashboard streams opened with those keys or for that account.
   */
  credentialsRevoked?(): void;
}

/**
 * The base of URLs this server hands out (links, websockets): `--public-url` when set, else the
 * host the client reached it by.
 */
export function publicBaseUrl(services: Services, host: string): string {
  return services.config.publicUrl ?? `http://${host}`;
}

/** One write: its transaction, who acts, and what to run once it commits. */
export interface WriteContext {
  db: Kysely<Database>;
  services: Services;
  platform: PlatformRow;
  livemode: boolean;
  /** The connected account acted as (Stripe-Account), or null for the platform itself. */
  accountId: string | null;
  /** Clock milliseconds. */
  now: number;
  request: { id: string | null; idempotency_key: string | null };
  afterCommit: Array<() => void>;
}

/** The dialect with the write's transaction as its database: for reads that must see the write. */
export function writeDialect(w: WriteContext): Dialect {
  return { ...w.services.dialect, db: w.db };
}

/**
 * Runs `work` in a transaction, then its after-commit hooks. On PostgreSQL, two transactions that
 * lock the same rows in opposite orders (a transfer locks the platform's balance then the
 * account's, its reversal the other way round) can deadlock: the server aborts one of them, which
 * is then run again from the start, as a deadlock changed nothing.
 */
export async function inTransaction<T>(
  services: Services,
  base: Omit<WriteContext, 'db' | 'afterCommit' | 'services'>,
  work: (w: WriteContext) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const afterCommit: Array<() => void> = [];
    const endpoints = endpointsGeneration();
    try {
      const result = await services.dialect.db.transaction().execute(async (db) => {
        const out = await work({ ...base, db, services, afterCommit });
        // Endpoints changed (here, or meanwhile elsewhere): other processes route by what they
        // cached until told, at this commit (services/routing-cache.ts).
        if (endpointsGeneration() !== endpoints) await services.dialect.notifyEndpointsChanged(db);
        return out;
      });
      // A read of the endpoints made meanwhile by another request saw them as they were before
      // this commit: it must not be kept (the routing cache keeps a read only if no change
      // began since).
      if (endpointsGeneration() !== endpoints) endpointsChanged();
      for (const hook of afterCommit) hook();
      return result;
    } catch (err) {
      if (attempt >= TRANSACTION_ATTEMPTS || !isRetryableConflict(err)) throw err;
      services.log.debug('transaction retried after a conflict', {
        attempt,
        code: (err as { code?: string }).code,
      });
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }
}

const TRANSACTION_ATTEMPTS = 5;

/** PostgreSQL's deadlock_detected and serialization_failure: the transaction changed nothing. */
export function isRetryableConflict(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}
