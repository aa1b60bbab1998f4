import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resources } from '../../src/resources/index.js';
import { connect, registerRedirectUris } from '../helpers/oauth.js';
import type { Receiver } from '../helpers/receiver.js';
import { schemaErrors } from '../helpers/schemas.js';
import { TEST_KEY, type TestServer } from '../helpers/server.js';
import { deliveriesAbout, startPaymentsBench, type PaymentsBench } from '../helpers/payments.js';

/**
 * Payment methods, tokens and publishable keys as Connect integrations use them, with the official
 * `stripe` package: cards from test numbers, tokens and `pm_card_...`, attached to customers and
 * used for payments on the platform and inside connected accounts; `payment_method_data`;
 * `invoice_settings.default_payment_method`; and what a publishable key may do (what Stripe.js
 * and the mobile SDKs call). Every event is checked at a receiver that verifies signatures, and
 * every object against Stripe's schemas.
 */
describe('payment methods, tokens and publishable keys', () => {
  let server: TestServer;
  let receiver: Receiver;
  let stripe: Stripe;
  let pk: string;
  let account: string;

  const valid = (obj: unknown) => expect(schemaErrors(obj)).toEqual([]);
  const card = (number: string) => ({ number, exp_month: 12, exp_year: 2040, cvc: '123' });
  /** The events of a type the receiver got (verified), for one object. */
  const events = (type: string, id: string) => deliveriesAbout(receiver, type, id);
  const waitEvent = async (type: string, id: string) => {
    await receiver.waitFor(() => events(type, id).length > 0, 10_000, `${type} for ${id}`);
    const [r] = events(type, id);
    valid(r!.event);
    return r!;
  };

  let bench: PaymentsBench;
  beforeAll(async () => {
    bench = await startPaymentsBench();
    ({ server, receiver, stripe, pk, account } = bench);
  });
  afterAll(() => bench.close());

  it('creates card payment methods from a test number, a token and pm_card_visa; attaches, lists, updates and detaches them', async () => {
    const fromNumber = await stripe.paymentMethods.create({
      type: 'card',
      card: card('5555555555554444'),
      billing_details: { name: 'Jenny Rosen', email: 'jenny@example.com' },
      metadata: { order: '1' },
    });
    valid(fromNumber);
    expect(fromNumber).toMatchObject({
      object: 'payment_method',
      type: 'card',
      customer: null,
      card: {
        brand: 'mastercard',
        last4: '4444',
        exp_month: 12,
        exp_year: 2040,
        funding: 'credit',
      },
      billing_details: { name: 'Jenny Rosen', email: 'jenny@example.com' },
      metadata: { order: '1' },
    });
    expect(await stripe.paymentMethods.retrieve(fromNumber.id)).toEqual(fromNumber);

    const token = await stripe.tokens.create({ card: card('4000056655665556') } as never);
    valid(token);
    expect(token).toMatchObject({
      type: 'card',
      used: false,
      card: { brand: 'Visa', last4: '5556' },
    });
    const fromToken = await stripe.paymentMethods.create({
      type: 'card',
      card: { token: token.id },
    });
    expect(fromToken.card).toMatchObject({ last4: '5556', funding: 'debit' });
    expect((await stripe.tokens.retrieve(token.id)).used).toBe(true);
    await expect(
      stripe.paymentMethods.create({ type: 'card', card: { token: token.id } }),
    ).rejects.toMatchObject({ code: 'token_already_used', param: 'card[token]' });

    const customer = await stripe.customers.create({ email: 'jenny@example.com' });
    const attached = await stripe.paymentMethods.attach(fromNumber.id, { customer: customer.id });
    expect(attached.customer).toBe(customer.id);
    await waitEvent('payment_method.attached', fromNumber.id);
    // pm_card_visa attaches a new payment method of its own each time, as in Stripe's test mode.
    const visa = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    expect(visa.id).toMatch(/^pm_/);
    expect(visa.id).not.toBe('pm_card_visa');
    expect(visa.card).toMatchObject({ brand: 'visa', last4: '4242' });

    const listed = await stripe.customers.listPaymentMethods(customer.id, { type: 'card' });
    expect(listed.data.map((p) => p.id).sort()).toEqual([fromNumber.id, visa.id].sort());
    const byList = await stripe.paymentMethods.list({ customer: customer.id, type: 'card' });
    expect(byList.data.map((p) => p.id).sort()).toEqual([fromNumber.id, visa.id].sort());
    expect(await stripe.customers.retrievePaymentMethod(customer.id, visa.id)).toMatchObject({
      id: visa.id,
      customer: customer.id,
    });
    await expect(
      stripe.customers.retrievePaymentMethod(customer.id, fromToken.id),
    ).rejects.toMatchObject({ statusCode: 404 });

    const updated = await stripe.paymentMethods.update(fromNumber.id, {
      billing_details: { address: { postal_code: '94103', country: 'US' } },
      card: { exp_month: 6, exp_year: 2041 },
      metadata: { order: '2' },
    });
    valid(updated);
    expect(updated).toMatchObject({
      card: { exp_month: 6, exp_year: 2041 },
      metadata: { order: '2' },
      billing_details: { name: 'Jenny Rosen', address: { postal_code: '94103', country: 'US' } },
    });
    const upd = await waitEvent('payment_method.updated', fromNumber.id);
    expect((upd.event!.data as { previous_attributes: unknown }).previous_attributes).toMatchObject(
      {
        metadata: { order: '1' },
        card: { exp_month: 12, exp_year: 2040 },
      },
    );
    // Stripe updates only payment methods saved to a customer.
    await expect(
      stripe.paymentMethods.update(fromToken.id, { metadata: { a: 'b' } }),
    ).rejects.toThrow(/save this PaymentMethod to a customer/);

    await stripe.customers.update(customer.id, {
      invoice_settings: { default_payment_method: visa.id },
    });
    const detached = await stripe.paymentMethods.detach(visa.id);
    expect(detached.customer).toBeNull();
    const det = await waitEvent('payment_method.detached', visa.id);
    expect((det.event!.data as { previous_attributes: unknown }).previous_attributes).toEqual({
      customer: customer.id,
    });
    // Detaching the default payment method leaves the customer without one.
    const after = await stripe.customers.retrieve(customer.id);
    expect((after as Stripe.Customer).invoice_settings.default_payment_method).toBeNull();
    // A detached payment method may not be used again.
    await expect(stripe.paymentMethods.attach(visa.id, { customer: customer.id })).rejects.toThrow(
      /may not be used again/,
    );
  });

  it("refuses what Stripe refuses: a mistyped number, a real card in test mode, a declining card's attach, a default payment method not attached", async () => {
    await expect(
      stripe.paymentMethods.create({ type: 'card', card: card('4242424242424241') }),
    ).rejects.toMatchObject({ type: 'StripeCardError', code: 'incorrect_number' });
    await expect(
      stripe.paymentMethods.create({ type: 'card', card: card('4012888888881881') }),
    ).rejects.toMatchObject({ code: 'card_declined', decline_code: 'test_mode_live_card' });
    await expect(
      stripe.paymentMethods.create({
        type: 'card',
        card: { ...card('4242424242424242'), exp_year: 2001 },
      }),
    ).rejects.toMatchObject({ code: 'invalid_expiry_year' });
    await expect(
      stripe.paymentMethods.create({
        type: 'ideal' as 'card',
        card: card('4242424242424242'),
      }),
    ).rejects.toMatchObject({ param: 'type' });

    const customer = await stripe.customers.create({});
    const declining = await stripe.paymentMethods.create({
      type: 'card',
      card: card('4000000000000002'),
    });
    await expect(
      stripe.paymentMethods.attach(declining.id, { customer: customer.id }),
    ).rejects.toMatchObject({ type: 'StripeCardError', decline_code: 'generic_decline' });
    // A card that declines only its charges attaches (Stripe's 4000000000000341).
    await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });

    const loose = await stripe.paymentMethods.create({
      type: 'card',
      card: card('4242424242424242'),
    });
    await expect(
      stripe.customers.update(customer.id, {
        invoice_settings: { default_payment_method: loose.id },
      }),
    ).rejects.toMatchObject({ param: 'invoice_settings[default_payment_method]' });
    await expect(
      stripe.customers.update(customer.id, {
        invoice_settings: { default_payment_method: 'pm_nonexistent' },
      }),
    ).rejects.toMatchObject({ statusCode: 404 });
    // customers.create with payment_method attaches it, and may make it the default.
    const withPm = await stripe.customers.create({
      payment_method: loose.id,
      invoice_settings: { default_payment_method: loose.id },
    });
    expect(withPm.invoice_settings.default_payment_method).toBe(loose.id);
    expect((await stripe.paymentMethods.retrieve(loose.id)).customer).toBe(withPm.id);
  });

  it('us_bank_account payment methods', async () => {
    const bank = await stripe.paymentMethods.create({
      type: 'us_bank_account',
      us_bank_account: {
        account_holder_type: 'company',
        account_number: '000123456789',
        routing_number: '110000000',
      },
      billing_details: { name: 'Rocket Rides' },
    });
    valid(bank);
    expect(bank.us_bank_account).toMatchObject({
      account_holder_type: 'company',
      account_type: 'checking',
      last4: '6789',
      routing_number: '110000000',
    });
    await expect(
      stripe.paymentMethods.create({
        type: 'us_bank_account',
        us_bank_account: { account_number: '000123456789', routing_number: '110000000' },
      }),
    ).rejects.toMatchObject({ code: 'parameter_missing', param: 'billing_details[name]' });
    const customer = await stripe.customers.create({});
    await stripe.paymentMethods.attach(bank.id, { customer: customer.id });
    const banks = await stripe.customers.listPaymentMethods(customer.id, {
      type: 'us_bank_account',
    });
    expect(banks.data.map((p) => p.id)).toEqual([bank.id]);
    expect((await stripe.customers.listPaymentMethods(customer.id, { type: 'card' })).data).toEqual(
      [],
    );
  });

  it('payment_method_data on PaymentIntent create and confirm makes the payment method', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 1500,
      currency: 'usd',
      payment_method_data: { type: 'card', card: { token: 'tok_visa' } } as never,
      confirm: true,
    });
    valid(pi);
    expect(pi.status).toBe('succeeded');
    expect(pi.payment_method).toMatch(/^pm_/);
    const pm = await stripe.paymentMethods.retrieve(pi.payment_method as string);
    expect(pm.card!.last4).toBe('4242');

    const later = await stripe.paymentIntents.create({ amount: 900, currency: 'usd' });
    await expect(
      stripe.paymentIntents.confirm(later.id, {
        payment_method_data: {
          type: 'card',
          card: card('4000000000009995'),
          billing_details: { name: 'Broke' },
        } as never,
      }),
    ).rejects.toMatchObject({ type: 'StripeCardError', decline_code: 'insufficient_funds' });
    const failed = await stripe.paymentIntents.retrieve(later.id);
    valid(failed);
    expect(failed.status).toBe('requires_payment_method');
    const tried = failed.last_payment_error!.payment_method!;
    expect(tried).toMatchObject({ card: { last4: '9995' }, billing_details: { name: 'Broke' } });
    await expect(
      stripe.paymentIntents.create({
        amount: 100,
        currency: 'usd',
        payment_method: 'pm_card_visa',
        payment_method_data: { type: 'card', card: { token: 'tok_visa' } } as never,
      }),
    ).rejects.toMatchObject({ code: 'parameters_exclusive' });
  });

  it('tokens: card and bank account, on the platform and with Stripe-Account; a bank token becomes an external account', async () => {
    const bankToken = await stripe.tokens.create({
      bank_account: {
        country: 'US',
        currency: 'usd',
        account_holder_name: 'Jenny Rosen',
        account_holder_type: 'individual',
        routing_number: '110000000',
        account_number: '000123456789',
      },
    });
    valid(bankToken);
    expect(bankToken).toMatchObject({
      type: 'bank_account',
      bank_account: { last4: '6789', routing_number: '110000000', country: 'US' },
    });
    expect(bankToken.id).toMatch(/^btok_/);
    const ba = await stripe.accounts.createExternalAccount(account, {
      external_account: bankToken.id,
    });
    expect(ba).toMatchObject({
      object: 'bank_account',
      last4: '6789',
      account_holder_name: 'Jenny Rosen',
    });
    await expect(
      stripe.accounts.createExternalAccount(account, { external_account: bankToken.id }),
    ).rejects.toMatchObject({ code: 'token_already_used' });

    // A token made inside the connected account (Stripe.js with stripeAccount) is the account's.
    const inside = await stripe.tokens.create({ card: card('4242424242424242') } as never, {
      stripeAccount: account,
    });
    await expect(stripe.tokens.retrieve(inside.id)).rejects.toMatchObject({ statusCode: 404 });
    expect((await stripe.tokens.retrieve(inside.id, {}, { stripeAccount: account })).id).toBe(
      inside.id,
    );
    const pm = await stripe.paymentMethods.create(
      { type: 'card', card: { token: inside.id } },
      { stripeAccount: account },
    );
    expect(pm.card!.last4).toBe('4242');
  });

  it('payment methods attached to a customer of a connected account pay a direct charge there', async () => {
    const opts = { stripeAccount: account };
    const customer = await stripe.customers.create({ email: 'rider@example.com' }, opts);
    const pm = await stripe.paymentMethods.create(
      { type: 'card', card: card('4242424242424242') },
      opts,
    );
    await stripe.paymentMethods.attach(pm.id, { customer: customer.id }, opts);
    const attached = await waitEvent('payment_method.attached', pm.id);
    expect(attached.path).toBe('/connect');
    expect(attached.event!.account).toBe(account);
    // Out of the platform's reach, and the account's customers' out of other scopes.
    await expect(stripe.paymentMethods.retrieve(pm.id)).rejects.toMatchObject({ statusCode: 404 });

    const pi = await stripe.paymentIntents.create(
      {
        amount: 4000,
        currency: 'usd',
        customer: customer.id,
        payment_method: pm.id,
        application_fee_amount: 400,
        confirm: true,
      },
      opts,
    );
    expect(pi.status).toBe('succeeded');
    const charge = await stripe.charges.retrieve(pi.latest_charge as string, {}, opts);
    expect(charge).toMatchObject({ payment_method: pm.id, customer: customer.id, paid: true });
    const succeeded = await waitEvent('payment_intent.succeeded', pi.id);
    expect(succeeded.event!.account).toBe(account);
    // Attached, the payment method pays again.
    const again = await stripe.paymentIntents.create(
      {
        amount: 1000,
        currency: 'usd',
        customer: customer.id,
        payment_method: pm.id,
        confirm: true,
      },
      opts,
    );
    expect(again.status).toBe('succeeded');
    // Without its customer, Stripe refuses a payment method that belongs to one.
    await expect(
      stripe.paymentIntents.create(
        { amount: 1000, currency: 'usd', payment_method: pm.id, confirm: true },
        opts,
      ),
    ).rejects.toMatchObject({ param: 'payment_method' });
  });

  it("clones a platform customer's payment method into a connected account", async () => {
    const customer = await stripe.customers.create({});
    const pm = await stripe.paymentMethods.attach('pm_card_mastercard', { customer: customer.id });
    const clone = await stripe.paymentMethods.create(
      { customer: customer.id, payment_method: pm.id },
      { stripeAccount: account },
    );
    expect(clone.id).not.toBe(pm.id);
    expect(clone).toMatchObject({ customer: null, card: { last4: '4444', brand: 'mastercard' } });
    expect(clone.card!.fingerprint).toBe(pm.card!.fingerprint);
    const pi = await stripe.paymentIntents.create(
      { amount: 700, currency: 'usd', payment_method: clone.id, confirm: true },
      { stripeAccount: account },
    );
    expect(pi.status).toBe('succeeded');
  });

  describe('publishable keys', () => {
    it("are printed for the platform and its sandboxes, and answer Stripe's error outside what Stripe.js may call", async () => {
      expect(pk).toMatch(/^pk_test_/);
      const sandbox = (await (
        await fetch(`${server.url}/v1/switchboard/sandboxes`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${TEST_KEY}` },
        })
      ).json()) as { publishable_key: string };
      expect(sandbox.publishable_key).toMatch(/^pk_test_/);
      expect(sandbox.publishable_key).not.toBe(pk);

      const client = server.stripe(pk);
      for (const call of [
        () => client.customers.list(),
        () => client.customers.create({}),
        () => client.paymentIntents.create({ amount: 100, currency: 'usd' }),
        () => client.paymentMethods.list(),
        () => client.accounts.list(),
      ]) {
        await expect(call()).rejects.toMatchObject({
          statusCode: 403,
          code: 'secret_key_required',
        });
      }
    });

    it('every route but those Stripe.js calls refuses a publishable key with secret_key_required', async () => {
      const open = new Set<string>();
      for (const route of resources.flatMap((r) => r.routes)) {
        const path = route.path.replace(/:[a-z]+/g, 'x_1');
        const res = await fetch(`${server.url}${path}`, {
          method: route.method,
          headers: { Authorization: `Bearer ${pk}` },
        });
        const body = (await res.json()) as { error?: { code?: string } };
        if (route.publishable) {
          expect(body.error?.code, `${route.method} ${route.path}`).not.toBe('secret_key_required');
          open.add(`${route.method} ${route.path}`);
        } else {
          expect(res.status, `${route.method} ${route.path}`).toBe(403);
          expect(body.error?.code).toBe('secret_key_required');
        }
      }
      expect([...open].sort()).toEqual(
        [
          'GET /v1/payment_intents/:id',
          'POST /v1/payment_intents/:id/confirm',
          // stripe.verifyMicrodepositsForPayment
          'POST /v1/payment_intents/:id/verify_microdeposits',
          'POST /v1/payment_methods',
          'POST /v1/tokens',
          'GET /v1/setup_intents/:id',
          'POST /v1/setup_intents/:id/confirm',
        ].sort(),
      );
    });

    it('a client-side confirm with a publishable key: create the payment method, retrieve and confirm the PaymentIntent with its client_secret', async () => {
      // The platform's server creates the PaymentIntent; the browser holds pk and client_secret.
      const customer = await stripe.customers.create({});
      const pi = await stripe.paymentIntents.create({
        amount: 2599,
        currency: 'usd',
        customer: customer.id,
        setup_future_usage: 'off_session',
        metadata: { order: 'A-1' },
      });
      const client = server.stripe(pk);
      const pm = await client.paymentMethods.create({
        type: 'card',
        card: card('4242424242424242'),
        billing_details: { name: 'Jenny Rosen' },
      });
      const seen = await client.paymentIntents.retrieve(pi.id, {
        client_secret: pi.client_secret!,
      });
      expect(seen).toMatchObject({ id: pi.id, status: 'requires_payment_method', amount: 2599 });
      // Stripe.js sees no customer, metadata or Connect fields.
      expect(seen).not.toHaveProperty('metadata');
      expect(seen).not.toHaveProperty('customer');
      await expect(client.paymentIntents.retrieve(pi.id)).rejects.toMatchObject({
        code: 'parameter_missing',
        param: 'client_secret',
      });
      const other = await stripe.paymentIntents.create({ amount: 100, currency: 'usd' });
      await expect(
        client.paymentIntents.retrieve(pi.id, { client_secret: other.client_secret! }),
      ).rejects.toMatchObject({ param: 'client_secret' });
      await expect(
        client.paymentIntents.confirm(pi.id, {
          payment_method: pm.id,
          client_secret: 'nope',
        } as never),
      ).rejects.toMatchObject({ param: 'client_secret' });

      const confirmed = await client.paymentIntents.confirm(pi.id, {
        payment_method: pm.id,
        client_secret: pi.client_secret!,
      } as never);
      expect(confirmed.status).toBe('succeeded');
      const full = await stripe.paymentIntents.retrieve(pi.id);
      valid(full);
      expect(full).toMatchObject({ status: 'succeeded', metadata: { order: 'A-1' } });
      await waitEvent('payment_intent.succeeded', pi.id);
      // setup_future_usage with a customer saved the card to the customer.
      expect((await stripe.paymentMethods.retrieve(pm.id)).customer).toBe(customer.id);
      await waitEvent('payment_method.attached', pm.id);
    });

    it("the platform's publishable key with Stripe-Account confirms a direct charge's PaymentIntent", async () => {
      const opts = { stripeAccount: account };
      const pi = await stripe.paymentIntents.create(
        { amount: 1200, currency: 'usd', application_fee_amount: 100 },
        opts,
      );
      const client = server.stripe(pk, { stripeAccount: account });
      const pm = await client.paymentMethods.create({
        type: 'card',
        card: card('4242424242424242'),
      });
      const confirmed = await client.paymentIntents.confirm(pi.id, {
        payment_method: pm.id,
        client_secret: pi.client_secret!,
      } as never);
      expect(confirmed.status).toBe('succeeded');
      // The publishable key without Stripe-Account does not reach the account's intent.
      await expect(
        server.stripe(pk).paymentIntents.retrieve(pi.id, { client_secret: pi.client_secret! }),
      ).rejects.toMatchObject({ statusCode: 404 });
    });

    it("the OAuth token's stripe_publishable_key is a real key that acts only as its account", async () => {
      await registerRedirectUris(server, ['https://platform.example/oauth/callback']);
      const back = await connect(
        server,
        stripe.oauth.authorizeUrl({
          client_id: server.sb.startup.platform.application_id,
          scope: 'read_write',
          redirect_uri: 'https://platform.example/oauth/callback',
        }),
      );
      const token = await stripe.oauth.token({
        grant_type: 'authorization_code',
        code: back.searchParams.get('code')!,
      });
      const accountPk = token.stripe_publishable_key!;
      expect(accountPk).toMatch(/^pk_test_/);
      const acct = token.stripe_user_id!;
      const pi = await stripe.paymentIntents.create(
        { amount: 500, currency: 'usd' },
        { stripeAccount: acct },
      );
      const client = server.stripe(accountPk);
      const pm = await client.paymentMethods.create({
        type: 'card',
        card: card('4242424242424242'),
      });
      const done = await client.paymentIntents.confirm(pi.id, {
        payment_method: pm.id,
        client_secret: pi.client_secret!,
      } as never);
      expect(done.status).toBe('succeeded');
      // Another account's (or the platform's) intent is out of its reach.
      const platformPi = await stripe.paymentIntents.create({ amount: 500, currency: 'usd' });
      await expect(
        client.paymentIntents.retrieve(platformPi.id, { client_secret: platformPi.client_secret! }),
      ).rejects.toMatchObject({ statusCode: 404 });
      await expect(
        server
          .stripe(accountPk, { stripeAccount: account })
          .paymentMethods.create({ type: 'card', card: card('4242424242424242') }),
      ).rejects.toMatchObject({ statusCode: 403 });
      // A refreshed grant gives the same publishable key.
      const refreshed = await stripe.oauth.token({
        grant_type: 'refresh_token',
        refresh_token: token.refresh_token!,
      });
      expect(refreshed.stripe_publishable_key).toBe(accountPk);
    });
  });
});
