import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentEvents } from '../helpers/payments.js';
import {
  cardFee,
  ledger,
  payableAccount,
  publishableKey,
  usd,
  endPaymentScenario,
  startPaymentScenario,
} from '../helpers/payments.js';
import { schemaErrors } from '../helpers/schemas.js';
import type { TestServer } from '../helpers/server.js';

const DAY = 86_400_000;

/**
 * Two of issue 19's Connect flows, whole, as a marketplace runs them with the official `stripe`
 * package: separate charges and transfers (a platform charge funding transfers to two accounts
 * with `source_transaction` and `transfer_group`), and the Charges API paid with tokens that the
 * browser made with the publishable key (as Stripe.js does), `on_behalf_of` a connected account.
 * Each checks the objects, every balance and every event at a verifying receiver.
 */
describe('Connect flows: separate charges and transfers, tokens and on_behalf_of', () => {
  let server: TestServer;
  let events: PaymentEvents;
  let stripe: Stripe;

  beforeAll(
    async () => ({ server, events, stripe } = await startPaymentScenario({ manualClock: true })),
  );
  afterAll(() => endPaymentScenario({ server, events }));

  it('separate charges and transfers: one charge funds two transfers with source_transaction, linked by transfer_group', async () => {
    const restaurant = await payableAccount(server, 'custom');
    const courier = await payableAccount(server);
    const platformBefore = await usd(stripe);
    const pi = await stripe.paymentIntents.create({
      amount: 10_000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      transfer_group: 'ORDER_95',
    });
    expect(pi).toMatchObject({ status: 'succeeded', transfer_group: 'ORDER_95' });
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge).toMatchObject({ transfer_group: 'ORDER_95', status: 'succeeded' });
    expect(charge.transfer ?? null).toBeNull();

    // The charge's funds are pending, the platform has none available: source_transaction lets
    // the transfers go ahead, their funds following the charge's.
    expect(platformBefore.available).toBe(0);
    await expect(
      stripe.transfers.create({ amount: 7000, currency: 'usd', destination: restaurant.id }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'balance_insufficient' });
    const toRestaurant = await stripe.transfers.create({
      amount: 7000,
      currency: 'usd',
      destination: restaurant.id,
      transfer_group: 'ORDER_95',
      source_transaction: charge.id,
    });
    const toCourier = await stripe.transfers.create({
      amount: 2000,
      currency: 'usd',
      destination: courier.id,
      transfer_group: 'ORDER_95',
      source_transaction: charge.id,
      metadata: { leg: 'delivery' },
    });
    for (const [t, account, amount] of [
      [toRestaurant, restaurant.id, 7000],
      [toCourier, courier.id, 2000],
    ] as const) {
      expect(schemaErrors(t)).toEqual([]);
      expect(t).toMatchObject({
        object: 'transfer',
        amount,
        destination: account,
        source_transaction: charge.id,
        transfer_group: 'ORDER_95',
        reversed: false,
      });
      // The destination's payment, in the account.
      const payment = await stripe.charges.retrieve(
        t.destination_payment as string,
        {},
        { stripeAccount: account },
      );
      expect(schemaErrors(payment)).toEqual([]);
      expect(payment).toMatchObject({ amount, source_transfer: t.id, status: 'succeeded' });
      expect(await ledger(stripe, account)).toEqual([['payment', amount, 0, payment.id]]);
      expect(await usd(stripe, account)).toEqual({ available: 0, pending: amount });
    }
    expect(toCourier.metadata).toEqual({ leg: 'delivery' });

    // What is left of the charge (1,000) is all a further transfer can take.
    await expect(
      stripe.transfers.create({
        amount: 1001,
        currency: 'usd',
        destination: courier.id,
        source_transaction: charge.id,
      }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'insufficient_funds', param: 'amount' });
    // A charge that is not captured funds nothing.
    const held = await stripe.paymentIntents.create({
      amount: 3000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      capture_method: 'manual',
    });
    await expect(
      stripe.transfers.create({
        amount: 100,
        currency: 'usd',
        destination: courier.id,
        source_transaction: held.latest_charge as string,
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'source_transaction' });

    // transfer_group links the charge and its transfers.
    const group = await stripe.transfers.list({ transfer_group: 'ORDER_95' });
    expect(group.data.map((t) => t.id)).toEqual([toCourier.id, toRestaurant.id]);
    const charges = await stripe.charges.list({ transfer_group: 'ORDER_95' });
    expect(charges.data.map((c) => c.id)).toEqual([charge.id]);

    // The platform keeps the rest, less Stripe's fee, pending with the charge.
    expect((await ledger(stripe)).slice(0, 3)).toEqual([
      ['transfer', -2000, 0, toCourier.id],
      ['transfer', -7000, 0, toRestaurant.id],
      ['charge', 10_000, cardFee(10_000), charge.id],
    ]);
    expect(await usd(stripe)).toEqual({
      available: 0,
      pending: platformBefore.pending + 10_000 - cardFee(10_000) - 9000,
    });

    await events.event<Stripe.PaymentIntent>(
      'payment_intent.succeeded',
      null,
      (p) => p.id === pi.id,
    );
    await events.event<Stripe.Charge>('charge.succeeded', null, (c) => c.id === charge.id);
    for (const t of [toRestaurant, toCourier])
      await events.event<Stripe.Transfer>('transfer.created', null, (x) => x.id === t.id);
    // Transfers are the platform's: the accounts get no transfer events.
    await events.none('transfer.created', restaurant.id);
    await events.none('transfer.created', courier.id);

    // When the charge's funds become available, so do the transfers'.
    server.clock!.advance(2 * DAY + 1000);
    await events.event<Stripe.Balance>('balance.available', restaurant.id, (b) =>
      b.available.some((e) => e.currency === 'usd' && e.amount === 7000),
    );
    await events.event<Stripe.Balance>('balance.available', courier.id, (b) =>
      b.available.some((e) => e.currency === 'usd' && e.amount === 2000),
    );
    expect(await usd(stripe, restaurant.id)).toEqual({ available: 7000, pending: 0 });
    expect(await usd(stripe, courier.id)).toEqual({ available: 2000, pending: 0 });
    await expect
      .poll(async () => (await usd(stripe)).available)
      .toBe(platformBefore.available + 10_000 - cardFee(10_000) - 9000);
  });

  it('the Charges API with tokens made by the publishable key, on_behalf_of a connected account', async () => {
    const account = await payableAccount(server);
    const platformBefore = await usd(stripe);
    // The browser: Stripe.js with the platform's publishable key.
    const browser = server.stripe(await publishableKey(server));
    const card = { number: '4242424242424242', exp_month: '12', exp_year: '2034', cvc: '123' };
    const token = await browser.tokens.create({ card });
    expect(schemaErrors(token)).toEqual([]);
    expect(token).toMatchObject({
      object: 'token',
      type: 'card',
      used: false,
      livemode: false,
      card: {
        object: 'card',
        brand: 'Visa',
        last4: '4242',
        exp_year: 2034,
        cvc_check: 'unchecked',
      },
    });
    // The publishable key makes tokens, never charges.
    await expect(
      browser.charges.create({ amount: 1000, currency: 'usd', source: token.id }),
    ).rejects.toMatchObject({ code: 'secret_key_required' });

    // The server: a destination charge settled by the connected account (on_behalf_of).
    const charge = await stripe.charges.create({
      amount: 5000,
      currency: 'usd',
      source: token.id,
      on_behalf_of: account.id,
      transfer_data: { destination: account.id },
      application_fee_amount: 500,
      transfer_group: 'ride_9',
      description: 'Ride 9',
    });
    expect(schemaErrors(charge)).toEqual([]);
    expect(charge).toMatchObject({
      status: 'succeeded',
      on_behalf_of: account.id,
      transfer_data: { destination: account.id },
      transfer_group: 'ride_9',
      application_fee_amount: 500,
      source: { object: 'card', last4: '4242', brand: 'Visa' },
    });
    // A token pays once.
    await expect(
      stripe.charges.create({ amount: 1000, currency: 'usd', source: token.id }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'source' });
    const used = await stripe.tokens.retrieve(token.id);
    expect(used.used).toBe(true);

    // A direct charge: Stripe.js made the token as the account (stripeAccount), the server
    // charges it as the account, with a platform fee.
    const accountToken = await browser.tokens.create(
      { card: { ...card, number: '5555555555554444' } },
      { stripeAccount: account.id },
    );
    // The platform's tokens are not the account's, nor the other way round.
    const platformToken = await browser.tokens.create({ card });
    await expect(
      stripe.charges.create(
        { amount: 1000, currency: 'usd', source: platformToken.id },
        { stripeAccount: account.id },
      ),
    ).rejects.toMatchObject({ code: 'resource_missing', param: 'source' });
    await expect(
      stripe.charges.create({ amount: 1000, currency: 'usd', source: accountToken.id }),
    ).rejects.toMatchObject({ code: 'resource_missing', param: 'source' });
    const direct = await stripe.charges.create(
      { amount: 3000, currency: 'usd', source: accountToken.id, application_fee_amount: 300 },
      { stripeAccount: account.id },
    );
    expect(schemaErrors(direct)).toEqual([]);
    expect(direct).toMatchObject({
      status: 'succeeded',
      application_fee_amount: 300,
      source: { brand: 'MasterCard', last4: '4444' },
    });

    // The account: the destination payment (paying the 5.00 fee) and the direct charge (paying
    // Stripe's fee and the 3.00 fee out of its full amount).
    const transfer = await stripe.transfers.retrieve(charge.transfer as string);
    expect(transfer).toMatchObject({ amount: 5000, transfer_group: 'ride_9' });
    expect(await ledger(stripe, account.id)).toEqual([
      ['charge', 3000, cardFee(3000) + 300, direct.id],
      ['payment', 5000, 500, transfer.destination_payment as string],
    ]);
    const directTxn = await stripe.balanceTransactions.retrieve(
      direct.balance_transaction as string,
      {},
      { stripeAccount: account.id },
    );
    expect(directTxn).toMatchObject({ amount: 3000, net: 3000 - cardFee(3000) - 300 });
    expect(directTxn.fee_details.map((d) => [d.type, d.amount])).toEqual([
      ['application_fee', 300],
      ['stripe_fee', cardFee(3000)],
    ]);
    expect(await usd(stripe, account.id)).toEqual({
      available: 0,
      pending: 5000 - 500 + 3000 - cardFee(3000) - 300,
    });
    expect(await usd(stripe)).toEqual({
      available: platformBefore.available,
      pending: platformBefore.pending + 500 - cardFee(5000) + 300,
    });

    await events.event<Stripe.Charge>('charge.succeeded', null, (c) => c.id === charge.id);
    await events.event<Stripe.Charge>('charge.succeeded', account.id, (c) => c.id === direct.id);
    for (const fee of [charge.application_fee, direct.application_fee])
      await events.event<Stripe.ApplicationFee>(
        'application_fee.created',
        null,
        (f) => f.id === fee,
      );
    await events.none('charge.succeeded', account.id, (c: Stripe.Charge) => c.id === charge.id);
  });
  it("a customer's cards: source on create and update, default_source, /sources", async () => {
    const account = await payableAccount(server);
    const as = { stripeAccount: account.id };
    // Stripe.js, as the account, makes the token; the platform's server saves it on a customer.
    const browser = server.stripe(await publishableKey(server));
    const token = await browser.tokens.create(
      { card: { number: '4242424242424242', exp_month: '12', exp_year: '2034', cvc: '123' } },
      as,
    );
    const customer = await stripe.customers.create(
      { email: 'jenny.rosen@example.com', source: token.id },
      as,
    );
    expect(schemaErrors(customer)).toEqual([]);
    expect(customer.default_source).toMatch(/^card_/);
    const visa = (await stripe.customers.retrieveSource(
      customer.id,
      customer.default_source as string,
      {},
      as,
    )) as Stripe.Card;
    expect(schemaErrors(visa)).toEqual([]);
    expect(visa).toMatchObject({
      object: 'card',
      brand: 'Visa',
      last4: '4242',
      customer: customer.id,
    });
    await events.event<Stripe.Customer>(
      'customer.created',
      account.id,
      (c) => c.id === customer.id && c.default_source === visa.id,
    );
    await events.event<Stripe.Card>('customer.source.created', account.id, (c) => c.id === visa.id);
    // The token was used; the account's card is not the platform's.
    await expect(stripe.customers.create({ source: token.id }, as)).rejects.toMatchObject({
      statusCode: 400,
      param: 'source',
    });
    await expect(stripe.customers.retrieveSource(customer.id, visa.id)).rejects.toMatchObject({
      statusCode: 404,
    });

    // A charge of the customer, without a source, is paid with the default source.
    const charge = await stripe.charges.create(
      { amount: 2500, currency: 'usd', customer: customer.id },
      as,
    );
    expect(charge).toMatchObject({ customer: customer.id, source: { id: visa.id, last4: '4242' } });
    await events.event<Stripe.Charge>('charge.succeeded', account.id, (c) => c.id === charge.id);

    // POST /v1/customers/{id}/sources adds a card; it does not become the default.
    const mastercard = (await stripe.customers.createSource(
      customer.id,
      { source: 'tok_mastercard', metadata: { label: 'work' } },
      as,
    )) as Stripe.Card;
    expect(mastercard).toMatchObject({ brand: 'MasterCard', metadata: { label: 'work' } });
    expect((await stripe.customers.retrieve(customer.id, {}, as)) as Stripe.Customer).toMatchObject(
      {
        default_source: visa.id,
      },
    );
    await events.event<Stripe.Card>(
      'customer.source.created',
      account.id,
      (c) => c.id === mastercard.id,
    );
    // A card that declines is not saved.
    await expect(
      stripe.customers.createSource(customer.id, { source: 'tok_chargeDeclined' }, as),
    ).rejects.toMatchObject({ statusCode: 402, code: 'card_declined' });

    // default_source picks one of the customer's cards, and only one of them.
    const updated = await stripe.customers.update(
      customer.id,
      { default_source: mastercard.id },
      as,
    );
    expect(updated.default_source).toBe(mastercard.id);
    const changed = await events.event<Stripe.Customer>(
      'customer.updated',
      account.id,
      (c) => c.id === customer.id && c.default_source === mastercard.id,
    );
    expect(changed.data.previous_attributes).toEqual({ default_source: visa.id });
    const other = await stripe.customers.create({ source: 'tok_visa' }, as);
    await expect(
      stripe.customers.update(customer.id, { default_source: other.default_source as string }, as),
    ).rejects.toMatchObject({ statusCode: 400, param: 'default_source', code: 'missing' });

    // source on update replaces the default source, which is deleted.
    const replaced = await stripe.customers.update(customer.id, { source: 'tok_amex' }, as);
    const amex = replaced.default_source as string;
    expect(amex).toMatch(/^card_/);
    await events.event<Stripe.Card>(
      'customer.source.deleted',
      account.id,
      (c) => c.id === mastercard.id,
    );
    await events.event<Stripe.Card>('customer.source.created', account.id, (c) => c.id === amex);
    const list = await stripe.customers.listSources(customer.id, { object: 'card' }, as);
    expect(list.data.map((c) => c.id)).toEqual([amex, visa.id]);
    expect(
      (await stripe.customers.listSources(customer.id, { object: 'bank_account' }, as)).data,
    ).toEqual([]);

    // A card's details and metadata update; deleting the default source makes the other default.
    const renamed = (await stripe.customers.updateSource(
      customer.id,
      visa.id,
      { name: 'Jenny Rosen', exp_year: '2035', metadata: { label: 'home' } },
      as,
    )) as Stripe.Card;
    expect(renamed).toMatchObject({
      name: 'Jenny Rosen',
      exp_year: 2035,
      metadata: { label: 'home' },
    });
    await expect(
      stripe.customers.updateSource(customer.id, visa.id, { exp_month: 'x' }, as),
    ).rejects.toMatchObject({ statusCode: 400, param: 'exp_month' });
    const sourceUpdated = await events.event<Stripe.Card>(
      'customer.source.updated',
      account.id,
      (c) => c.id === visa.id,
    );
    expect(sourceUpdated.data.previous_attributes).toMatchObject({ name: null, exp_year: 2034 });
    const deleted = await stripe.customers.deleteSource(customer.id, amex, {}, as);
    expect(deleted).toMatchObject({ id: amex, deleted: true });
    expect(
      ((await stripe.customers.retrieve(customer.id, {}, as)) as Stripe.Customer).default_source,
    ).toBe(visa.id);
    await events.event<Stripe.Card>('customer.source.deleted', account.id, (c) => c.id === amex);
    // Nothing of this reached the platform's endpoint.
    await events.none('customer.source.created', null);
  });
});
