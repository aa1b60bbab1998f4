import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  endPaymentScenario,
  payableAccount,
  startPaymentScenario,
  type PaymentEvents,
} from '../helpers/payments.js';
import { schemaErrors } from '../helpers/schemas.js';
import { TEST_KEY, type TestServer } from '../helpers/server.js';

/**
 * ACH Direct Debit PaymentIntents confirmed on the server, as the embedded-components demo makes
 * its test payments: a us_bank_account payment method from account numbers, confirmed with
 * `mandate_data` (an offline acceptance) on a connected account, processing, then succeeded on
 * the server's clock; the mandate is the account's.
 */
describe('bank debits confirmed with mandate_data', () => {
  let server: TestServer;
  let events: PaymentEvents;
  let stripe: Stripe;
  let account: string;

  beforeAll(async () => {
    ({ server, events, stripe } = await startPaymentScenario({ manualClock: true }));
    account = (await payableAccount(server)).id;
  }, 60_000);
  afterAll(() => endPaymentScenario({ server, events }));

  const bankAccount = (as: Stripe.RequestOptions) =>
    stripe.paymentMethods.create(
      {
        type: 'us_bank_account',
        billing_details: { name: 'Odie', email: 'labradoodle@example.com' },
        us_bank_account: {
          account_holder_type: 'individual',
          account_number: '000123456789',
          routing_number: '110000000',
        },
      },
      as,
    );

  it('mandate_data on an ACH debit makes the mandate its charge names, retrievable at /v1/mandates', async () => {
    const as = { stripeAccount: account };
    const customer = await stripe.customers.create({ email: 'labradoodle@example.com' }, as);
    const pm = await bankAccount(as);
    const pi = await stripe.paymentIntents.create(
      {
        amount: 5000,
        currency: 'usd',
        payment_method: pm.id,
        customer: customer.id,
        description: 'Full grooming package',
        confirmation_method: 'manual',
        confirm: true,
        payment_method_types: ['us_bank_account'],
        mandate_data: { customer_acceptance: { type: 'offline' } },
      } as Stripe.PaymentIntentCreateParams,
      as,
    );
    // Typed in, the bank account is verified with microdeposits first (as Furever does it).
    expect(pi).toMatchObject({
      status: 'requires_action',
      next_action: {
        type: 'verify_with_microdeposits',
        verify_with_microdeposits: { microdeposit_type: 'descriptor_code' },
      },
    });
    const verified = await stripe.paymentIntents.verifyMicrodeposits(
      pi.id,
      { descriptor_code: 'SM11AA' },
      as,
    );
    expect(verified.status).toBe('processing');
    const charge = await stripe.charges.retrieve(verified.latest_charge as string, {}, as);
    const mandateId = charge.payment_method_details?.us_bank_account?.mandate as string;
    expect(mandateId).toMatch(/^mandate_/);

    const mandate = await stripe.mandates.retrieve(mandateId, {}, as);
    expect(schemaErrors(mandate)).toEqual([]);
    expect(mandate).toMatchObject({
      object: 'mandate',
      payment_method: pm.id,
      status: 'active',
      type: 'multi_use',
      customer_acceptance: { type: 'offline', offline: {} },
      payment_method_details: { type: 'us_bank_account' },
    });
    // The connected account's, not the platform's.
    await expect(stripe.mandates.retrieve(mandateId)).rejects.toMatchObject({ statusCode: 404 });

    const res = await fetch(`${server.url}/v1/switchboard/clock/advance`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_KEY}` },
      body: new URLSearchParams({ by: '1m' }),
    });
    expect(res.status).toBe(200);
    expect((await stripe.paymentIntents.retrieve(pi.id, {}, as)).status).toBe('succeeded');
    await events.event('payment_intent.succeeded', account, (o: { id: string }) => o.id === pi.id);
  });

  it('a typed-in bank account waits for microdeposits: SM11AA verifies it and the debit starts; a wrong code is refused', async () => {
    const as = { stripeAccount: account };
    const confirmWith = async (pm: string) =>
      stripe.paymentIntents.create(
        {
          amount: 2500,
          currency: 'usd',
          payment_method: pm,
          confirm: true,
          payment_method_types: ['us_bank_account'],
        } as Stripe.PaymentIntentCreateParams,
        as,
      );
    const pi = await confirmWith((await bankAccount(as)).id);
    expect(schemaErrors(pi)).toEqual([]);
    const action = pi.next_action!.verify_with_microdeposits!;
    expect(action.arrival_date).toBeGreaterThan(pi.created);
    await events.event(
      'payment_intent.requires_action',
      account,
      (o: { id: string }) => o.id === pi.id,
    );
    await expect(
      stripe.paymentIntents.verifyMicrodeposits(pi.id, { descriptor_code: 'SM00XX' }, as),
    ).rejects.toMatchObject({
      code: 'payment_method_microdeposit_verification_descriptor_code_mismatch',
      param: 'descriptor_code',
    });
    await expect(
      stripe.paymentIntents.verifyMicrodeposits(pi.id, { amounts: [1, 2] }, as),
    ).rejects.toMatchObject({ code: 'payment_method_microdeposit_verification_amounts_mismatch' });

    // The hosted verification page takes the code too.
    const page = await fetch(action.hosted_verification_url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Verify your bank account');
    const posted = await fetch(action.hosted_verification_url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ descriptor_code: 'sm11aa' }),
    });
    expect(await posted.text()).toContain('Bank account verified');
    expect((await stripe.paymentIntents.retrieve(pi.id, {}, as)).status).toBe('processing');

    // Stripe's test methods are verified already; amounts [10, 11] exceed the attempts.
    expect((await confirmWith('pm_usBankAccount_success')).status).toBe('processing');
    const other = await confirmWith((await bankAccount(as)).id);
    await expect(
      stripe.paymentIntents.verifyMicrodeposits(other.id, { amounts: [10, 11] }, as),
    ).rejects.toMatchObject({ code: 'payment_method_microdeposit_verification_attempts_exceeded' });
    expect(await stripe.paymentIntents.retrieve(other.id, {}, as)).toMatchObject({
      status: 'requires_payment_method',
      last_payment_error: { code: 'payment_method_microdeposit_verification_attempts_exceeded' },
    });
    await events.event(
      'payment_intent.payment_failed',
      account,
      (o: { id: string }) => o.id === other.id,
    );
  });

  it('an online acceptance needs its online details; a card takes no mandate_data', async () => {
    const as = { stripeAccount: account };
    const pm = await bankAccount(as);
    await expect(
      stripe.paymentIntents.create(
        {
          amount: 1000,
          currency: 'usd',
          payment_method: pm.id,
          confirm: true,
          payment_method_types: ['us_bank_account'],
          mandate_data: { customer_acceptance: { type: 'online' } },
        } as Stripe.PaymentIntentCreateParams,
        as,
      ),
    ).rejects.toMatchObject({
      statusCode: 400,
      param: 'mandate_data[customer_acceptance][online]',
    });
    await expect(
      stripe.paymentIntents.create(
        {
          amount: 1000,
          currency: 'usd',
          payment_method: 'pm_card_visa',
          confirm: true,
          payment_method_types: ['card'],
          mandate_data: {
            customer_acceptance: {
              type: 'online',
              online: { ip_address: '203.0.113.7', user_agent: 'test' },
            },
          },
        } as Stripe.PaymentIntentCreateParams,
        as,
      ),
    ).rejects.toMatchObject({ statusCode: 400, param: 'mandate_data' });
  });
});
