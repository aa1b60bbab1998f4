import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboardedAccount } from '../helpers/accounts.js';
import { connect } from '../helpers/oauth.js';
import { Receiver } from '../helpers/receiver.js';
import { LIVE_KEY, startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

interface ClockBody {
  object: string;
  mode: string;
  speed: number | null;
  now: number;
  now_ms: number;
}

/** POST /v1/switchboard/clock/advance as curl would send it. */
async function advance(
  server: TestServer,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: ClockBody & { error?: Record<string, string> } }> {
  const res = await fetch(`${server.url}/v1/switchboard/clock/advance`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${TEST_KEY}`,
      'Content-Type': 'application/x-www-form-urlencoded',
      ...headers,
    },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, body: (await res.json()) as never };
}

describe('serve --clock manual: POST /v1/switchboard/clock/advance', () => {
  let server: TestServer;
  let receiver: Receiver;
  let stripe: Stripe;

  beforeAll(async () => {
    server = await startTestServer({ config: { clock: 'manual' } });
    receiver = await new Receiver().start();
    stripe = server.stripe();
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  it('stands still until advanced, and reads back through GET /v1/switchboard/clock', async () => {
    const before = (await stripe.rawRequest(
      'GET',
      '/v1/switchboard/clock',
    )) as unknown as ClockBody;
    expect(before).toMatchObject({ object: 'switchboard.clock', mode: 'manual', speed: null });
    await new Promise((r) => setTimeout(r, 30));
    const still = (await stripe.rawRequest('GET', '/v1/switchboard/clock')) as unknown as ClockBody;
    expect(still.now_ms).toBe(before.now_ms);

    const moved = await advance(server, { by: '90m' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ object: 'switchboard.clock', mode: 'manual' });
    expect(moved.body.now_ms).toBe(before.now_ms + 90 * MIN);
    const to = moved.body.now + 3600;
    expect((await advance(server, { to: String(to) })).body.now).toBe(to);
    // A customer created now carries the clock's time.
    const customer = await stripe.customers.create();
    expect(customer.created).toBe(to);
  });

  it('runs a failing endpoint through the test retry schedule, each attempt at its time, before it returns', async () => {
    const endpoint = await stripe.webhookEndpoints.create({
      url: receiver.url('/failing'),
      enabled_events: ['customer.created'],
    });
    receiver.expect('/failing', endpoint.secret!);
    receiver.respond('/failing', () => ({ status: 500 }));
    const customer = await stripe.customers.create({ email: 'retry@example.com' });
    const [event] = (await stripe.events.list({ type: 'customer.created', limit: 1 })).data;
    expect(event!.data.object).toMatchObject({ id: customer.id });

    // by=0 moves nothing and returns once what is due now (the first attempt) is recorded.
    const t0 = (await advance(server, { by: '0' })).body.now;
    expect(receiver.at('/failing')).toHaveLength(1);

    // fixed:10m,1h,3h: attempts at +10m, +1h10m and +4h10m, all made before the call returns.
    const after = await advance(server, { by: '1d' });
    expect(after.status).toBe(200);
    expect(after.body.now).toBe(t0 + 86_400);
    const deliveries = receiver.at('/failing');
    expect(deliveries).toHaveLength(4);
    expect(deliveries.every((d) => d.verified && d.event!.id === event!.id)).toBe(true);
    const attempts = await stripe.rawRequest('GET', `/v1/events/${event!.id}/attempts`);
    const created = (attempts as unknown as { data: Array<{ created: number }> }).data
      .map((a) => a.created - t0)
      .sort((a, b) => a - b);
    expect(created).toEqual([0, 600, 4_200, 15_000]);
    await stripe.webhookEndpoints.del(endpoint.id);
  });

  it('disables an endpoint that failed for --disable-after exactly when the clock gets there', async () => {
    const endpoint = await stripe.webhookEndpoints.create({
      url: receiver.url('/down'),
      enabled_events: ['customer.updated'],
    });
    receiver.respond('/down', () => ({ status: 503 }));
    const status = async () => (await stripe.webhookEndpoints.retrieve(endpoint.id)).status;
    const customer = await stripe.customers.create();
    // The failure streak starts with this event's first attempt (and its 3 retries fail too).
    await stripe.customers.update(customer.id, { name: 'First failure' });
    await advance(server, { by: '0' });
    // 9 days less a second: another event's attempt fails, and the endpoint stays enabled.
    await advance(server, { by: String(9 * 86_400 - 1) });
    await stripe.customers.update(customer.id, { name: 'Almost nine days' });
    await advance(server, { by: '0' });
    expect(await status()).toBe('enabled');
    // Nine days: the next failure disables it.
    await advance(server, { by: '1s' });
    await stripe.customers.update(customer.id, { name: 'Nine days' });
    await advance(server, { by: '0' });
    expect(await status()).toBe('disabled');
    expect(receiver.at('/down')).toHaveLength(6);
  });

  it('makes funds available and pays out exactly when the clock reaches them', async () => {
    const endpoint = await stripe.webhookEndpoints.create({
      url: receiver.url('/connect'),
      enabled_events: ['balance.available', 'payout.paid'],
      connect: true,
    });
    receiver.expect('/connect', endpoint.secret!);
    // Onboarded, as charges and payouts need; paid out manually (no automatic payout runs).
    const account = await onboardedAccount(stripe, {
      type: 'custom',
      country: 'US',
      capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
      external_account: 'btok_us',
      settings: { payouts: { schedule: { interval: 'manual' } } },
    });
    await stripe.paymentIntents.create(
      { amount: 4000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true },
      { stripeAccount: account.id },
    );
    const types = () => receiver.at('/connect').map((r) => r.event!.type);
    // --funds-available-after 2d: not a second early.
    await advance(server, { by: String(2 * 86_400 - 1) });
    expect(types()).not.toContain('balance.available');
    await advance(server, { by: '1s' });
    expect(types()).toContain('balance.available');

    const payout = await stripe.payouts.create(
      { amount: 1000, currency: 'usd' },
      { stripeAccount: account.id },
    );
    await advance(server, { by: '23h' });
    expect(types()).not.toContain('payout.paid');
    await advance(server, { by: '1h' });
    const paid = receiver.at('/connect').find((r) => r.event!.type === 'payout.paid');
    expect(paid?.verified).toBe(true);
    expect(paid!.event!.data).toMatchObject({ object: { id: payout.id, status: 'paid' } });
    expect(paid!.event!.account).toBe(account.id);
    await stripe.webhookEndpoints.del(endpoint.id);
  });

  it('expires an account link once the clock passes its 5 minutes', async () => {
    const account = await stripe.accounts.create({ type: 'express' });
    const link = await stripe.accountLinks.create({
      account: account.id,
      type: 'account_onboarding',
      refresh_url: 'https://example.com/refresh',
      return_url: 'https://example.com/return',
    });
    await advance(server, { by: '301s' });
    const res = await fetch(link.url, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('https://example.com/refresh');
  });

  it('answers concurrent advances one after the other', async () => {
    const start = (await advance(server, { by: '0' })).body.now_ms;
    const [a, b] = await Promise.all([
      advance(server, { by: '1h' }),
      advance(server, { by: '1h' }),
    ]);
    expect([a.body.now_ms, b.body.now_ms].sort()).toEqual([start + HOUR, start + 2 * HOUR]);
  });

  it('refuses what it cannot do, with Stripe-style errors naming the parameter', async () => {
    const missing = await advance(server, {});
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'parameter_missing', param: 'by' });
    const both = await advance(server, { by: '1h', to: '1' });
    expect(both.body.error).toMatchObject({ code: 'parameters_exclusive', param: 'by' });
    const bad = await advance(server, { by: 'soon' });
    expect(bad.body.error).toMatchObject({ type: 'invalid_request_error', param: 'by' });
    expect(bad.body.error!.message).toContain("'soon'");
    const back = await advance(server, { to: '1000' });
    expect(back.body.error).toMatchObject({ param: 'to' });
    expect(back.body.error!.message).toContain('only moves forward');
    const far = await advance(server, { by: '4000d' });
    expect(far.body.error).toMatchObject({ param: 'by' });
  });

  it('is a platform secret key operation: not restricted keys, Stripe-Account or OAuth tokens', async () => {
    const account = await stripe.accounts.create({ type: 'express' });
    const asAccount = await advance(server, { by: '1s' }, { 'Stripe-Account': account.id });
    expect(asAccount.status).toBe(403);
    expect(asAccount.body.error).toMatchObject({ type: 'permission_error' });

    const back = await connect(
      server,
      stripe.oauth.authorizeUrl({
        client_id: server.sb.startup.platform.application_id,
        scope: 'read_write',
        redirect_uri: 'http://localhost:4242/oauth/callback',
      }),
    );
    const token = await stripe.oauth.token({
      grant_type: 'authorization_code',
      code: back.searchParams.get('code')!,
    });
    const oauth = await advance(
      server,
      { by: '1s' },
      { Authorization: `Bearer ${token.access_token}` },
    );
    expect(oauth.status).toBe(403);
    expect(oauth.body.error).toMatchObject({ type: 'permission_error' });

    const rk = (await stripe.rawRequest(
      'POST',
      '/v1/switchboard/restricted_keys',
      {},
    )) as unknown as {
      secret: string;
    };
    const restricted = await advance(
      server,
      { by: '1s' },
      { Authorization: `Bearer ${rk.secret}` },
    );
    expect(restricted.status).toBe(403);
    expect(restricted.body.error).toMatchObject({ type: 'permission_error' });

    // A live key of the platform may: the clock is the server's, not a mode's.
    const live = await advance(server, { by: '1s' }, { Authorization: `Bearer ${LIVE_KEY}` });
    expect(live.status).toBe(200);
  });
});

describe('the advance route on a server whose clock follows real time', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.close());

  it('is refused with a message that says how to get a manual clock', async () => {
    const res = await advance(server, { by: '1h' });
    expect(res.status).toBe(400);
    expect(res.body.error!.message).toContain('--clock manual');
    const clock = (await server
      .stripe()
      .rawRequest('GET', '/v1/switchboard/clock')) as unknown as ClockBody;
    expect(clock).toMatchObject({ mode: 'system', speed: 1 });
    expect(Math.abs(clock.now_ms - Date.now())).toBeLessThan(5_000);
  });
});
