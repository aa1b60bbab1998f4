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

  it('refuses to delete a customer with a cash balance, even at 0, and deletes one never funded', async () => {
    const funded = await stripe.customers.create({ name: 'Funded' });
    await stripe.testHelpers.customers.fundCashBalance(funded.id, {
      amount: 1000,
      currency: 'jpy',
    });
    const refused = await stripe.customers
      .del(funded.id)
      .catch((e: Stripe.errors.StripeError) => e);
    expect(refused).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400 });
    expect((refused as Stripe.errors.StripeError).message).toContain('cash balance');
    expect(await stripe.customers.retrieve(funded.id)).not.toHaveProperty('deleted');
    // Spent to 0 by a PaymentIntent paid from the balance: still not deletable.
    const intent = await waitingIntent(funded.id, 1000, null);
    expect(intent.status).toBe('succeeded');
    expect((await stripe.customers.retrieveCashBalance(funded.id)).available).toEqual({ jpy: 0 });
    await expect(stripe.customers.del(funded.id)).rejects.toMatchObject({ statusCode: 400 });
    const never = await stripe.customers.create({ name: 'Never funded' });
    expect(await stripe.customers.del(never.id)).toMatchObject({ id: never.id, deleted: true });
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

  it('funding_instructions gives each customer the same virtual bank account per transfer type', async () => {
    for (const who of [null, account]) {
      const customer = await stripe.customers.create({}, on(who));
      const other = await stripe.customers.create({}, on(who));
      const ask = (id: string, params: Stripe.CustomerCreateFundingInstructionsParams) =>
        stripe.customers.createFundingInstructions(id, params, on(who));
      const cases: Array<[Stripe.CustomerCreateFundingInstructionsParams, string, string[]]> = [
        [
          {
            currency: 'eur',
            funding_type: 'bank_transfer',
            bank_transfer: { type: 'eu_bank_transfer', eu_bank_transfer: { country: 'FR' } },
          },
          'FR',
          ['iban'],
        ],
        [
          {
            currency: 'gbp',
            funding_type: 'bank_transfer',
            bank_transfer: { type: 'gb_bank_transfer' },
          },
          'GB',
          ['sort_code'],
        ],
        [
          {
            currency: 'jpy',
            funding_type: 'bank_transfer',
            bank_transfer: { type: 'jp_bank_transfer' },
          },
          'JP',
          ['zengin'],
        ],
        [
          {
            currency: 'mxn',
            funding_type: 'bank_transfer',
            bank_transfer: { type: 'mx_bank_transfer' },
          },
          'MX',
          ['spei'],
        ],
        [
          {
            currency: 'usd',
            funding_type: 'bank_transfer',
            bank_transfer: { type: 'us_bank_transfer' },
          },
          'US',
          ['aba', 'swift'],
        ],
      ];
      for (const [params, country, types] of cases) {
        const made = await ask(customer.id, params);
        expect(schemaErrors(made)).toEqual([]);
        expect(made).toMatchObject({
          object: 'funding_instructions',
          currency: params.currency,
          funding_type: 'bank_transfer',
          livemode: false,
          bank_transfer: { country, type: params.bank_transfer.type },
        });
        expect(made.bank_transfer.financial_addresses.map((a) => a.type)).toEqual(types);
        // The same each time for the customer; another customer's differ.
        expect(await ask(customer.id, params)).toEqual(made);
        expect((await ask(other.id, params)).bank_transfer.financial_addresses).not.toEqual(
          made.bank_transfer.financial_addresses,
        );
      }
      const iban = (await ask(customer.id, cases[0]![0])).bank_transfer.financial_addresses[0]!
        .iban!;
      expect(iban).toMatchObject({ country: 'FR', bic: expect.any(String) });
      expect(iban.iban).toMatch(/^FR\d{2}\d{18}$/);
      const us = await ask(customer.id, {
        ...cases[4]![0],
        bank_transfer: { type: 'us_bank_transfer', requested_address_types: ['aba'] as never },
      });
      expect(us.bank_transfer.financial_addresses.map((a) => a.type)).toEqual(['aba']);
      // The older name the official CLI's fixture sends stands for the transfer type.
      const older = await ask(customer.id, {
        ...cases[2]![0],
        bank_transfer: { type: 'jp_bank_account' as never },
      });
      expect(older).toEqual(await ask(customer.id, cases[2]![0]));
      // What Stripe refuses: a currency the transfer type does not move, an EU transfer
      // without its country, an address type the transfer does not offer.
      await expect(ask(customer.id, { ...cases[1]![0], currency: 'usd' })).rejects.toMatchObject({
        statusCode: 400,
        param: 'currency',
      });
      await expect(
        ask(customer.id, { ...cases[0]![0], bank_transfer: { type: 'eu_bank_transfer' } }),
      ).rejects.toMatchObject({
        statusCode: 400,
        param: 'bank_transfer[eu_bank_transfer][country]',
      });
      await expect(
        ask(customer.id, {
          ...cases[1]![0],
          bank_transfer: { type: 'gb_bank_transfer', requested_address_types: ['iban'] },
        }),
      ).rejects.toMatchObject({
        statusCode: 400,
        param: 'bank_transfer[requested_address_types][0]',
      });
    }
  });

  /** A confirmed customer_balance PaymentIntent of `customer` for `amount` jpy. */
  const waitingIntent = (customer: string, amount: number, who: string | null) =>
    stripe.paymentIntents.create(
      {
        amount,
        currency: 'jpy',
        customer,
        payment_method_types: ['customer_balance'],
        payment_method_data: { type: 'customer_balance' },
        payment_method_options: {
          customer_balance: {
            funding_type: 'bank_transfer',
            bank_transfer: { type: 'jp_bank_transfer' },
          },
        },
        confirm: true,
      } as Stripe.PaymentIntentCreateParams,
      on(who),
    );
  const remaining = (pi: Stripe.PaymentIntent) =>
    pi.next_action?.display_bank_transfer_instructions?.amount_remaining;
  const fundJpy = (customer: string, amount: number, who: string | null, reference?: string) =>
    stripe.testHelpers.customers.fundCashBalance(
      customer,
      { amount, currency: 'jpy', ...(reference ? { reference } : {}) },
      on(who),
    );

  it('a customer_balance PaymentIntent waits for a bank transfer, is partially funded, then succeeds', async () => {
    for (const who of [null, account]) {
      const customer = await stripe.customers.create({}, on(who));
      const pi = await waitingIntent(customer.id, 20000, who);
      expect(schemaErrors(pi)).toEqual([]);
      expect(pi).toMatchObject({
        status: 'requires_action',
        payment_method_types: ['customer_balance'],
        payment_method_options: {
          customer_balance: {
            funding_type: 'bank_transfer',
            bank_transfer: { type: 'jp_bank_transfer' },
          },
        },
        next_action: {
          type: 'display_bank_transfer_instructions',
          display_bank_transfer_instructions: {
            amount_remaining: 20000,
            currency: 'jpy',
            type: 'jp_bank_transfer',
            hosted_instructions_url: null,
          },
        },
      });
      expect(pi.next_action!.display_bank_transfer_instructions!.reference).toMatch(
        /^[A-Z0-9]{12}$/,
      );
      // The instructions are the customer's own virtual bank account.
      const instructions = await stripe.customers.createFundingInstructions(
        customer.id,
        {
          currency: 'jpy',
          funding_type: 'bank_transfer',
          bank_transfer: { type: 'jp_bank_transfer' },
        },
        on(who),
      );
      expect(pi.next_action!.display_bank_transfer_instructions!.financial_addresses).toEqual(
        instructions.bank_transfer.financial_addresses,
      );
      expect(
        (await stripe.paymentMethods.retrieve(pi.payment_method as string, {}, on(who))).type,
      ).toBe('customer_balance');
      await events.event(
        'payment_intent.requires_action',
        who,
        (o: { id: string }) => o.id === pi.id,
      );

      // Half comes: applied at once (automatic reconciliation), the intent waits for the rest.
      await fundJpy(customer.id, 10000, who);
      const half = await stripe.paymentIntents.retrieve(pi.id, {}, on(who));
      expect(half.status).toBe('requires_action');
      expect(remaining(half)).toBe(10000);
      const partial = await events.event(
        'payment_intent.partially_funded',
        who,
        (o: Stripe.PaymentIntent) => o.id === pi.id,
      );
      expect(remaining(partial.data.object)).toBe(10000);
      expect(
        (await stripe.customers.retrieveCashBalance(customer.id, {}, on(who))).available,
      ).toEqual({
        jpy: 0,
      });

      // The rest comes, with more than needed: the intent is paid, the rest stays in the balance.
      await fundJpy(customer.id, 15000, who);
      const paid = await stripe.paymentIntents.retrieve(pi.id, {}, on(who));
      expect(paid).toMatchObject({
        status: 'succeeded',
        amount_received: 20000,
        next_action: null,
      });
      const charge = await stripe.charges.retrieve(paid.latest_charge as string, {}, on(who));
      expect(charge).toMatchObject({
        amount: 20000,
        currency: 'jpy',
        paid: true,
        status: 'succeeded',
        customer: customer.id,
        payment_intent: pi.id,
        payment_method_details: { type: 'customer_balance' },
      });
      expect(schemaErrors(charge)).toEqual([]);
      await events.event('payment_intent.succeeded', who, (o: { id: string }) => o.id === pi.id);
      await events.event('charge.succeeded', who, (o: { id: string }) => o.id === charge.id);
      expect(
        (await stripe.customers.retrieveCashBalance(customer.id, {}, on(who))).available,
      ).toEqual({
        jpy: 5000,
      });
      const txns = await stripe.customers.listCashBalanceTransactions(customer.id, {}, on(who));
      expect(txns.data.map((t) => [t.type, t.net_amount, t.ending_balance])).toEqual([
        ['applied_to_payment', -10000, 5000],
        ['funded', 15000, 15000],
        ['applied_to_payment', -10000, 0],
        ['funded', 10000, 10000],
      ]);
      expect(txns.data[0]!.applied_to_payment).toEqual({ payment_intent: pi.id });
      for (const t of txns.data) expect(schemaErrors(t)).toEqual([]);

      // With enough in the balance already, confirming pays at once.
      const next = await waitingIntent(customer.id, 5000, who);
      expect(next).toMatchObject({ status: 'succeeded', amount_received: 5000 });
      await events.none(
        'payment_intent.requires_action',
        who,
        (o: { id: string }) => o.id === next.id,
      );
    }
  });

  it('refuses customer_balance PaymentIntents Stripe refuses, naming the parameter', async () => {
    const customer = await stripe.customers.create({});
    const base: Record<string, unknown> = {
      amount: 1000,
      currency: 'jpy',
      customer: customer.id,
      payment_method_types: ['customer_balance'],
      payment_method_data: { type: 'customer_balance' },
      confirm: true,
    };
    const tryCreate = (extra: Record<string, unknown>) =>
      stripe.paymentIntents.create({ ...base, ...extra } as never);
    const jp = {
      funding_type: 'bank_transfer' as const,
      bank_transfer: { type: 'jp_bank_transfer' as const },
    };
    await expect(stripe.paymentIntents.create(base as never)).rejects.toMatchObject({
      statusCode: 400,
      param: 'payment_method_options[customer_balance][funding_type]',
    });
    await expect(
      tryCreate({
        customer: undefined,
        payment_method_options: { customer_balance: jp },
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'customer' });
    await expect(
      tryCreate({
        currency: 'usd',
        payment_method_options: { customer_balance: jp },
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'currency' });
    // Other payment method types' options are not modelled: refused by name.
    await expect(
      tryCreate({
        payment_method_options: {
          customer_balance: jp,
          us_bank_account: { verification_method: 'instant' },
        },
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'payment_method_options[us_bank_account]' });
    // A card PaymentIntent cannot take the balance.
    const card = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'jpy',
      customer: customer.id,
    });
    await expect(stripe.paymentIntents.applyCustomerBalance(card.id)).rejects.toMatchObject({
      statusCode: 400,
      code: 'payment_intent_unexpected_state',
    });
  });

  it('apply_customer_balance pays a waiting PaymentIntent from the balance, in part or in full, in manual reconciliation', async () => {
    for (const who of [null, account]) {
      const customer = await stripe.customers.create(
        { cash_balance: { settings: { reconciliation_mode: 'manual' } } },
        on(who),
      );
      const pi = await waitingIntent(customer.id, 3000, who);
      await expect(
        stripe.paymentIntents.applyCustomerBalance(pi.id, { amount: 1000 }, on(who)),
      ).rejects.toMatchObject({ statusCode: 400, param: 'amount', code: 'insufficient_funds' });
      await fundJpy(customer.id, 5000, who);
      // Manual: the funds stay in the balance until applied.
      expect(remaining(await stripe.paymentIntents.retrieve(pi.id, {}, on(who)))).toBe(3000);
      await expect(
        stripe.paymentIntents.applyCustomerBalance(pi.id, { amount: 4000 }, on(who)),
      ).rejects.toMatchObject({ statusCode: 400, param: 'amount' });
      await expect(
        stripe.paymentIntents.applyCustomerBalance(pi.id, { currency: 'usd' }, on(who)),
      ).rejects.toMatchObject({ statusCode: 400, param: 'currency' });
      const part = await stripe.paymentIntents.applyCustomerBalance(
        pi.id,
        { amount: 1000, currency: 'jpy' },
        on(who),
      );
      expect(schemaErrors(part)).toEqual([]);
      expect(part.status).toBe('requires_action');
      expect(remaining(part)).toBe(2000);
      await events.event(
        'payment_intent.partially_funded',
        who,
        (o: Stripe.PaymentIntent) => o.id === pi.id,
      );
      // Without an amount: what the intent still needs.
      const full = await stripe.paymentIntents.applyCustomerBalance(pi.id, {}, on(who));
      expect(full).toMatchObject({ status: 'succeeded', amount_received: 3000 });
      expect(
        (await stripe.customers.retrieveCashBalance(customer.id, {}, on(who))).available,
      ).toEqual({
        jpy: 2000,
      });
      // Canceled while it waits, an intent gives back what was applied to it.
      // (Confirmed, it takes the 2000 the balance holds, in manual reconciliation too.)
      const other = await waitingIntent(customer.id, 5000, who);
      expect(remaining(other)).toBe(3000);
      await stripe.paymentIntents.cancel(other.id, {}, on(who));
      const back = await stripe.customers.listCashBalanceTransactions(
        customer.id,
        { limit: 1 },
        on(who),
      );
      expect(back.data[0]).toMatchObject({
        type: 'unapplied_from_payment',
        net_amount: 2000,
        ending_balance: 2000,
        unapplied_from_payment: { payment_intent: other.id },
      });
      expect(schemaErrors(back.data[0])).toEqual([]);
      // Another scope's intent is "No such payment_intent".
      await expect(
        stripe.paymentIntents.applyCustomerBalance(pi.id, {}, on(who ? null : account)),
      ).rejects.toMatchObject({ statusCode: 404 });
    }
  });

  it('automatic reconciliation pays the PaymentIntent whose reference the transfer names first, then the oldest', async () => {
    const customer = await stripe.customers.create({});
    const older = await waitingIntent(customer.id, 1000, null);
    const middle = await waitingIntent(customer.id, 1000, null);
    const named = await waitingIntent(customer.id, 1000, null);
    const reference = named.next_action!.display_bank_transfer_instructions!.reference!;
    await fundJpy(customer.id, 1500, null, reference);
    const now = async (pi: Stripe.PaymentIntent) => stripe.paymentIntents.retrieve(pi.id);
    expect((await now(named)).status).toBe('succeeded');
    expect(remaining(await now(older))).toBe(500);
    expect(remaining(await now(middle))).toBe(1000);
    await fundJpy(customer.id, 2000, null);
    expect((await now(older)).status).toBe('succeeded');
    expect((await now(middle)).status).toBe('succeeded');
    expect((await stripe.customers.retrieveCashBalance(customer.id)).available).toEqual({
      jpy: 500,
    });
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
