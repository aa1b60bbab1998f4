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
import { LIVE_KEY, type TestServer } from '../helpers/server.js';

/**
 * Refunds and application fee refunds, on the platform and in connected accounts: full and
 * partial, `reverse_transfer` and `refund_application_fee` on destination charges, a direct
 * charge's fee given back, a refund that fails. Funds are made available at once
 * (pm_card_bypassPending) so that every balance is checked to the cent.
 */
describe('refunds', () => {
  let server: TestServer;
  let events: PaymentEvents;
  let stripe: Stripe;

  beforeAll(async () => ({ server, events, stripe } = await startPaymentScenario()));
  afterAll(() => endPaymentScenario({ server, events }));

  it('a destination charge with a fee, refunded in two parts with reverse_transfer and refund_application_fee', async () => {
    const account = await payableAccount(server);
    const platform0 = (await usd(stripe)).available;
    const pi = await stripe.paymentIntents.create({
      amount: 10_000,
      currency: 'usd',
      payment_method: 'pm_card_bypassPending',
      confirm: true,
      application_fee_amount: 1000,
      transfer_data: { destination: account.id },
    });
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    const platform1 = platform0 + 10_000 - cardFee(10_000) - 10_000 + 1000;
    expect((await usd(stripe)).available).toBe(platform1);
    expect(await usd(stripe, account.id)).toEqual({ available: 9000, pending: 0 });

    const part = await stripe.refunds.create({
      payment_intent: pi.id,
      amount: 4000,
      reverse_transfer: true,
      refund_application_fee: true,
      reason: 'requested_by_customer',
      metadata: { order: 'o_1' },
    });
    expect(schemaErrors(part)).toEqual([]);
    expect(part).toMatchObject({
      object: 'refund',
      amount: 4000,
      charge: charge.id,
      payment_intent: pi.id,
      status: 'succeeded',
      reason: 'requested_by_customer',
      metadata: { order: 'o_1' },
    });
    const reversal = await stripe.transfers.retrieveReversal(
      charge.transfer as string,
      part.transfer_reversal as string,
    );
    expect(reversal).toMatchObject({ amount: 4000, source_refund: part.id });
    expect(await stripe.transfers.retrieve(charge.transfer as string)).toMatchObject({
      amount_reversed: 4000,
      reversed: false,
    });
    const fee = await stripe.applicationFees.retrieve(charge.application_fee as string);
    expect(fee).toMatchObject({ amount_refunded: 400, refunded: false });
    expect(fee.refunds.data.map((r) => r.amount)).toEqual([400]);
    expect((await usd(stripe)).available).toBe(platform1 - 4000 + 4000 - 400);
    expect(await usd(stripe, account.id)).toEqual({ available: 9000 - 4000 + 400, pending: 0 });
    expect((await ledger(stripe, account.id)).map(([type, amount]) => [type, amount])).toEqual([
      ['application_fee_refund', 400],
      ['payment_refund', -4000],
      ['payment', 10_000],
    ]);
    expect(await stripe.charges.retrieve(charge.id)).toMatchObject({
      amount_refunded: 4000,
      refunded: false,
    });
    await events.event<Stripe.Charge>(
      'charge.refunded',
      null,
      (c) => c.amount_refunded === 4000 && c.id === charge.id,
    );
    await events.event<Stripe.Refund>('refund.created', null, (r) => r.id === part.id);
    await events.event<Stripe.Transfer>(
      'transfer.reversed',
      null,
      (t) => t.amount_reversed === 4000,
    );
    await events.event<Stripe.ApplicationFee>(
      'application_fee.refunded',
      null,
      (f) => f.id === fee.id,
    );

    // The rest: all of what is left of the transfer and the fee.
    const rest = await stripe.refunds.create({
      charge: charge.id,
      reverse_transfer: true,
      refund_application_fee: true,
    });
    expect(rest.amount).toBe(6000);
    expect(await stripe.charges.retrieve(charge.id)).toMatchObject({
      amount_refunded: 10_000,
      refunded: true,
    });
    expect(await stripe.applicationFees.retrieve(fee.id)).toMatchObject({
      amount_refunded: 1000,
      refunded: true,
    });
    expect(await stripe.transfers.retrieve(charge.transfer as string)).toMatchObject({
      amount_reversed: 10_000,
      reversed: true,
    });
    // The platform is out Stripe's fee; the account is back where it started.
    expect((await usd(stripe)).available).toBe(platform0 - cardFee(10_000));
    expect(await usd(stripe, account.id)).toEqual({ available: 0, pending: 0 });
    await expect(stripe.refunds.create({ charge: charge.id })).rejects.toMatchObject({
      code: 'charge_already_refunded',
    });

    expect((await stripe.refunds.list({ charge: charge.id })).data.map((r) => r.id)).toEqual([
      rest.id,
      part.id,
    ]);
    expect((await stripe.refunds.list({ payment_intent: pi.id })).data).toHaveLength(2);
    // The Charges API's routes to a charge's refunds (no longer in stripe-node).
    const listed = (await stripe.rawRequest('GET', `/v1/charges/${charge.id}/refunds`)) as {
      data: Stripe.Refund[];
    };
    expect(listed.data.map((r) => r.id)).toEqual([rest.id, part.id]);
    expect(await stripe.rawRequest('GET', `/v1/charges/${charge.id}/refunds/${part.id}`)).toEqual(
      await stripe.refunds.retrieve(part.id),
    );
  });

  it('updates a refund (refund.updated, charge.refund.updated); a card refund cannot be canceled', async () => {
    const charge = await stripe.charges.create({
      amount: 1500,
      currency: 'usd',
      source: 'tok_bypassPending',
    });
    const refund = await stripe.refunds.create({ charge: charge.id, amount: 500 });
    const updated = await stripe.refunds.update(refund.id, { metadata: { note: 'late' } });
    expect(updated.metadata).toEqual({ note: 'late' });
    const e1 = await events.event<Stripe.Refund>('refund.updated', null, (r) => r.id === refund.id);
    expect(e1.data.previous_attributes).toEqual({ metadata: {} });
    await events.event<Stripe.Refund>('charge.refund.updated', null, (r) => r.id === refund.id);
    expect((await stripe.charges.retrieve(charge.id)).refunds!.data[0]!.metadata).toEqual({
      note: 'late',
    });
    await expect(stripe.refunds.cancel(refund.id)).rejects.toMatchObject({
      statusCode: 400,
      code: 'refund_cannot_be_canceled',
    });
    await expect(stripe.refunds.create({ charge: charge.id, amount: 1001 })).rejects.toMatchObject({
      statusCode: 400,
      param: 'amount',
      code: 'amount_too_large',
    });
    await expect(stripe.refunds.create({})).rejects.toMatchObject({ statusCode: 400 });
  });

  it('the expire test helper refuses a card refund, which never waits on the customer', async () => {
    const charge = await stripe.charges.create({
      amount: 800,
      currency: 'usd',
      source: 'tok_visa',
    });
    const refund = await stripe.refunds.create({ charge: charge.id });
    await expect(stripe.testHelpers.refunds.expire(refund.id)).rejects.toMatchObject({
      statusCode: 400,
      code: 'refund_cannot_be_expired',
      message: expect.stringContaining('has a status of succeeded'),
    });
    expect((await stripe.refunds.retrieve(refund.id)).status).toBe('succeeded');
    // Another scope reaches nothing; live keys have no test helpers.
    const account = await payableAccount(server);
    await expect(
      stripe.testHelpers.refunds.expire(refund.id, {}, { stripeAccount: account.id }),
    ).rejects.toMatchObject({ statusCode: 404 });
    await expect(
      server.stripe(LIVE_KEY).testHelpers.refunds.expire(refund.id),
    ).rejects.toMatchObject({ statusCode: 400, code: 'livemode_mismatch' });
  });

  it("a direct charge's refund gives the platform's fee back to the account", async () => {
    const account = await payableAccount(server);
    const platform0 = (await usd(stripe)).available;
    const charge = await stripe.charges.create(
      { amount: 5000, currency: 'usd', source: 'tok_bypassPending', application_fee_amount: 500 },
      { stripeAccount: account.id },
    );
    expect(await usd(stripe, account.id)).toEqual({
      available: 5000 - cardFee(5000) - 500,
      pending: 0,
    });
    expect((await usd(stripe)).available).toBe(platform0 + 500);

    const refund = await stripe.refunds.create(
      { charge: charge.id, refund_application_fee: true },
      { stripeAccount: account.id },
    );
    // The account refunds the whole charge and gets the fee back; Stripe keeps its own fee.
    expect(await usd(stripe, account.id)).toEqual({ available: -cardFee(5000), pending: 0 });
    expect((await usd(stripe)).available).toBe(platform0);
    await events.event<Stripe.Charge>('charge.refunded', account.id, (c) => c.id === charge.id);
    await events.event<Stripe.Refund>('refund.created', account.id, (r) => r.id === refund.id);
    const feeEvent = await events.event<Stripe.ApplicationFee>(
      'application_fee.refunded',
      null,
      (f) => f.id === charge.application_fee,
    );
    expect(feeEvent.data.previous_attributes).toMatchObject({
      amount_refunded: 0,
      refunded: false,
    });
    await events.none('refund.created', null, (r: Stripe.Refund) => r.id === refund.id);
    // The refund is the account's: the platform itself does not see it.
    await expect(stripe.refunds.retrieve(refund.id)).rejects.toMatchObject({ statusCode: 404 });
  });

  it('a destination charge refunded without reverse_transfer costs the platform, not the account', async () => {
    const account = await payableAccount(server);
    const platform0 = (await usd(stripe)).available;
    const charge = await stripe.charges.create({
      amount: 3000,
      currency: 'usd',
      source: 'tok_bypassPending',
      transfer_data: { destination: account.id, amount: 2500 },
    });
    await stripe.refunds.create({ charge: charge.id });
    expect((await usd(stripe)).available).toBe(platform0 + 3000 - cardFee(3000) - 2500 - 3000);
    expect(await usd(stripe, account.id)).toEqual({ available: 2500, pending: 0 });
    expect((await stripe.transfers.retrieve(charge.transfer as string)).amount_reversed).toBe(0);
  });

  it('a refund of a pm_card_refundFail charge succeeds, then fails and its funds return', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      payment_method: 'pm_card_refundFail',
      confirm: true,
    });
    const before = (await usd(stripe)).available;
    const refund = await stripe.refunds.create({ payment_intent: pi.id });
    expect(refund.status).toBe('succeeded');
    const failed = await events.event<Stripe.Refund>(
      'refund.failed',
      null,
      (r) => r.id === refund.id,
    );
    expect(failed.data.object).toMatchObject({
      status: 'failed',
      failure_reason: 'expired_or_canceled_card',
    });
    await events.event<Stripe.Refund>('refund.updated', null, (r) => r.id === refund.id);
    await events.event<Stripe.Refund>('charge.refund.updated', null, (r) => r.id === refund.id);
    expect(await stripe.refunds.retrieve(refund.id)).toMatchObject({ status: 'failed' });
    expect(await stripe.charges.retrieve(pi.latest_charge as string)).toMatchObject({
      amount_refunded: 0,
      refunded: false,
    });
    expect((await usd(stripe)).available).toBe(before);
    expect((await ledger(stripe)).slice(0, 2).map(([type, amount]) => [type, amount])).toEqual([
      ['refund_failure', 2000],
      ['refund', -2000],
    ]);
  });

  it('application fee refunds: create, list, retrieve, update', async () => {
    const account = await payableAccount(server);
    const charge = await stripe.charges.create({
      amount: 4000,
      currency: 'usd',
      source: 'tok_bypassPending',
      transfer_data: { destination: account.id },
      application_fee_amount: 400,
    });
    const feeId = charge.application_fee as string;
    const accountBefore = (await usd(stripe, account.id)).available;
    const refund = await stripe.applicationFees.createRefund(feeId, {
      amount: 150,
      metadata: { why: 'goodwill' },
    });
    expect(schemaErrors(refund)).toEqual([]);
    expect(refund).toMatchObject({
      object: 'fee_refund',
      amount: 150,
      fee: feeId,
      metadata: { why: 'goodwill' },
    });
    expect((await usd(stripe, account.id)).available).toBe(accountBefore + 150);
    const txn = await stripe.balanceTransactions.retrieve(refund.balance_transaction as string);
    expect(txn).toMatchObject({ type: 'application_fee_refund', amount: -150, source: refund.id });
    await events.event<Stripe.ApplicationFee>(
      'application_fee.refunded',
      null,
      (f) => f.id === feeId,
    );

    expect((await stripe.applicationFees.listRefunds(feeId)).data.map((r) => r.id)).toEqual([
      refund.id,
    ]);
    expect(await stripe.applicationFees.retrieveRefund(feeId, refund.id)).toEqual(refund);
    const updated = await stripe.applicationFees.updateRefund(feeId, refund.id, {
      metadata: { why: null as unknown as string, ticket: 't_9' },
    });
    expect(updated.metadata).toEqual({ ticket: 't_9' });
    await events.event<Stripe.FeeRefund>(
      'application_fee.refund.updated',
      null,
      (r) => r.id === refund.id,
    );
    expect((await stripe.applicationFees.retrieve(feeId)).refunds.data[0]!.metadata).toEqual({
      ticket: 't_9',
    });
    await expect(stripe.applicationFees.createRefund(feeId, { amount: 251 })).rejects.toMatchObject(
      {
        statusCode: 400,
        param: 'amount',
      },
    );
    await stripe.applicationFees.createRefund(feeId);
    expect(await stripe.applicationFees.retrieve(feeId)).toMatchObject({
      amount_refunded: 400,
      refunded: true,
    });
    await expect(stripe.applicationFees.createRefund(feeId)).rejects.toMatchObject({
      statusCode: 400,
    });
    await expect(
      stripe.applicationFees.retrieveRefund('fee_nosuchfee', refund.id),
    ).rejects.toMatchObject({ statusCode: 404 });
  });

  it("a transfer's reversal with refund_application_fee gives back the fee's share", async () => {
    const account = await payableAccount(server);
    const charge = await stripe.charges.create({
      amount: 2000,
      currency: 'usd',
      source: 'tok_bypassPending',
      transfer_data: { destination: account.id },
      application_fee_amount: 200,
    });
    const reversal = await stripe.transfers.createReversal(charge.transfer as string, {
      amount: 1000,
      refund_application_fee: true,
    });
    expect(reversal.amount).toBe(1000);
    expect(await stripe.applicationFees.retrieve(charge.application_fee as string)).toMatchObject({
      amount_refunded: 100,
    });
    expect(await usd(stripe, account.id)).toEqual({
      available: 2000 - 200 - 1000 + 100,
      pending: 0,
    });
    expect(
      (await stripe.transfers.listReversals(charge.transfer as string)).data.map((r) => r.id),
    ).toEqual([reversal.id]);
  });
});
