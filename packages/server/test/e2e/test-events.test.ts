import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver } from '../helpers/receiver.js';
import { schemaErrors } from '../helpers/schemas.js';
import {
  eventually,
  LIVE_KEY,
  startTestServer,
  TEST_KEY,
  type TestServer,
} from '../helpers/server.js';

interface ApiError {
  error: { type: string; code?: string; message: string; param?: string };
}

/**
 * "Send test event", as Stripe's Dashboard does it: an event of a chosen type with Stripe's example
 * object, sent once to one endpoint, verified by a real receiver with the official `stripe` package.
 */
describe('test events sent to one webhook endpoint', () => {
  let server: TestServer;
  let receiver: Receiver;
  let stripe: Stripe;

  async function send<T = Stripe.Event>(
    endpoint: string,
    params: Record<string, string>,
    key = TEST_KEY,
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(
      `${server.url}/v1/switchboard/webhook_endpoints/${endpoint}/test_event`,
      {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${key}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams(params),
      },
    );
    return { status: res.status, body: (await res.json()) as T };
  }

  async function endpoint(
    path: string,
    params: Partial<Stripe.WebhookEndpointCreateParams> = {},
    client = stripe,
  ): Promise<Stripe.WebhookEndpoint> {
    const e = await client.webhookEndpoints.create({
      url: receiver.url(path),
      enabled_events: ['customer.created'],
      ...params,
    });
    receiver.expect(path, e.secret!);
    return e;
  }

  beforeAll(async () => {
    server = await startTestServer();
    receiver = await new Receiver().start();
    stripe = server.stripe(TEST_KEY);
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  it('sends an event of the chosen type to that endpoint only, once, with Stripe’s example object', async () => {
    const target = await endpoint('/target');
    await endpoint('/bystander', { enabled_events: ['*'] });
    const sent = await send(target.id, { type: 'payout.failed' });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({
      object: 'event',
      type: 'payout.failed',
      livemode: false,
      pending_webhooks: 0,
      data: { object: { object: 'payout', status: 'failed', failure_code: 'account_closed' } },
    });
    expect(sent.body.account).toBeUndefined();
    await receiver.waitFor(() => receiver.at('/target').length === 1);
    const got = receiver.at('/target')[0]!;
    expect(got.verified).toBe(true);
    expect(got.event!.id).toBe(sent.body.id);
    expect(schemaErrors(got.event)).toEqual([]);
    // Only that endpoint, although the other listens to every event.
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.at('/bystander')).toHaveLength(0);
    // Recorded like any event, with its attempt in the endpoint's log.
    const attempts = await eventually(async () => {
      const res = await fetch(`${server.url}/v1/webhook_endpoints/${target.id}/attempts`, {
        headers: { Authorization: `Bearer ${TEST_KEY}` },
      });
      const list = (await res.json()) as { data: Array<{ event: string; outcome: string }> };
      return list.data.length > 0 ? list.data : undefined;
    });
    expect(attempts[0]).toMatchObject({ event: sent.body.id, outcome: 'succeeded' });
    expect((await stripe.events.retrieve(sent.body.id)).type).toBe('payout.failed');
  });

  it('sends every type it offers as an event that validates against Stripe’s schemas', async () => {
    const all = await endpoint('/all');
    const types = (
      (await (
        await fetch(`${server.url}/v1/switchboard/event_types`, {
          headers: { Authorization: `Bearer ${TEST_KEY}` },
        })
      ).json()) as { test_events: string[] }
    ).test_events;
    expect(types).toContain('customer.created');
    expect(types).toContain('account.application.deauthorized');
    for (const type of types) expect((await send(all.id, { type })).status).toBe(200);
    await receiver.waitFor(() => receiver.at('/all').length === types.length);
    for (const r of receiver.at('/all')) {
      expect(r.verified).toBe(true);
      expect(schemaErrors(r.event), r.event!.type).toEqual([]);
    }
    expect(new Set(receiver.at('/all').map((r) => r.event!.type))).toEqual(new Set(types));
  });

  it('sends a Connect endpoint’s test event from a connected account', async () => {
    const connect = await endpoint('/connect', { connect: true });
    const none = await send<ApiError>(connect.id, { type: 'account.updated' });
    expect(none.status).toBe(400);
    expect(none.body.error).toMatchObject({ param: 'account' });
    expect(none.body.error.message).toMatch(/Name the one this test event comes from/);

    const first = await stripe.accounts.create({ type: 'express' });
    const second = await stripe.accounts.create({ type: 'custom' });
    const one = await send(connect.id, { type: 'account.updated', account: second.id });
    expect(one.body.account).toBe(second.id);
    const other = await send(connect.id, { type: 'capability.updated', account: first.id });
    expect(other.body.account).toBe(first.id);
    await receiver.waitFor(() => receiver.at('/connect').length === 2);
    expect(receiver.at('/connect').map((r) => r.event!.account)).toEqual([second.id, first.id]);
    expect(receiver.at('/connect').every((r) => r.verified)).toBe(true);

    const missing = await send<ApiError>(connect.id, {
      type: 'account.updated',
      account: 'acct_1NoSuchAccount',
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.param).toBe('account');
  });

  it('refuses a type it does not cover, suggesting the nearest, and an endpoint not the caller’s', async () => {
    const e = await endpoint('/refused');
    const typo = await send<ApiError>(e.id, { type: 'customer.craeted' });
    expect(typo.status).toBe(400);
    expect(typo.body.error.param).toBe('type');
    expect(typo.body.error.message).toMatch(/Did you mean customer\.created[,?]/);
    const account = await send<ApiError>(e.id, { type: 'customer.created', account: 'acct_1' });
    expect(account.body.error.param).toBe('account');
    const live = await send<ApiError>(e.id, { type: 'customer.created' }, LIVE_KEY);
    expect(live.status).toBe(404);
    expect(receiver.at('/refused')).toHaveLength(0);
  });
});
