import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../dashboard/test/browser.js';
import { PaymentEvents, payableAccount } from '../helpers/payments.js';
import { schemaErrors } from '../helpers/schemas.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * SEPA Direct Debit with the official `stripe` package, on a connected account and the server's
 * manual clock: payment methods from Stripe's test IBANs, PaymentIntents confirmed under a
 * mandate, processing until the bank answers (2 s on the clock, 3 minutes for the delayed IBANs),
 * then each test IBAN's outcome; and a Checkout Session paid by SEPA debit on the stand-in page in
 * Chromium. Every event arrives verified at the endpoint of its scope and validates against
 * Stripe's schemas.
 */
describe('SEPA Direct Debit (sepa_debit)', () => {
  let server: TestServer;
  let events: PaymentEvents;
  let stripe: Stripe;
  let account: string;
  let opts: Stripe.RequestOptions;

  beforeAll(async () => {
    server = await startTestServer({ manualClock: true });
    events = await PaymentEvents.start(server);
    stripe = server.stripe();
    account = (await payableAccount(server)).id;
    opts = { stripeAccount: account };
  }, 60_000);
  afterAll(async () => {
    await server.close();
    await events.close();
  });

  const advance = (by: string) =>
    stripe.rawRequest('POST', '/v1/switchboard/clock/advance', { by });
  const isId = (id: string) => (o: { id: string }) => o.id === id;
  const holder = { name: 'Jenny Rosen', email: 'jenny@example.com' };
  const mandate = {
    customer_acceptance: { type: 'offline' as const, accepted_at: 1_590_590_577 },
  };

  /** A PaymentIntent of 10.00 EUR from `iban`, confirmed on the connected account. */
  async function debit(iban: string): Promise<Stripe.PaymentIntent> {
    const pm = await stripe.paymentMethods.create(
      { type: 'sepa_debit', sepa_debit: { iban }, billing_details: holder },
      opts,
    );
    return stripe.paymentIntents.create(
      {
        amount: 1000,
        currency: 'eur',
        payment_method_types: ['sepa_debit'],
        payment_method: pm.id,
        confirm: true,
        mandate_data: mandate,
      } as Stripe.PaymentIntentCreateParams,
      opts,
    );
  }

  it('makes payment methods from test IBANs only, with the holder Stripe requires', async () => {
    const pm = await stripe.paymentMethods.create(
      {
        type: 'sepa_debit',
        sepa_debit: { iban: 'AT61 1904 3002 3457 3201' },
        billing_details: holder,
      },
      opts,
    );
    expect(schemaErrors(pm)).toEqual([]);
    expect(pm).toMatchObject({
      type: 'sepa_debit',
      sepa_debit: { country: 'AT', last4: '3201', bank_code: '19043' },
      billing_details: holder,
    });
    // The connected account's own: the platform does not see it.
    await expect(stripe.paymentMethods.retrieve(pm.id)).rejects.toMatchObject({
      code: 'resource_missing',
    });

    for (const [iban, message] of [
      ['IT60X0542811101000000123456', /not one of Stripe's test IBANs/],
      ['AT611904300234573202', /appears to be invalid/],
    ] as const)
      await expect(
        stripe.paymentMethods.create(
          { type: 'sepa_debit', sepa_debit: { iban }, billing_details: holder },
          opts,
        ),
      ).rejects.toMatchObject({
        type: 'StripeInvalidRequestError',
        param: 'sepa_debit[iban]',
        message: expect.stringMatching(message),
      });
    await expect(
      stripe.paymentMethods.create({
        type: 'sepa_debit',
        sepa_debit: { iban: 'DE89370400440532013000' },
        billing_details: { name: 'Jenny Rosen' },
      }),
    ).rejects.toMatchObject({ param: 'billing_details[email]' });
  });

  it('debits under a mandate: processing, then succeeded with the SEPA fee, in euros', async () => {
    const pm = await stripe.paymentMethods.create(
      {
        type: 'sepa_debit',
        sepa_debit: { iban: 'DE89370400440532013000' },
        billing_details: holder,
      },
      opts,
    );
    await expect(
      stripe.paymentIntents.create(
        {
          amount: 1000,
          currency: 'eur',
          payment_method_types: ['sepa_debit'],
          payment_method: pm.id,
          confirm: true,
        } as Stripe.PaymentIntentCreateParams,
        opts,
      ),
    ).rejects.toMatchObject({ param: 'mandate_data', message: expect.stringMatching(/mandate/) });
    await expect(
      stripe.paymentIntents.create(
        {
          amount: 1000,
          currency: 'usd',
          payment_method_types: ['sepa_debit'],
          payment_method: pm.id,
          confirm: true,
          mandate_data: mandate,
        } as Stripe.PaymentIntentCreateParams,
        opts,
      ),
    ).rejects.toMatchObject({ param: 'currency' });

    const pi = await debit('DE89370400440532013000');
    expect(pi).toMatchObject({ status: 'processing', amount_received: 0 });
    const pending = await stripe.charges.retrieve(pi.latest_charge as string, {}, opts);
    expect(schemaErrors(pending)).toEqual([]);
    expect(pending).toMatchObject({
      status: 'pending',
      currency: 'eur',
      payment_method_details: { type: 'sepa_debit', sepa_debit: { country: 'DE', last4: '3000' } },
    });
    const mandateId = pending.payment_method_details!.sepa_debit!.mandate!;
    const m = await stripe.mandates.retrieve(mandateId, {}, opts);
    expect(schemaErrors(m)).toEqual([]);
    expect(m).toMatchObject({
      status: 'active',
      payment_method: pi.payment_method,
      payment_method_details: { type: 'sepa_debit' },
      customer_acceptance: { type: 'offline', accepted_at: 1_590_590_577 },
    });
    await events.event('payment_intent.processing', account, isId(pi.id));

    await advance('3s');
    const charge = await stripe.charges.retrieve(pi.latest_charge as string, {}, opts);
    expect(charge).toMatchObject({ status: 'succeeded', paid: true });
    const txn = await stripe.balanceTransactions.retrieve(
      charge.balance_transaction as string,
      {},
      opts,
    );
    expect(txn).toMatchObject({ amount: 1000, fee: 35, currency: 'eur' });
    const succeeded = await events.event<Stripe.PaymentIntent>(
      'payment_intent.succeeded',
      account,
      isId(pi.id),
    );
    expect(schemaErrors(succeeded.data.object)).toEqual([]);
  });

  it("each test IBAN's scenario: failed, delayed, disputed", async () => {
    const failed = await debit('AT861904300235473202');
    const delayed = await debit('AT321904300235473204');
    const disputed = await debit('AT591904300235473203');
    await advance('3s');

    const failure = await events.event<Stripe.PaymentIntent>(
      'payment_intent.payment_failed',
      account,
      isId(failed.id),
    );
    expect(failure.data.object).toMatchObject({
      status: 'requires_payment_method',
      last_payment_error: { code: 'generic_could_not_process' },
    });
    expect(await stripe.charges.retrieve(failed.latest_charge as string, {}, opts)).toMatchObject({
      status: 'failed',
      failure_code: 'generic_could_not_process',
    });

    const dispute = await events.event<Stripe.Dispute>(
      'charge.dispute.created',
      account,
      (d) => d.charge === disputed.latest_charge,
    );
    expect(schemaErrors(dispute.data.object)).toEqual([]);
    expect(dispute.data.object).toMatchObject({ amount: 1000, currency: 'eur' });
    await events.event('payment_intent.succeeded', account, isId(disputed.id));

    // The delayed IBAN answers after three minutes, not before.
    expect((await stripe.paymentIntents.retrieve(delayed.id, {}, opts)).status).toBe('processing');
    await advance('3m');
    await events.event('payment_intent.succeeded', account, isId(delayed.id));
    events.checkAll();
  });

  it('a Checkout Session paid by SEPA Direct Debit on the stand-in page in Chromium', async () => {
    const session = await stripe.checkout.sessions.create(
      {
        mode: 'payment',
        payment_method_types: ['sepa_debit'],
        line_items: [
          {
            price_data: { currency: 'eur', unit_amount: 1500, product_data: { name: 'Lesson' } },
            quantity: 2,
          },
        ],
        payment_intent_data: { application_fee_amount: 300 },
        success_url: `${server.url}/paid?session={CHECKOUT_SESSION_ID}`,
      } as Stripe.Checkout.SessionCreateParams,
      opts,
    );
    await expect(
      stripe.checkout.sessions.create({
        mode: 'payment',
        payment_method_types: ['sepa_debit'],
        line_items: [
          {
            price_data: { currency: 'usd', unit_amount: 1500, product_data: { name: 'Lesson' } },
            quantity: 1,
          },
        ],
        success_url: `${server.url}/paid`,
      } as Stripe.Checkout.SessionCreateParams),
    ).rejects.toMatchObject({ param: 'payment_method_types' });
    const chromium = await launchChromium();
    try {
      const page = await chromium.browser.newPage();
      await page.goto(session.url!);
      expect(await page.textContent('body')).toContain('SEPA Direct Debit');
      await page.fill('input[name=email]', 'jenny@example.com');
      await page.fill('input[name=iban]', 'FR1420041010050500013M02606');
      await Promise.all([page.waitForURL(/\/paid/), page.click('button[name=action]')]);
    } finally {
      await chromium.close();
    }
    const done = await stripe.checkout.sessions.retrieve(session.id, {}, opts);
    expect(done).toMatchObject({ status: 'complete', payment_status: 'unpaid' });
    const pi = await stripe.paymentIntents.retrieve(done.payment_intent as string, {}, opts);
    expect(pi).toMatchObject({ status: 'processing', application_fee_amount: 300 });
    const pm = await stripe.paymentMethods.retrieve(pi.payment_method as string, {}, opts);
    expect(pm).toMatchObject({ type: 'sepa_debit', sepa_debit: { country: 'FR', last4: '2606' } });

    await advance('3s');
    const async = await events.event<Stripe.Checkout.Session>(
      'checkout.session.async_payment_succeeded',
      account,
      isId(session.id),
    );
    expect(async.data.object).toMatchObject({ payment_status: 'paid', payment_intent: pi.id });
    const charge = await stripe.charges.retrieve(pi.latest_charge as string, {}, opts);
    expect(charge).toMatchObject({ status: 'succeeded', application_fee_amount: 300 });
    events.checkAll();
  }, 60_000);
});
