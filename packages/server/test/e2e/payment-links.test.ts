import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboardedAccount } from '../helpers/accounts.js';
import { describeCliTriggers } from '../helpers/cli-triggers.js';
import { Receiver } from '../helpers/receiver.js';
import { schemaErrors } from '../helpers/schemas.js';
import { eventually, startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';

/**
 * Payment links: made from prices, each visit of their url opens a Checkout Session for them
 * (payment_link set), paid on the stand-in Checkout; Connect settings reach the PaymentIntent.
 */
describe('payment links', () => {
  let server: TestServer;
  let stripe: Stripe;
  let receiver: Receiver;

  beforeAll(async () => {
    server = await startTestServer();
    stripe = server.stripe();
    receiver = await new Receiver().start();
    const we = await stripe.webhookEndpoints.create({
      url: receiver.url('/links'),
      enabled_events: [
        'payment_link.created',
        'payment_link.updated',
        'checkout.session.completed',
      ],
    });
    receiver.expect('/links', we.secret!);
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  const price = (unit_amount: number) =>
    stripe.prices.create({ currency: 'usd', unit_amount, product_data: { name: 'T-shirt' } });

  /** Follows a link's url as a browser would: the redirect to a new Checkout Session. */
  async function follow(url: string): Promise<string> {
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status, await res.clone().text()).toBe(303);
    const to = res.headers.get('location')!;
    expect(to).toMatch(/\/checkout\/pay\/cs_test_/);
    return to.split('/').pop()!;
  }

  async function complete(id: string, stripeAccount?: string) {
    const res = await fetch(`${server.url}/v1/switchboard/checkout/sessions/${id}/complete`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${TEST_KEY}`,
        ...(stripeAccount ? { 'Stripe-Account': stripeAccount } : {}),
      },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Stripe.Checkout.Session;
  }

  const events = (type: string, id: string) =>
    receiver
      .at('/links')
      .filter((r) => r.verified && r.event?.type === type)
      .filter((r) => (r.event!.data as { object: { id: string } }).object.id === id);

  it('sells through a payment link: its url opens a Checkout Session for it', async () => {
    const shirt = await price(2500);
    const link = await stripe.paymentLinks.create({
      line_items: [{ price: shirt.id, quantity: 2 }],
      metadata: { campaign: 'winter' },
      after_completion: { type: 'redirect', redirect: { url: 'https://example.com/thanks' } },
    });
    expect(schemaErrors(link, 'payment_link')).toEqual([]);
    expect(link).toMatchObject({
      object: 'payment_link',
      active: true,
      currency: 'usd',
      metadata: { campaign: 'winter' },
      after_completion: { type: 'redirect', redirect: { url: 'https://example.com/thanks' } },
      url: `${server.url}/b/${link.id}`,
    });
    expect(await stripe.paymentLinks.retrieve(link.id)).toEqual(link);
    const items = await stripe.paymentLinks.listLineItems(link.id);
    expect(items.data).toHaveLength(1);
    expect(items.data[0]).toMatchObject({
      quantity: 2,
      amount_total: 5000,
      price: { id: shirt.id },
    });
    // As sent (the stripe package parses decimals into objects of its own).
    const raw = await fetch(`${server.url}/v1/payment_links/${link.id}/line_items`, {
      headers: { Authorization: `Bearer ${TEST_KEY}` },
    });
    const rawItems = (await raw.json()) as { data: unknown[] };
    expect(schemaErrors(rawItems.data[0], 'item')).toEqual([]);

    // Each visit opens a session of its own for the link.
    const first = await follow(link.url);
    const second = await follow(link.url);
    expect(first).not.toBe(second);
    const session = await stripe.checkout.sessions.retrieve(first);
    expect(session).toMatchObject({
      payment_link: link.id,
      amount_total: 5000,
      mode: 'payment',
      success_url: 'https://example.com/thanks',
      metadata: { campaign: 'winter' },
    });
    expect((await complete(first)).payment_status).toBe('paid');
    await receiver.waitFor(() => events('checkout.session.completed', first).length > 0);
    await receiver.waitFor(() => events('payment_link.created', link.id).length > 0);

    const off = await stripe.paymentLinks.update(link.id, { active: false });
    expect(off.active).toBe(false);
    await receiver.waitFor(() => events('payment_link.updated', link.id).length > 0);
    const updated = events('payment_link.updated', link.id)[0]!.event!;
    expect((updated.data as { previous_attributes: unknown }).previous_attributes).toEqual({
      active: true,
    });
    expect(schemaErrors(updated)).toEqual([]);
    expect((await fetch(link.url, { redirect: 'manual' })).status).toBe(410);
    const active = await stripe.paymentLinks.list({ active: true });
    expect(active.data.map((l) => l.id)).not.toContain(link.id);
    expect((await stripe.paymentLinks.list({ active: false })).data.map((l) => l.id)).toContain(
      link.id,
    );
  });

  it('a payment link with an application fee and a destination makes a destination charge', async () => {
    const account = (
      await onboardedAccount(stripe, {
        type: 'express',
        capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
      })
    ).id;
    const link = await stripe.paymentLinks.create({
      line_items: [{ price: (await price(10_000)).id, quantity: 1 }],
      application_fee_amount: 1200,
      transfer_data: { destination: account },
      on_behalf_of: account,
    });
    expect(link).toMatchObject({
      application_fee_amount: 1200,
      transfer_data: { destination: account, amount: null },
      on_behalf_of: account,
    });
    const done = await complete(await follow(link.url));
    // Without a redirect, a paid session returns to the link's confirmation page.
    expect(done.success_url).toBe(`${link.url}/done?session_id={CHECKOUT_SESSION_ID}`);
    expect((await fetch(`${link.url}/done?session_id=${done.id}`)).status).toBe(200);
    const intent = await stripe.paymentIntents.retrieve(done.payment_intent as string);
    expect(intent).toMatchObject({
      amount: 10_000,
      application_fee_amount: 1200,
      transfer_data: { destination: account },
      on_behalf_of: account,
    });
    await expect(
      stripe.paymentLinks.create({
        line_items: [{ price: (await price(100)).id, quantity: 1 }],
        transfer_data: { destination: 'acct_nobody' },
      }),
    ).rejects.toMatchObject({ statusCode: 404, param: 'transfer_data[destination]' });
  });

  it("a payment link is its owner's: its prices must be, and others get No such payment link", async () => {
    const account = (await onboardedAccount(stripe)).id;
    const theirs = await stripe.prices.create(
      { currency: 'usd', unit_amount: 100, product_data: { name: 'Theirs' } },
      { stripeAccount: account },
    );
    await expect(
      stripe.paymentLinks.create({ line_items: [{ price: theirs.id, quantity: 1 }] }),
    ).rejects.toMatchObject({ statusCode: 404, param: 'line_items[0][price]' });
    const link = await stripe.paymentLinks.create(
      { line_items: [{ price: theirs.id, quantity: 1 }] },
      { stripeAccount: account },
    );
    await expect(stripe.paymentLinks.retrieve(link.id)).rejects.toMatchObject({ statusCode: 404 });
    // Its sessions are the account's.
    const session = await follow(link.url);
    await expect(stripe.checkout.sessions.retrieve(session)).rejects.toMatchObject({
      statusCode: 404,
    });
    const onAccount = await stripe.checkout.sessions.retrieve(
      session,
      {},
      { stripeAccount: account },
    );
    expect(onAccount.payment_link).toBe(link.id);
    await eventually(async () => (await complete(session, account)).status === 'complete');
  });
});

describeCliTriggers('stripe trigger for payment links (the official CLI)', [
  'payment_link.created',
  'payment_link.updated',
]);
