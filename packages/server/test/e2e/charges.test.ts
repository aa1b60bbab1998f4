import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentEvents } from '../helpers/payments.js';
import {
  cardFee,
  ledger,
  payableAccount,
  usd,
  endPaymentScenario,
  startPaymentScenario,
} from '../helpers/payments.js';
import { schemaErrors } from '../helpers/schemas.js';
import type { TestServer } from '../helpers/server.js';

const DAY = 86_400_000;

/**
 * The Charges API and application fees, as Connect platforms use them with the official `stripe`
 * package: tokens, capture later, on_behalf_of, destination charges (Charges API and
 * PaymentIntents) and direct charges with a platform fee. Each checks the objects, both balances
 * and every event at a verifying receiver.
 */
describe('charges and application fees', () => {
  let server: TestServer;
  let events: PaymentEvents;
  let stripe: Stripe;

  beforeAll(
    async () => ({ server, events, stripe } = await startPaymentScenario({ manualClock: true })),
  );
  afterAll(() => endPaymentScenario({ server, events }));

  it('charges a test token, with its balance transaction and charge.succeeded', async () => {
    const before = await usd(stripe);
    const charge = await stripe.charges.create({
      amount: 2000,
      currency: 'usd',
      source: 'tok_visa',
      description: 'Rocket ride',
      metadata: { ride: '1' },
      statement_descriptor_suffix: 'RIDE 1',
    });
    expect(schemaErrors(charge)).toEqual([]);
    expect(charge).toMatchObject({
      object: 'charge',
      amount: 2000,
      amount_captured: 2000,
      captured: true,
      paid: true,
      status: 'succeeded',
      description: 'Rocket ride',
      metadata: { ride: '1' },
      statement_descriptor_suffix: 'RIDE 1',
      payment_intent: null,
      source: { object: 'card', brand: 'Visa', last4: '4242' },
    });
    expect(charge.payment_method).toBe((charge.source as Stripe.Card).id);
    const txn = await stripe.balanceTransactions.retrieve(charge.balance_transaction as string);
    expect(txn).toMatchObject({
      type: 'charge',
      amount: 2000,
      fee: cardFee(2000),
      net: 2000 - cardFee(2000),
      source: charge.id,
      status: 'pending',
    });
    expect(await usd(stripe)).toEqual({
      available: before.available,
      pending: before.pending + 2000 - cardFee(2000),
    });
    await events.event<Stripe.Charge>('charge.succeeded', null, (c) => c.id === charge.id);
    expect(await stripe.charges.retrieve(charge.id)).toEqual(charge);
  });

  it('answers a declined token with a 402 and records the failed charge', async () => {
    const error = await stripe.charges
      .create({ amount: 1000, currency: 'usd', source: 'tok_chargeDeclined' })
      .catch((e: Stripe.errors.StripeCardError) => e);
    expect(error).toMatchObject({
      type: 'StripeCardError',
      statusCode: 402,
      code: 'card_declined',
      decline_code: 'generic_decline',
    });
    const id = (error as Stripe.errors.StripeCardError).charge!;
    expect(await stripe.charges.retrieve(id)).toMatchObject({
      status: 'failed',
      paid: false,
      failure_code: 'card_declined',
      balance_transaction: null,
    });
    await events.event<Stripe.Charge>('charge.failed', null, (c) => c.id === id);
  });

  it('authorizes with capture=false, captures part, and expires what is never captured', async () => {
    const held = await stripe.charges.create({
      amount: 3000,
      currency: 'usd',
      source: 'tok_mastercard',
      capture: false,
    });
    expect(held).toMatchObject({ captured: false, status: 'succeeded', balance_transaction: null });
    const captured = await stripe.charges.capture(held.id, { amount: 2500 });
    expect(schemaErrors(captured)).toEqual([]);
    expect(captured).toMatchObject({
      captured: true,
      amount_captured: 2500,
      amount_refunded: 500,
    });
    const txn = await stripe.balanceTransactions.retrieve(captured.balance_transaction as string);
    expect(txn).toMatchObject({ amount: 2500, fee: cardFee(2500) });
    const event = await events.event<Stripe.Charge>(
      'charge.captured',
      null,
      (c) => c.id === held.id,
    );
    expect(event.data.previous_attributes).toMatchObject({ captured: false, amount_captured: 0 });
    await expect(stripe.charges.capture(held.id)).rejects.toMatchObject({
      code: 'charge_already_captured',
    });

    const never = await stripe.charges.create({
      amount: 1000,
      currency: 'usd',
      source: 'tok_visa',
      capture: false,
    });
    server.clock!.advance(7 * DAY + 1000);
    await events.event<Stripe.Charge>('charge.expired', null, (c) => c.id === never.id);
    expect(await stripe.charges.retrieve(never.id)).toMatchObject({
      captured: false,
      refunded: true,
      amount_refunded: 1000,
    });
    await expect(stripe.charges.capture(never.id)).rejects.toMatchObject({
      code: 'charge_expired_for_capture',
    });
  });

  it("a PaymentIntent's authorization expires after 7 days or by the helper; canceling releases it", async () => {
    const authorize = () =>
      stripe.paymentIntents.create({
        amount: 2000,
        currency: 'usd',
        payment_method: 'pm_card_visa',
        capture_method: 'manual',
        confirm: true,
      });
    const [waited, helped, canceled] = [await authorize(), await authorize(), await authorize()];
    expect(waited.status).toBe('requires_capture');

    // Canceling releases the authorization: the charge is refunded, and never expires.
    const released = await stripe.paymentIntents.cancel(canceled.id);
    expect(released).toMatchObject({ status: 'canceled', amount_capturable: 0 });
    const refundedEvent = await events.event<Stripe.Charge>(
      'charge.refunded',
      null,
      (c) => c.id === canceled.latest_charge,
    );
    expect(schemaErrors(refundedEvent.data.object)).toEqual([]);
    expect(refundedEvent.data.object).toMatchObject({
      captured: false,
      refunded: true,
      amount_refunded: 2000,
    });
    const [refund] = (await stripe.refunds.list({ charge: canceled.latest_charge as string })).data;
    expect(refund).toMatchObject({ amount: 2000, balance_transaction: null, status: 'succeeded' });

    // Switchboard's helper ends one now, as the window's end does; only an open authorization.
    const expired = await stripe.rawRequest(
      'POST',
      `/v1/switchboard/charges/${helped.latest_charge as string}/expire`,
      {},
    );
    expect(expired).toMatchObject({ id: helped.latest_charge, refunded: true, captured: false });
    await expect(
      stripe.rawRequest(
        'POST',
        `/v1/switchboard/charges/${helped.latest_charge as string}/expire`,
        {},
      ),
    ).rejects.toMatchObject({ code: 'charge_not_expirable' });
    await expect(stripe.paymentIntents.retrieve(helped.id)).resolves.toMatchObject({
      status: 'canceled',
      cancellation_reason: 'automatic',
    });

    // The other one's 7 days pass on the server's clock.
    server.clock!.advance(7 * DAY + 1000);
    const expiredEvent = await events.event<Stripe.Charge>(
      'charge.expired',
      null,
      (c) => c.id === waited.latest_charge,
    );
    expect(schemaErrors(expiredEvent.data.object)).toEqual([]);
    const canceledEvent = await events.event<Stripe.PaymentIntent>(
      'payment_intent.canceled',
      null,
      (p) => p.id === waited.id,
    );
    expect(schemaErrors(canceledEvent.data.object)).toEqual([]);
    expect(canceledEvent.data.object).toMatchObject({
      status: 'canceled',
      cancellation_reason: 'automatic',
      amount_capturable: 0,
    });
    await expect(stripe.paymentIntents.capture(waited.id)).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
    });
    // Released before its window ended, the canceled one's charge did not expire.
    const list = await stripe.events.list({ type: 'charge.expired', limit: 100 });
    expect(list.data.map((e) => (e.data.object as Stripe.Charge).id)).not.toContain(
      canceled.latest_charge,
    );
  });

  it("charges a customer's default source or card, updates and lists charges", async () => {
    const customer = await stripe.customers.create({ email: 'rider@example.com' });
    await expect(
      stripe.charges.create({ amount: 1000, currency: 'usd', customer: customer.id }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'missing' });
    const charge = await stripe.charges.create({
      amount: 1200,
      currency: 'usd',
      customer: customer.id,
      source: 'tok_amex',
      transfer_group: 'ride_7',
    });
    expect(charge).toMatchObject({ customer: customer.id, source: { brand: 'American Express' } });

    const updated = await stripe.charges.update(charge.id, {
      description: 'Airport ride',
      metadata: { driver: 'd_1' },
      fraud_details: { user_report: 'safe' },
    });
    expect(updated).toMatchObject({
      description: 'Airport ride',
      metadata: { driver: 'd_1' },
      fraud_details: { user_report: 'safe' },
    });
    const event = await events.event<Stripe.Charge>(
      'charge.updated',
      null,
      (c) => c.id === charge.id,
    );
    expect(event.data.previous_attributes).toMatchObject({ description: null, metadata: {} });
    await expect(
      stripe.charges.update(charge.id, { transfer_group: 'another' }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'transfer_group' });

    expect((await stripe.charges.list({ customer: customer.id })).data.map((c) => c.id)).toEqual([
      charge.id,
    ]);
    expect((await stripe.charges.list({ transfer_group: 'ride_7' })).data.map((c) => c.id)).toEqual(
      [charge.id],
    );
  });

  it('refuses what Stripe refuses', async () => {
    const account = await payableAccount(server);
    // A fee needs a connected account: Stripe-Account or a destination.
    await expect(
      stripe.charges.create({
        amount: 1000,
        currency: 'usd',
        source: 'tok_visa',
        application_fee_amount: 100,
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'application_fee_amount' });
    await expect(
      stripe.charges.create(
        {
          amount: 1000,
          currency: 'usd',
          source: 'tok_visa',
          transfer_data: { destination: account.id },
        },
        { stripeAccount: account.id },
      ),
    ).rejects.toMatchObject({ statusCode: 400, code: 'stripe_account_not_allowed' });
    await expect(
      stripe.charges.create({
        amount: 1000,
        currency: 'usd',
        source: 'tok_visa',
        transfer_data: { destination: 'acct_nosuchaccount' },
      }),
    ).rejects.toMatchObject({ statusCode: 404 });
    await expect(stripe.charges.create({ amount: 1000, currency: 'usd' })).rejects.toMatchObject({
      statusCode: 400,
      param: 'source',
    });
    await expect(
      stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_nosuchtoken' }),
    ).rejects.toMatchObject({ statusCode: 404, param: 'source' });
    await expect(
      stripe.charges.create({ amount: 1000, currency: 'usd', customer: 'cus_nosuchcustomer' }),
    ).rejects.toMatchObject({ statusCode: 404, param: 'customer' });
  });

  it('destination charges with an application fee: PaymentIntents and the Charges API', async () => {
    const account = await payableAccount(server);
    const platformBefore = await usd(stripe);
    const pi = await stripe.paymentIntents.create({
      amount: 10_000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      application_fee_amount: 1230,
      transfer_data: { destination: account.id },
      on_behalf_of: account.id,
    });
    expect(pi.transfer_group).toBe(`group_${pi.id}`);
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(schemaErrors(charge)).toEqual([]);
    expect(charge).toMatchObject({
      application_fee_amount: 1230,
      transfer_group: `group_${pi.id}`,
      on_behalf_of: account.id,
      transfer_data: { destination: account.id, amount: null },
    });
    const transfer = await stripe.transfers.retrieve(charge.transfer as string);
    expect(transfer).toMatchObject({
      amount: 10_000,
      destination: account.id,
      source_transaction: charge.id,
      transfer_group: `group_${pi.id}`,
    });
    const fee = await stripe.applicationFees.retrieve(charge.application_fee as string);
    expect(schemaErrors(fee)).toEqual([]);
    expect(fee).toMatchObject({
      object: 'application_fee',
      amount: 1230,
      amount_refunded: 0,
      account: account.id,
      charge: transfer.destination_payment,
      originating_transaction: charge.id,
    });
    // The destination's payment: a charge in the account, paying the fee.
    const payment = await stripe.charges.retrieve(
      transfer.destination_payment as string,
      {},
      {
        stripeAccount: account.id,
      },
    );
    expect(schemaErrors(payment)).toEqual([]);
    expect(payment).toMatchObject({
      amount: 10_000,
      source_transfer: transfer.id,
      application_fee: fee.id,
    });
    expect(await ledger(stripe, account.id)).toEqual([['payment', 10_000, 1230, payment.id]]);
    expect((await ledger(stripe)).slice(0, 3)).toEqual([
      ['application_fee', 1230, 0, fee.id],
      ['transfer', -10_000, 0, transfer.id],
      ['charge', 10_000, cardFee(10_000), charge.id],
    ]);
    expect(await usd(stripe, account.id)).toEqual({ available: 0, pending: 10_000 - 1230 });
    expect(await usd(stripe)).toEqual({
      available: platformBefore.available,
      pending: platformBefore.pending + 1230 - cardFee(10_000),
    });
    expect(
      (await stripe.applicationFees.list({ charge: payment.id })).data.map((f) => f.id),
    ).toEqual([fee.id]);
    await events.event<Stripe.ApplicationFee>(
      'application_fee.created',
      null,
      (f) => f.id === fee.id,
    );
    await events.event<Stripe.Transfer>('transfer.created', null, (t) => t.id === transfer.id);
    await events.event<Stripe.Charge>('charge.succeeded', null, (c) => c.id === charge.id);
    await events.event<Stripe.PaymentIntent>(
      'payment_intent.succeeded',
      null,
      (p) => p.id === pi.id,
    );

    // The Charges API's older form, as the official CLI's application_fee.created fixture sends it.
    const customer = await stripe.customers.create({ description: '(created by Stripe CLI)' });
    const legacy = await stripe.charges.create({
      amount: 1000,
      currency: 'usd',
      source: 'tok_visa',
      customer: customer.id,
      destination: { account: account.id },
      application_fee_amount: 100,
    } as Stripe.ChargeCreateParams);
    expect(legacy).toMatchObject({
      transfer_data: { destination: account.id },
      transfer_group: `group_${legacy.id}`,
      application_fee_amount: 100,
    });
    expect(legacy.application_fee).toMatch(/^fee_/);
    await events.event<Stripe.ApplicationFee>(
      'application_fee.created',
      null,
      (f) => f.id === legacy.application_fee,
    );
    expect(await usd(stripe, account.id)).toEqual({ available: 0, pending: 10_000 - 1230 + 900 });

    // When the charges' funds become available, so do the transfers' and the fees'.
    server.clock!.advance(2 * DAY + 1000);
    await events.event<Stripe.Balance>('balance.available', account.id, (b) =>
      b.available.some((e) => e.amount === 10_000 - 1230 + 900),
    );
    expect(await usd(stripe, account.id)).toEqual({ available: 10_000 - 1230 + 900, pending: 0 });
    // The platform's funds are released by a task of their own.
    await expect
      .poll(
        async () =>
          (await stripe.balanceTransactions.retrieve(fee.balance_transaction as string)).status,
      )
      .toBe('available');
  });

  it('direct charges with a platform fee: the account pays it, the platform gets it', async () => {
    const account = await payableAccount(server);
    const platformBefore = await usd(stripe);
    const pi = await stripe.paymentIntents.create(
      {
        amount: 5000,
        currency: 'usd',
        payment_method: 'pm_card_visa',
        confirm: true,
        application_fee_amount: 500,
      },
      { stripeAccount: account.id },
    );
    const charge = await stripe.charges.retrieve(
      pi.latest_charge as string,
      {},
      {
        stripeAccount: account.id,
      },
    );
    expect(charge).toMatchObject({
      application: expect.stringMatching(/^ca_/),
      application_fee_amount: 500,
    });
    await expect(stripe.charges.retrieve(charge.id)).rejects.toMatchObject({ statusCode: 404 });
    const txn = await stripe.balanceTransactions.retrieve(
      charge.balance_transaction as string,
      {},
      {
        stripeAccount: account.id,
      },
    );
    expect(txn).toMatchObject({
      amount: 5000,
      fee: cardFee(5000) + 500,
      net: 5000 - cardFee(5000) - 500,
    });
    expect(txn.fee_details.map((d) => [d.type, d.amount])).toEqual([
      ['application_fee', 500],
      ['stripe_fee', cardFee(5000)],
    ]);
    const fee = await stripe.applicationFees.retrieve(charge.application_fee as string);
    expect(fee).toMatchObject({
      account: account.id,
      charge: charge.id,
      originating_transaction: null,
      amount: 500,
    });
    // An application fee is the platform's: its keys reach it while acting as the account too.
    await expect(
      stripe.applicationFees.retrieve(fee.id, {}, { stripeAccount: account.id }),
    ).resolves.toMatchObject({ id: fee.id });
    expect(await usd(stripe)).toEqual({
      available: platformBefore.available,
      pending: platformBefore.pending + 500,
    });
    expect(await usd(stripe, account.id)).toEqual({
      available: 0,
      pending: 5000 - cardFee(5000) - 500,
    });
    await events.event<Stripe.Charge>('charge.succeeded', account.id, (c) => c.id === charge.id);
    await events.event<Stripe.ApplicationFee>(
      'application_fee.created',
      null,
      (f) => f.id === fee.id,
    );
    await events.none('application_fee.created', account.id);

    // The Charges API with a token, as the account, with a fee.
    const direct = await stripe.charges.create(
      { amount: 2000, currency: 'usd', source: 'tok_visa', application_fee_amount: 200 },
      { stripeAccount: account.id },
    );
    expect(direct.application_fee).toMatch(/^fee_/);
    expect(await usd(stripe, account.id)).toEqual({
      available: 0,
      pending: 5000 - cardFee(5000) - 500 + 2000 - cardFee(2000) - 200,
    });
  });
});
