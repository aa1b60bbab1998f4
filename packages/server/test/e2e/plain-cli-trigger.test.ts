import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboardedAccount } from '../helpers/accounts.js';
import { Receiver } from '../helpers/receiver.js';
import { schemaErrors } from '../helpers/schemas.js';
import { startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';
import { stripeCli } from '../helpers/stripe-cli.js';

/**
 * The official Stripe CLI's own fixtures for the plain resources' events, unchanged (`stripe
 * trigger plan.created` creates a plan with its product inline; promotion_code.created a coupon
 * and a promotion code for it), on the platform and with --stripe-account. The CLI's identity
 * fixtures send `return_url`, which the 2023 schema of a verification session lacks: refused.
 */
describe('stripe trigger for the plain resources (the official CLI)', () => {
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
    'coupon.created',
    'coupon.updated',
    'coupon.deleted',
    'tax_rate.created',
    'tax_rate.updated',
    'promotion_code.created',
    'promotion_code.updated',
    'plan.created',
    'plan.updated',
    'plan.deleted',
    'billing_portal.configuration.created',
    'billing_portal.configuration.updated',
    'issuing_cardholder.created',
    'issuing_card.created',
    'invoiceitem.created',
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
