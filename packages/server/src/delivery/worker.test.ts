import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/schema.js';
import { systemClock } from '../domain/clock.js';
import { createLogger } from '../observability/logger.js';
import type { DeliveryQueue } from './queue.js';
import type { Transport } from './transport.js';
import { DeliveryWorker, type WorkerOptions } from './worker.js';

/** A queue with nothing to claim (the next delivery due at `due`) that counts what it is asked. */
function countingQueue(due: number | null = null) {
  const calls = { claim: 0, nextDue: 0 };
  const queue: DeliveryQueue = {
    claim: async () => {
      calls.claim++;
      return [];
    },
    nextDue: async () => {
      calls.nextDue++;
      return { due, leaseEnds: null };
    },
    renew: async () => undefined,
    release: async () => undefined,
    releaseAll: async () => 0,
    record: async () => undefined,
  };
  return { queue, calls };
}

const unused: Transport = {
  send: () => Promise.reject(new Error('nothing is claimed, so nothing is sent')),
  close: async () => undefined,
};

/** A worker of `mode` on `queue`, sending the one kind of endpoint `kind`. */
const workerOf = (
  mode: WorkerOptions['mode'],
  queue: DeliveryQueue,
  kind: string,
  listenSessions?: () => readonly string[],
) =>
  new DeliveryWorker({
    id: `wrk_${mode.kind}_test`,
    queue,
    mode,
    clock: systemClock,
    config: loadConfig({ db: ':memory:' }, {}),
    log: createLogger({ level: 'error', format: 'json', write: () => undefined }),
    transports: { [kind]: unused },
    ...(listenSessions ? { listenSessions } : {}),
  });

const settle = () => new Promise((r) => setTimeout(r, 50));

describe('the worker of an API-only process (listen sessions)', () => {
  it('claims nothing while no session is connected here, and claims once one is', async () => {
    const { queue, calls } = countingQueue();
    let sessions: string[] = [];
    const worker = workerOf({ kind: 'listen-sessions' }, queue, 'listen', () => sessions);
    await worker.start();
    try {
      // Events created through this process wake its worker, one by one.
      for (let i = 0; i < 5; i++) {
        worker.wake(['we_webhook']);
        await settle();
      }
      expect(calls).toEqual({ claim: 0, nextDue: 0 });
      // A session connects here: its deliveries are claimed.
      sessions = ['we_listen'];
      worker.wake();
      await settle();
      expect(calls.claim).toBeGreaterThan(0);
    } finally {
      await worker.stop();
    }
  });
});

describe('a worker of several on PostgreSQL (leased)', () => {
  it("woken by another process's new deliveries and finding none left, sleeps on without asking when the next falls due", async () => {
    const { queue, calls } = countingQueue(Date.now() + 20_000);
    const worker = workerOf({ kind: 'leased' }, queue, 'webhook');
    await worker.start();
    try {
      await settle();
      expect(calls).toEqual({ claim: 1, nextDue: 1 });
      // Three events created elsewhere: a claim each (another worker took them), no lookup.
      for (let i = 0; i < 3; i++) {
        worker.queuedElsewhere();
        await settle();
      }
      expect(calls).toEqual({ claim: 4, nextDue: 1 });
      // Woken for anything else (a clock jump, a slot freed, deliveries queued here): it asks.
      worker.wake();
      await settle();
      expect(calls).toEqual({ claim: 5, nextDue: 2 });
    } finally {
      await worker.stop();
    }
  });
});
