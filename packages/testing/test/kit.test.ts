import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSwitchboard, type Switchboard } from '@switchboard/testing';

const MIN = 60_000;

/** The kit as a user's vitest file uses it: one Switchboard for the file, stripe-node against it. */
describe('@switchboard/testing', () => {
  let sb: Switchboard;
  let stripe: Stripe;

  beforeAll(async () => {
    sb = await startSwitchboard();
    stripe = new Stripe(sb.secretKey, sb.stripeOptions);
  });
  afterAll(() => sb?.close());

  it("delivers a connected account's event to a Connect endpoint, verified, and with the scope it came from", async () => {
    const endpoint = await sb.webhooks.endpoint({ connect: true });
    const platform = await sb.webhooks.endpoint();
    const account = await stripe.accounts.create({ type: 'express' });
    const customer = await stripe.customers.create(
      { email: 'jenny@example.com' },
      { stripeAccount: account.id },
    );
    const own = await stripe.customers.create({ email: 'platform@example.com' });

    const delivery = await sb.webhooks.next('customer.created', { account: account.id });
    expect(delivery.event.data.object.id).toBe(customer.id);
    expect(delivery.event.data.object.email).toBe('jenny@example.com');
    expect(delivery.endpoint.id).toBe(endpoint.id);
    expect(delivery.attempt).toBe(1);
    expect(delivery.status).toBe(200);
    // The official package verifies it too, with the secret the kit registered.
    const event = stripe.webhooks.constructEvent(
      delivery.payload,
      delivery.headers['stripe-signature']!,
      endpoint.secret,
    );
    expect(event.id).toBe(delivery.event.id);

    const mine = await platform.next('customer.created', { account: null });
    expect(mine.event.data.object.id).toBe(own.id);
    expect(mine.event.account).toBeUndefined();
  });

  it('runs a failing endpoint through the retry schedule as the clock advances, with no waiting', async () => {
    const endpoint = await sb.webhooks.endpoint({
      events: ['customer.updated'],
      respond: (d) => (d.attempt < 4 ? 503 : 200),
    });
    const customer = await stripe.customers.create();
    await stripe.customers.update(customer.id, { name: 'Jenny Rosen' });
    const first = await endpoint.next('customer.updated');
    expect([first.attempt, first.status]).toEqual([1, 503]);
    const t0 = (await sb.clock.now()).getTime();

    // Test mode retries after 10 min, 1 h and 3 h. Each advance returns once what fell due was
    // delivered and recorded: the delivery is there at once (timeout 0 waits for nothing).
    const now = async (by: string) => (await sb.clock.advance(by)).getTime() - t0;
    expect(await now('9m')).toBe(9 * MIN);
    await expect(endpoint.next('customer.updated', { timeout: 0 })).rejects.toThrow(
      /No delivery of customer.updated/,
    );
    expect(await now('1m')).toBe(10 * MIN);
    const second = await endpoint.next('customer.updated', { timeout: 0 });
    expect([second.attempt, second.status, second.event.id]).toEqual([2, 503, first.event.id]);

    await sb.clock.advance('4h');
    const third = await endpoint.next('customer.updated', { timeout: 0 });
    const fourth = await endpoint.next('customer.updated', { timeout: 0 });
    expect([third.attempt, third.status]).toEqual([3, 503]);
    expect([fourth.attempt, fourth.status]).toEqual([4, 200]);

    const attempts = (await stripe.rawRequest(
      'GET',
      `/v1/webhook_endpoints/${endpoint.id}/attempts`,
    )) as unknown as { data: Array<{ created: number }> };
    const offsets = attempts.data.map((a) => a.created * 1000 - Math.floor(t0 / 1000) * 1000);
    expect(offsets.sort((a, b) => a - b)).toEqual([0, 10 * MIN, 70 * MIN, 250 * MIN]);
    // Delivered: nothing more comes, however far the clock goes.
    await sb.clock.advance('3d');
    await expect(endpoint.next('customer.updated', { timeout: 0 })).rejects.toThrow();
  });

  it('keeps working while the test fakes its timers', async () => {
    await sb.webhooks.endpoint({ events: ['customer.deleted'] });
    vi.useFakeTimers();
    try {
      const customer = await stripe.customers.create();
      await stripe.customers.del(customer.id);
      const deleted = await sb.webhooks.next('customer.deleted', { timeout: 5_000 });
      expect(deleted.event.data.object.id).toBe(customer.id);
      await sb.clock.advance('1h');
    } finally {
      vi.useRealTimers();
    }
  });

  it('next() times out naming what it waited for and what arrived instead', async () => {
    await sb.webhooks.endpoint({ events: ['customer.created'] });
    await stripe.customers.create();
    await sb.clock.advance(0);
    await expect(
      sb.webhooks.next('payout.paid', { account: 'acct_nobody', timeout: 50 }),
    ).rejects.toThrow(/No delivery of payout.paid \(acct_nobody\) within 50 ms.*customer.created/);
  });

  it('reset() starts over on an empty database, with the same keys, port and stripe client', async () => {
    await stripe.customers.create({ email: 'before@example.com' });
    const before = await sb.clock.advance('30d');
    await sb.reset();
    expect((await stripe.customers.list()).data).toEqual([]);
    expect((await stripe.webhookEndpoints.list()).data).toEqual([]);
    expect((await sb.clock.now()).getTime()).toBeLessThan(before.getTime());
    // Endpoints are registered again after a reset.
    await sb.webhooks.endpoint();
    const after = await stripe.customers.create({ email: 'after@example.com' });
    const created = await sb.webhooks.next('customer.created');
    expect(created.event.data.object.id).toBe(after.id);
  });

  it('the node:test example of the README passes', () => {
    const example = fileURLToPath(new URL('./examples/node-test.mjs', import.meta.url));
    const run = spawnSync(process.execPath, ['--test', example], { encoding: 'utf8' });
    expect(run.stdout + run.stderr).toMatch(/# pass 2/);
    expect(run.status).toBe(0);
  });
});

describe('startSwitchboard options', () => {
  it('refuses settings the kit owns, and starts with the ones it passes on', async () => {
    await expect(startSwitchboard({ config: { db: '/tmp/x.db' } })).rejects.toThrow(
      /config.db is set by the kit/,
    );
    const sb = await startSwitchboard({ clock: 'system', config: { testRetry: 'fixed:1s' } });
    try {
      const clock = await sb.clock.now();
      expect(Math.abs(clock.getTime() - Date.now())).toBeLessThan(5_000);
      await expect(sb.clock.advance('1h')).rejects.toThrow(/--clock manual/);
    } finally {
      await sb.close();
    }
  });

  it('says why when the server cannot start', async () => {
    await expect(startSwitchboard({ config: { testRetry: 'sometimes' } })).rejects.toThrow(
      /Switchboard did not start: .*--test-retry/,
    );
  });
});
