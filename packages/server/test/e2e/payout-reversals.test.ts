import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payableAccount, PaymentEvents, usd } from '../helpers/payments.js';
import { schemaErrors } from '../helpers/schemas.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * `POST /v1/payouts/{id}/reverse` with the official `stripe` package: a connected account's paid
 * payout to a US bank account is reversed by a payout that debits the bank account and returns
 * the funds to the account's balance. Payouts arrive after 1 s here (`--payout-arrival`).
 */
describe('payout reversals', () => {
  let server: TestServer;
  let events: PaymentEvents;
  let stripe: Stripe;

  beforeAll(async () => {
    server = await startTestServer({ config: { payoutArrivalMs: '1s' } });
    events = await PaymentEvents.start(server);
    stripe = server.stripe();
  });
  afterAll(async () => {
    events.checkAll();
    await server.close();
    await events.close();
  });

  it("reverses a connected account's paid payout: the reversing payout returns the funds", async () => {
    const account = await payableAccount(server, 'custom');
    const as = { stripeAccount: account.id };
    await stripe.accounts.update(account.id, {
      settings: { payouts: { schedule: { interval: 'manual' } } },
    });
    await stripe.charges.create({
      amount: 5000,
      currency: 'usd',
      source: 'tok_bypassPending',
      transfer_data: { destination: account.id },
    });
    const before = await usd(stripe, account.id);
    const payout = await stripe.payouts.create({ amount: 3000, currency: 'usd' }, as);
    // A pending payout is canceled, not reversed.
    await expect(stripe.payouts.reverse(payout.id, {}, as)).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining('/v1/payouts/:id/cancel'),
    });
    await events.event<Stripe.Payout>('payout.paid', account.id, (p) => p.id === payout.id);
    expect((await usd(stripe, account.id)).available).toBe(before.available - 3000);

    const reversal = await stripe.payouts.reverse(payout.id, { metadata: { why: 'wrong' } }, as);
    expect(schemaErrors(reversal)).toEqual([]);
    expect(reversal).toMatchObject({
      object: 'payout',
      amount: 3000,
      currency: 'usd',
      status: 'pending',
      original_payout: payout.id,
      reversed_by: null,
      destination: payout.destination,
      metadata: { why: 'wrong' },
    });
    expect(reversal.id).not.toBe(payout.id);
    const original = await stripe.payouts.retrieve(payout.id, {}, as);
    expect(original).toMatchObject({ status: 'paid', reversed_by: reversal.id });
    // The account's events, read back through the API (deliveries are checked at the end).
    const sent = (await stripe.events.list({ limit: 5 }, as)).data;
    const updated = sent.find(
      (e) => e.type === 'payout.updated' && (e.data.object as Stripe.Payout).id === payout.id,
    );
    expect(updated?.data.previous_attributes).toEqual({ reversed_by: null });
    expect(
      sent.some(
        (e) => e.type === 'payout.created' && (e.data.object as Stripe.Payout).id === reversal.id,
      ),
    ).toBe(true);
    // The funds are back in the available balance, with a balance transaction of the reversal.
    expect((await usd(stripe, account.id)).available).toBe(before.available);
    const txn = await stripe.balanceTransactions.retrieve(
      reversal.balance_transaction as string,
      {},
      as,
    );
    expect(txn).toMatchObject({ type: 'payout', amount: 3000, source: reversal.id });
    await events.event<Stripe.Payout>('payout.paid', account.id, (p) => p.id === reversal.id);

    // Neither the payout nor its reversal is reversed again.
    await expect(stripe.payouts.reverse(payout.id, {}, as)).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining('already been reversed'),
    });
    await expect(stripe.payouts.reverse(reversal.id, {}, as)).rejects.toMatchObject({
      statusCode: 400,
    });
    // Another scope reaches nothing.
    await expect(stripe.payouts.reverse(payout.id)).rejects.toMatchObject({ statusCode: 404 });
  });

  it("refuses the platform's own payouts, as Stripe reverses only connected accounts'", async () => {
    await stripe.charges.create({ amount: 5000, currency: 'usd', source: 'tok_bypassPending' });
    const platform = (await stripe.accounts.retrieveCurrent()).id;
    await stripe.accounts.createExternalAccount(platform, { external_account: 'btok_us' });
    const payout = await stripe.payouts.create({ amount: 1000, currency: 'usd' });
    await events.event<Stripe.Payout>('payout.paid', null, (p) => p.id === payout.id);
    await expect(stripe.payouts.reverse(payout.id)).rejects.toMatchObject({
      statusCode: 400,
      message: 'Only payouts for connected accounts to US bank accounts may be reversed.',
    });
  });
});
