import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/domain/clock.js';
import {
  ClockBackwardsError,
  ClockStalledError,
  manualClockControl,
} from '../../src/services/clock-control.js';
import { insertDeliveries } from '../../src/storage/repositories/deliveries.js';
import { dueWork } from '../../src/storage/repositories/due-work.js';
import { insertEndpoint } from '../../src/storage/repositories/endpoints.js';
import { insertTask } from '../../src/storage/repositories/scheduled-tasks.js';
import { endpointRow, pendingDeliveryRow } from '../helpers/rows.js';
import { openBackend, type Backend } from './backend.js';

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

const endpoint = (id: string, kind: string) =>
  endpointRow({
    id,
    platform_id: 'acct_clock',
    kind,
    url: null,
    secret: 'whsec_clock',
    created: 0,
  });

const delivery = (id: string, endpointId: string, dueMs: number) =>
  pendingDeliveryRow({
    id,
    event_id: `evt_${id}`,
    endpoint_id: endpointId,
    platform_id: 'acct_clock',
    next_attempt_ms: dueMs,
    created_ms: T0,
  });

const task = (id: string, dueMs: number) =>
  ({
    id,
    platform_id: 'acct_clock',
    kind: 'test.tick',
    payload: '{}',
    due_ms: dueMs,
    status: 'pending',
    lease_until_ms: null,
    created_ms: T0,
  }) as const;

describe('advancing a manual clock', () => {
  let b: Backend;
  beforeAll(async () => {
    b = await openBackend();
    await insertEndpoint(b.main.db, endpoint('we_clock', 'webhook'));
    await insertEndpoint(b.main.db, endpoint('lsn_clock', 'listen'));
  });
  afterAll(async () => b?.close());

  /** Stands in for the worker and the task runner: on each jump, finishes what is due, noting when. */
  function processor(clock: ReturnType<typeof manualClock>) {
    const done: Array<[string, number]> = [];
    clock.onJump(() => {
      const now = clock.now();
      void (async () => {
        const tasks = await b.main.db
          .updateTable('scheduled_tasks')
          .set({ status: 'done' })
          .where('status', '=', 'pending')
          .where('due_ms', '<=', now)
          .returning('id')
          .execute();
        const deliveries = await b.main.db
          .updateTable('deliveries')
          .set({ status: 'succeeded' })
          .where('status', '=', 'pending')
          .where('endpoint_id', '=', 'we_clock')
          .where('next_attempt_ms', '<=', now)
          .returning('id')
          .execute();
        for (const r of [...tasks, ...deliveries]) done.push([r.id, (now - T0) / HOUR]);
      })();
    });
    return done;
  }

  it('dueWork counts pending tasks and deliveries due by a time, leaving out listen sessions', async () => {
    await insertTask(b.main.db, task('task_a', T0 + HOUR));
    await insertDeliveries(b.main.db, [
      delivery('dlv_a', 'we_clock', T0 + 2 * HOUR),
      delivery('dlv_listen', 'lsn_clock', T0),
    ]);
    expect(await dueWork(b.main.db, T0)).toEqual({ due: 0, next: T0 + HOUR });
    expect(await dueWork(b.main.db, T0 + 2 * HOUR)).toEqual({ due: 2, next: T0 + HOUR });
  });

  it('stops at each due time on the way, in order, and ends at the target', async () => {
    await insertTask(b.main.db, task('task_b', T0 + 3 * HOUR));
    const clock = manualClock(T0);
    const done = processor(clock);
    const jumps: number[] = [];
    clock.onJump(() => jumps.push((clock.now() - T0) / HOUR));
    await manualClockControl({ clock, db: b.main.db, stallMs: 5_000 }).advance({
      toMs: T0 + 5 * HOUR,
    });
    expect(clock.now()).toBe(T0 + 5 * HOUR);
    expect(jumps).toEqual([1, 2, 3, 5]);
    expect(done).toEqual([
      ['task_a', 1],
      ['dlv_a', 2],
      ['task_b', 3],
    ]);
    expect((await dueWork(b.main.db, clock.now())).due).toBe(0);
  });

  it('gives up, with the clock at the stuck time, when what is due makes no progress', async () => {
    const clock = manualClock(T0 + 5 * HOUR);
    await insertTask(b.main.db, task('task_stuck', T0 + 6 * HOUR));
    // Nothing processes tasks here.
    const control = manualClockControl({ clock, db: b.main.db, stallMs: 200 });
    await expect(control.advance({ byMs: 3 * HOUR })).rejects.toBeInstanceOf(ClockStalledError);
    expect(clock.now()).toBe(T0 + 6 * HOUR);
    await expect(control.advance({ toMs: T0 })).rejects.toBeInstanceOf(ClockBackwardsError);
  });
});
