import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver } from '../helpers/receiver.js';
import {
  eventually,
  LIVE_KEY,
  startTestServer,
  TEST_KEY,
  type TestServer,
} from '../helpers/server.js';
import { openSse } from '../helpers/sse.js';

interface ListedEvent {
  id: string;
  type: string;
  account?: string;
  delivery_status: string;
  data: { object: { id: string } };
}

interface Stats {
  webhook_endpoint: string;
  attempts: number;
  buckets: Array<{ minute: number; succeeded: number; failed: number }>;
  failing_since: number | null;
}

/** What stream messages carry (events and attempts). */
interface Streamed {
  id?: string;
  type?: string;
  event?: string;
  account?: string | null;
  livemode?: boolean;
}

const streamed = (m: { data: unknown }) => m.data as Streamed;

/**
 * The Switchboard routes the dashboard reads: events across the platform by delivery status,
 * per-minute attempt stats, the revealed secret, and the live stream with its short-lived tokens.
 */
describe('dashboard API routes', () => {
  let server: TestServer;
  let receiver: Receiver;
  let stripe: Stripe;
  let account: Stripe.Account;
  let ok: Stripe.WebhookEndpoint;
  let failing: Stripe.WebhookEndpoint;

  async function call<T = { error?: { param?: string } }>(
    method: string,
    path: string,
    options: { key?: string | null; account?: string; body?: string } = {},
  ) {
    const headers: Record<string, string> = {};
    const key = options.key === undefined ? TEST_KEY : options.key;
    if (key) headers.Authorization = `Bearer ${key}`;
    if (options.account) headers['Stripe-Account'] = options.account;
    if (options.body) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(`${server.url}${path}`, { method, headers, body: options.body });
    return { status: res.status, headers: res.headers, body: (await res.json()) as T };
  }

  const listed = async (query: string) =>
    (await call<{ data: ListedEvent[] }>('GET', `/v1/switchboard/events?${query}`)).body.data;

  beforeAll(async () => {
    server = await startTestServer();
    receiver = await new Receiver().start();
    receiver.respond('/failing', () => ({ status: 500, body: 'boom' }));
    receiver.respond('/slow', () => ({ status: 200, delayMs: 1_500 }));
    stripe = server.stripe(TEST_KEY);
    ok = await stripe.webhookEndpoints.create({
      url: receiver.url('/ok'),
      enabled_events: ['customer.created'],
    });
    failing = await stripe.webhookEndpoints.create({
      url: receiver.url('/failing'),
      enabled_events: ['*'],
      connect: true,
    });
    account = await stripe.accounts.create({ type: 'express' });
  });

  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  it('lists events of the platform and its connected accounts with their delivery status', async () => {
    const own = await stripe.customers.create({ email: 'own@example.com' });
    const theirs = await stripe.customers.create(
      { email: 'theirs@example.com' },
      { stripeAccount: account.id },
    );
    await receiver.waitFor(
      () =>
        receiver
          .at('/ok')
          .some((r) => (r.event?.data as ListedEvent['data'] | undefined)?.object.id === own.id) &&
        receiver
          .at('/failing')
          .some((r) => (r.event?.data as ListedEvent['data'] | undefined)?.object.id === theirs.id),
    );
    // customer.updated has no endpoint on the platform (the endpoint takes customer.created only).
    await stripe.customers.update(own.id, { name: 'Own' });

    const byObject = async (id: string, query = '') =>
      eventually(
        async () => {
          const events = await listed(`limit=100&${query}`);
          const hit = events.find((e) => e.data.object.id === id && e.type === 'customer.created');
          return hit && hit.delivery_status !== 'pending' ? hit : undefined;
        },
        5_000,
        `event of ${id}`,
      );
    expect(await byObject(own.id)).toMatchObject({ delivery_status: 'delivered' });
    // The endpoint answered 500: the delivery waits for its retry (the event's page says so too).
    expect(await byObject(theirs.id)).toMatchObject({
      delivery_status: 'retrying',
      account: account.id,
    });

    const platformOnly = await listed('account=platform&limit=100');
    expect(platformOnly.length).toBeGreaterThan(0);
    expect(platformOnly.every((e) => e.account === undefined)).toBe(true);
    const accountOnly = await listed(`account=${account.id}&limit=100`);
    expect(accountOnly.length).toBeGreaterThan(0);
    expect(accountOnly.every((e) => e.account === account.id)).toBe(true);
    expect((await listed('account=connected&limit=100')).every((e) => e.account)).toBe(true);

    const retrying = await listed('delivery_status=retrying&limit=100');
    expect(retrying.map((e) => e.delivery_status)).toEqual(retrying.map(() => 'retrying'));
    expect(retrying.some((e) => e.data.object.id === theirs.id)).toBe(true);
    expect(
      (await listed('delivery_status=failed&limit=100')).some(
        (e) => e.data.object.id === theirs.id,
      ),
    ).toBe(false);

    // A resend is tried once: when it fails too, the delivery has failed for good.
    const theirsEvent = (await byObject(theirs.id)).id;
    const resent = await call('POST', `/v1/switchboard/events/${theirsEvent}/retry`, {
      body: `endpoint=${failing.id}`,
    });
    expect(resent.status).toBe(200);
    await eventually(
      async () =>
        (await listed('delivery_status=failed&limit=100')).some((e) => e.id === theirsEvent),
      5_000,
      'the failed resend',
    );
    const failed = await listed('delivery_status=failed&limit=100');
    expect(failed.map((e) => e.delivery_status)).toEqual(failed.map(() => 'failed'));
    const delivered = await listed('delivery_status=delivered&type=customer.*');
    expect(delivered.some((e) => e.data.object.id === own.id)).toBe(true);
    const none = await listed('delivery_status=none&type=customer.updated');
    expect(none.map((e) => e.type)).toEqual(['customer.updated']);
  });

  it('lists the event types the server knows, for the dashboard to offer (it bundles none)', async () => {
    const r = await call<{ object: string; enabled_events: string[]; thin_events: string[] }>(
      'GET',
      '/v1/switchboard/event_types',
    );
    expect(r.status).toBe(200);
    expect(r.body.object).toBe('event_types');
    expect(r.body.enabled_events).toContain('customer.created');
    expect(r.body.enabled_events).toContain('account.application.deauthorized');
    expect(r.body.enabled_events).not.toContain('*');
    expect(r.body.thin_events).toContain('v2.core.account.created');
    expect((await call('GET', '/v1/switchboard/event_types', { key: null })).status).toBe(401);
  });

  it('shows a delivery waiting for its first answer as pending, then delivered', async () => {
    const slow = await stripe.webhookEndpoints.create({
      url: receiver.url('/slow'),
      enabled_events: ['payout.created'],
    });
    await stripe.paymentIntents.create({
      amount: 5000,
      currency: 'usd',
      payment_method: 'pm_card_bypassPending',
      confirm: true,
    });
    const payout = await stripe.payouts.create({ amount: 100, currency: 'usd' });
    const status = async () =>
      (await listed('type=payout.created&limit=100')).find((e) => e.data.object.id === payout.id)
        ?.delivery_status;
    expect(await status()).toBe('pending');
    expect(
      (await listed('delivery_status=pending&type=payout.created')).map((e) => e.delivery_status),
    ).toContain('pending');
    await eventually(async () => (await status()) === 'delivered', 5_000, 'delivered');
    await stripe.webhookEndpoints.del(slow.id);
  });

  it('retrieves any event of the platform by id, a connected account’s without Stripe-Account', async () => {
    const [event] = await listed(`account=${account.id}&limit=1`);
    const got = await call<ListedEvent>('GET', `/v1/switchboard/events/${event!.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: event!.id, account: account.id });
    expect(got.body.delivery_status).toEqual(expect.any(String));
    // Stripe's own route needs the account header for it.
    expect((await call('GET', `/v1/events/${event!.id}`)).status).toBe(404);
    expect(
      (await call('GET', `/v1/switchboard/events/${event!.id}`, { key: LIVE_KEY })).status,
    ).toBe(404);
    const other = await stripe.accounts.create({ type: 'express' });
    const scoped = await call('GET', `/v1/switchboard/events/${event!.id}`, { account: other.id });
    expect(scoped.status).toBe(404);
  });

  it('pages through events and refuses bad filters with Stripe-style errors', async () => {
    const first = await listed('limit=1');
    expect(first).toHaveLength(1);
    const next = await listed(`limit=1&starting_after=${first[0]!.id}`);
    expect(next).toHaveLength(1);
    expect(next[0]!.id).not.toBe(first[0]!.id);
    const bad = await call('GET', '/v1/switchboard/events?delivery_status=lost');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({
      type: 'invalid_request_error',
      param: 'delivery_status',
    });
    const badAccount = await call('GET', '/v1/switchboard/events?account=bob');
    expect(badAccount.body.error).toMatchObject({ param: 'account' });
    // Live keys see live events only.
    const live = await call<{ data: ListedEvent[] }>('GET', '/v1/switchboard/events?limit=100', {
      key: LIVE_KEY,
    });
    expect(live.body.data).toEqual([]);
  });

  it('counts attempts per minute and the failure rate of each endpoint over the last hour', async () => {
    const stats = await call<Stats>('GET', `/v1/switchboard/webhook_endpoints/${failing.id}/stats`);
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({
      object: 'webhook_endpoint_stats',
      webhook_endpoint: failing.id,
      minutes: 60,
      failure_rate: 1,
    });
    expect(stats.body.buckets).toHaveLength(60);
    const total = stats.body.buckets.reduce((n, b) => n + b.succeeded + b.failed, 0);
    expect(total).toBe(stats.body.attempts);
    expect(stats.body.attempts).toBeGreaterThan(0);
    expect(stats.body.failing_since).toEqual(expect.any(Number));

    const list = await call<{ data: Stats[] }>(
      'GET',
      '/v1/switchboard/webhook_endpoint_stats?minutes=5',
    );
    const okStats = list.body.data.find((s) => s.webhook_endpoint === ok.id);
    expect(okStats).toMatchObject({ failed: 0, failure_rate: 0, minutes: 5 });
    expect(okStats).not.toHaveProperty('buckets');
    const other = await call('GET', `/v1/switchboard/webhook_endpoints/${ok.id}/stats`, {
      key: LIVE_KEY,
    });
    expect(other.status).toBe(404);
  });

  it('reveals the signing secret to a secret key, and the old one only by its expiry after a roll', async () => {
    const created = await stripe.webhookEndpoints.create({
      url: receiver.url('/secret'),
      enabled_events: ['*'],
    });
    const revealed = await call<{ secret: string }>(
      'GET',
      `/v1/switchboard/webhook_endpoints/${created.id}/secret`,
    );
    expect(revealed.body).toEqual({
      object: 'webhook_endpoint_secret',
      webhook_endpoint: created.id,
      secret: created.secret,
      previous_secrets: [],
    });
    const rolled = await call<{ secret: string }>(
      'POST',
      `/v1/webhook_endpoints/${created.id}/roll_secret`,
      {
        body: 'previous_secret_expires_in=3600',
      },
    );
    const after = await call<{ secret: string; previous_secrets: unknown[] }>(
      'GET',
      `/v1/switchboard/webhook_endpoints/${created.id}/secret`,
    );
    expect(after.body.secret).toBe(rolled.body.secret);
    expect(after.body.previous_secrets).toEqual([{ expires: expect.any(Number) }]);
    expect(JSON.stringify(after.body)).not.toContain(created.secret);
    const live = await call('GET', `/v1/switchboard/webhook_endpoints/${created.id}/secret`, {
      key: LIVE_KEY,
    });
    expect(live.status).toBe(404);
    await stripe.webhookEndpoints.del(created.id);
  });

  it('streams new events and attempts of the key’s platform and mode, with a token instead of the key', async () => {
    expect((await call('POST', '/v1/switchboard/stream_tokens', { key: null })).status).toBe(401);
    const issued = await call<{ token: string; url: string; expires: number }>(
      'POST',
      '/v1/switchboard/stream_tokens',
    );
    expect(issued.body).toMatchObject({ object: 'stream_token', token: expect.any(String) });
    expect(issued.body.token).not.toContain(TEST_KEY);
    expect(issued.body.expires - Date.now() / 1000).toBeLessThanOrEqual(61);

    const stream = await openSse(`${server.url}${issued.body.url}`);
    expect(stream.status).toBe(200);
    await stream.waitFor((m) => m.event === 'ready');
    await server.stripe(LIVE_KEY).customers.create({ email: 'live@example.com' });
    const customer = await stripe.customers.create(
      { email: 'streamed@example.com' },
      { stripeAccount: account.id },
    );
    const event = await stream.waitFor(
      (m) => m.event === 'event' && streamed(m).type === 'customer.created',
    );
    expect(event.data).toMatchObject({ account: account.id, livemode: false });
    const eventId = streamed(event).id!;
    const attempt = await stream.waitFor(
      (m) => m.event === 'attempt' && streamed(m).event === eventId,
    );
    expect(attempt.data).toMatchObject({
      webhook_endpoint: failing.id,
      status_code: 500,
      outcome: 'failed',
      account: account.id,
      event_type: 'customer.created',
    });
    expect(customer.id).toMatch(/^cus_/);
    expect(stream.messages.some((m) => streamed(m).livemode === true)).toBe(false);
    stream.close();
  });

  it('limits a stream opened with Stripe-Account to that account', async () => {
    const other = await stripe.accounts.create({ type: 'express' });
    const issued = await call<{ url: string }>('POST', '/v1/switchboard/stream_tokens', {
      account: other.id,
    });
    const stream = await openSse(`${server.url}${issued.body.url}`);
    await stream.waitFor((m) => m.event === 'ready');
    await stripe.customers.create({ email: 'a@example.com' }, { stripeAccount: account.id });
    await stripe.customers.create({ email: 'b@example.com' }, { stripeAccount: other.id });
    await stream.waitFor((m) => m.event === 'event' && streamed(m).account === other.id);
    expect(
      stream.messages.filter((m) => m.event === 'event' || m.event === 'attempt'),
    ).not.toContainEqual(
      expect.objectContaining({ data: expect.objectContaining({ account: account.id }) }),
    );
    stream.close();
  });

  it('refuses a stream without a valid token', async () => {
    const missing = await openSse(`${server.url}/v1/switchboard/stream`);
    expect(missing.status).toBe(400);
    const forged = await openSse(`${server.url}/v1/switchboard/stream?token=sbst_e30.AAAA`);
    expect(forged.status).toBe(401);
    const raw = await openSse(`${server.url}/v1/switchboard/stream?token=${TEST_KEY}`);
    expect(raw.status).toBe(401);
  });

  // Last: the listen session it opens is owed every later event.
  it('says where each delivery of an event went: a webhook endpoint, or a listen session by its device', async () => {
    const session = await call<{ websocket_id: string }>('POST', '/v1/stripecli/sessions', {
      body: 'device_name=jenny-laptop&websocket_features[]=webhooks',
    });
    expect(session.status).toBe(200);
    const own = await stripe.customers.create({ email: 'where@example.com' });
    const [event] = (await listed('type=customer.created&limit=100')).filter(
      (e) => e.data.object.id === own.id,
    );
    const deliveries = await call<{
      data: Array<{
        webhook_endpoint: string;
        endpoint_kind: string;
        endpoint_description: string;
      }>;
    }>('GET', `/v1/switchboard/events/${event!.id}/deliveries`);
    const byKind = Object.fromEntries(deliveries.body.data.map((d) => [d.endpoint_kind, d]));
    expect(byKind.webhook_endpoint).toMatchObject({ webhook_endpoint: ok.id });
    expect(byKind.listen_session).toMatchObject({
      webhook_endpoint: expect.stringMatching(/^lsn_/),
      endpoint_description: 'jenny-laptop',
    });
  });
});

describe('the live stream with the API and the worker apart', () => {
  it('streams attempts recorded by a worker-only instance sharing the database, and closes promptly', async () => {
    const worker = await startTestServer({ config: { roles: 'worker' } });
    const api = await startTestServer({ config: { roles: 'api' }, db: worker.db });
    const receiver = await new Receiver().start();
    try {
      const stripe = api.stripe(TEST_KEY);
      const we = await stripe.webhookEndpoints.create({
        url: receiver.url('/split'),
        enabled_events: ['customer.created'],
      });
      const res = await fetch(`${api.url}/v1/switchboard/stream_tokens`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TEST_KEY}` },
      });
      const { url } = (await res.json()) as { url: string };
      const stream = await openSse(`${api.url}${url}`);
      await stream.waitFor((m) => m.event === 'ready');
      await stripe.customers.create({ email: 'split@example.com' });
      // SQLite has no cross-process wake-up: nudge the other process's worker.
      worker.sb.worker!.wake();
      const attempt = await stream.waitFor((m) => m.event === 'attempt');
      expect(attempt.data).toMatchObject({ webhook_endpoint: we.id, status_code: 200 });
      // An open stream does not hold up shutdown.
      const started = Date.now();
      await api.close();
      expect(Date.now() - started).toBeLessThan(2_000);
      stream.close();
    } finally {
      await api.close();
      await worker.close();
      await receiver.close();
    }
  });
});
