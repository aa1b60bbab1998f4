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

/**
 * `POST /v1/payment_intents/{id}/increment_authorization` with the official `stripe` package: an
 * authorization (capture_method=manual) that asked for incremental authorization
 * (`request_incremental_authorization=if_available`) on a card that supports it is raised, then
 * captured in full; the events reach a receiver that verifies signatures and checks the schemas.
 */
describe('incremental authorization', () => {
  let server: TestServer;
  let events: PaymentEvents;
  let stripe: Stripe;

  beforeAll(async () => ({ server, events, stripe } = await startPaymentScenario()));
  afterAll(() => endPaymentScenario({ server, events }));

  const authorize = (
    params: Partial<Stripe.PaymentIntentCreateParams> = {},
    options: Stripe.RequestOptions = {},
  ) =>
    stripe.paymentIntents.create(
      {
        amount: 1000,
        currency: 'usd',
        payment_method: 'pm_card_visa',
        capture_method: 'manual',
        confirm: true,
        payment_method_options: { card: { request_incremental_authorization: 'if_available' } },
        ...params,
      },
      options,
    );
  const cardOf = async (pi: Stripe.PaymentIntent) =>
    (await stripe.charges.retrieve(pi.latest_charge as string)).payment_method_details!.card!;

  it('an authorization with incremental authorization available is raised, then captured in full', async () => {
    const pi = await authorize();
    expect(pi.status).toBe('requires_capture');
    expect(pi.payment_method_options?.card).toMatchObject({
      request_incremental_authorization: 'if_available',
    });
    expect((await cardOf(pi)).incremental_authorization).toEqual({ status: 'available' });

    const raised = await stripe.paymentIntents.incrementAuthorization(pi.id, {
      amount: 1500,
      description: 'Room service added',
      metadata: { night: '2' },
      statement_descriptor: 'HOTEL EXTRA',
    });
    expect(schemaErrors(raised)).toEqual([]);
    expect(raised).toMatchObject({
      status: 'requires_capture',
      amount: 1500,
      amount_capturable: 1500,
      description: 'Room service added',
      metadata: { night: '2' },
      statement_descriptor: 'HOTEL EXTRA',
    });
    const updated = await events.event<Stripe.PaymentIntent>(
      'payment_intent.amount_capturable_updated',
      null,
      (p) => p.id === pi.id && p.amount === 1500,
    );
    expect(updated.data.previous_attributes).toMatchObject({
      amount: 1000,
      amount_capturable: 1000,
    });
    const chargeEvent = await events.event<Stripe.Charge>(
      'charge.updated',
      null,
      (c) => c.id === pi.latest_charge,
    );
    expect(chargeEvent.data.object).toMatchObject({ amount: 1500, captured: false });
    expect((await cardOf(pi)).amount_authorized).toBe(1500);

    // Only upwards.
    await expect(
      stripe.paymentIntents.incrementAuthorization(pi.id, { amount: 1400 }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'amount' });

    const captured = await stripe.paymentIntents.capture(pi.id);
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 1500 });
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge).toMatchObject({ amount: 1500, amount_captured: 1500, captured: true });
    // Once captured, it is no longer incremented.
    await expect(
      stripe.paymentIntents.incrementAuthorization(pi.id, { amount: 2000 }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
  });

  it("raises a destination charge's transfer and fee with the authorization", async () => {
    const account = await payableAccount(server);
    const pi = await authorize({
      amount: 2000,
      application_fee_amount: 200,
      transfer_data: { destination: account.id },
      payment_method: 'pm_card_bypassPending',
    });
    const raised = await stripe.paymentIntents.incrementAuthorization(pi.id, {
      amount: 3000,
      application_fee_amount: 300,
    });
    expect(raised).toMatchObject({ amount: 3000, application_fee_amount: 300 });
    const before = await usd(stripe, account.id);
    await stripe.paymentIntents.capture(pi.id);
    // The account gets the new amount less the new fee.
    expect((await usd(stripe, account.id)).available).toBe(before.available + 3000 - 300);

    const partial = await authorize({
      amount: 2000,
      transfer_data: { destination: account.id, amount: 1500 },
      payment_method: 'pm_card_bypassPending',
    });
    const more = await stripe.paymentIntents.incrementAuthorization(partial.id, {
      amount: 2600,
      transfer_data: { amount: 2100 },
    });
    expect(more.transfer_data).toMatchObject({ destination: account.id, amount: 2100 });
    const beforePartial = await usd(stripe, account.id);
    await stripe.paymentIntents.capture(partial.id);
    expect((await usd(stripe, account.id)).available).toBe(beforePartial.available + 2100);
  });

  it('refuses intents that are not eligible, and more than 10 increments', async () => {
    const unrequested = await authorize({ payment_method_options: {} });
    expect((await cardOf(unrequested)).incremental_authorization).toBeUndefined();
    const never = await authorize({
      payment_method_options: { card: { request_incremental_authorization: 'never' } },
    });
    const unionpay = await authorize({ payment_method: 'pm_card_unionpay' });
    expect((await cardOf(unionpay)).incremental_authorization).toEqual({ status: 'unavailable' });
    for (const pi of [unrequested, never, unionpay])
      await expect(
        stripe.paymentIntents.incrementAuthorization(pi.id, { amount: 5000 }),
      ).rejects.toMatchObject({
        statusCode: 400,
        message: expect.stringContaining('not eligible'),
      });
    const automatic = await authorize({ capture_method: 'automatic' });
    expect((await cardOf(automatic)).incremental_authorization).toEqual({ status: 'unavailable' });
    await expect(
      stripe.paymentIntents.incrementAuthorization(automatic.id, { amount: 5000 }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });

    const pi = await authorize();
    for (let i = 1; i <= 10; i++)
      await stripe.paymentIntents.incrementAuthorization(pi.id, { amount: 1000 + i * 100 });
    await expect(
      stripe.paymentIntents.incrementAuthorization(pi.id, { amount: 5000 }),
    ).rejects.toMatchObject({ statusCode: 400, message: expect.stringContaining('maximum of 10') });
    // Another scope reaches nothing.
    const account = await payableAccount(server);
    await expect(
      stripe.paymentIntents.incrementAuthorization(
        pi.id,
        { amount: 5000 },
        { stripeAccount: account.id },
      ),
    ).rejects.toMatchObject({ statusCode: 404 });
  });
});
