import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboardedAccount } from '../helpers/accounts.js';
import { Receiver } from '../helpers/receiver.js';
import { schemaErrors } from '../helpers/schemas.js';
import { startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';
import { stripeCli } from '../helpers/stripe-cli.js';

/**
 * The official Stripe CLI's own fixtures for Checkout, products and prices, unchanged (`stripe
 * trigger checkout.session.completed` creates a product, a price and a session, then pays it
 * through /v1/payment_pages as Stripe Checkout's page does), on the platform and with
 * --stripe-account.
 */
describe('stripe trigger checkout.session.*, product.*, price.* (the official CLI)', () => {
  let server: TestServer;
  let receiver: Receiver;
  let stripe: Stripe;
  let account: string;
  const base = () => ['--api-base', server.url, '--api-key', TEST_KEY];

  beforeAll(async () => {
    server = await startTestServer();
    receiver = await new Receiver().start();
    stripe = server.stripe(TEST_KEY);
    for (const connect of [false, true]) {
      const path = connect ? '/connect' : '/platform';
      const we = await stripe.webhookEndpoints.create({
        url: receiver.url(path),
        enabled_events: ['*'],
        connect,
      });
      receiver.expect(path, we.secret!);
    }
    account = (await onboardedAccount(stripe)).id;
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  const seen = (path: string, type: string) =>
    receiver.at(path).filter((r) => r.event?.type === type);

  for (const event of [
    'checkout.session.completed',
    'checkout.session.expired',
    'product.created',
    'product.updated',
    'product.deleted',
    'price.created',
    'price.updated',
  ]) {
    it(`stripe trigger ${event}, on the platform and with --stripe-account`, async () => {
      const beforeOwn = seen('/platform', event).length;
      const own = await stripeCli(['trigger', event, ...base()]);
      expect(own.out).toContain('Trigger succeeded!');
      expect(own.code).toBe(0);
      await receiver.waitFor(() => seen('/platform', event).length > beforeOwn, 10_000, event);

      const before = seen('/connect', event).length;
      const theirs = await stripeCli(['trigger', event, '--stripe-account', account, ...base()]);
      expect(theirs.out).toContain('Trigger succeeded!');
      await receiver.waitFor(() => seen('/connect', event).length > before, 10_000, event);
      const delivered = seen('/connect', event).slice(before);
      expect(delivered.every((r) => r.verified && r.event!.account === account)).toBe(true);
      for (const r of [...delivered, ...seen('/platform', event)])
        expect(schemaErrors(JSON.parse(r.body))).toEqual([]);
    }, 60_000);
  }
});
