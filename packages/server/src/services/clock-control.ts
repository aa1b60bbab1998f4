import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { ManualClock } from '../domain/clock.js';
import { dueWork } from '../storage/repositories/due-work.js';
import type { Database } from '../storage/schema.js';

/** Moves a manual clock (`serve --clock manual`) forward, as a test tells it to. */
export interface ClockControl {
  /**
   * Moves the clock forward, by `byMs` from where it stands when this call's turn comes (calls run
   * one after the other), or to `toMs`, through every time something falls due on the way, in
   * order: at each, the clock stops until every scheduled task due by then has run (its events
   * written with their deliveries) and every delivery due by then (but those to listen sessions)
   * has been attempted and its outcome recorded; a retry that outcome schedules falls due later,
   * and is attempted at its own time if that is before the target. So advancing three days runs
   * three days of retries, each at its time on the clock. Resolves with the clock's time once it is
   * at the target and what is due then is done too.
   */
  advance(step: { byMs: number } | { toMs: number }): Promise<number>;
}

/** `toMs` is before the clock's time: it never moves back. */
export class ClockBackwardsError extends Error {
  constructor(readonly now: number) {
    super('the clock only moves forward');
    this.name = 'ClockBackwardsError';
  }
}

/** Work due on the clock that made no progress for the stall time. */
export class ClockStalledError extends Error {
  constructor(
    readonly due: number,
    readonly at: number,
    readonly waitedMs: number,
  ) {
    super(
      `${due} scheduled tasks or deliveries due at ${new Date(at).toISOString()} made no progress in ${Math.round(waitedMs / 1000)} s`,
    );
    this.name = 'ClockStalledError';
  }
}

/**
 * `stallMs`: how long the work due at one time may make no progress before advancing gives up (a
 * receiver may take the delivery timeout to answer).
 */
export function manualClockControl(deps: {
  clock: ManualClock;
  db: Kysely<Database>;
  stallMs: number;
}): ClockControl {
  const { clock, db, stallMs } = deps;
  let queue: Promise<unknown> = Promise.resolve();

  /** Waits until nothing due at `at` is pending; each change of the count is progress. */
  async function settle(at: number): Promise<void> {
    let last = -1;
    let since = Date.now();
    // The worker and the task runner were woken by the clock's jump: most work is done within a
    // few ms, so look again soon, then less often.
    let pause = 1;
    for (;;) {
      const { due } = await dueWork(db, at);
      if (due === 0) return;
      if (due !== last) [last, since] = [due, Date.now()];
      else if (Date.now() - since > stallMs) throw new ClockStalledError(due, at, stallMs);
      await sleep(pause);
      pause = Math.min(pause * 2, 20);
    }
  }

  async function advance(step: { byMs: number } | { toMs: number }): Promise<number> {
    const targetMs = 'byMs' in step ? clock.now() + step.byMs : step.toMs;
    if (targetMs < clock.now()) throw new ClockBackwardsError(clock.now());
    for (;;) {
      await settle(clock.now());
      if (clock.now() >= targetMs) return clock.now();
      const { next } = await dueWork(db, clock.now());
      // A request may have queued work due now since settle looked: setting the clock to now
      // again wakes the worker, and the loop settles it.
      clock.set(next === null ? targetMs : Math.min(Math.max(next, clock.now()), targetMs));
    }
  }

  return {
    advance(step) {
      const run = queue.then(() => advance(step));
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
