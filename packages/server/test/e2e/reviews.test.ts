import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  endPaymentScenario,
  payableAccount,
  startPaymentScenario,
  type PaymentEvents,
} from '../helpers/payments.js';
import { schemaErrors } from '../helpers/schemas.js';
import type { TestServer } from '../helpers/server.js';

/**
 * Radar reviews with the official `stripe` package: Stripe's elevated-risk test card
 * (`pm_card_riskLevelElevated`, 4000000000009235) succeeds and opens a review; approving or
 * refunding closes it. Every event reaches a receiver that verifies signatures and checks the
 * schemas.
 */
describe('Radar reviews', () => {
  let server: TestServer;
  let events: PaymentEvents;
  let stripe: Stripe;

  beforeAll(async () => ({ server, events, stripe } = await startPaymentScenario()));
  afterAll(() => endPaymentScenario({ server, events }));

  it('a payment with the elevated-risk test card opens a review that approving closes', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 4200,
      currency: 'usd',
      payment_method: 'pm_card_riskLevelElevated',
      confirm: true,
    });
    expect(pi.status).toBe('succeeded');
    expect(pi.review).toMatch(/^prv_/);
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge.review).toBe(pi.review);
    expect(charge.outcome).toMatchObject({
      type: 'manual_review',
      risk_level: 'elevated',
      reason: 'elevated_risk_level',
      network_status: 'approved_by_network',
    });
    const opened = await events.event<Stripe.Review>(
      'review.opened',
      null,
      (r) => r.id === pi.review,
    );
    expect(opened.data.object).toMatchObject({
      object: 'review',
      open: true,
      opened_reason: 'rule',
      reason: 'rule',
      closed_reason: null,
      charge: charge.id,
      payment_intent: pi.id,
    });
    const review = await stripe.reviews.retrieve(pi.review as string);
    expect(schemaErrors(review)).toEqual([]);
    expect((await stripe.reviews.list()).data.map((r) => r.id)).toContain(review.id);
    // An ordinary card opens none.
    const plain = await stripe.paymentIntents.create({
      amount: 100,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    expect(plain.review).toBeNull();

    const approved = await stripe.reviews.approve(review.id);
    expect(schemaErrors(approved)).toEqual([]);
    expect(approved).toMatchObject({ open: false, closed_reason: 'approved', reason: 'approved' });
    const closed = await events.event<Stripe.Review>(
      'review.closed',
      null,
      (r) => r.id === review.id,
    );
    expect(closed.data.previous_attributes).toEqual({
      open: true,
      closed_reason: null,
      reason: 'rule',
    });
    // The list shows open reviews only, as Stripe's does; a closed review is not approved again.
    expect((await stripe.reviews.list()).data.map((r) => r.id)).not.toContain(review.id);
    await expect(stripe.reviews.approve(review.id)).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining('already been closed'),
    });
    await expect(stripe.reviews.retrieve('prv_missing')).rejects.toMatchObject({
      statusCode: 404,
    });
  });

  it("refunding a charge under review closes it: refunded, or refunded_as_fraud; in the charge's account", async () => {
    const account = await payableAccount(server);
    const as = { stripeAccount: account.id };
    // The test card's number, on the Charges API, on a connected account (a direct charge).
    const pm = await stripe.paymentMethods.create(
      {
        type: 'card',
        card: { number: '4000000000009235', exp_month: 12, exp_year: 2034, cvc: '123' },
      },
      as,
    );
    const pi = await stripe.paymentIntents.create(
      { amount: 3000, currency: 'usd', payment_method: pm.id, confirm: true },
      as,
    );
    await events.event<Stripe.Review>('review.opened', account.id, (r) => r.id === pi.review);
    // The account's review is its own.
    await expect(stripe.reviews.retrieve(pi.review as string)).rejects.toMatchObject({
      statusCode: 404,
    });
    await stripe.refunds.create({ payment_intent: pi.id, reason: 'fraudulent' }, as);
    const closed = await events.event<Stripe.Review>(
      'review.closed',
      account.id,
      (r) => r.id === pi.review,
    );
    expect(closed.data.object).toMatchObject({ open: false, closed_reason: 'refunded_as_fraud' });

    const charge = await stripe.charges.create({
      amount: 1500,
      currency: 'usd',
      source: 'tok_riskLevelElevated',
    });
    expect(charge.review).toMatch(/^prv_/);
    await stripe.refunds.create({ charge: charge.id, amount: 500 });
    expect(await stripe.reviews.retrieve(charge.review as string)).toMatchObject({
      open: false,
      closed_reason: 'refunded',
      reason: 'refunded',
    });
    await events.event<Stripe.Review>('review.closed', null, (r) => r.id === charge.review);
    // A second refund closes nothing more.
    await stripe.refunds.create({ charge: charge.id });
    await new Promise((r) => setTimeout(r, 200));
    const closes = events
      .of('review.closed', null)
      .filter((e) => (e.data.object as Stripe.Review).id === charge.review);
    expect(closes).toHaveLength(1);
  });
});
