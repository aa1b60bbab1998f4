import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver } from '../helpers/receiver.js';
import { LIVE_KEY, startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';

/**
 * The seed's routing rules, end to end with the official stripe package and a real receiver:
 * platform events go to connect=false endpoints of their mode; connected-account events go to
 * connect=true endpoints, live Connect endpoints taking test events too; sandboxes are apart.
 */
describe('routing events to endpoints by scope, mode and sandbox', () => {
  let server: TestServer;
  let receiver: Receiver;
  let test: Stripe;
  let live: Stripe;
  let sandbox: Stripe;
  const endpoints: Record<string, Stripe.WebhookEndpoint> = {};

  async function endpoint(name: string, client: Stripe, connect: boolean) {
    const we = await client.webhookEndpoints.create({
      url: receiver.url(`/${name}`),
      enabled_events: ['*'],
      connect,
    });
    expect(we.secret).toMatch(/^whsec_/);
    receiver.expect(`/${name}`, we.secret!);
    endpoints[name] = we;
  }

  beforeAll(async () => {
    server = await startTestServer();
    receiver = await new Receiver().start();
    test = server.stripe(TEST_KEY);
    live = server.stripe(LIVE_KEY);
    const res = await fetch(`${server.url}/v1/switchboard/sandboxes`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${TEST_KEY}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: 'name=QA',
    });
    expect(res.status).toBe(200);
    const sb = (await res.json()) as { secret_key: string };
    expect(sb.secret_key).toMatch(/^sk_test_/);
    sandbox = server.stripe(sb.secret_key);
    await endpoint('test-account', test, false);
    await endpoint('test-connect', test, true);
    await endpoint('live-account', live, false);
    await endpoint('live-connect', live, true);
    await endpoint('sandbox-account', sandbox, false);
    await endpoint('sandbox-connect', sandbox, true);
  });

  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  async function deliveredTo(eventId: string, expected: string[]): Promise<void> {
    await receiver.waitFor(
      () => expected.every((p) => receiver.at(`/${p}`).some((r) => r.event?.id === eventId)),
      10_000,
      `${eventId} at ${expected}`,
    );
    // Give any wrongly routed delivery time to arrive before asserting it did not.
    await new Promise((r) => setTimeout(r, 150));
    const got = receiver.received
      .filter((r) => r.event?.id === eventId)
      .map((r) => r.path.slice(1));
    expect(got.sort()).toEqual([...expected].sort());
    for (const r of receiver.received.filter((r) => r.event?.id === eventId)) {
      expect(r.verified, `${r.path}: ${r.verifyError}`).toBe(true);
    }
  }

  async function lastEvent(client: Stripe, type: string, account?: string) {
    const list = await client.events.list(
      { type, limit: 1 },
      account ? { stripeAccount: account } : {},
    );
    expect(list.data.length).toBe(1);
    return list.data[0]!;
  }

  it("delivers the platform's test events to its test connect=false endpoints only", async () => {
    await test.customers.create({ email: 'platform-test@example.com' });
    const event = await lastEvent(test, 'customer.created');
    expect(event.account).toBeUndefined();
    expect(event.livemode).toBe(false);
    await deliveredTo(event.id, ['test-account']);
  });

  it("delivers the platform's live events to its live connect=false endpoints only", async () => {
    await live.customers.create({ email: 'platform-live@example.com' });
    const event = await lastEvent(live, 'customer.created');
    expect(event.livemode).toBe(true);
    await deliveredTo(event.id, ['live-account']);
  });

  it('delivers test events of a connected account to test and live connect=true endpoints', async () => {
    const acct = await test.accounts.create({ type: 'express' });
    await test.customers.create(
      { email: 'connected-test@example.com' },
      { stripeAccount: acct.id },
    );
    const event = await lastEvent(test, 'customer.created', acct.id);
    expect(event.account).toBe(acct.id);
    await deliveredTo(event.id, ['test-connect', 'live-connect']);
    const body = receiver.at('/test-connect').find((r) => r.event?.id === event.id)!;
    expect(body.event!.account).toBe(acct.id);
  });

  it('delivers live events of a connected account to live connect=true endpoints only', async () => {
    const acct = await live.accounts.create({
      type: 'custom',
      capabilities: { transfers: { requested: true } },
    });
    await live.customers.create(
      { email: 'connected-live@example.com' },
      { stripeAccount: acct.id },
    );
    const event = await lastEvent(live, 'customer.created', acct.id);
    expect(event.livemode).toBe(true);
    await deliveredTo(event.id, ['live-connect']);
  });

  it('delivers test activity on a live connected account to both connect endpoints', async () => {
    const acct = await live.accounts.create({ type: 'express' });
    await test.customers.create({ email: 'test-on-live@example.com' }, { stripeAccount: acct.id });
    const event = await lastEvent(test, 'customer.created', acct.id);
    expect(event.livemode).toBe(false);
    await deliveredTo(event.id, ['test-connect', 'live-connect']);
  });

  it('routes account.updated of a connected account to the connected-accounts scope', async () => {
    const acct = await test.accounts.create({ type: 'standard' });
    await test.accounts.update(acct.id, { metadata: { tier: 'gold' } });
    const event = await lastEvent(test, 'account.updated', acct.id);
    expect(event.data.previous_attributes).toEqual({ metadata: { tier: null } });
    await deliveredTo(event.id, ['test-connect', 'live-connect']);
  });

  it("keeps a sandbox's events to the sandbox's own endpoints", async () => {
    await sandbox.customers.create({ email: 'sandbox@example.com' });
    const event = await lastEvent(sandbox, 'customer.created');
    await deliveredTo(event.id, ['sandbox-account']);
    const acct = await sandbox.accounts.create({ type: 'express' });
    await sandbox.customers.create({ name: 'in sandbox account' }, { stripeAccount: acct.id });
    const connected = await lastEvent(sandbox, 'customer.created', acct.id);
    await deliveredTo(connected.id, ['sandbox-connect']);
  });

  it('honours enabled_events and sends nothing to disabled endpoints', async () => {
    const only = await test.webhookEndpoints.create({
      url: receiver.url('/only-deleted'),
      enabled_events: ['customer.deleted'],
    });
    receiver.expect('/only-deleted', only.secret!);
    const off = await test.webhookEndpoints.create({
      url: receiver.url('/off'),
      enabled_events: ['*'],
    });
    await test.webhookEndpoints.update(off.id, { disabled: true });
    const c = await test.customers.create({ name: 'filtered' });
    const created = await lastEvent(test, 'customer.created');
    await deliveredTo(created.id, ['test-account']);
    await test.customers.del(c.id);
    const deleted = await lastEvent(test, 'customer.deleted');
    await deliveredTo(deleted.id, ['test-account', 'only-deleted']);
    expect(receiver.at('/off')).toHaveLength(0);
    await test.webhookEndpoints.del(only.id);
    await test.webhookEndpoints.del(off.id);
  });
});
