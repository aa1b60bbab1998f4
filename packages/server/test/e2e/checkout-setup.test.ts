import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../dashboard/test/browser.js';
import { PaymentEvents, payableAccount } from '../helpers/payments.js';
import { schemaErrors } from '../helpers/schemas.js';
import { startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';

/**
 * Checkout in setup mode, as a Connect platform saves a customer's card for later: the session
 * completed by the test helper on a connected account and on the stand-in page in Chromium on the
 * platform, the SetupIntent it makes (with `setup_intent_data`) attaching the card to the
 * session's customer, then an off-session payment with the saved card. Every event arrives
 * verified at the endpoint of its scope, and validates against Stripe's schemas.
 */
describe('Checkout Sessions in setup mode', () => {
  let server: TestServer;
  let events: PaymentEvents;
  let stripe: Stripe;
  let account: string;

  beforeAll(async () => {
    server = await startTestServer();
    events = await PaymentEvents.start(server);
    stripe = server.stripe();
    account = (await payableAccount(server)).id;
  }, 60_000);
  afterAll(async () => {
    await server.close();
    await events.close();
  });

  /** Switchboard's test helper, as curl would call it. */
  async function complete(id: string, params: Record<string, string>, stripeAccount?: string) {
    const res = await fetch(`${server.url}/v1/switchboard/checkout/sessions/${id}/complete`, {
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

  /** Charges the saved card off session, as a platform does later; checks it succeeded. */
  async function payOffSession(customer: string, paymentMethod: string, stripeAccount?: string) {
    const opts = stripeAccount ? { stripeAccount } : {};
    const pi = await stripe.paymentIntents.create(
      {
        amount: 2500,
        currency: 'usd',
        customer,
        payment_method: paymentMethod,
        off_session: true,
        confirm: true,
      },
      opts,
    );
    expect(pi).toMatchObject({ status: 'succeeded', amount_received: 2500, customer });
    await events.event('payment_intent.succeeded', stripeAccount ?? null, (o: { id: string }) => {
      return o.id === pi.id;
    });
    return pi;
  }

  it('saves a card in setup mode on a connected account, completed by the test helper, then pays off session with it', async () => {
    const opts = { stripeAccount: account };
    const customer = await stripe.customers.create({ email: 'rider@example.com' }, opts);
    const session = await stripe.checkout.sessions.create(
      {
        mode: 'setup',
        currency: 'usd',
        customer: customer.id,
        setup_intent_data: { description: 'Card for rides', metadata: { rider: '7' } },
        success_url: 'https://rides.example.com/saved?session={CHECKOUT_SESSION_ID}',
        cancel_url: 'https://rides.example.com/cancel',
      },
      opts,
    );
    expect(session).toMatchObject({
      object: 'checkout.session',
      mode: 'setup',
      status: 'open',
      payment_status: 'no_payment_required',
      currency: 'usd',
      customer: customer.id,
      amount_total: null,
      setup_intent: null,
      payment_intent: null,
      payment_method_types: ['card'],
    });
    expect(schemaErrors(session)).toEqual([]);
    expect((await stripe.checkout.sessions.listLineItems(session.id, {}, opts)).data).toEqual([]);

    // Only the account's scope completes it; a declined card leaves it open with the card error.
    expect((await complete(session.id, {})).status).toBe(404);
    const declined = await complete(
      session.id,
      { payment_method: 'pm_card_chargeDeclined' },
      account,
    );
    expect(declined.status).toBe(402);
    expect(declined.body).toMatchObject({ error: { type: 'card_error', code: 'card_declined' } });
    expect((await stripe.checkout.sessions.retrieve(session.id, {}, opts)).status).toBe('open');

    const done = await complete(session.id, { payment_method: 'pm_card_visa' }, account);
    expect(done.status).toBe(200);
    expect(schemaErrors(done.body)).toEqual([]);
    const read = await stripe.checkout.sessions.retrieve(session.id, {}, opts);
    expect(read).toMatchObject({
      status: 'complete',
      payment_status: 'no_payment_required',
      payment_intent: null,
    });
    expect(read.setup_intent).toMatch(/^seti_/);
    const si = await stripe.setupIntents.retrieve(read.setup_intent as string, {}, opts);
    expect(si).toMatchObject({
      status: 'succeeded',
      customer: customer.id,
      description: 'Card for rides',
      metadata: { rider: '7' },
      usage: 'off_session',
      payment_method_types: ['card'],
    });
    expect(schemaErrors(si)).toEqual([]);
    const saved = await stripe.paymentMethods.list({ customer: customer.id, type: 'card' }, opts);
    expect(saved.data.map((pm) => pm.id)).toEqual([si.payment_method]);
    expect(saved.data[0]!.card!.last4).toBe('4242');
    // The platform's own scope sees none of it.
    await expect(stripe.setupIntents.retrieve(si.id)).rejects.toMatchObject({ statusCode: 404 });
    expect((await complete(session.id, {}, account)).status).toBe(400);

    const completed = await events.event(
      'checkout.session.completed',
      account,
      (o: { id: string }) => o.id === session.id,
    );
    expect(completed.data.object).toMatchObject({ setup_intent: si.id, mode: 'setup' });
    await events.event('setup_intent.created', account, (o: { id: string }) => o.id === si.id);
    await events.event('setup_intent.succeeded', account, (o: { id: string }) => o.id === si.id);
    await events.event(
      'payment_method.attached',
      account,
      (o: { id: string }) => o.id === si.payment_method,
    );
    await events.none('checkout.session.completed', null);

    await payOffSession(customer.id, si.payment_method as string, account);
    events.checkAll();
  }, 60_000);

  it('saves a card in setup mode on the stand-in page, in Chromium, on behalf of an account', async () => {
    const customer = await stripe.customers.create({ name: 'Jenny Rosen' });
    const session = await stripe.checkout.sessions.create({
      mode: 'setup',
      allowed_payment_method_types: ['card'],
      customer: customer.id,
      setup_intent_data: { on_behalf_of: account },
      // Any page of this host does (a 404 loads too): the browser only has to arrive there.
      success_url: `${server.url}/saved?session={CHECKOUT_SESSION_ID}`,
    });
    expect(session).toMatchObject({
      currency: null,
      allowed_payment_method_types: ['card'],
      payment_method_types: ['card'],
    });
    const chromium = await launchChromium();
    try {
      const page = await chromium.browser.newPage();
      await page.goto(session.url!);
      expect(await page.textContent('h1')).toBe('Save a card');
      await page.fill('input[name=card_number]', '4000 0000 0000 0002');
      await page.click('button[name=action]');
      expect(await page.textContent('#error')).toContain('Your card was declined.');
      await page.fill('input[name=card_number]', '4242 4242 4242 4242');
      await Promise.all([page.waitForURL(/\/saved/), page.click('button[name=action]')]);
      expect(page.url()).toBe(`${server.url}/saved?session=${session.id}`);
    } finally {
      await chromium.close();
    }
    const read = await stripe.checkout.sessions.retrieve(session.id, { expand: ['setup_intent'] });
    const si = read.setup_intent as Stripe.SetupIntent;
    expect(read.status).toBe('complete');
    expect(si).toMatchObject({ status: 'succeeded', customer: customer.id, on_behalf_of: account });
    const completed = await events.event(
      'checkout.session.completed',
      null,
      (o: { id: string }) => o.id === session.id,
    );
    expect(completed.data.object).toMatchObject({ setup_intent: si.id });
    await events.event('setup_intent.succeeded', null, (o: { id: string }) => o.id === si.id);
    await payOffSession(customer.id, si.payment_method as string);
    events.checkAll();
  }, 60_000);

  it('refuses setup-mode sessions Stripe refuses, naming the parameter', async () => {
    const base = { success_url: 'https://example.com/done' };
    await expect(stripe.checkout.sessions.create({ ...base, mode: 'setup' })).rejects.toMatchObject(
      { statusCode: 400, param: 'currency' },
    );
    // Older versions of the stripe package name the types payment_method_types.
    const older = await stripe.checkout.sessions.create({
      ...base,
      mode: 'setup',
      payment_method_types: ['card'],
    } as Stripe.Checkout.SessionCreateParams);
    expect(older).toMatchObject({ currency: null, payment_method_types: ['card'] });
    const price = await stripe.prices.create({
      currency: 'usd',
      unit_amount: 100,
      product_data: { name: 'Sticker' },
    });
    await expect(
      stripe.checkout.sessions.create({
        ...base,
        mode: 'setup',
        currency: 'usd',
        line_items: [{ price: price.id, quantity: 1 }],
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'line_items' });
    await expect(
      stripe.checkout.sessions.create({
        ...base,
        mode: 'setup',
        currency: 'usd',
        payment_intent_data: { description: 'x' },
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'payment_intent_data' });
    await expect(
      stripe.checkout.sessions.create({
        ...base,
        mode: 'payment',
        line_items: [{ price: price.id, quantity: 1 }],
        setup_intent_data: { description: 'x' },
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'setup_intent_data' });
    await expect(
      stripe.checkout.sessions.create({
        ...base,
        mode: 'setup',
        currency: 'usd',
        setup_intent_data: { on_behalf_of: 'acct_1NoSuchAccount00' },
      }),
    ).rejects.toMatchObject({ statusCode: 404, param: 'setup_intent_data[on_behalf_of]' });
    await expect(
      stripe.checkout.sessions.create(
        { ...base, mode: 'setup', currency: 'usd', setup_intent_data: { on_behalf_of: account } },
        { stripeAccount: account },
      ),
    ).rejects.toMatchObject({ statusCode: 400, param: 'setup_intent_data[on_behalf_of]' });
  });
});
