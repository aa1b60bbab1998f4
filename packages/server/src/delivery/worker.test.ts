import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/schema.js';
import { systemClock } from '../domain/clock.js';
import { createLogger } from '../observability/logger.js';
import type { DeliveryQueue } from './queue.js';
import type { Transport } from './transport.js';
import { DeliveryWorker } from './worker.js';

/** A queue with nothing in it that counts what the worker asks of it. */
function countingQueue() {
  const calls = { claim: 0, nextDue: 0 };
  const queue: DeliveryQueue = {
    claim: async () => {
      calls.claim++;
      return [];
    },
    nextDue: async () => {
      calls.nextDue++;
      return { due: null, leaseEnds: null };
    },
    renew: async () => undefined,
    release: async () => undefined,
    releaseAll: async () => 0,
    record: async () => undefined,
  };
  return { queue, calls };
}

const listen: Transport = {
  send: () => Promise.reject(new Error('nothing is claimed, so nothing is sent')),
  close: async () => undefined,
};

const settle = () => new Promise((r) => setTimeout(r, 50));

describe('the worker of an API-only process (listen sessions)', () => {
  it('claims nothing while no session is connected here, and claims once one is', async () => {
    const { queue, calls } = countingQueue();
    let sessions: string[] = [];
    const worker = new DeliveryWorker({
      id: 'wrk_listen_test',
      queue,
      mode: { kind: 'listen-sessions' },
      clock: systemClock,
      config: loadConfig({ db: ':memory:' }, {}),
      log: createLogger({ level: 'error', format: 'json', write: () => undefined }),
      transports: { listen },
      listenSessions: () => sessions,
    });
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
