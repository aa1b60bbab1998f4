import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver } from '../helpers/receiver.js';
import { schemaErrors } from '../helpers/schemas.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Every object the API returns and every event it emits validates against Stripe's OpenAPI
 * schemas (../shared/stripe-openapi), checked object by object, including each event's data.object.
 */
describe("emitted objects and events validate against Stripe's schemas", () => {
  let server: TestServer;
  let stripe: Stripe;
  let receiver: Receiver;
  const accounts: string[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    stripe = server.stripe();
    receiver = await new Receiver().start();
    for (const connect of [false, true]) {
      const we = await stripe.webhookEndpoints.create({
        url: receiver.url(`/${connect}`),
        enabled_events: ['*'],
        connect,
      });
      receiver.expect(`/${connect}`, we.secret!);
    }
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  const valid = (obj: unknown) => expect(schemaErrors(obj)).toEqual([]);

  it('customers', async () => {
    const c = await stripe.customers.create({
      email: 'schema@example.com',
      name: 'Schema',
      address: { line1: '1 Main St', city: 'Springfield', country: 'US' },
      shipping: { name: 'Ship', address: { line1: '2 Side St' } },
      metadata: { a: '1' },
      preferred_locales: ['en'],
    });
    valid(c);
    valid(await stripe.customers.update(c.id, { description: 'updated', metadata: { a: '' } }));
    valid(await stripe.customers.retrieve(c.id));
    valid(await stripe.customers.del(c.id));
  });

  it('accounts of every type and through controller properties', async () => {
    for (const params of [
      { type: 'standard' },
      {
        type: 'express',
        capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
      },
      { type: 'custom', business_type: 'individual' },
      {
        controller: {
          fees: { payer: 'application' },
          losses: { payments: 'application' },
          stripe_dashboard: { type: 'express' },
        },
      },
    ] as Stripe.AccountCreateParams[]) {
      const a = await stripe.accounts.create(params);
      valid(a);
      accounts.push(a.id);
    }
    valid(
      await stripe.accounts.update(accounts[1]!, {
        business_profile: { url: 'https://example.com', mcc: '5734' },
      }),
    );
    valid(await stripe.accounts.retrieve(accounts[2]!));
    valid(await stripe.accounts.retrieveCurrent());
    await stripe.customers.create({ name: 'inside' }, { stripeAccount: accounts[1]! });
    valid(await stripe.accounts.del(accounts[0]!));
  });

  it('webhook endpoints', async () => {
    const we = await stripe.webhookEndpoints.create({
      url: 'https://example.com/hook',
      enabled_events: ['*'],
      connect: true,
      description: 'd',
    });
    valid(we);
    valid(await stripe.webhookEndpoints.update(we.id, { disabled: true }));
    valid(await stripe.webhookEndpoints.retrieve(we.id));
    for (const e of (await stripe.webhookEndpoints.list()).data) valid(e);
    valid(await stripe.webhookEndpoints.del(we.id));
  });

  it('every event, on the platform and on each connected account', async () => {
    const events: Stripe.Event[] = [];
    for await (const e of stripe.events.list({ limit: 100 })) events.push(e);
    // The first account was deleted (deauthorized): the platform can no longer list its events.
    for (const account of accounts.slice(1)) {
      for await (const e of stripe.events.list({ limit: 100 }, { stripeAccount: account }))
        events.push(e);
    }
    const types = new Set(events.map((e) => e.type));
    for (const t of ['customer.created', 'customer.updated', 'customer.deleted', 'account.updated'])
      expect(types).toContain(t);
    for (const e of events) expect(schemaErrors(e), `${e.type} ${e.id}`).toEqual([]);
  });

  it('every delivered event, as the receiver got it', async () => {
    await receiver.waitFor(() =>
      receiver.received.some((r) => r.event?.type === 'account.application.deauthorized'),
    );
    const delivered = receiver.received.map((r) => {
      expect(r.verified).toBe(true);
      return r.event!;
    });
    expect(delivered.length).toBeGreaterThan(5);
    for (const e of delivered) expect(schemaErrors(e), `${e.type} ${e.id}`).toEqual([]);
    const deauthorized = delivered.find((e) => e.type === 'account.application.deauthorized')!;
    expect(deauthorized.account).toBe(accounts[0]);
    expect(deauthorized.data).toMatchObject({
      object: { object: 'application', id: expect.stringMatching(/^ca_/) },
    });
  });
});
