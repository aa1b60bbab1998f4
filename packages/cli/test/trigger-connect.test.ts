import { afterAll, beforeAll, describe, it } from 'vitest';
import { triggerNames } from '../src/trigger/fixture.js';
import { TriggerBench } from './helpers/trigger-bench.js';

/**
 * `switchboard trigger --stripe-account` for every v1 event it lists, as a real process: every
 * trigger acts on the named account (none creates an account of its own), so the event comes from
 * that connected account, is about it or an object inside it, and reaches the Connect endpoint
 * only, schema-valid. (The platform's own runs are in trigger.test.ts: two files, two cores.)
 */
describe('switchboard trigger --stripe-account', () => {
  const bench = new TriggerBench();
  beforeAll(() => bench.start());
  afterAll(() => bench.close());

  for (const name of triggerNames().filter((n) => !n.startsWith('v2.'))) {
    it(`${name} comes from the connected account, at the Connect endpoint`, async () => {
      // Only an account with Dashboard access (Standard) connects and disconnects itself.
      const target = name.startsWith('account.application.') ? bench.standard : bench.connected;
      await bench.triggered(name, target);
    });
  }

  it("sends no trigger's events to the Your-account endpoint", () => bench.expectNoCrossScope());
});
