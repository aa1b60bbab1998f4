import { afterAll, beforeAll, describe, it } from 'vitest';
import { triggerNames } from '../src/trigger/fixture.js';
import { TriggerBench } from './helpers/trigger-bench.js';

/**
 * `switchboard trigger --stripe-account` for every v1 event it lists, as a real process: every
 * request carries Stripe-Account, so the event comes from that connected account and reaches the
 * Connect endpoint only. (The platform's own runs are in trigger.test.ts: two files, two cores.)
 */
describe('switchboard trigger --stripe-account', () => {
  const bench = new TriggerBench();
  beforeAll(() => bench.start());
  afterAll(() => bench.close());

  for (const name of triggerNames().filter((n) => !n.startsWith('v2.'))) {
    it(`${name} comes from the connected account, at the Connect endpoint`, async () => {
      await bench.triggered(name, bench.connected);
    });
  }

  it("sends no trigger's events to the Your-account endpoint", () => bench.expectNoCrossScope());
});
