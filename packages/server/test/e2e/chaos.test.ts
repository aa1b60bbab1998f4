import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../helpers/database.js';
import { Receiver } from '../helpers/receiver.js';
import {
  eventually,
  LIVE_KEY,
  startTestServer,
  TEST_KEY,
  type TestServer,
} from '../helpers/server.js';

interface Chaos {
  object: string;
  webhook_endpoint: string;
  enabled: boolean;
  duplicate_percent: number;
  fail_first_attempt_percent: number;
  delay_percent: number;
  delay_seconds: number;
  reorder_window_seconds: number;
  summary: string;
}

interface Attempt {
  event: string;
  outcome: string;
  status_code: number | null;
  error: string | null;
  chaos: string | null;
}

interface ApiError {
  error: { type: string; code?: string; message: string; param?: string };
}

/**
 * Chaos delivery end to end: a real server delivers to a real receiver that verifies every
 * signature with the official `stripe` package; the attempt log says what chaos did.
 */
describe('chaos delivery', () => {
  let server: TestServer;
  let receiver: Receiver;
  let stripe: Stripe;
  /** For the databases that two servers share in turn. */
  let dir: string;

  async function call<T>(
    server: TestServer,
    method: string,
    path: string,
    body?: Record<string, string | number>,
    key = TEST_KEY,
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${key}`,
        ...(body ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: body
        ? new URLSearchParams(Object.entries(body).map(([k, v]) => [k, String(v)]))
        : undefined,
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  const setChaos = (id: string, settings: Record<string, number>, on = server, key = TEST_KEY) =>
    call<Chaos>(on, 'POST', `/v1/switchboard/webhook_endpoints/${id}/chaos`, settings, key);

  const attemptsOf = async (id: string, on = server, key = TEST_KEY) =>
    (
      await call<{ data: Attempt[] }>(
        on,
        'GET',
        `/v1/webhook_endpoints/${id}/attempts?limit=100`,
        undefined,
        key,
      )
    ).body.data.reverse();

  /** A test endpoint for customer.created at its own path on the receiver. */
  async function endpoint(path: string, client = stripe): Promise<Stripe.WebhookEndpoint> {
    const e = await client.webhookEndpoints.create({
      url: receiver.url(path),
      enabled_events: ['customer.created'],
    });
    receiver.expect(path, e.secret!);
    return e;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-chaos-'));
    server = await startTestServer();
    receiver = await new Receiver().start();
    stripe = server.stripe(TEST_KEY);
  });

  afterAll(async () => {
    await server.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is off by default; the settings change one by one, read back, and turn off', async () => {
    const e = await endpoint('/settings');
    const path = `/v1/switchboard/webhook_endpoints/${e.id}/chaos`;
    expect((await call<Chaos>(server, 'GET', path)).body).toEqual({
      object: 'webhook_endpoint_chaos',
      webhook_endpoint: e.id,
      livemode: false,
      enabled: false,
      duplicate_percent: 0,
      fail_first_attempt_percent: 0,
      delay_percent: 0,
      delay_seconds: 30,
      reorder_window_seconds: 0,
      summary: 'off',
    });
    await setChaos(e.id, { duplicate_percent: 25 });
    const both = await setChaos(e.id, { delay_percent: 10, delay_seconds: 5 });
    expect(both.status).toBe(200);
    expect(both.body).toMatchObject({
      enabled: true,
      duplicate_percent: 25,
      delay_percent: 10,
      delay_seconds: 5,
      summary: 'duplicate 25%, delay 10% by 5 s',
    });
    expect((await call<Chaos>(server, 'GET', path)).body).toEqual(both.body);

    const tooMuch = await setChaos(e.id, { duplicate_percent: 101 });
    expect(tooMuch.status).toBe(400);
    expect((tooMuch.body as unknown as ApiError).error.param).toBe('duplicate_percent');
    const unknown = await setChaos(e.id, { shuffle: 1 });
    expect((unknown.body as unknown as ApiError).error).toMatchObject({
      code: 'parameter_unknown',
      param: 'shuffle',
    });
    const other = await call<ApiError>(
      server,
      'GET',
      '/v1/switchboard/webhook_endpoints/we_nope/chaos',
    );
    expect(other.status).toBe(404);

    const off = await call<Chaos>(server, 'DELETE', path);
    expect(off.body).toMatchObject({ enabled: false, duplicate_percent: 0, summary: 'off' });
    // All shares at zero is off too.
    await setChaos(e.id, { reorder_window_seconds: 3 });
    expect((await setChaos(e.id, { reorder_window_seconds: 0 })).body.enabled).toBe(false);
    // Stripe's own route takes Stripe's parameters only.
    await expect(
      stripe.webhookEndpoints.update(e.id, { duplicate_percent: 50 } as never),
    ).rejects.toThrow(/Received unknown parameter: duplicate_percent/);
    await stripe.webhookEndpoints.del(e.id);
  });

  it('duplicates: a delivery that succeeded is sent again, signed again, and the attempt says so', async () => {
    const e = await endpoint('/duplicate');
    await setChaos(e.id, { duplicate_percent: 100 });
    const customer = await stripe.customers.create({ email: 'twice@example.com' });
    await receiver.waitFor(() => receiver.at('/duplicate').length === 2);
    const [first, second] = receiver.at('/duplicate');
    expect(first!.verified && second!.verified).toBe(true);
    expect(second!.event!.id).toBe(first!.event!.id);
    expect((first!.event!.data as { object: { id: string } }).object.id).toBe(customer.id);
    const attempts = await eventually(async () => {
      const a = await attemptsOf(e.id);
      return a.length === 1 ? a : undefined;
    });
    expect(attempts[0]).toMatchObject({
      outcome: 'succeeded',
      status_code: 200,
      chaos: 'chaos: sent twice; the duplicate answered 200',
    });
    await stripe.webhookEndpoints.del(e.id);
  });

  it('fails the first attempt unsent; the retry follows the schedule and delivers it once', async () => {
    // A manual clock: the retry is due 10 minutes later (the test schedule), when the test says.
    const timed = await startTestServer({ manualClock: true });
    try {
      const client = timed.stripe(TEST_KEY);
      const e = await endpoint('/fail-first', client);
      await setChaos(e.id, { fail_first_attempt_percent: 100 }, timed);
      const customer = await client.customers.create({ email: 'retried@example.com' });
      const [first] = await eventually(async () => {
        const a = await attemptsOf(e.id, timed);
        return a.length === 1 ? a : undefined;
      });
      expect(first).toMatchObject({
        outcome: 'failed',
        status_code: null,
        error: 'chaos: the first attempt failed on purpose (not sent); a retry follows',
        chaos: 'chaos: the first attempt failed on purpose (not sent); a retry follows',
      });
      expect(receiver.at('/fail-first')).toHaveLength(0);
      timed.clock!.advance(10 * 60_000);
      const attempts = await eventually(async () => {
        const a = await attemptsOf(e.id, timed);
        return a.length === 2 ? a : undefined;
      });
      expect(attempts[1]).toMatchObject({ outcome: 'succeeded', status_code: 200, chaos: null });
      const received = receiver.at('/fail-first');
      expect(received).toHaveLength(1);
      expect(received[0]!.verified).toBe(true);
      expect((received[0]!.event!.data as { object: { id: string } }).object.id).toBe(customer.id);
      const event = await client.events.retrieve(received[0]!.event!.id);
      expect(event.pending_webhooks).toBe(0);
    } finally {
      await timed.close();
    }
  });

  it('delays: the delivery is held for the time set before it is sent', async () => {
    const e = await endpoint('/delay');
    await setChaos(e.id, { delay_percent: 100, delay_seconds: 2 });
    const started = Date.now();
    await stripe.customers.create({ email: 'late@example.com' });
    await receiver.waitFor(() => receiver.at('/delay').length === 1, 10_000);
    expect(receiver.at('/delay')[0]!.at - started).toBeGreaterThanOrEqual(1_900);
    expect(receiver.at('/delay')[0]!.verified).toBe(true);
    const [attempt] = await eventually(async () => {
      const a = await attemptsOf(e.id);
      return a.length === 1 ? a : undefined;
    });
    expect(attempt!.chaos).toBe('chaos: held 2 s before sending');
    await stripe.webhookEndpoints.del(e.id);
  });

  it('reorders: deliveries within the window arrive newest first', async () => {
    const e = await endpoint('/reorder');
    await setChaos(e.id, { reorder_window_seconds: 2 });
    const customers: string[] = [];
    for (let i = 0; i < 3; i++)
      customers.push((await stripe.customers.create({ email: `order${i}@example.com` })).id);
    await receiver.waitFor(() => receiver.at('/reorder').length === 3, 10_000);
    const arrived = receiver
      .at('/reorder')
      .map((r) => (r.event!.data as { object: { id: string } }).object.id);
    expect(arrived).toEqual([...customers].reverse());
    expect(receiver.at('/reorder').every((r) => r.verified)).toBe(true);
    const attempts = await eventually(async () => {
      const a = await attemptsOf(e.id);
      return a.length === 3 ? a : undefined;
    });
    expect(attempts.map((a) => a.chaos)).toEqual([
      'chaos: held 2 s in a reorder window; sent 1 of 3, arrived 3 of 3',
      'chaos: held 2 s in a reorder window; sent 2 of 3, arrived 2 of 3',
      'chaos: held 2 s in a reorder window; sent 3 of 3, arrived 1 of 3',
    ]);
    await stripe.webhookEndpoints.del(e.id);
  });

  it('gives held deliveries back unsent when the server stops, and sends them after a restart', async () => {
    const database = await freshDatabase(dir, 'restart');
    const shared = await startTestServer({ db: database.url });
    let restarted: TestServer | null = null;
    try {
      const client = shared.stripe(TEST_KEY);
      const e = await endpoint('/restart', client);
      await setChaos(e.id, { delay_percent: 100, delay_seconds: 3_600 }, shared);
      await client.customers.create({ email: 'held@example.com' });
      await eventually(() => shared.sb.worker!.inFlight === 1, 5_000, 'the delivery to be held');
      const stopping = Date.now();
      await shared.close();
      expect(Date.now() - stopping).toBeLessThan(5_000);
      expect(receiver.at('/restart')).toHaveLength(0);

      restarted = await startTestServer({ db: database.url });
      expect(await attemptsOf(e.id, restarted)).toEqual([]);
      await call(restarted, 'DELETE', `/v1/switchboard/webhook_endpoints/${e.id}/chaos`);
      await receiver.waitFor(() => receiver.at('/restart').length === 1, 15_000);
      expect(receiver.at('/restart')[0]!.verified).toBe(true);
    } finally {
      await restarted?.close();
      await database.drop();
    }
  });

  it('is refused on live endpoints unless the server allows it, and ignored when it no longer does', async () => {
    const live = await endpoint('/live', server.stripe(LIVE_KEY));
    const refused = await setChaos(live.id, { duplicate_percent: 100 }, server, LIVE_KEY);
    expect(refused.status).toBe(400);
    expect((refused.body as unknown as ApiError).error.message).toMatch(
      /Chaos delivery is off for live-mode endpoints on this server: .*--live-chaos on/,
    );
    // Turning it off is always allowed.
    const off = await call<Chaos>(
      server,
      'DELETE',
      `/v1/switchboard/webhook_endpoints/${live.id}/chaos`,
      undefined,
      LIVE_KEY,
    );
    expect(off.status).toBe(200);

    const database = await freshDatabase(dir, 'live');
    const allowing = await startTestServer({ db: database.url, config: { liveChaos: 'on' } });
    let strict: TestServer | null = null;
    try {
      const liveClient = allowing.stripe(LIVE_KEY);
      const e = await endpoint('/live-allowed', liveClient);
      const set = await setChaos(e.id, { duplicate_percent: 100 }, allowing, LIVE_KEY);
      expect(set.body).toMatchObject({ enabled: true, livemode: true });
      await liveClient.customers.create({ email: 'live@example.com' });
      await receiver.waitFor(() => receiver.at('/live-allowed').length === 2);
      await allowing.close();

      // The same database, a server without --live-chaos: the stored settings no longer apply.
      strict = await startTestServer({ db: database.url });
      await strict.stripe(LIVE_KEY).customers.create({ email: 'live2@example.com' });
      await receiver.waitFor(() => receiver.at('/live-allowed').length === 3);
      await new Promise((r) => setTimeout(r, 500));
      expect(receiver.at('/live-allowed')).toHaveLength(3);
      const attempts = await attemptsOf(e.id, strict, LIVE_KEY);
      expect(attempts.map((a) => a.chaos)).toEqual([
        'chaos: sent twice; the duplicate answered 200',
        null,
      ]);
    } finally {
      await allowing.close();
      await strict?.close();
      await database.drop();
    }
  });
});
