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

/**
 * Disputes as Stripe's test cards open them, lost and won with Stripe's test evidence, on a
 * connected account (a direct charge) and on the platform (a destination charge); inquiries;
 * early fraud warnings. Funds are available at once or checked as available balance, where the
 * dispute's withdrawal lands.
 */
describe('disputes', () => {
  let server: TestServer;
  let events: PaymentEvents;
  let stripe: Stripe;

  beforeAll(async () => ({ server, events, stripe } = await startPaymentScenario()));
  afterAll(() => endPaymentScenario({ server, events }));

  it("a direct charge's dispute is the connected account's, and is lost with losing_evidence", async () => {
    const account = await payableAccount(server);
    const as = { stripeAccount: account.id };
    const pi = await stripe.paymentIntents.create(
      { amount: 5000, currency: 'usd', payment_method: 'pm_card_createDispute', confirm: true },
      as,
    );
    expect(pi.status).toBe('succeeded');
    const [dispute] = (await stripe.disputes.list({ payment_intent: pi.id }, as)).data;
    expect(schemaErrors(dispute)).toEqual([]);
    expect(dispute).toMatchObject({
      object: 'dispute',
      amount: 5000,
      charge: pi.latest_charge,
      payment_intent: pi.id,
      reason: 'fraudulent',
      status: 'needs_response',
      is_charge_refundable: false,
      evidence_details: { has_evidence: false, submission_count: 0 },
    });
    expect(dispute!.balance_transactions.map((t) => [t.type, t.amount, t.fee])).toEqual([
      ['adjustment', -5000, 1500],
    ]);
    expect(await usd(stripe, account.id)).toEqual({
      available: -5000 - 1500,
      pending: 5000 - cardFee(5000),
    });
    expect(await stripe.charges.retrieve(pi.latest_charge as string, {}, as)).toMatchObject({
      disputed: true,
    });
    // Not the platform's: it does not see it, and nothing reaches its own endpoint.
    await expect(stripe.disputes.retrieve(dispute!.id)).rejects.toMatchObject({ statusCode: 404 });
    await events.event<Stripe.Dispute>(
      'charge.dispute.created',
      account.id,
      (d) => d.id === dispute!.id,
    );
    await events.event<Stripe.Dispute>(
      'charge.dispute.funds_withdrawn',
      account.id,
      (d) => d.id === dispute!.id,
    );
    await events.none('charge.dispute.created', null);
    await expect(stripe.refunds.create({ payment_intent: pi.id }, as)).rejects.toMatchObject({
      code: 'charge_disputed',
    });

    const submitted = await stripe.disputes.update(
      dispute!.id,
      { evidence: { uncategorized_text: 'losing_evidence', customer_name: 'Jenny Rosen' } },
      as,
    );
    expect(submitted).toMatchObject({
      status: 'under_review',
      evidence: { uncategorized_text: 'losing_evidence', customer_name: 'Jenny Rosen' },
      evidence_details: { has_evidence: true, submission_count: 1 },
    });
    const updated = await events.event<Stripe.Dispute>(
      'charge.dispute.updated',
      account.id,
      (d) => d.id === dispute!.id,
    );
    expect(updated.data.previous_attributes).toMatchObject({ status: 'needs_response' });
    const closed = await events.event<Stripe.Dispute>(
      'charge.dispute.closed',
      account.id,
      (d) => d.id === dispute!.id,
    );
    expect(closed.data.object.status).toBe('lost');
    expect(await stripe.disputes.retrieve(dispute!.id, {}, as)).toMatchObject({ status: 'lost' });
    await events.none('charge.dispute.funds_reinstated', account.id);
    expect((await usd(stripe, account.id)).available).toBe(-6500);
    await expect(
      stripe.disputes.update(dispute!.id, { evidence: { uncategorized_text: 'more' } }, as),
    ).rejects.toMatchObject({ statusCode: 400, param: 'evidence' });
  });

  it('a destination charge disputed on the platform, won with winning_evidence: the funds come back', async () => {
    const account = await payableAccount(server);
    const charge = await stripe.charges.create({
      amount: 8000,
      currency: 'usd',
      source: 'tok_createDispute',
      transfer_data: { destination: account.id },
      application_fee_amount: 800,
    });
    const [dispute] = (await stripe.disputes.list({ charge: charge.id })).data;
    expect(dispute).toMatchObject({ status: 'needs_response', amount: 8000 });
    const before = (await usd(stripe)).available;
    await events.event<Stripe.Dispute>(
      'charge.dispute.funds_withdrawn',
      null,
      (d) => d.id === dispute!.id,
    );

    await stripe.disputes.update(dispute!.id, {
      evidence: { uncategorized_text: 'winning_evidence', product_description: 'A ride' },
      metadata: { case: 'c_1' },
    });
    const closed = await events.event<Stripe.Dispute>(
      'charge.dispute.closed',
      null,
      (d) => d.id === dispute!.id,
    );
    expect(closed.data.object).toMatchObject({ status: 'won', metadata: { case: 'c_1' } });
    const reinstated = await events.event<Stripe.Dispute>(
      'charge.dispute.funds_reinstated',
      null,
      (d) => d.id === dispute!.id,
    );
    expect(reinstated.data.object.balance_transactions.map((t) => [t.amount, t.fee])).toEqual([
      [-8000, 1500],
      [8000, -1500],
    ]);
    expect((await usd(stripe)).available).toBe(before + 8000 + 1500);
    expect((await ledger(stripe)).slice(0, 2).map(([type, amount]) => [type, amount])).toEqual([
      ['adjustment', 8000],
      ['adjustment', -8000],
    ]);
    // The destination keeps its transfer; its balance saw no dispute.
    expect(await usd(stripe, account.id)).toEqual({ available: 0, pending: 8000 - 800 });
    await events.none('charge.dispute.created', account.id);
  });

  it('an inquiry takes no funds; closing it ends it (warning_closed)', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 100,
      currency: 'usd',
      payment_method: 'pm_card_createDisputeInquiry',
      confirm: true,
    });
    const before = await usd(stripe);
    const [inquiry] = (await stripe.disputes.list({ payment_intent: pi.id })).data;
    expect(inquiry).toMatchObject({
      status: 'warning_needs_response',
      is_charge_refundable: true,
      balance_transactions: [],
      payment_method_details: { card: { case_type: 'inquiry' } },
    });
    await events.event<Stripe.Dispute>('charge.dispute.created', null, (d) => d.id === inquiry!.id);
    await events.none(
      'charge.dispute.funds_withdrawn',
      null,
      (d: Stripe.Dispute) => d.id === inquiry!.id,
    );
    const closed = await stripe.disputes.close(inquiry!.id);
    expect(closed.status).toBe('warning_closed');
    await events.event<Stripe.Dispute>('charge.dispute.closed', null, (d) => d.id === inquiry!.id);
    expect(await usd(stripe)).toEqual(before);
    await expect(stripe.disputes.close(inquiry!.id)).rejects.toMatchObject({ statusCode: 400 });
  });

  it('an inquiry lost becomes a chargeback; a chargeback closed is lost', async () => {
    const charge = await stripe.charges.create({
      amount: 2000,
      currency: 'usd',
      source: 'tok_createDisputeInquiry',
    });
    const [inquiry] = (await stripe.disputes.list({ charge: charge.id })).data;
    const saved = await stripe.disputes.update(inquiry!.id, {
      evidence: { uncategorized_text: 'losing_evidence' },
      submit: false,
    });
    expect(saved).toMatchObject({
      status: 'warning_needs_response',
      evidence_details: { has_evidence: true, submission_count: 0 },
    });
    await stripe.disputes.update(inquiry!.id, { evidence: { customer_name: 'J. Rosen' } });
    const withdrawn = await events.event<Stripe.Dispute>(
      'charge.dispute.funds_withdrawn',
      null,
      (d) => d.id === inquiry!.id,
    );
    expect(withdrawn.data.object).toMatchObject({
      status: 'needs_response',
      payment_method_details: { card: { case_type: 'chargeback' } },
    });
    const lost = await stripe.disputes.close(inquiry!.id);
    expect(lost.status).toBe('lost');
    await events.event<Stripe.Dispute>(
      'charge.dispute.closed',
      null,
      (d) => d.status === 'lost' && d.id === inquiry!.id,
    );
  });

  it("Stripe's card numbers dispute too, and a charge's dispute is reached through the charge", async () => {
    const charge = await stripe.charges.create({
      amount: 3000,
      currency: 'usd',
      card: { number: '4000000000002685', exp_month: 12, exp_year: 2034, cvc: '123' },
    } as Stripe.ChargeCreateParams);
    const dispute = (await stripe.rawRequest(
      'GET',
      `/v1/charges/${charge.id}/dispute`,
    )) as Stripe.Dispute;
    expect(dispute).toMatchObject({ reason: 'product_not_received', charge: charge.id });
    const closed = (await stripe.rawRequest(
      'POST',
      `/v1/charges/${charge.id}/dispute/close`,
    )) as Stripe.Dispute;
    expect(closed).toMatchObject({ id: dispute.id, status: 'lost' });
    const plain = await stripe.charges.create({
      amount: 3000,
      currency: 'usd',
      source: 'tok_visa',
    });
    await expect(stripe.rawRequest('GET', `/v1/charges/${plain.id}/dispute`)).rejects.toMatchObject(
      { statusCode: 404 },
    );
  });

  it('an early fraud warning (pm_card_createIssuerFraudRecord)', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_createIssuerFraudRecord',
      confirm: true,
    });
    const event = await events.event<Stripe.Radar.EarlyFraudWarning>(
      'radar.early_fraud_warning.created',
      null,
      (w) => w.payment_intent === pi.id,
    );
    const warning = await stripe.radar.earlyFraudWarnings.retrieve(event.data.object.id);
    expect(schemaErrors(warning)).toEqual([]);
    expect(warning).toMatchObject({ actionable: true, charge: pi.latest_charge });
    expect(
      (await stripe.radar.earlyFraudWarnings.list({ charge: pi.latest_charge as string })).data,
    ).toHaveLength(1);
    expect((await stripe.disputes.list({ payment_intent: pi.id })).data).toEqual([]);
  });
});
