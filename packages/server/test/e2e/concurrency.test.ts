import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { thinDestination } from '../helpers/destinations.js';

/**
 * Concurrent writes to one object, as a platform's several servers (or one server's many requests)
 * make them: none may start from a version another is changing and lose that one's changes. On
 * PostgreSQL requests run on a pool of connections at once; an update reads its object locked until
 * it commits. (SQLite runs one write transaction at a time.)
 */
describe('concurrent writes to one object', () => {
  let server: TestServer;
  let stripe: Stripe;

  beforeAll(async () => {
    server = await startTestServer();
    stripe = server.stripe();
  });
  afterAll(async () => {
    await server.close();
  });

  const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);

  it('updates of one customer keep every change, each event showing the version it replaced', async () => {
    const customer = await stripe.customers.create({ name: 'Concurrent' });
    await Promise.all(
      keys.map((k) => stripe.customers.update(customer.id, { metadata: { [k]: 'set' } })),
    );
    const after = await stripe.customers.retrieve(customer.id);
    expect(Object.keys((after as Stripe.Customer).metadata).sort()).toEqual([...keys].sort());

    // Each update started from the one before it: the events show 1, 2, ... 12 keys, each adding
    // one (previous_attributes: that key, absent before).
    const events = await stripe.events.list({ type: 'customer.updated', limit: 100 });
    const mine = events.data.filter((e) => (e.data.object as Stripe.Customer).id === customer.id);
    expect(mine).toHaveLength(keys.length);
    const sizes = mine.map((e) => Object.keys((e.data.object as Stripe.Customer).metadata).length);
    expect(sizes.sort((a, b) => a - b)).toEqual(keys.map((_, i) => i + 1));
    const added = mine.map((e) => (e.data.previous_attributes as { metadata: object }).metadata);
    expect(added.map((m) => Object.keys(m)[0]).sort()).toEqual([...keys].sort());
    expect(added.every((m) => Object.values(m)[0] === null)).toBe(true);
  });

  it('updates of a connected account, by the platform and by the account itself, keep every change', async () => {
    const account = await stripe.accounts.create({ type: 'custom', country: 'US' });
    await Promise.all(
      keys.map((k, i) =>
        stripe.accounts.update(
          account.id,
          { metadata: { [k]: 'set' } },
          i % 2 === 0 ? { stripeAccount: account.id } : {},
        ),
      ),
    );
    const after = await stripe.accounts.retrieve(account.id);
    expect(Object.keys(after.metadata!).sort()).toEqual([...keys].sort());
  });

  it('external accounts added to one account at once all show in its list', async () => {
    const account = await stripe.accounts.create({ type: 'custom', country: 'US' });
    const added = await Promise.all(
      Array.from({ length: 6 }, () =>
        stripe.accounts.createExternalAccount(account.id, { external_account: 'btok_us' }),
      ),
    );
    const after = await stripe.accounts.retrieve(account.id);
    expect(after.external_accounts!.data.map((e) => e.id).sort()).toEqual(
      added.map((e) => e.id).sort(),
    );
  });

  it('updates and secret rolls of one webhook endpoint keep every change', async () => {
    const endpoint = await stripe.webhookEndpoints.create({
      url: 'https://example.com/hook',
      enabled_events: ['customer.created'],
    });
    await Promise.all(
      keys.map((k) => stripe.webhookEndpoints.update(endpoint.id, { metadata: { [k]: 'set' } })),
    );
    const after = await stripe.webhookEndpoints.retrieve(endpoint.id);
    expect(Object.keys(after.metadata).sort()).toEqual([...keys].sort());

    // Each roll keeps the secret it replaces for an hour: after six at once, the last one signs,
    // with the six before it still signing.
    const rolled = await Promise.all(
      Array.from({ length: 6 }, () =>
        stripe.rawRequest('POST', `/v1/webhook_endpoints/${endpoint.id}/roll_secret`, {
          previous_secret_expires_in: 3600,
        }),
      ),
    );
    const revealed = (await stripe.rawRequest(
      'GET',
      `/v1/switchboard/webhook_endpoints/${endpoint.id}/secret`,
      {},
    )) as unknown as { secret: string; previous_secrets: unknown[] };
    expect(rolled.map((r) => (r as unknown as { secret: string }).secret)).toContain(
      revealed.secret,
    );
    expect(revealed.previous_secrets).toHaveLength(6);
  });

  it('updates of one event destination keep every metadata key', async () => {
    const destination = await thinDestination(stripe, 'https://example.com/thin', [
      'v2.core.account.created',
    ]);
    await Promise.all(
      keys.map((k) =>
        stripe.v2.core.eventDestinations.update(destination.id, { metadata: { [k]: 'set' } }),
      ),
    );
    const after = await stripe.v2.core.eventDestinations.retrieve(destination.id);
    expect(Object.keys(after.metadata ?? {}).sort()).toEqual([...keys].sort());
  });

  it('a payment intent confirmed several times at once is charged once', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 1500,
      currency: 'usd',
      payment_method: 'pm_card_visa',
    });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 6 }, () => stripe.paymentIntents.confirm(pi.id)),
    );
    const confirmed = outcomes.filter((o) => o.status === 'fulfilled');
    expect(confirmed).toHaveLength(1);
    for (const o of outcomes) {
      if (o.status === 'rejected')
        expect((o.reason as Stripe.errors.StripeError).code).toBe(
          'payment_intent_unexpected_state',
        );
    }
    const charges = await stripe.charges.list({ payment_intent: pi.id });
    expect(charges.data).toHaveLength(1);
    const succeeded = await stripe.events.list({ type: 'payment_intent.succeeded', limit: 100 });
    expect(
      succeeded.data.filter((e) => (e.data.object as { id: string }).id === pi.id),
    ).toHaveLength(1);
  });
});
