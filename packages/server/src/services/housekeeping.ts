import { setTimeout as sleep } from 'node:timers/promises';
import { deleteExpiredIdempotencyKeys } from '../storage/repositories/idempotency.js';
import { deleteEventsBefore } from '../storage/repositories/retention.js';
import type { Services } from './context.js';
import { retentionStart } from '../domain/retention.js';

const HOUR = 3_600_000;
/**
 * The first round runs this long after start, out of the way of a server warming up (deleting
 * idempotency keys reads their whole table).
 */
const FIRST_ROUND_MS = 10 * 60_000;

export interface Housekeeping {
  /** One round now: what a timer runs every hour. Resolves with what it deleted. */
  run(): Promise<{ events: number }>;
  /** No more rounds; a round under way ends after its current transaction. */
  stop(): Promise<void>;
}

/**
 * Deletes what no request can reach any more, every hour: idempotency keys after 24 hours (as
 * Stripe), and events past `--event-retention-days` with their deliveries and attempts, which
 * the API stopped listing and resending at that age. Without it the database only grows. With
 * several processes on PostgreSQL, one of them deletes at a time.
 */
export function startHousekeeping({ dialect, clock, config, log }: Services): Housekeeping {
  let running: Promise<{ events: number }> | null = null;
  let stopped = false;
  const round = () =>
    dialect.exclusive('housekeeping', async () => {
      await deleteExpiredIdempotencyKeys(dialect.db, Date.now() - 24 * HOUR);
      const before = retentionStart(clock.now(), config.eventRetentionDays);
      // Between rounds of 500 events, let requests and deliveries in (SQLite has one connection).
      const events = await deleteEventsBefore(dialect.db, before, {
        pause: () => sleep(10).then(() => !stopped),
      });
      if (events > 0)
        log.info('deleted events past retention, with their deliveries and attempts', {
          events,
          retention_days: config.eventRetentionDays,
        });
      return { events };
    });
  const run = () => {
    running ??= round().finally(() => {
      running = null;
    });
    return running;
  };
  const scheduled = () =>
    void run().catch((e: unknown) =>
      log.warn('housekeeping failed; it runs again in an hour', { error: (e as Error).message }),
    );
  const first = setTimeout(scheduled, FIRST_ROUND_MS);
  const hourly = setInterval(scheduled, HOUR);
  first.unref();
  hourly.unref();
  return {
    run,
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(hourly);
      await running?.catch(() => undefined);
    },
  };
}
