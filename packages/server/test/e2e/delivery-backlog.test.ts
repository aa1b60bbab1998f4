import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver } from '../helpers/receiver.js';
import { eventually, startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';

/**
 * A backlog on one endpoint: far more queued deliveries than the endpoint may have in flight and
 * than the worker claims at once, behind a receiver that answers slowly.
 */
describe.each(['on', 'off'])(
  'delivering a backlog to a slow endpoint (--sender-thread %s)',
  (senderThread) => {
    const concurrency = 4;
    let server: TestServer;
    let receiver: Receiver;
    let stripe: Stripe;
    let inFlight = 0;
    let mostInFlight = 0;

    beforeAll(async () => {
      server = await startTestServer({
        config: { endpointConcurrency: String(concurrency), senderThread },
      });
      receiver = await new Receiver().start();
      stripe = server.stripe(TEST_KEY);
      receiver.respond('/slow', () => {
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        setTimeout(() => inFlight--, 15);
        return { status: 200, delayMs: 15 };
      });
      receiver.respond('/slower', () => ({ status: 200, delayMs: 40 }));
    });

    afterAll(async () => {
      await server.close();
      await receiver.close();
    });

    it('delivers every event exactly once, never more at a time than the endpoint concurrency', async () => {
      const slow = await stripe.webhookEndpoints.create({
        url: receiver.url('/slow'),
        enabled_events: ['customer.created'],
      });
      receiver.expect('/slow', slow.secret!);
      const total = 260;
      for (let i = 0; i < total; i += 20) {
        await Promise.all(
          Array.from({ length: 20 }, (_, k) =>
            stripe.customers.create({ name: `backlog ${i + k}` }),
          ),
        );
      }
      await receiver.waitFor(() => receiver.at('/slow').length >= total, 20_000, 'the backlog');
      await new Promise((r) => setTimeout(r, 100));
      const got = receiver.at('/slow');
      expect(got.every((r) => r.verified)).toBe(true);
      expect(new Set(got.map((r) => r.event!.id)).size).toBe(total);
      expect(got).toHaveLength(total);
      expect(mostInFlight).toBeLessThanOrEqual(concurrency);
      expect(mostInFlight).toBeGreaterThan(1);
      // Each outcome is recorded too: no event is left with an endpoint pending.
      await eventually(
        async () =>
          (await stripe.events.list({ delivery_success: false, limit: 1 } as never)).data.length ===
          0,
        5_000,
        'recorded outcomes',
      );
      await stripe.webhookEndpoints.del(slow.id);
    });

    it("sends another endpoint's events while one endpoint works through its backlog", async () => {
      const slow = await stripe.webhookEndpoints.create({
        url: receiver.url('/slower'),
        enabled_events: ['customer.created'],
      });
      receiver.expect('/slower', slow.secret!);
      const fast = await stripe.webhookEndpoints.create({
        url: receiver.url('/fast'),
        enabled_events: ['customer.updated'],
      });
      receiver.expect('/fast', fast.secret!);
      const backlog = 120;
      let last: Stripe.Customer | null = null;
      for (let i = 0; i < backlog; i += 20) {
        const batch = await Promise.all(
          Array.from({ length: 20 }, (_, k) => stripe.customers.create({ name: `busy ${i + k}` })),
        );
        last = batch[batch.length - 1]!;
      }
      await stripe.customers.update(last!.id, { name: 'renamed' });
      await receiver.waitFor(() => receiver.at('/fast').length === 1, 10_000, 'the other endpoint');
      const slowDoneWhenFastArrived = receiver.at('/slower').length;
      expect(receiver.at('/fast')[0]!.verified).toBe(true);
      expect(slowDoneWhenFastArrived).toBeLessThan(backlog);
      await receiver.waitFor(
        () => receiver.at('/slower').length >= backlog,
        20_000,
        'the rest of the backlog',
      );
      expect(new Set(receiver.at('/slower').map((r) => r.event!.id)).size).toBe(backlog);
    });
  },
);

/**
 * Several endpoints behind on their backlogs: the worker's concurrency goes to requests in flight
 * to all of them, not to one endpoint's deliveries queued behind its own limit.
 */
describe.each(['on', 'off'])(
  'several backlogged endpoints share --worker-concurrency (--sender-thread %s)',
  (senderThread) => {
    const workerConcurrency = 8;
    const endpointConcurrency = 2;
    const paths = ['/a', '/b', '/c', '/d'];
    let server: TestServer;
    let receiver: Receiver;
    let open = 0;
    let mostOpen = 0;
    const mostOpenByPath = new Map<string, number>();
    const openByPath = new Map<string, number>();

    beforeAll(async () => {
      server = await startTestServer({
        config: {
          workerConcurrency: String(workerConcurrency),
          endpointConcurrency: String(endpointConcurrency),
          senderThread,
        },
      });
      receiver = await new Receiver().start();
      for (const path of paths) {
        receiver.respond(path, () => {
          open++;
          mostOpen = Math.max(mostOpen, open);
          const n = (openByPath.get(path) ?? 0) + 1;
          openByPath.set(path, n);
          mostOpenByPath.set(path, Math.max(mostOpenByPath.get(path) ?? 0, n));
          setTimeout(() => {
            open--;
            openByPath.set(path, (openByPath.get(path) ?? 1) - 1);
          }, 40);
          return { status: 200, delayMs: 40 };
        });
      }
    });

    afterAll(async () => {
      await server.close();
      await receiver.close();
    });

    it('keeps every endpoint at its limit, and no more than the worker concurrency in flight', async () => {
      const stripe = server.stripe(TEST_KEY);
      for (const path of paths) {
        const endpoint = await stripe.webhookEndpoints.create({
          url: receiver.url(path),
          enabled_events: ['customer.created'],
        });
        receiver.expect(path, endpoint.secret!);
      }
      const events = 30;
      await Promise.all(
        Array.from({ length: events }, (_, i) => stripe.customers.create({ name: `shared ${i}` })),
      );
      await receiver.waitFor(
        () => paths.every((p) => receiver.at(p).length >= events),
        20_000,
        'every backlog',
      );
      for (const path of paths) {
        expect(receiver.at(path).every((r) => r.verified)).toBe(true);
        expect(mostOpenByPath.get(path)).toBe(endpointConcurrency);
      }
      // Never more than the worker's 8 in flight, and the endpoints at their limit side by side
      // (at least three of the four at once: reaching all four at the same instant depends on
      // how the 40 ms answers overlap on a busy machine).
      expect(mostOpen).toBeLessThanOrEqual(workerConcurrency);
      expect(mostOpen).toBeGreaterThanOrEqual(workerConcurrency - endpointConcurrency);
      // And they went through their backlogs side by side: one endpoint's deliveries queued
      // behind its own limit taking the worker's room would finish the endpoints one after the
      // other (the last ones spread over ~3/4 of the whole drain).
      const all = paths.flatMap((p) => receiver.at(p).map((r) => r.at));
      const lasts = paths.map((p) => Math.max(...receiver.at(p).map((r) => r.at)));
      const drain = Math.max(...all) - Math.min(...all);
      expect(Math.max(...lasts) - Math.min(...lasts)).toBeLessThan(drain / 2);
    });
  },
);
