import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboard } from '../helpers/accounts.js';
import { schemaErrors } from '../helpers/schemas.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Connected accounts outside the US, as platforms in Europe, the UK, Australia or Japan make them:
 * their default currency, the bank account onboarding adds, their balance and their funds are in
 * their country's currency.
 */
describe('accounts outside the US', () => {
  let server: TestServer;
  let stripe: Stripe;

  beforeAll(async () => {
    server = await startTestServer();
    stripe = server.stripe();
  });
  afterAll(() => server.close());

  it.each([
    ['DE', 'eur'],
    ['GB', 'gbp'],
    ['AU', 'aud'],
    ['JP', 'jpy'],
    ['US', 'usd'],
  ])('an Express account in %s works in %s', async (country, currency) => {
    const created = await stripe.accounts.create({
      type: 'express',
      country,
      capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
    });
    expect(created.default_currency).toBe(currency);
    const as = { stripeAccount: created.id };
    const empty = await stripe.balance.retrieve({}, as);
    expect(empty.available).toEqual([{ amount: 0, currency, source_types: { card: 0 } }]);
    expect(empty.pending).toEqual([{ amount: 0, currency, source_types: { card: 0 } }]);

    const account = await onboard(stripe, created.id);
    expect(account.charges_enabled).toBe(true);
    const [bank] = account.external_accounts!.data as Stripe.BankAccount[];
    expect(bank).toMatchObject({ object: 'bank_account', country, currency });
    expect(schemaErrors(account)).toEqual([]);

    await stripe.paymentIntents.create(
      {
        amount: 5000,
        currency,
        payment_method: 'pm_card_bypassPending',
        confirm: true,
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      },
      as,
    );
    const balance = await stripe.balance.retrieve({}, as);
    expect(balance.available.map((b) => b.currency)).toEqual([currency]);
    expect(balance.available[0]!.amount).toBeGreaterThan(0);
  });

  it('a bank account token takes its country’s currency unless one is given', async () => {
    const gb = await stripe.tokens.create({
      bank_account: { country: 'GB', account_number: '00012345', routing_number: '108800' },
    } as Stripe.TokenCreateParams);
    expect(gb.bank_account).toMatchObject({ country: 'GB', currency: 'gbp' });
    const usdInGb = await stripe.tokens.create({
      bank_account: {
        country: 'GB',
        currency: 'usd',
        account_number: '00012345',
        routing_number: '108800',
      },
    } as Stripe.TokenCreateParams);
    expect(usdInGb.bank_account?.currency).toBe('usd');
  });
});
