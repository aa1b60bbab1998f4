import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Receiver } from '../helpers/receiver.js';
import { schemaErrors } from '../helpers/schemas.js';
import { TEST_KEY, type TestServer } from '../helpers/server.js';
import { deliveriesAbout, startPaymentsBench, type PaymentsBench } from '../helpers/payments.js';

/**
 * Setup intents, ephemeral keys and the flows built on them, as Connect integrations run them
 * with the official `stripe` package: save a card with a SetupIntent (3D Secure on the test page
 * included), then charge it off session; confirm a SetupIntent and a PaymentIntent client-side
 * with a publishable key; a direct charge on a connected account with a platform fee, paid with
 * a payment method set up for a customer of that account. Every event is checked at a receiver
 * that verifies signatures (with its `account`), every object against Stripe's schemas.
 */
describe('setup intents and ephemeral keys', () => {
  let server: TestServer;
  let receiver: Receiver;
  let stripe: Stripe;
  let pk: string;
  let account: string;
  const returnUrl = 'https://shop.example.com/done';

  const valid = (obj: unknown) => expect(schemaErrors(obj)).toEqual([]);
  const card = (number: string) => ({ number, exp_month: 12, exp_year: 2040, cvc: '123' });
  const events = (type: string, id: string) => deliveriesAbout(receiver, type, id);
  /** Waits for one verified delivery of an event, checks its schema and its `account`. */
  const waitEvent = async (type: string, id: string, acct: string | null = null) => {
    await receiver.waitFor(() => events(type, id).length > 0, 10_000, `${type} for ${id}`);
    const [r] = events(type, id);
    valid(r!.event);
    expect(r!.event!.account ?? null).toBe(acct);
    expect(r!.path).toBe(acct ? '/connect' : '/account');
    return r!.event!;
  };
  /** The types of every verified event about one object, in order of creation. */
  const typesFor = (id: string) => {
    const seen = new Map<string, { type: string; created: number }>();
    for (const r of receiver.received) {
      const e = r.event as { id: string; type: string; created: number; data: unknown } | null;
      if (r.verified && e && (e.data as { object: { id: string } }).object.id === id)
        seen.set(e.id, e);
    }
    return [...seen.values()].sort((a, b) => a.created - b.created).map((e) => e.type);
  };
  /** Follows next_action to the 3D Secure test page and presses one of its buttons. */
  const authenticate = async (url: string, action: 'complete' | 'fail') => {
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Complete authentication');
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `action=${action}`,
      redirect: 'manual',
    });
    return res;
  };
  const pending = (b: Stripe.Balance) => b.pending.find((p) => p.currency === 'usd')?.amount ?? 0;

  let bench: PaymentsBench;
  beforeAll(async () => {
    bench = await startPaymentsBench();
    ({ server, receiver, stripe, pk, account } = bench);
  });
  afterAll(() => bench.close());

  it('a setup intent with 3D Secure, then an off-session payment with the saved card', async () => {
    const customer = await stripe.customers.create({ email: 'sub@example.com' });
    // Without being set up, this card asks for 3D Secure and declines off session.
    await expect(
      stripe.paymentIntents.create({
        amount: 500,
        currency: 'usd',
        customer: customer.id,
        payment_method: (
          await stripe.paymentMethods.attach('pm_card_authenticationRequiredOnSetup', {
            customer: customer.id,
          })
        ).id,
        off_session: true,
        confirm: true,
      }),
    ).rejects.toMatchObject({ type: 'StripeCardError', code: 'authentication_required' });

    const si = await stripe.setupIntents.create({
      customer: customer.id,
      usage: 'off_session',
      metadata: { plan: 'monthly' },
    });
    valid(si);
    expect(si).toMatchObject({
      object: 'setup_intent',
      status: 'requires_payment_method',
      customer: customer.id,
      usage: 'off_session',
      metadata: { plan: 'monthly' },
      payment_method_types: ['card'],
    });
    expect(si.client_secret).toMatch(new RegExp(`^${si.id}_secret_`));
    await waitEvent('setup_intent.created', si.id);

    const waiting = await stripe.setupIntents.confirm(si.id, {
      payment_method: 'pm_card_authenticationRequiredOnSetup',
      return_url: returnUrl,
    });
    valid(waiting);
    expect(waiting.status).toBe('requires_action');
    expect(waiting.next_action).toMatchObject({
      type: 'redirect_to_url',
      redirect_to_url: { return_url: returnUrl },
    });
    await waitEvent('setup_intent.requires_action', si.id);
    const pm = waiting.payment_method as string;
    // Not yet the customer's: attached once the setup succeeds.
    expect((await stripe.paymentMethods.retrieve(pm)).customer).toBeNull();

    const back = await authenticate(waiting.next_action!.redirect_to_url!.url!, 'complete');
    expect(back.status).toBe(303);
    const location = new URL(back.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(returnUrl);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      setup_intent: si.id,
      setup_intent_client_secret: si.client_secret,
      redirect_status: 'succeeded',
    });
    const done = await stripe.setupIntents.retrieve(si.id);
    valid(done);
    expect(done).toMatchObject({ status: 'succeeded', payment_method: pm, next_action: null });
    expect((await stripe.paymentMethods.retrieve(pm)).customer).toBe(customer.id);
    await waitEvent('payment_method.attached', pm);
    await waitEvent('setup_intent.succeeded', si.id);
    expect(typesFor(si.id)).toEqual([
      'setup_intent.created',
      'setup_intent.requires_action',
      'setup_intent.succeeded',
    ]);
    // The page is used up.
    expect((await fetch(waiting.next_action!.redirect_to_url!.url!)).status).toBe(410);

    const before = pending(await stripe.balance.retrieve());
    const pi = await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      customer: customer.id,
      payment_method: pm,
      off_session: true,
      confirm: true,
    });
    valid(pi);
    expect(pi.status).toBe('succeeded');
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    const txn = await stripe.balanceTransactions.retrieve(charge.balance_transaction as string);
    expect(txn).toMatchObject({ amount: 2000, type: 'charge', net: 2000 - 88 });
    expect(pending(await stripe.balance.retrieve())).toBe(before + txn.net);
    await waitEvent('charge.succeeded', charge.id);
    await waitEvent('payment_intent.succeeded', pi.id);
    expect(await stripe.setupIntents.list({ customer: customer.id })).toMatchObject({
      data: [{ id: si.id }],
    });
    expect((await stripe.setupIntents.list({ payment_method: pm })).data.map((s) => s.id)).toEqual([
      si.id,
    ]);
  });

  it('declines, a failed 3D Secure, updates and cancellation, as on Stripe', async () => {
    const customer = await stripe.customers.create({});
    const declined = await stripe.setupIntents.create({ customer: customer.id });
    const error = await stripe.setupIntents
      .confirm(declined.id, { payment_method: 'pm_card_chargeDeclined' })
      .catch((e: Stripe.errors.StripeError) => e);
    expect(error).toMatchObject({
      type: 'StripeCardError',
      code: 'card_declined',
      decline_code: 'generic_decline',
      statusCode: 402,
    });
    const failed = await stripe.setupIntents.retrieve(declined.id);
    valid(failed);
    expect(failed).toMatchObject({
      status: 'requires_payment_method',
      payment_method: null,
      last_setup_error: { code: 'card_declined', decline_code: 'generic_decline' },
    });
    await waitEvent('setup_intent.setup_failed', declined.id);
    // A card that only declines charges sets up fine.
    const retried = await stripe.setupIntents.confirm(declined.id, {
      payment_method: 'pm_card_chargeCustomerFail',
    });
    expect(retried.status).toBe('succeeded');
    expect(retried.last_setup_error).toBeNull();

    const threeDs = await stripe.setupIntents.create({
      customer: customer.id,
      payment_method: 'pm_card_visa',
      payment_method_options: { card: { request_three_d_secure: 'any' } },
    });
    expect(threeDs.status).toBe('requires_confirmation');
    expect(threeDs.payment_method_options?.card?.request_three_d_secure).toBe('any');
    const asked = await stripe.setupIntents.confirm(threeDs.id);
    expect(asked.status).toBe('requires_action');
    // Without return_url the page says it is done.
    const page = await authenticate(asked.next_action!.redirect_to_url!.url!, 'fail');
    expect(page.status).toBe(200);
    const after = await stripe.setupIntents.retrieve(threeDs.id);
    expect(after).toMatchObject({
      status: 'requires_payment_method',
      payment_method: null,
      last_setup_error: { code: 'setup_intent_authentication_failure' },
    });
    await waitEvent('setup_intent.setup_failed', threeDs.id);

    const updated = await stripe.setupIntents.update(threeDs.id, {
      description: 'second try',
      metadata: { n: '2' },
      payment_method_data: { type: 'card', card: card('4242424242424242') } as never,
    });
    valid(updated);
    expect(updated).toMatchObject({
      status: 'requires_confirmation',
      description: 'second try',
      metadata: { n: '2' },
    });
    const canceled = await stripe.setupIntents.cancel(threeDs.id, {
      cancellation_reason: 'abandoned',
    });
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    await waitEvent('setup_intent.canceled', threeDs.id);
    await expect(stripe.setupIntents.cancel(threeDs.id)).rejects.toMatchObject({
      code: 'setup_intent_unexpected_state',
    });
    await expect(stripe.setupIntents.confirm(threeDs.id)).rejects.toMatchObject({
      code: 'setup_intent_unexpected_state',
    });
    await expect(
      stripe.setupIntents.confirm((await stripe.setupIntents.create({})).id),
    ).rejects.toMatchObject({ code: 'setup_intent_unexpected_state', param: 'payment_method' });
    await expect(stripe.setupIntents.create({ customer: 'cus_nope' })).rejects.toMatchObject({
      code: 'resource_missing',
      param: 'customer',
    });
    await expect(
      stripe.setupIntents.create({ single_use: { amount: 100, currency: 'usd' } } as never),
    ).rejects.toMatchObject({ param: 'single_use' });
    // A payment method of another customer is refused.
    const other = await stripe.customers.create({});
    const theirs = await stripe.paymentMethods.attach('pm_card_visa', { customer: other.id });
    await expect(
      stripe.setupIntents.create({
        customer: customer.id,
        payment_method: theirs.id,
        confirm: true,
      }),
    ).rejects.toMatchObject({ param: 'payment_method' });
  });

  it('a client-side confirm of a SetupIntent with a publishable key and its client_secret', async () => {
    const customer = await stripe.customers.create({});
    const si = await stripe.setupIntents.create({ customer: customer.id, metadata: { a: 'b' } });
    const client = server.stripe(pk);
    const seen = await client.setupIntents.retrieve(si.id, { client_secret: si.client_secret! });
    expect(seen).toMatchObject({
      id: si.id,
      status: 'requires_payment_method',
      usage: 'off_session',
    });
    expect(seen).not.toHaveProperty('customer');
    expect(seen).not.toHaveProperty('metadata');
    await expect(client.setupIntents.retrieve(si.id)).rejects.toMatchObject({
      code: 'parameter_missing',
      param: 'client_secret',
    });
    await expect(
      client.setupIntents.confirm(si.id, {
        payment_method: 'pm_card_visa',
        client_secret: 'seti_x_secret_y',
      } as never),
    ).rejects.toMatchObject({ param: 'client_secret' });
    // Everything else takes a secret key.
    for (const attempt of [
      client.setupIntents.list(),
      client.setupIntents.cancel(si.id),
      client.setupIntents.update(si.id, { description: 'x' }),
      client.setupIntents.create({}),
    ])
      await expect(attempt).rejects.toMatchObject({ statusCode: 403, code: 'secret_key_required' });

    const confirmed = await client.setupIntents.confirm(si.id, {
      payment_method_data: {
        type: 'card',
        card: card('4000002500003155'),
        billing_details: { name: 'Jenny Rosen' },
      },
      client_secret: si.client_secret!,
      return_url: returnUrl,
    } as never);
    expect(confirmed.status).toBe('requires_action');
    expect(confirmed).not.toHaveProperty('customer');
    const back = await authenticate(confirmed.next_action!.redirect_to_url!.url!, 'complete');
    expect(new URL(back.headers.get('location')!).searchParams.get('redirect_status')).toBe(
      'succeeded',
    );
    const done = await stripe.setupIntents.retrieve(si.id);
    expect(done.status).toBe('succeeded');
    const pm = await stripe.paymentMethods.retrieve(done.payment_method as string);
    valid(pm);
    expect(pm).toMatchObject({
      customer: customer.id,
      card: { last4: '3155' },
      billing_details: { name: 'Jenny Rosen' },
    });
    await waitEvent('setup_intent.succeeded', si.id);
    await waitEvent('payment_method.attached', pm.id);
  });

  it('a client-side confirm of a PaymentIntent with a publishable key through 3D Secure', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1500, currency: 'usd' });
    const client = server.stripe(pk);
    const confirmed = await client.paymentIntents.confirm(pi.id, {
      payment_method_data: { type: 'card', card: card('4000002760003184') },
      client_secret: pi.client_secret!,
      return_url: returnUrl,
    } as never);
    expect(confirmed.status).toBe('requires_action');
    await waitEvent('payment_intent.requires_action', pi.id);
    const back = await authenticate(confirmed.next_action!.redirect_to_url!.url!, 'complete');
    expect(Object.fromEntries(new URL(back.headers.get('location')!).searchParams)).toEqual({
      payment_intent: pi.id,
      payment_intent_client_secret: pi.client_secret,
      redirect_status: 'succeeded',
    });
    const after = await client.paymentIntents.retrieve(pi.id, { client_secret: pi.client_secret! });
    expect(after.status).toBe('succeeded');
    await waitEvent(
      'charge.succeeded',
      (await stripe.paymentIntents.retrieve(pi.id)).latest_charge as string,
    );
    await waitEvent('payment_intent.succeeded', pi.id);
  });

  it('direct charges on a connected account with a platform fee, paid with a payment method set up for a customer there', async () => {
    const opts = { stripeAccount: account };
    const customer = await stripe.customers.create({ email: 'rider@example.com' }, opts);
    const si = await stripe.setupIntents.create(
      { customer: customer.id, payment_method: 'pm_card_visa', confirm: true },
      opts,
    );
    expect(si.status).toBe('succeeded');
    const pm = si.payment_method as string;
    await waitEvent('setup_intent.created', si.id, account);
    await waitEvent('payment_method.attached', pm, account);
    await waitEvent('setup_intent.succeeded', si.id, account);
    // The account's objects are out of the platform's own reach.
    await expect(stripe.setupIntents.retrieve(si.id)).rejects.toMatchObject({ statusCode: 404 });

    const platformBefore = pending(await stripe.balance.retrieve());
    const accountBefore = pending(await stripe.balance.retrieve({}, opts));
    const pi = await stripe.paymentIntents.create(
      {
        amount: 5000,
        currency: 'usd',
        customer: customer.id,
        payment_method: pm,
        application_fee_amount: 700,
        off_session: true,
        confirm: true,
      },
      opts,
    );
    expect(pi.status).toBe('succeeded');
    const charge = await stripe.charges.retrieve(pi.latest_charge as string, {}, opts);
    valid(charge);
    expect(charge).toMatchObject({ customer: customer.id, payment_method: pm, paid: true });
    const txn = await stripe.balanceTransactions.retrieve(
      charge.balance_transaction as string,
      {},
      opts,
    );
    // The account keeps the charge less Stripe's fee (2.9% + 30) and the platform's.
    expect(txn.net).toBe(5000 - 175 - 700);
    expect(pending(await stripe.balance.retrieve({}, opts))).toBe(accountBefore + txn.net);
    expect(pending(await stripe.balance.retrieve())).toBe(platformBefore + 700);
    await waitEvent('charge.succeeded', charge.id, account);
    await waitEvent('payment_intent.created', pi.id, account);
    await waitEvent('payment_intent.succeeded', pi.id, account);
  });

  it('ephemeral keys for a customer: made at the Stripe-Version sent, deleted', async () => {
    const customer = await stripe.customers.create({});
    const key = await stripe.ephemeralKeys.create(
      { customer: customer.id },
      { apiVersion: '2020-08-27' },
    );
    valid(key);
    expect(key).toMatchObject({
      object: 'ephemeral_key',
      associated_objects: [{ id: customer.id, type: 'customer' }],
      livemode: false,
    });
    expect(key.secret).toMatch(/^ek_test_/);
    expect(key.expires - key.created).toBe(3600);
    const deleted = await stripe.ephemeralKeys.del(key.id);
    expect(deleted.id).toBe(key.id);
    expect(deleted.expires).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(deleted).not.toHaveProperty('secret');
    // In a connected account, for its customer.
    const opts = { stripeAccount: account };
    const theirs = await stripe.customers.create({}, opts);
    const accountKey = await stripe.ephemeralKeys.create(
      { customer: theirs.id },
      { apiVersion: '2020-08-27', ...opts },
    );
    await expect(stripe.ephemeralKeys.del(accountKey.id)).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(
      stripe.ephemeralKeys.create({ customer: theirs.id }, { apiVersion: '2020-08-27' }),
    ).rejects.toMatchObject({ code: 'resource_missing', param: 'customer' });
    // Without a Stripe-Version header (stripe-node refuses to send one: a raw request).
    const res = await fetch(`${server.url}/v1/ephemeral_keys`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${TEST_KEY}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: `customer=${customer.id}`,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /Stripe-Version/,
    );
  });
});
