import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../dashboard/test/browser.js';
import { onboardedAccount } from '../helpers/accounts.js';
import { Receiver } from '../helpers/receiver.js';
import { schemaErrors } from '../helpers/schemas.js';
import { startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';

const available = (b: Stripe.Balance) => b.available.find((e) => e.currency === 'usd')?.amount ?? 0;
const pending = (b: Stripe.Balance) => b.pending.find((e) => e.currency === 'usd')?.amount ?? 0;

/**
 * Checkout, as Stripe's Connect sample apps use it: direct charges on a connected account with a
 * platform fee (paid on the stand-in page in Chromium, and by the test helper), destination
 * charges, and sessions that expire.
 */
describe('Checkout Sessions', () => {
  let server: TestServer;
  let receiver: Receiver;
  let stripe: Stripe;
  let account: Stripe.Account;

  beforeAll(async () => {
    server = await startTestServer();
    receiver = await new Receiver().start();
    stripe = server.stripe();
    for (const connect of [false, true]) {
      const path = connect ? '/connect' : '/platform';
      const we = await stripe.webhookEndpoints.create({
        url: receiver.url(path),
        enabled_events: ['*'],
        connect,
      });
      receiver.expect(path, we.secret!);
    }
    account = await onboardedAccount(stripe);
  }, 60_000);
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  const asAccount = () => ({ stripeAccount: account.id });

  /** Switchboard's test helper, as curl would call it. */
  async function complete(id: string, params: Record<string, string> = {}, stripeAccount?: string) {
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

  /** The events one endpoint got for an object, by type (raw JSON, as delivered). */
  const delivered = (path: string, id: string) =>
    receiver
      .at(path)
      .filter((r) => r.body.includes(id))
      .map(
        (r) => JSON.parse(r.body) as { type: string; account?: string; data: { object: never } },
      );

  /** A direct-charge session on the connected account: 2 x 1500 with a 300 platform fee. */
  async function directSession(): Promise<Stripe.Checkout.Session> {
    const price = await stripe.prices.create(
      { currency: 'usd', unit_amount: 1500, product_data: { name: 'Guitar lesson' } },
      asAccount(),
    );
    return stripe.checkout.sessions.create(
      {
        mode: 'payment',
        line_items: [{ price: price.id, quantity: 2 }],
        payment_intent_data: { application_fee_amount: 300, metadata: { order: '42' } },
        success_url: receiver.url('/success?session_id={CHECKOUT_SESSION_ID}'),
        cancel_url: receiver.url('/cancel'),
        client_reference_id: 'user_7',
      },
      asAccount(),
    );
  }

  async function checkPaid(session: Stripe.Checkout.Session, platformBefore: number) {
    const done = await stripe.checkout.sessions.retrieve(session.id, {}, asAccount());
    expect(done).toMatchObject({
      status: 'complete',
      payment_status: 'paid',
      amount_total: 3000,
      client_reference_id: 'user_7',
    });
    const pi = await stripe.paymentIntents.retrieve(done.payment_intent as string, {}, asAccount());
    expect(pi).toMatchObject({
      status: 'succeeded',
      amount: 3000,
      application_fee_amount: 300,
      metadata: { order: '42' },
    });
    const charge = await stripe.charges.retrieve(pi.latest_charge as string, {}, asAccount());
    expect(charge).toMatchObject({ paid: true, amount: 3000, application_fee_amount: 300 });
    // The fee goes to the platform; the rest, less Stripe's fee, to the account.
    expect(pending(await stripe.balance.retrieve()) - platformBefore).toBe(300);

    await receiver.waitFor(() =>
      delivered('/connect', session.id).some((e) => e.type === 'checkout.session.completed'),
    );
    const completed = delivered('/connect', session.id).find(
      (e) => e.type === 'checkout.session.completed',
    )!;
    expect(completed.account).toBe(account.id);
    expect(completed.data.object).toMatchObject({ id: session.id, payment_intent: pi.id });
    await receiver.waitFor(() =>
      delivered('/connect', pi.id).some((e) => e.type === 'payment_intent.succeeded'),
    );
    const piEvents = delivered('/connect', pi.id).map((e) => [e.type, e.account]);
    expect(piEvents).toEqual(
      expect.arrayContaining([
        ['payment_intent.created', account.id],
        ['charge.succeeded', account.id],
        ['payment_intent.succeeded', account.id],
      ]),
    );
    // Nothing of the account's reached the platform's own endpoint.
    expect(delivered('/platform', session.id)).toEqual([]);
    return done;
  }

  it('makes a direct charge with a platform fee, completed by the test helper', async () => {
    const session = await directSession();
    expect(session).toMatchObject({
      object: 'checkout.session',
      mode: 'payment',
      status: 'open',
      payment_status: 'unpaid',
      amount_total: 3000,
      currency: 'usd',
      payment_intent: null,
      livemode: false,
    });
    expect(session.url).toBe(`${server.url}/checkout/pay/${session.id}`);
    expect(session.success_url).toContain('{CHECKOUT_SESSION_ID}');
    expect(schemaErrors(session)).toEqual([]);

    const items = await stripe.checkout.sessions.listLineItems(session.id, {}, asAccount());
    expect(items.data).toHaveLength(1);
    expect(items.data[0]).toMatchObject({
      object: 'item',
      description: 'Guitar lesson',
      quantity: 2,
      amount_total: 3000,
      currency: 'usd',
    });

    // The platform's own scope does not see the account's session.
    await expect(stripe.checkout.sessions.retrieve(session.id)).rejects.toMatchObject({
      statusCode: 404,
    });
    expect((await complete(session.id)).status).toBe(404);

    // A declined card leaves the session open, with Stripe's card error.
    const declined = await complete(
      session.id,
      { payment_method: 'pm_card_chargeDeclined' },
      account.id,
    );
    expect(declined.status).toBe(402);
    expect(declined.body).toMatchObject({ error: { type: 'card_error', code: 'card_declined' } });
    expect((await stripe.checkout.sessions.retrieve(session.id, {}, asAccount())).status).toBe(
      'open',
    );

    const platformBefore = pending(await stripe.balance.retrieve());
    const paid = await complete(session.id, {}, account.id);
    expect(paid.status).toBe(200);
    expect(schemaErrors(paid.body)).toEqual([]);
    await checkPaid(session, platformBefore);

    // A complete session cannot be paid again nor expired.
    expect((await complete(session.id, {}, account.id)).status).toBe(400);
    await expect(
      stripe.checkout.sessions.expire(session.id, {}, asAccount()),
    ).rejects.toMatchObject({ statusCode: 400 });
    const listed = await stripe.checkout.sessions.list({ status: 'complete' }, asAccount());
    expect(listed.data.map((s) => s.id)).toEqual([session.id]);
    for (const r of receiver.at('/connect')) expect(schemaErrors(JSON.parse(r.body))).toEqual([]);
  });

  it('makes a direct charge paid with a test card on the stand-in page, in Chromium', async () => {
    const session = await directSession();
    const platformBefore = pending(await stripe.balance.retrieve());
    const chromium = await launchChromium();
    try {
      const page = await chromium.browser.newPage();
      await page.goto(session.url!);
      expect(await page.textContent('h1')).toBe('Pay 30.00 USD');
      expect(await page.textContent('table')).toContain('Guitar lesson');
      // A declined card first: the page says so and the session stays open.
      await page.fill('input[name=card_number]', '4000 0000 0000 0002');
      await page.click('button[name=action]');
      expect(await page.textContent('#error')).toContain('Your card was declined.');
      await page.fill('input[name=card_number]', '4242 4242 4242 4242');
      await page.fill('input[name=email]', 'jenny@example.com');
      await Promise.all([page.waitForURL(/\/success/), page.click('button[name=action]')]);
      expect(page.url()).toBe(receiver.url(`/success?session_id=${session.id}`));
    } finally {
      await chromium.close();
    }
    const done = await checkPaid(session, platformBefore);
    expect(done.customer_details?.email).toBe('jenny@example.com');
  }, 60_000);

  it('refuses a payment posted from another site', async () => {
    const session = await directSession();
    const res = await fetch(session.url!, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Origin: 'https://evil.example',
      },
      body: 'card_number=4242424242424242&exp=12%2F34&cvc=123&action=pay',
    });
    expect(res.status).toBe(403);
    expect((await stripe.checkout.sessions.retrieve(session.id, {}, asAccount())).status).toBe(
      'open',
    );
  });

  it('makes a destination charge: the platform takes its fee and transfers the rest', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [
        {
          price_data: {
            currency: 'usd',
            unit_amount: 4000,
            product_data: { name: 'Ride' },
          },
          quantity: 1,
        },
      ],
      payment_intent_data: {
        application_fee_amount: 500,
        transfer_data: { destination: account.id },
        transfer_group: 'ride_9',
        on_behalf_of: account.id,
      },
      success_url: 'https://example.com/done?id={CHECKOUT_SESSION_ID}',
    });
    expect(session.amount_total).toBe(4000);
    const accountBefore = pending(await stripe.balance.retrieve({}, asAccount()));
    const paid = await complete(session.id, { payment_method: 'pm_card_visa' });
    expect(paid.status).toBe(200);
    const pi = await stripe.paymentIntents.retrieve(paid.body.payment_intent as string);
    expect(pi).toMatchObject({
      status: 'succeeded',
      amount: 4000,
      application_fee_amount: 500,
      transfer_data: { destination: account.id },
      transfer_group: 'ride_9',
      on_behalf_of: account.id,
    });
    const transfers = await stripe.transfers.list({ destination: account.id });
    const transfer = transfers.data.find((t) => t.transfer_group === 'ride_9')!;
    // As on Stripe, the whole amount is transferred and the fee comes back as an application fee.
    expect(transfer.amount).toBe(4000);
    expect(pending(await stripe.balance.retrieve({}, asAccount())) - accountBefore).toBe(3500);
    await receiver.waitFor(
      () =>
        delivered('/platform', session.id).some((e) => e.type === 'checkout.session.completed') &&
        delivered('/platform', transfer.id).some((e) => e.type === 'transfer.created'),
    );
    const completed = delivered('/platform', session.id).find(
      (e) => e.type === 'checkout.session.completed',
    )!;
    expect(completed.account).toBeUndefined();
    // The inline price and product were made for this session only.
    const [item] = (await stripe.checkout.sessions.listLineItems(session.id)).data;
    expect(item!.price).toMatchObject({ active: false, unit_amount: 4000 });
    expect(available(await stripe.balance.retrieve())).toBeGreaterThanOrEqual(0);
  });

  it('expires an open session through the API, with checkout.session.expired', async () => {
    const session = await directSession();
    const expired = await stripe.checkout.sessions.expire(session.id, {}, asAccount());
    expect(expired).toMatchObject({ status: 'expired', url: null, payment_status: 'unpaid' });
    expect((await complete(session.id, {}, account.id)).status).toBe(400);
    const page = await fetch(session.url!);
    expect(page.status).toBe(410);
    await receiver.waitFor(() =>
      delivered('/connect', session.id).some((e) => e.type === 'checkout.session.expired'),
    );
    const event = delivered('/connect', session.id).find(
      (e) => e.type === 'checkout.session.expired',
    )!;
    expect(event.account).toBe(account.id);
    expect(schemaErrors(event)).toEqual([]);
  });

  it('refuses what it does not model, naming the parameter', async () => {
    await expect(
      stripe.checkout.sessions.create({
        mode: 'subscription',
        line_items: [{ price: 'price_x', quantity: 1 }],
        success_url: 'https://example.com',
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'mode' });
    await expect(
      stripe.checkout.sessions.create({ mode: 'payment', success_url: 'https://example.com' }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'line_items' });
    await expect(
      stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [{ price: 'price_missing', quantity: 1 }],
        success_url: 'https://example.com',
      }),
    ).rejects.toMatchObject({ statusCode: 404, param: 'line_items[0][price]' });
  });
});

describe('Checkout Sessions on a manual clock', () => {
  let server: TestServer;
  let stripe: Stripe;

  beforeAll(async () => {
    server = await startTestServer({ manualClock: true });
    stripe = server.stripe();
  });
  afterAll(async () => server.close());

  it('expire at expires_at', async () => {
    const price = await stripe.prices.create({
      currency: 'usd',
      unit_amount: 100,
      product_data: { name: 'Sticker' },
    });
    const created = Math.floor(server.clock!.now() / 1000);
    await expect(
      stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [{ price: price.id, quantity: 1 }],
        success_url: 'https://example.com',
        expires_at: created + 60,
      }),
    ).rejects.toMatchObject({ param: 'expires_at' });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: 'https://example.com',
      expires_at: created + 3600,
    });
    const res = await fetch(`${server.url}/v1/switchboard/clock/advance`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${TEST_KEY}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: 'by=3601s',
    });
    expect(res.status).toBe(200);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('expired');
    const events = await stripe.events.list({ type: 'checkout.session.expired' });
    expect(events.data.map((e) => (e.data.object as { id: string }).id)).toEqual([session.id]);
  });
});
