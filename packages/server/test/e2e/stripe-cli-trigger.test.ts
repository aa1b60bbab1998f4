import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboardedAccount } from '../helpers/accounts.js';
import { Receiver } from '../helpers/receiver.js';
import { startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';
import { stripeCli } from '../helpers/stripe-cli.js';

/** The official CLI's fixtures from unmerged branches (copied from ../shared/stripe-cli-fixtures). */
const fixturesDir = fileURLToPath(new URL('../fixtures/stripe-cli/', import.meta.url));

/**
 * The official Stripe CLI, unchanged, against Switchboard: `stripe trigger` for the seed's events it
 * supports, with and without --stripe-account, and `stripe fixtures` for the branch fixtures.
 */
describe('stripe trigger and stripe fixtures (the official CLI)', () => {
  let server: TestServer;
  let receiver: Receiver;
  let stripe: Stripe;
  let account: string;
  /** A second onboarded account for the payment triggers: disputes and refunds take its funds. */
  let payments: string;
  const base = () => ['--api-base', server.url, '--api-key', TEST_KEY];

  beforeAll(async () => {
    server = await startTestServer();
    receiver = await new Receiver().start();
    stripe = server.stripe(TEST_KEY);
    for (const connect of [false, true]) {
      const we = await stripe.webhookEndpoints.create({
        url: receiver.url(`/${connect ? 'connect' : 'account'}`),
        enabled_events: ['*'],
        connect,
      });
      receiver.expect(`/${connect ? 'connect' : 'account'}`, we.secret!);
    }
    // Onboarded (charges and payouts need it), with a bank account, paid out manually.
    account = (
      await onboardedAccount(stripe, {
        type: 'custom',
        capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
        external_account: 'btok_us',
        settings: { payouts: { schedule: { interval: 'manual' } } },
      })
    ).id;
    payments = (await onboardedAccount(stripe)).id;
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  const seen = (path: string, type: string, account?: string) =>
    receiver
      .at(path)
      .filter(
        (r) => r.event?.type === type && (account === undefined || r.event.account === account),
      );

  for (const event of [
    'customer.created',
    'account.updated',
    'account.application.deauthorized',
    'balance.available',
    'payment_intent.succeeded',
    'payout.created',
    'topup.created',
    'setup_intent.created',
    'setup_intent.succeeded',
    'setup_intent.canceled',
    'setup_intent.setup_failed',
    'setup_intent.requires_action',
    'payment_method.attached',
    'payment_method.detached',
    'payment_method.updated',
    'charge.succeeded',
    'charge.failed',
    'charge.captured',
    'charge.refunded',
    'charge.refund.updated',
    'charge.dispute.created',
    'charge.dispute.updated',
    'charge.dispute.closed',
    'customer.source.created',
    'customer.source.updated',
  ]) {
    it(`stripe trigger ${event}, on the platform and with --stripe-account`, async () => {
      // Account events always come from a connected account (the fixture creates one).
      const accountEvent = event.startsWith('account.');
      const beforeOwn = accountEvent
        ? seen('/connect', event).length
        : seen('/account', event).length;
      const own = await stripeCli(['trigger', event, ...base()]);
      expect(own.out).toContain('Trigger succeeded!');
      expect(own.code).toBe(0);
      await receiver.waitFor(
        () =>
          (accountEvent ? seen('/connect', event).length : seen('/account', event).length) >
          beforeOwn,
        10_000,
        `${event} from the platform's trigger`,
      );

      const before = seen('/connect', event).length;
      const named = event.startsWith('charge.') ? payments : account;
      const theirs = await stripeCli(['trigger', event, '--stripe-account', named, ...base()]);
      expect(theirs.out).toContain('Trigger succeeded!');
      await receiver.waitFor(
        () => seen('/connect', event).length > before,
        10_000,
        `${event} with --stripe-account`,
      );
      const delivered = seen('/connect', event).slice(before);
      expect(delivered.every((r) => r.verified)).toBe(true);
      if (!accountEvent) expect(delivered.some((r) => r.event!.account === named)).toBe(true);
    });
  }

  it('stripe trigger transfer.created, transfer.updated and transfer.reversed: the fixture transfers to an account made with no parameters (a Standard account)', async () => {
    // The fixture charges $10 and transfers $10: Stripe's fee comes out of the charge, so it
    // counts on funds the platform already has, as a used test account has.
    await server.stripe().paymentIntents.create({
      amount: 5000,
      currency: 'usd',
      payment_method: 'pm_card_bypassPending',
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    for (const event of ['transfer.created', 'transfer.updated', 'transfer.reversed']) {
      const before = seen('/account', event).length;
      const run = await stripeCli(['trigger', event, ...base()]);
      expect(run.out).toContain('Trigger succeeded!');
      expect(run.code).toBe(0);
      await receiver.waitFor(
        () => seen('/account', event).length > before,
        10_000,
        `${event} from the platform's trigger`,
      );
      expect(
        seen('/account', event)
          .slice(before)
          .every((r) => r.verified),
      ).toBe(true);
    }
    const [made] = (await server.stripe().accounts.list({ limit: 1 })).data;
    expect(made).toMatchObject({
      type: 'standard',
      controller: { stripe_dashboard: { type: 'full' }, requirement_collection: 'stripe' },
    });
  });

  it('runs the branch fixtures for payout.failed, person.updated and account.external_account.updated unchanged', async () => {
    const files = readdirSync(fixturesDir).filter(
      (f) => f.startsWith('branch-') || f.startsWith('pr'),
    );
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const file of files) {
      const run = await stripeCli(['fixtures', `${fixturesDir}${file}`, ...base()]);
      expect(run.code, `${file}: ${run.out}`).toBe(0);
    }
    const wanted = [
      'payout.failed',
      'person.updated',
      'account.external_account.updated',
      'capability.updated',
      'person.created',
      'payout.created',
    ];
    await receiver.waitFor(
      () => wanted.every((t) => receiver.received.some((r) => r.event?.type === t)),
      10_000,
      wanted.join(', '),
    );
    expect(
      receiver.received
        .filter((r) => r.event?.type === 'person.updated')
        .every((r) => r.path === '/connect'),
    ).toBe(true);
  });
});
