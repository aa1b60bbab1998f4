import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver } from '../helpers/receiver.js';
import {
  eventually,
  LIVE_KEY,
  startTestServer,
  TEST_KEY,
  type TestServer,
} from '../helpers/server.js';

interface Attempt {
  id: string;
  outcome: string;
  status_code: number | null;
  error: string | null;
  next_attempt: number | null;
  created: number;
  request_headers: Record<string, string>;
}

const MIN = 60_000;
const HOUR = 60 * MIN;

/**
 * The delivery engine's promises, driven through the official stripe package with a manual clock:
 * Stripe's retry schedules, fresh signatures per attempt, redirects and timeouts as failures,
 * pending_webhooks, manual resend, secret rolls and auto-disable.
 */
describe('delivery engine', () => {
  let server: TestServer;
  let receiver: Receiver;
  let test: Stripe;
  let live: Stripe;

  beforeAll(async () => {
    server = await startTestServer({
      manualClock: true,
      config: { deliveryTimeoutMs: '500ms', disableAfterMs: '4d', disableWarnAfterMs: '1d' },
    });
    receiver = await new Receiver().start();
    test = server.stripe(TEST_KEY);
    live = server.stripe(LIVE_KEY);
  });

  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  async function api<T>(path: string, key = TEST_KEY, init: RequestInit = {}): Promise<T> {
    const res = await fetch(`${server.url}${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${key}`, ...init.headers },
    });
    return (await res.json()) as T;
  }

  const attemptsOf = async (eventId: string, key = TEST_KEY) =>
    (await api<{ data: Attempt[] }>(`/v1/events/${eventId}/attempts?limit=100`, key)).data;

  async function waitAttempts(eventId: string, n: number, key = TEST_KEY): Promise<Attempt[]> {
    return eventually(
      async () => {
        const a = await attemptsOf(eventId, key);
        return a.length >= n ? a : undefined;
      },
      10_000,
      `${n} attempts of ${eventId}`,
    );
  }

  async function newEndpoint(
    client: Stripe,
    path: string,
    events: string[] = ['customer.created'],
  ) {
    const we = await client.webhookEndpoints.create({
      url: receiver.url(path),
      enabled_events: events as never,
    });
    receiver.expect(path, we.secret!);
    return we;
  }

  async function createdEvent(client: Stripe) {
    const customer = await client.customers.create({ name: 'delivery test' });
    const list = await client.events.list({ type: 'customer.created', limit: 5 });
    return list.data.find((e) => (e.data.object as Stripe.Customer).id === customer.id)!;
  }

  it('retries a failing test-mode delivery 3 times over a few hours, signing each attempt anew', async () => {
    const started = Date.now();
    const we = await newEndpoint(test, '/test-retries');
    receiver.respond('/test-retries', () => ({ status: 500, body: 'boom' }));
    const event = await createdEvent(test);
    let attempts = await waitAttempts(event.id, 1);
    expect(attempts[0]!.outcome).toBe('failed');
    expect(attempts[0]!.status_code).toBe(500);
    const first = attempts[0]!.created;
    expect(attempts[0]!.next_attempt! - first).toBe(600);

    for (const [delay, n] of [
      [10 * MIN, 2],
      [HOUR, 3],
      [3 * HOUR, 4],
    ] as const) {
      server.clock!.advance(delay - 1_000);
      await new Promise((r) => setTimeout(r, 150));
      expect((await attemptsOf(event.id)).length, 'not before it is due').toBe(n - 1);
      server.clock!.advance(1_000);
      attempts = await waitAttempts(event.id, n);
    }
    expect(attempts[0]!.next_attempt).toBeNull();
    server.clock!.advance(24 * HOUR);
    await new Promise((r) => setTimeout(r, 200));
    expect(await attemptsOf(event.id)).toHaveLength(4);
    const deliveries = await api<{ data: Array<{ status: string; attempts: number }> }>(
      `/v1/events/${event.id}/deliveries`,
    );
    expect(deliveries.data).toMatchObject([{ status: 'failed', attempts: 4 }]);

    // Each attempt is signed when it is sent: its timestamp is the real time of sending (between
    // the test's start and the receipt; never the event's time, which the clock moved hours on).
    for (const r of receiver.at('/test-retries')) {
      expect(r.verified).toBe(true);
      const t = Number(/t=(\d+)/.exec(r.headers['stripe-signature'] as string)![1]);
      expect(t).toBeGreaterThanOrEqual(Math.floor(started / 1000));
      expect(t).toBeLessThanOrEqual(Math.ceil(r.at / 1000));
    }
    // The attempt log shows the headers each attempt sent, as the receiver got them.
    const received = receiver.at('/test-retries').map((r) => r.headers);
    expect(received).toHaveLength(4);
    for (const a of attempts) {
      const got = received.find(
        (h) => h['stripe-signature'] === a.request_headers['Stripe-Signature'],
      );
      expect(got, 'an attempt whose signature the receiver never saw').toBeDefined();
      expect(a.request_headers).toMatchObject({
        'Content-Type': got!['content-type'],
        'User-Agent': got!['user-agent'],
        'Cache-Control': got!['cache-control'],
        Accept: got!.accept,
      });
    }
    const fresh = await test.events.retrieve(event.id);
    expect(fresh.pending_webhooks).toBe(1);
    await test.webhookEndpoints.del(we.id);
  });

  it('retries a live delivery with exponential backoff for up to 3 days, then stops', async () => {
    const we = await newEndpoint(live, '/live-retries');
    receiver.respond('/live-retries', () => ({ status: 503 }));
    const event = await createdEvent(live);
    let attempts = await waitAttempts(event.id, 1, LIVE_KEY);
    const gaps: number[] = [];
    for (let i = 0; i < 40; i++) {
      const next = attempts[0]!.next_attempt;
      if (next === null) break;
      gaps.push(next - attempts[0]!.created);
      server.clock!.set(next * 1000);
      attempts = await waitAttempts(event.id, attempts.length + 1, LIVE_KEY);
    }
    expect(gaps.slice(0, 4)).toEqual([60, 120, 240, 480]);
    expect(Math.max(...gaps)).toBe(12 * 3600);
    const span = attempts[0]!.created - attempts[attempts.length - 1]!.created;
    expect(span).toBeLessThanOrEqual(72 * 3600);
    expect(span).toBeGreaterThan(60 * 3600);
    expect(attempts.length).toBe(15);
    await live.webhookEndpoints.update(we.id, { disabled: true });
  });

  it('counts a redirect and a timeout as failures, and does not follow the redirect', async () => {
    const redirect = await newEndpoint(test, '/redirect');
    receiver.respond('/redirect', () => ({
      status: 302,
      headers: { Location: receiver.url('/redirect-target') },
    }));
    const slow = await newEndpoint(test, '/slow');
    receiver.respond('/slow', () => ({ status: 200, delayMs: 1_500 }));
    const event = await createdEvent(test);
    const attempts = await waitAttempts(event.id, 2);
    const byEndpoint = Object.fromEntries(
      await Promise.all(
        [redirect, slow].map(async (we) => [
          we.id,
          (await api<{ data: Attempt[] }>(`/v1/webhook_endpoints/${we.id}/attempts`)).data[0],
        ]),
      ),
    );
    expect(byEndpoint[redirect.id]).toMatchObject({ outcome: 'failed', status_code: 302 });
    expect(byEndpoint[slow.id]).toMatchObject({ outcome: 'failed', status_code: null });
    expect(byEndpoint[slow.id]!.error).toMatch(/^Timed out/);
    expect(receiver.at('/redirect-target')).toHaveLength(0);
    expect(attempts).toHaveLength(2);
    await test.webhookEndpoints.del(redirect.id);
    await test.webhookEndpoints.del(slow.id);
  });

  it('lowers pending_webhooks as endpoints answer 2xx', async () => {
    const ok = await newEndpoint(test, '/pending-ok');
    const failing = await newEndpoint(test, '/pending-fail');
    receiver.respond('/pending-fail', () => ({ status: 500 }));
    // Read after the create, the event may already have lost one: the delivered copy (below)
    // shows what it was created with.
    const event = await createdEvent(test);
    await receiver.waitFor(
      () => receiver.at('/pending-ok').length === 1 && receiver.at('/pending-fail').length === 1,
    );
    await eventually(
      async () => (await test.events.retrieve(event.id)).pending_webhooks === 1,
      5_000,
      'pending_webhooks 1',
    );
    const delivered = receiver.at('/pending-ok')[0]!;
    expect(delivered.event!.pending_webhooks).toBe(2);
    const failed = await test.events.list({ delivery_success: false, limit: 100 });
    expect(failed.data.map((e) => e.id)).toContain(event.id);
    receiver.respond('/pending-fail', () => ({ status: 200 }));
    // Both outcomes recorded (the failure's retry time counts from the clock as it is now) before
    // the clock moves: a failure recorded after the jump would be retried 10 minutes later.
    await waitAttempts(event.id, 2);
    server.clock!.advance(10 * MIN);
    await eventually(
      async () => (await test.events.retrieve(event.id)).pending_webhooks === 0,
      5_000,
      'pending_webhooks 0',
    );
    const succeeded = await test.events.list({ delivery_success: true, limit: 100 });
    expect(succeeded.data.map((e) => e.id)).toContain(event.id);
    await test.webhookEndpoints.del(ok.id);
    await test.webhookEndpoints.del(failing.id);
  });

  it('resends one event to one endpoint on request, once, without retries', async () => {
    const we = await newEndpoint(test, '/resend');
    const event = await createdEvent(test);
    await receiver.waitFor(() => receiver.at('/resend').length === 1);
    const res = await fetch(`${server.url}/v1/events/${event.id}/retry`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${TEST_KEY}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: `webhook_endpoint=${we.id}`,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { id: string }).id).toBe(event.id);
    await receiver.waitFor(() => receiver.at('/resend').length === 2);
    const [first, second] = receiver.at('/resend');
    expect(second!.event!.id).toBe(first!.event!.id);
    expect(second!.verified).toBe(true);
    const missing = await fetch(`${server.url}/v1/events/${event.id}/retry`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_KEY}` },
      body: new URLSearchParams({ webhook_endpoint: 'we_missing' }),
    });
    expect(missing.status).toBe(404);
    await test.webhookEndpoints.del(we.id);
  });

  it('signs with both secrets while a rolled secret overlaps, then with the new one only', async () => {
    const we = await newEndpoint(test, '/roll');
    const rolled = await api<{ secret: string }>(
      `/v1/webhook_endpoints/${we.id}/roll_secret`,
      TEST_KEY,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'previous_secret_expires_in=3600',
      },
    );
    expect(rolled.secret).toMatch(/^whsec_/);
    expect(rolled.secret).not.toBe(we.secret);
    const event = await createdEvent(test);
    await receiver.waitFor(() => receiver.at('/roll').some((r) => r.event?.id === event.id));
    const during = receiver.at('/roll').find((r) => r.event?.id === event.id)!;
    const header = during.headers['stripe-signature'] as string;
    expect(header.match(/v1=/g)).toHaveLength(2);
    const webhooks = new Stripe('sk_test_x').webhooks;
    expect(webhooks.constructEvent(during.body, header, we.secret!).id).toBe(event.id);
    expect(webhooks.constructEvent(during.body, header, rolled.secret).id).toBe(event.id);

    server.clock!.advance(HOUR + 1_000);
    const later = await createdEvent(test);
    await receiver.waitFor(() => receiver.at('/roll').some((r) => r.event?.id === later.id));
    const after = receiver.at('/roll').find((r) => r.event?.id === later.id)!;
    const afterHeader = after.headers['stripe-signature'] as string;
    expect(afterHeader.match(/v1=/g)).toHaveLength(1);
    expect(() => webhooks.constructEvent(after.body, afterHeader, we.secret!)).toThrow(
      /No signatures found/,
    );
    expect(webhooks.constructEvent(after.body, afterHeader, rolled.secret).id).toBe(later.id);
    await test.webhookEndpoints.del(we.id);
  });

  it('warns, then disables an endpoint that fails without a success for the disable period', async () => {
    const we = await newEndpoint(live, '/dead', ['customer.created']);
    receiver.respond('/dead', () => ({ status: 500 }));
    const start = server.clock!.now();
    for (let day = 0; day <= 4; day++) {
      server.clock!.set(start + day * 24 * HOUR);
      const event = await createdEvent(live);
      await waitAttempts(event.id, 1, LIVE_KEY);
      const endpoint = await live.webhookEndpoints.retrieve(we.id);
      if (day < 4) expect(endpoint.status, `day ${day}`).toBe('enabled');
    }
    await eventually(
      async () => (await live.webhookEndpoints.retrieve(we.id)).status === 'disabled',
      5_000,
      'disabled',
    );
    const warnIndex = server.logs.findIndex(
      (l) => l.includes('endpoint failing') && l.includes(we.id),
    );
    const disableIndex = server.logs.findIndex(
      (l) => l.includes('endpoint disabled') && l.includes(we.id),
    );
    expect(warnIndex).toBeGreaterThanOrEqual(0);
    expect(disableIndex).toBeGreaterThan(warnIndex);
    const count = receiver.at('/dead').length;
    // Not routed to it at all (the routing cache forgot it when the worker disabled it), rather
    // than queued and canceled.
    const after = await createdEvent(live);
    const queued = await server.sb.services.dialect.db
      .selectFrom('deliveries')
      .select('id')
      .where('event_id', '=', after.id)
      .where('endpoint_id', '=', we.id)
      .execute();
    expect(queued).toEqual([]);
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.at('/dead').length).toBe(count);
  });

  it('a success ends the failure streak', async () => {
    const we = await newEndpoint(live, '/flaky', ['customer.created']);
    let fail = true;
    receiver.respond('/flaky', () => ({ status: fail ? 500 : 200 }));
    const start = server.clock!.now();
    for (let day = 0; day <= 6; day++) {
      server.clock!.set(start + day * 24 * HOUR);
      fail = day !== 3;
      const event = await createdEvent(live);
      await waitAttempts(event.id, 1, LIVE_KEY);
    }
    expect((await live.webhookEndpoints.retrieve(we.id)).status).toBe('enabled');
    await live.webhookEndpoints.del(we.id);
  });
});
