import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  endPaymentScenario,
  payableAccount,
  startPaymentScenario,
  usd,
  type PaymentEvents,
} from '../helpers/payments.js';
import { schemaErrors } from '../helpers/schemas.js';
import type { TestServer } from '../helpers/server.js';

const DAY = 86_400_000;

/**
 * Top-ups with the official `stripe` package on a manual clock: a top-up is pending until its
 * bank transfer arrives (`--payout-arrival`, a day by default), then succeeds with its funds
 * pending for `--funds-available-after` (two days), or fails from Stripe's failing test bank
 * accounts. Every event reaches a receiver that verifies signatures and checks the schemas.
 */
describe('top-ups', () => {
  let server: TestServer;
  let events: PaymentEvents;
  let stripe: Stripe;

  beforeAll(
    async () => ({ server, events, stripe } = await startPaymentScenario({ manualClock: true })),
  );
  afterAll(() => endPaymentScenario({ server, events }));

  it('a top-up succeeds when its bank transfer arrives: funds pending, then available', async () => {
    const before = await usd(stripe);
    const topup = await stripe.topups.create({
      amount: 5000,
      currency: 'usd',
      description: 'Float for payouts',
      metadata: { batch: '7' },
      statement_descriptor: 'FLOAT',
      transfer_group: 'group_7',
    });
    expect(schemaErrors(topup)).toEqual([]);
    expect(topup).toMatchObject({
      object: 'topup',
      amount: 5000,
      currency: 'usd',
      status: 'pending',
      balance_transaction: null,
      description: 'Float for payouts',
      metadata: { batch: '7' },
      statement_descriptor: 'FLOAT',
      transfer_group: 'group_7',
      source: { object: 'source', type: 'ach_debit', ach_debit: { last4: '6789' } },
    });
    expect(topup.id).toMatch(/^tu_/);
    expect(topup.expected_availability_date).toBe(
      Math.floor((server.clock!.now() + 3 * DAY) / 1000),
    );
    await events.event<Stripe.Topup>('topup.created', null, (t) => t.id === topup.id);
    expect(await usd(stripe)).toEqual(before);

    server.clock!.advance(DAY + 1000);
    const succeeded = await events.event<Stripe.Topup>(
      'topup.succeeded',
      null,
      (t) => t.id === topup.id,
    );
    expect(succeeded.data.object).toMatchObject({ status: 'succeeded' });
    const read = await stripe.topups.retrieve(topup.id, { expand: ['balance_transaction'] });
    expect(read.status).toBe('succeeded');
    expect(read.balance_transaction).toMatchObject({
      object: 'balance_transaction',
      type: 'topup',
      reporting_category: 'topup',
      amount: 5000,
      fee: 0,
      net: 5000,
      source: topup.id,
      status: 'pending',
    });
    expect(await usd(stripe)).toEqual({
      available: before.available,
      pending: before.pending + 5000,
    });

    server.clock!.advance(2 * DAY + 1000);
    await events.event<Stripe.Balance>('balance.available', null, (b) =>
      b.available.some((e) => e.currency === 'usd' && e.amount === before.available + 5000),
    );
    expect(await usd(stripe)).toEqual({ available: before.available + 5000, pending: 0 });
    const txn = await stripe.balanceTransactions.retrieve(
      (read.balance_transaction as Stripe.BalanceTransaction).id,
    );
    expect(txn.status).toBe('available');

    // Only the description and metadata change; Stripe has no topup.updated event.
    const updated = await stripe.topups.update(topup.id, {
      description: 'Float, December',
      metadata: { batch: '', month: '12' },
    });
    expect(updated).toMatchObject({ description: 'Float, December', metadata: { month: '12' } });
    expect((await stripe.topups.retrieve(topup.id)).metadata).toEqual({ month: '12' });
    await events.none('topup.updated', null);
    // A succeeded top-up is no longer canceled.
    await expect(stripe.topups.cancel(topup.id)).rejects.toMatchObject({
      statusCode: 400,
      code: 'topup_not_cancelable',
    });
  });

  it("a connected account's top-up from a failing test bank account fails and moves nothing", async () => {
    const account = await payableAccount(server);
    const as = { stripeAccount: account.id };
    const before = await usd(stripe, account.id);
    const topup = await stripe.topups.create(
      { amount: 2500, currency: 'usd', source: 'btok_us_verified_noAccount' },
      as,
    );
    expect(topup.source).toMatchObject({ ach_debit: { last4: '1116' } });
    await events.event<Stripe.Topup>('topup.created', account.id, (t) => t.id === topup.id);
    server.clock!.advance(DAY + 1000);
    const failed = await events.event<Stripe.Topup>(
      'topup.failed',
      account.id,
      (t) => t.id === topup.id,
    );
    expect(failed.data.object).toMatchObject({
      status: 'failed',
      failure_code: 'no_account',
      balance_transaction: null,
    });
    expect(await usd(stripe, account.id)).toEqual(before);
    // The account's top-ups are its own: the platform reaches none of them.
    await expect(stripe.topups.retrieve(topup.id)).rejects.toMatchObject({ statusCode: 404 });
    const listed = await stripe.topups.list({ status: 'failed' }, as);
    expect(listed.data.map((t) => t.id)).toEqual([topup.id]);
    expect((await stripe.topups.list({ status: 'failed' })).data).toEqual([]);
  });

  it('a pending top-up is canceled and never arrives', async () => {
    const topup = await stripe.topups.create({ amount: 700, currency: 'usd' });
    const canceled = await stripe.topups.cancel(topup.id);
    expect(schemaErrors(canceled)).toEqual([]);
    expect(canceled.status).toBe('canceled');
    await events.event<Stripe.Topup>('topup.canceled', null, (t) => t.id === topup.id);
    const before = await usd(stripe);
    server.clock!.advance(DAY + 1000);
    await events.none('topup.succeeded', null, (t: Stripe.Topup) => t.id === topup.id);
    expect(await usd(stripe)).toEqual(before);
    expect((await stripe.topups.retrieve(topup.id)).status).toBe('canceled');
    const amounts = await stripe.topups.list({ amount: { lt: 1000 } });
    expect(amounts.data.map((t) => t.id)).toEqual([topup.id]);
  });

  it('refuses a source that is not one of the test bank accounts, naming it', async () => {
    await expect(
      stripe.topups.create({ amount: 100, currency: 'usd', source: 'src_nope' }),
    ).rejects.toMatchObject({ statusCode: 404, param: 'source', message: /src_nope/ });
    await expect(stripe.topups.create({ amount: 0, currency: 'usd' })).rejects.toMatchObject({
      statusCode: 400,
      param: 'amount',
    });
  });
});
