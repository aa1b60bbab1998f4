import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../dashboard/test/browser.js';
import { PaymentEvents, payableAccount, usd } from '../helpers/payments.js';
import { schemaErrors } from '../helpers/schemas.js';
import { startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';

/** Stripe's ACH Direct Debit fee: 0.8%, at most $5. */
const achFee = (amount: number) => Math.min(Math.round(amount * 0.008), 500);

/**
 * Checkout paid by ACH Direct Debit, a delayed-notification payment method, on the server's
 * manual clock: the session completes unpaid with its PaymentIntent processing, then the bank
 * answers (a few seconds later on the clock) and the session hears of it with
 * checkout.session.async_payment_succeeded or .async_payment_failed. Every event arrives verified
 * at the endpoint of its scope and validates against Stripe's schemas.
 */
describe('Checkout Sessions paid by bank debit (async payments)', () => {
  let server: TestServer;
  let events: PaymentEvents;
  let stripe: Stripe;
  let account: string;

  beforeAll(async () => {
    server = await startTestServer({ manualClock: true });
    events = await PaymentEvents.start(server);
    stripe = server.stripe();
    account = (await payableAccount(server)).id;
  }, 60_000);
  afterAll(async () => {
    await server.close();
    await events.close();
  });

  async function call(path: string, params: Record<string, string>, stripeAccount?: string) {
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${TEST_KEY}`,
        'Content-Type': 'application/x-www-form-urlencoded',
        ...(stripeAccount ? { 'Stripe-Account': stripeAccount } : {}),
      },
      body: new URLSearchParams(params).toString(),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  /** Moves the server's clock on; every task due by then has run when it answers. */
  const advance = async (by: string) =>
    expect((await call('/v1/switchboard/clock/advance', { by })).status).toBe(200);

  /** A session taking cards and US bank accounts, as apps pinned to older versions write it. */
  const sessionParams = (amount: number, extra: object = {}) =>
    ({
      mode: 'payment',
      payment_method_types: ['card', 'us_bank_account'],
      line_items: [
        {
          price_data: { currency: 'usd', unit_amount: amount, product_data: { name: 'Invoice' } },
          quantity: 1,
        },
      ],
      success_url: `${server.url}/paid?session={CHECKOUT_SESSION_ID}`,
      ...extra,
    }) as Stripe.Checkout.SessionCreateParams;

  const isId = (id: string) => (o: { id: string }) => o.id === id;

  it('a direct charge paid by ACH Direct Debit on a connected account: processing, then succeeded on the clock, with checkout.session.async_payment_succeeded', async () => {
    const opts = { stripeAccount: account };
    const session = await stripe.checkout.sessions.create(
      sessionParams(5000, { payment_intent_data: { application_fee_amount: 500 } }),
      opts,
    );
    expect(session.payment_method_types).toEqual(['card', 'us_bank_account']);
    const platformBefore = await usd(stripe);
    const accountBefore = await usd(stripe, account);

    const done = await call(
      `/v1/switchboard/checkout/sessions/${session.id}/complete`,
      { payment_method: 'pm_usBankAccount_success' },
      account,
    );
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'complete', payment_status: 'unpaid' });
    expect(schemaErrors(done.body)).toEqual([]);
    const pi = await stripe.paymentIntents.retrieve(done.body.payment_intent as string, {}, opts);
    expect(pi).toMatchObject({ status: 'processing', amount: 5000, amount_received: 0 });
    const pending = await stripe.charges.retrieve(pi.latest_charge as string, {}, opts);
    expect(pending).toMatchObject({ status: 'pending', paid: false, balance_transaction: null });
    expect(pending.payment_method_details).toMatchObject({
      type: 'us_bank_account',
      us_bank_account: { last4: '6789', routing_number: '110000000' },
    });
    expect(schemaErrors(pending)).toEqual([]);
    await events.event('charge.pending', account, isId(pending.id));
    await events.event('payment_intent.processing', account, isId(pi.id));
    const completed = await events.event('checkout.session.completed', account, isId(session.id));
    expect(completed.data.object).toMatchObject({
      payment_status: 'unpaid',
      payment_intent: pi.id,
    });
    // Nothing moved yet: the bank has not answered.
    expect(await usd(stripe, account)).toEqual(accountBefore);
    await events.none('payment_intent.succeeded', account, isId(pi.id) as never);

    await advance('3s');
    const paid = await stripe.checkout.sessions.retrieve(session.id, {}, opts);
    expect(paid).toMatchObject({ status: 'complete', payment_status: 'paid' });
    expect(await stripe.paymentIntents.retrieve(pi.id, {}, opts)).toMatchObject({
      status: 'succeeded',
      amount_received: 5000,
    });
    const charge = await stripe.charges.retrieve(pi.latest_charge as string, {}, opts);
    expect(charge).toMatchObject({ status: 'succeeded', paid: true, application_fee_amount: 500 });
    const txn = await stripe.balanceTransactions.retrieve(
      charge.balance_transaction as string,
      {},
      opts,
    );
    expect(txn).toMatchObject({ amount: 5000, fee: 500 + achFee(5000), status: 'pending' });
    expect((await usd(stripe, account)).pending - accountBefore.pending).toBe(
      5000 - 500 - achFee(5000),
    );
    expect((await usd(stripe)).pending - platformBefore.pending).toBe(500);

    await events.event('charge.succeeded', account, isId(charge.id));
    await events.event('payment_intent.succeeded', account, isId(pi.id));
    const async = await events.event(
      'checkout.session.async_payment_succeeded',
      account,
      isId(session.id),
    );
    expect(async.data.object).toMatchObject({ payment_status: 'paid', payment_intent: pi.id });
    await events.none('checkout.session.async_payment_succeeded', null);
    events.checkAll();
  }, 60_000);

  it('a debit that fails for insufficient funds, paid on the stand-in page in Chromium: checkout.session.async_payment_failed', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams(2000));
    const chromium = await launchChromium();
    try {
      const page = await chromium.browser.newPage();
      await page.goto(session.url!);
      await page.check('input[name=method][value=us_bank_account]');
      await page.fill('input[name=account_holder_name]', 'Jenny Rosen');
      await page.fill('input[name=account_number]', '000222222227');
      await Promise.all([page.waitForURL(/\/paid/), page.click('button[name=action]')]);
      expect(page.url()).toBe(`${server.url}/paid?session=${session.id}`);
    } finally {
      await chromium.close();
    }
    const done = await stripe.checkout.sessions.retrieve(session.id);
    expect(done).toMatchObject({ status: 'complete', payment_status: 'unpaid' });
    const pi = await stripe.paymentIntents.retrieve(done.payment_intent as string);
    expect(pi.status).toBe('processing');
    const pm = await stripe.paymentMethods.retrieve(pi.payment_method as string);
    expect(pm).toMatchObject({
      type: 'us_bank_account',
      billing_details: { name: 'Jenny Rosen' },
      us_bank_account: { last4: '2227' },
    });

    await advance('3s');
    const failed = await stripe.paymentIntents.retrieve(pi.id);
    expect(failed).toMatchObject({
      status: 'requires_payment_method',
      payment_method: null,
      last_payment_error: { code: 'insufficient_funds' },
    });
    expect(await stripe.charges.retrieve(pi.latest_charge as string)).toMatchObject({
      status: 'failed',
      paid: false,
      failure_code: 'insufficient_funds',
      balance_transaction: null,
    });
    expect((await stripe.checkout.sessions.retrieve(session.id)).payment_status).toBe('unpaid');
    await events.event('charge.failed', null, isId(pi.latest_charge as string));
    await events.event('payment_intent.payment_failed', null, isId(pi.id));
    const async = await events.event(
      'checkout.session.async_payment_failed',
      null,
      isId(session.id),
    );
    expect(async.data.object).toMatchObject({ payment_status: 'unpaid', payment_intent: pi.id });
    events.checkAll();
  }, 60_000);

  it('refuses bank debits Stripe refuses, naming the parameter', async () => {
    const eur = {
      ...sessionParams(1000),
      line_items: [
        {
          price_data: { currency: 'eur', unit_amount: 1000, product_data: { name: 'Invoice' } },
          quantity: 1,
        },
      ],
    } as Stripe.Checkout.SessionCreateParams;
    await expect(stripe.checkout.sessions.create(eur)).rejects.toMatchObject({
      statusCode: 400,
      param: 'payment_method_types',
    });
    await expect(
      stripe.checkout.sessions.create({
        mode: 'setup',
        currency: 'usd',
        allowed_payment_method_types: ['us_bank_account'],
        success_url: 'https://example.com',
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'allowed_payment_method_types' });
    // A PaymentIntent that takes only cards refuses a bank account.
    await expect(
      stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        payment_method: 'pm_usBankAccount_success',
        confirm: true,
      }),
    ).rejects.toMatchObject({
      statusCode: 400,
      code: 'payment_intent_incompatible_payment_method',
    });
  });
});
