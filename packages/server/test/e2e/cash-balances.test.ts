import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboardedAccount } from '../helpers/accounts.js';
import {
  endPaymentScenario,
  startPaymentScenario,
  type PaymentEvents,
} from '../helpers/payments.js';
import { schemaErrors } from '../helpers/schemas.js';
import { LIVE_KEY, type TestServer } from '../helpers/server.js';

/**
 * Customer cash balances (bank transfers) with the official `stripe` package and a receiver
 * verifying every event's signature: the balance and its settings, test-mode funding, its
 * transactions, on the platform and on a connected account (Stripe-Account).
 */
describe('customer cash balances', () => {
  let server: TestServer;
  let events: PaymentEvents;
  let stripe: Stripe;
  let account: string;

  beforeAll(async () => {
    ({ server, events, stripe } = await startPaymentScenario());
    account = (await onboardedAccount(stripe)).id;
  });
  afterAll(() => endPaymentScenario({ server, events }));

  const on = (acct: string | null) => (acct ? { stripeAccount: acct } : {});

  it('fund_cash_balance records a funded transaction, sends customer_cash_balance_transaction.created and cash_balance.funds_available', async () => {
    for (const who of [null, account]) {
      const customer = await stripe.customers.create({ name: 'Jenny Rosen' }, on(who));
      const empty = await stripe.customers.retrieveCashBalance(customer.id, {}, on(who));
      expect(schemaErrors(empty)).toEqual([]);
      expect(empty).toEqual({
        object: 'cash_balance',
        available: null,
        customer: customer.id,
        livemode: false,
        settings: { reconciliation_mode: 'automatic', using_merchant_default: true },
      });

      const funded = await stripe.testHelpers.customers.fundCashBalance(
        customer.id,
        { amount: 5000, currency: 'EUR', reference: 'Invoice 7FE1103-155' },
        on(who),
      );
      expect(schemaErrors(funded)).toEqual([]);
      expect(funded).toMatchObject({
        object: 'customer_cash_balance_transaction',
        type: 'funded',
        currency: 'eur',
        customer: customer.id,
        net_amount: 5000,
        ending_balance: 5000,
        funded: {
          bank_transfer: { type: 'eu_bank_transfer', reference: 'Invoice 7FE1103-155' },
        },
      });
      expect(funded.id).toMatch(/^ccsbtxn_/);
      const again = await stripe.testHelpers.customers.fundCashBalance(
        customer.id,
        { amount: 2500, currency: 'eur' },
        on(who),
      );
      expect(again).toMatchObject({ ending_balance: 7500, net_amount: 2500 });
      expect(again.funded!.bank_transfer.reference).toBeNull();
      const jpy = await stripe.testHelpers.customers.fundCashBalance(
        customer.id,
        { amount: 10000, currency: 'jpy' },
        on(who),
      );
      expect(jpy.funded!.bank_transfer.type).toBe('jp_bank_transfer');

      const balance = await stripe.customers.retrieveCashBalance(customer.id, {}, on(who));
      expect(balance.available).toEqual({ eur: 7500, jpy: 10000 });

      // Transactions: newest first, paged, each retrievable under its customer only.
      const list = await stripe.customers.listCashBalanceTransactions(
        customer.id,
        { limit: 2 },
        on(who),
      );
      expect(list.data.map((t) => t.id)).toEqual([jpy.id, again.id]);
      expect(list.has_more).toBe(true);
      const rest = await stripe.customers.listCashBalanceTransactions(
        customer.id,
        { starting_after: again.id },
        on(who),
      );
      expect(rest.data.map((t) => t.id)).toEqual([funded.id]);
      expect(
        await stripe.customers.retrieveCashBalanceTransaction(customer.id, funded.id, {}, on(who)),
      ).toEqual(funded);
      const other = await stripe.customers.create({}, on(who));
      await expect(
        stripe.customers.retrieveCashBalanceTransaction(other.id, funded.id, {}, on(who)),
      ).rejects.toMatchObject({ statusCode: 404 });
      expect(
        (await stripe.customers.listCashBalanceTransactions(other.id, {}, on(who))).data,
      ).toEqual([]);

      const created = await events.event(
        'customer_cash_balance_transaction.created',
        who,
        (o: { id: string }) => o.id === funded.id,
      );
      expect(created.data.object).toEqual(funded);
      const available = await events.event(
        'cash_balance.funds_available',
        who,
        (o: Stripe.CashBalance) => o.customer === customer.id && o.available?.eur === 5000,
      );
      expect(available.data.object).toMatchObject({ object: 'cash_balance', livemode: false });
    }
  });

  it('settings[reconciliation_mode] reads back on the cash balance, set on the customer or the balance', async () => {
    for (const who of [null, account]) {
      const manual = await stripe.customers.create(
        { cash_balance: { settings: { reconciliation_mode: 'manual' } } },
        on(who),
      );
      const settings = async (id: string) =>
        (await stripe.customers.retrieveCashBalance(id, {}, on(who))).settings;
      expect(await settings(manual.id)).toEqual({
        reconciliation_mode: 'manual',
        using_merchant_default: false,
      });
      const updated = await stripe.customers.updateCashBalance(
        manual.id,
        { settings: { reconciliation_mode: 'merchant_default' } },
        on(who),
      );
      expect(schemaErrors(updated)).toEqual([]);
      expect(updated.settings).toEqual({
        reconciliation_mode: 'automatic',
        using_merchant_default: true,
      });
      await stripe.customers.update(
        manual.id,
        { cash_balance: { settings: { reconciliation_mode: 'manual' } }, name: 'M' },
        on(who),
      );
      expect(await settings(manual.id)).toEqual({
        reconciliation_mode: 'manual',
        using_merchant_default: false,
      });
      // The customer itself is unchanged by its balance's settings, and keeps its fields.
      expect(
        (await stripe.customers.retrieve(manual.id, {}, on(who))) as Stripe.Customer,
      ).toMatchObject({
        name: 'M',
      });
      await expect(
        stripe.customers.updateCashBalance(
          manual.id,
          { settings: { reconciliation_mode: 'sometimes' as never } },
          on(who),
        ),
      ).rejects.toMatchObject({ statusCode: 400, param: 'settings[reconciliation_mode]' });
    }
  });

  it('keeps each scope to its own cash balances, and refuses what Stripe refuses', async () => {
    const mine = await stripe.customers.create({});
    const theirs = await stripe.customers.create({}, on(account));
    const txn = await stripe.testHelpers.customers.fundCashBalance(
      theirs.id,
      {
        amount: 100,
        currency: 'usd',
      },
      on(account),
    );
    // Another scope's customer or transaction is "No such ...".
    await expect(stripe.customers.retrieveCashBalance(theirs.id)).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
    });
    await expect(
      stripe.testHelpers.customers.fundCashBalance(theirs.id, { amount: 1, currency: 'usd' }),
    ).rejects.toMatchObject({ statusCode: 404 });
    await expect(
      stripe.customers.retrieveCashBalanceTransaction(mine.id, txn.id),
    ).rejects.toMatchObject({ statusCode: 404 });
    // A currency no cash balance holds, a missing or non-positive amount.
    await expect(
      stripe.testHelpers.customers.fundCashBalance(mine.id, { amount: 100, currency: 'cad' }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'currency' });
    await expect(
      stripe.testHelpers.customers.fundCashBalance(mine.id, { currency: 'usd' } as never),
    ).rejects.toMatchObject({ statusCode: 400, param: 'amount' });
    await expect(
      stripe.testHelpers.customers.fundCashBalance(mine.id, { amount: 0, currency: 'usd' }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'amount' });
    // Test helpers answer only in test mode.
    const live = server.stripe(LIVE_KEY);
    const liveCustomer = await live.customers.create({});
    await expect(
      live.testHelpers.customers.fundCashBalance(liveCustomer.id, { amount: 1, currency: 'usd' }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });
});
