import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver, type Received } from '../helpers/receiver.js';
import { startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';

/**
 * v2 with the official SDK: Accounts v2, event destinations and thin events. A v2 Account's v2
 * events use the "your account" scope while its v1 `account.updated` uses the "connected accounts"
 * scope, even for the same account: the seed's v2 rule.
 */
describe('v2 accounts, event destinations and thin events', () => {
  let server: TestServer;
  let receiver: Receiver;
  let stripe: Stripe;
  let self: Stripe.V2.Core.EventDestination;
  let accountsOnly: Stripe.V2.Core.EventDestination;
  let accountId: string;

  const thinAt = (path: string) =>
    receiver.at(path).filter((r) => r.event?.object === 'v2.core.event');

  /** Verifies a delivery with the official parser, as a receiver would. */
  /** Thin events about accounts: the SDK's union narrowed to what these tests read. */
  type AccountNotification = Stripe.V2.Core.Events.V2CoreAccountCreatedEventNotification;
  function parse(r: Received, secret: string) {
    return stripe.parseEventNotification(
      r.body,
      r.headers['stripe-signature'] as string,
      secret,
    ) as AccountNotification;
  }

  beforeAll(async () => {
    server = await startTestServer();
    receiver = await new Receiver().start();
    stripe = server.stripe(TEST_KEY);
    const thinTypes = [
      'v2.core.account.created',
      'v2.core.account.updated',
      'v2.core.account[configuration.merchant].updated',
      'v2.core.account[identity].updated',
      'v2.core.account[requirements].updated',
    ];
    self = await stripe.v2.core.eventDestinations.create({
      name: 'own accounts feed',
      type: 'webhook_endpoint',
      event_payload: 'thin',
      events_from: ['@self'],
      enabled_events: thinTypes,
      webhook_endpoint: { url: receiver.url('/thin-self') },
      include: ['webhook_endpoint.signing_secret', 'webhook_endpoint.url'],
    });
    accountsOnly = await stripe.v2.core.eventDestinations.create({
      name: 'connected accounts feed',
      type: 'webhook_endpoint',
      event_payload: 'thin',
      events_from: ['@accounts'],
      enabled_events: thinTypes,
      webhook_endpoint: { url: receiver.url('/thin-accounts') },
      include: ['webhook_endpoint.signing_secret'],
    });
    for (const connect of [false, true]) {
      const we = await stripe.webhookEndpoints.create({
        url: receiver.url(`/v1-${connect}`),
        enabled_events: ['account.updated'],
        connect,
      });
      receiver.expect(`/v1-${connect}`, we.secret!);
    }
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  it('creates destinations as the SDK expects, with the secret only on create', async () => {
    expect(self.id).toMatch(/^ed_test_/);
    expect(self.webhook_endpoint!.signing_secret).toMatch(/^whsec_/);
    expect(self.webhook_endpoint!.url).toBe(receiver.url('/thin-self'));
    const again = await stripe.v2.core.eventDestinations.retrieve(self.id, {
      include: ['webhook_endpoint.url'],
    });
    expect(again.webhook_endpoint!.signing_secret).toBeNull();
    expect(again.webhook_endpoint!.url).toBe(receiver.url('/thin-self'));
    const list: string[] = [];
    for await (const d of stripe.v2.core.eventDestinations.list({ limit: 1 })) list.push(d.id);
    expect(list).toEqual([accountsOnly.id, self.id]);
    await expect(
      stripe.v2.core.eventDestinations.create({
        name: 'bad',
        type: 'webhook_endpoint',
        event_payload: 'thin',
        enabled_events: ['*'],
        webhook_endpoint: { url: receiver.url('/x') },
      }),
    ).rejects.toMatchObject({ param: 'enabled_events[0]' });
  });

  it("v2 events of the platform's v2 Account go to @self; its v1 account.updated goes to connect=true", async () => {
    const account = await stripe.v2.core.accounts.create({
      display_name: 'Furever',
      contact_email: 'owner@example.test',
      dashboard: 'full',
      identity: { country: 'us', entity_type: 'company' },
      configuration: { merchant: { capabilities: { card_payments: { requested: true } } } },
      include: ['configuration.merchant', 'identity', 'requirements'],
    });
    accountId = account.id;
    expect(account).toMatchObject({
      object: 'v2.core.account',
      applied_configurations: ['merchant'],
      livemode: false,
    });
    expect(account.requirements!.entries!.map((e) => e.description)).toContain(
      'identity.business_details.registered_name',
    );
    await receiver.waitFor(() =>
      thinAt('/thin-self').some((r) => r.event!.type === 'v2.core.account.created'),
    );
    const created = thinAt('/thin-self').find((r) => r.event!.type === 'v2.core.account.created')!;
    const notification = parse(created, self.webhook_endpoint!.signing_secret!);
    expect(notification.related_object).toEqual({
      id: account.id,
      type: 'v2.core.account',
      url: `/v2/core/accounts/${account.id}`,
    });
    expect(notification.context ?? null).toBeNull();
    expect(created.body).not.toContain('"data"');
    const fetched = (await notification.fetchRelatedObject()) as {
      id: string;
      display_name: string;
    };
    expect(fetched).toMatchObject({ id: account.id, display_name: 'Furever' });
    const full = await notification.fetchEvent();
    expect(full).toMatchObject({
      id: notification.id,
      type: 'v2.core.account.created',
      reason: { type: 'request' },
    });

    await stripe.v2.core.accounts.update(account.id, {
      display_name: 'Furever Pets',
      identity: { business_details: { registered_name: 'Furever LLC' } },
    });
    await receiver.waitFor(() =>
      [
        'v2.core.account.updated',
        'v2.core.account[identity].updated',
        'v2.core.account[requirements].updated',
      ].every((t) => thinAt('/thin-self').some((r) => r.event!.type === t)),
    );
    await receiver.waitFor(() =>
      receiver.at('/v1-true').some((r) => r.event!.account === account.id),
    );
    const v1 = receiver.at('/v1-true').find((r) => r.event!.account === account.id)!;
    expect(v1.verified).toBe(true);
    expect(v1.event!.type).toBe('account.updated');
    expect((v1.event!.data as { previous_attributes: unknown }).previous_attributes).toMatchObject({
      business_profile: { name: 'Furever' },
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.at('/v1-false')).toHaveLength(0);
    expect(thinAt('/thin-accounts')).toHaveLength(0);
    for (const r of thinAt('/thin-self'))
      expect(() => parse(r, self.webhook_endpoint!.signing_secret!)).not.toThrow();
    // The same account is a v1 connected account.
    expect((await stripe.accounts.retrieve(account.id)).business_profile!.name).toBe(
      'Furever Pets',
    );
  });

  it("a connected account's v2 customer Account sends its thin events to @accounts with its context", async () => {
    const account = await stripe.v2.core.accounts.create(
      {
        display_name: 'A customer of the connected account',
        configuration: { customer: {} },
        identity: { country: 'us', entity_type: 'individual' },
      },
      { stripeContext: accountId },
    );
    await receiver.waitFor(() =>
      thinAt('/thin-accounts').some((r) => r.event!.type === 'v2.core.account.created'),
    );
    const r = thinAt('/thin-accounts').find((x) => x.event!.type === 'v2.core.account.created')!;
    const notification = parse(r, accountsOnly.webhook_endpoint!.signing_secret!);
    expect(String(notification.context)).toBe(accountId);
    const fetched = (await notification.fetchRelatedObject()) as { id: string };
    expect(fetched.id).toBe(account.id);
    expect(
      thinAt('/thin-self').some(
        (x) => (x.event!.related_object as { id: string }).id === account.id,
      ),
    ).toBe(false);
  });

  it('lists and retrieves v2 events with filters and pagination', async () => {
    const all: Stripe.V2.Core.Event[] = [];
    for await (const e of stripe.v2.core.events.list({ limit: 2 })) all.push(e);
    expect(all.length).toBeGreaterThanOrEqual(4);
    const updated = await stripe.v2.core.events.list({
      types: ['v2.core.account.updated'],
      object_id: accountId,
    });
    expect(updated.data.every((e) => e.type === 'v2.core.account.updated')).toBe(true);
    expect(updated.data.length).toBeGreaterThan(0);
    const one = await stripe.v2.core.events.retrieve(all[0]!.id);
    expect(one.id).toBe(all[0]!.id);
    const future = await stripe.v2.core.events.list({
      created: { gt: new Date(Date.now() + 3_600_000).toISOString() } as never,
    });
    expect(future.data).toEqual([]);
    await expect(stripe.v2.core.events.retrieve('evt_test_missing')).rejects.toMatchObject({
      statusCode: 404,
    });
  });

  it("shows a v2 event's deliveries and resends it to a destination through Switchboard's routes", async () => {
    type Listed = { id: string; object: string; type: string; delivery_status: string };
    const raw = async <T>(method: 'GET' | 'POST', path: string, params: object = {}) =>
      (await (method === 'GET'
        ? stripe.rawRequest('GET', path, null as never)
        : stripe.rawRequest('POST', path, params))) as unknown as T;
    const created = thinAt('/thin-self').find(
      (r) =>
        r.event!.type === 'v2.core.account.created' &&
        (r.event!.related_object as { id: string }).id === accountId,
    )!;
    const id = created.event!.id as string;

    // Listed with the platform's v2 events (v1 events stay the default), delivered to @self.
    const thin = await raw<{ data: Listed[] }>(
      'GET',
      '/v1/switchboard/events?object=v2.core.event&limit=100',
    );
    expect(thin.data.every((e) => e.object === 'v2.core.event')).toBe(true);
    expect(thin.data.find((e) => e.id === id)).toMatchObject({ delivery_status: 'delivered' });
    const later = Math.floor(Date.now() / 1000) + 3_600;
    const none = await raw<{ data: Listed[] }>(
      'GET',
      `/v1/switchboard/events?object=v2.core.event&created[gt]=${later}`,
    );
    expect(none.data).toEqual([]);
    const v1 = await raw<{ data: Listed[] }>('GET', '/v1/switchboard/events?limit=100');
    expect(v1.data.length).toBeGreaterThan(0);
    expect(v1.data.every((e) => e.object === 'event')).toBe(true);

    // Retrieved as GET /v2/core/events/{id} returns it, with its deliveries and attempts.
    const one = await raw<Stripe.V2.Core.Event & { delivery_status: string }>(
      'GET',
      `/v1/switchboard/events/${id}`,
    );
    const { delivery_status: status, ...event } = one;
    expect(status).toBe('delivered');
    expect(event).toEqual(JSON.parse(JSON.stringify(await stripe.v2.core.events.retrieve(id))));
    const deliveries = await raw<{ data: Array<{ webhook_endpoint: string; status: string }> }>(
      'GET',
      `/v1/switchboard/events/${id}/deliveries`,
    );
    expect(deliveries.data).toEqual([
      expect.objectContaining({ webhook_endpoint: self.id, status: 'succeeded' }),
    ]);
    const attempts = await raw<{ data: Array<{ webhook_endpoint: string; status_code: number }> }>(
      'GET',
      `/v1/switchboard/events/${id}/attempts`,
    );
    expect(attempts.data).toEqual([
      expect.objectContaining({ webhook_endpoint: self.id, status_code: 200 }),
    ]);

    // Resent to the destination: the same thin notification arrives again, signed.
    const before = thinAt('/thin-self').filter((r) => r.event!.id === id).length;
    await raw('POST', `/v1/switchboard/events/${id}/retry`, { endpoint: self.id });
    await receiver.waitFor(
      () => thinAt('/thin-self').filter((r) => r.event!.id === id).length === before + 1,
    );
    const again = thinAt('/thin-self').filter((r) => r.event!.id === id)[before]!;
    expect(parse(again, self.webhook_endpoint!.signing_secret!).id).toBe(id);
    expect(again.body).toBe(created.body);

    // The destination's attempts: the first delivery and the resend (outcomes are written in
    // batches, so the resend's may take a moment).
    const attemptsToSelf = async () =>
      (
        await raw<{ data: Array<{ event: string; status_code: number }> }>(
          'GET',
          `/v1/switchboard/event_destinations/${self.id}/attempts?limit=100`,
        )
      ).data.filter((a) => a.event === id);
    for (let tries = 0; (await attemptsToSelf()).length < 2 && tries < 50; tries++)
      await new Promise((r) => setTimeout(r, 20));
    expect((await attemptsToSelf()).map((a) => a.status_code)).toEqual([200, 200]);
    const stats = await raw<{ webhook_endpoint: string; attempts: number; failed: number }>(
      'GET',
      `/v1/switchboard/event_destinations/${self.id}/stats?minutes=60`,
    );
    expect(stats).toMatchObject({ webhook_endpoint: self.id, failed: 0 });
    expect(stats.attempts).toBeGreaterThanOrEqual(2);
    // Every destination's, as the dashboard's list shows them; webhook endpoints are not among them.
    const listed = await raw<{ data: Array<{ webhook_endpoint: string; attempts: number }> }>(
      'GET',
      '/v1/switchboard/event_destination_stats?minutes=60',
    );
    expect(listed.data.find((s) => s.webhook_endpoint === self.id)).toMatchObject({
      attempts: stats.attempts,
      failed: 0,
    });
    expect(listed.data.every((s) => s.webhook_endpoint.startsWith('ed_test_'))).toBe(true);
    // A webhook endpoint is not an event destination.
    const webhookEndpoint = (await stripe.webhookEndpoints.list()).data[0]!.id;
    await expect(
      raw('GET', `/v1/switchboard/event_destinations/${webhookEndpoint}/stats`),
    ).rejects.toMatchObject({ statusCode: 404 });
    await expect(
      raw('GET', '/v1/switchboard/event_destinations/ed_test_nope/attempts'),
    ).rejects.toMatchObject({ statusCode: 404 });

    // Refused: a v1 webhook endpoint, a destination of the other scope, an unknown id.
    const v1Endpoint = (await stripe.webhookEndpoints.list()).data[0]!;
    await expect(
      raw('POST', `/v1/switchboard/events/${id}/retry`, { endpoint: v1Endpoint.id }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'endpoint' });
    await expect(
      raw('POST', `/v1/switchboard/events/${id}/retry`, { endpoint: accountsOnly.id }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'endpoint' });
    await expect(
      raw('POST', `/v1/switchboard/events/${id}/retry`, { endpoint: 'ed_test_nope' }),
    ).rejects.toMatchObject({ statusCode: 404, param: 'endpoint' });
    await expect(raw('POST', `/v1/switchboard/events/${id}/retry`)).rejects.toMatchObject({
      statusCode: 400,
      param: 'endpoint',
    });
  });

  it('pings a destination, and sends nothing to it while disabled', async () => {
    const ping = await stripe.v2.core.eventDestinations.ping(self.id);
    expect(ping.type).toBe('v2.core.event_destination.ping');
    await receiver.waitFor(() => thinAt('/thin-self').some((r) => r.event!.id === ping.id));
    const disabled = await stripe.v2.core.eventDestinations.disable(self.id);
    expect(disabled).toMatchObject({
      status: 'disabled',
      status_details: { disabled: { reason: 'user' } },
    });
    const before = thinAt('/thin-self').length;
    await stripe.v2.core.accounts.update(accountId, { display_name: 'while disabled' });
    await new Promise((r) => setTimeout(r, 200));
    expect(thinAt('/thin-self').length).toBe(before);
    expect((await stripe.v2.core.eventDestinations.enable(self.id)).status).toBe('enabled');
    const deleted = await stripe.v2.core.eventDestinations.del(accountsOnly.id);
    expect(deleted.id).toBe(accountsOnly.id);
  });
});
