import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboard } from '../helpers/accounts.js';
import { Receiver } from '../helpers/receiver.js';
import { schemaErrors } from '../helpers/schemas.js';
import {
  eventually,
  LIVE_KEY,
  startTestServer,
  TEST_KEY,
  type TestServer,
} from '../helpers/server.js';

const DAY = 86_400_000;

/**
 * The seed's table, end to end: each event is produced by a real change of state through the API,
 * on the platform and on a connected account, in test and live mode; a real receiver gets exactly
 * the events the seed's scope and mode rules allow, signed and schema-valid.
 */
describe('every event of the seed, produced by real state', () => {
  let server: TestServer;
  let receiver: Receiver;
  const clients: Record<'test' | 'live', Stripe> = {} as never;

  beforeAll(async () => {
    server = await startTestServer({ manualClock: true });
    receiver = await new Receiver().start();
    clients.test = server.stripe(TEST_KEY);
    clients.live = server.stripe(LIVE_KEY);
    for (const mode of ['test', 'live'] as const) {
      for (const connect of [false, true]) {
        const path = `/${mode}-${connect ? 'connect' : 'account'}`;
        const we = await clients[mode].webhookEndpoints.create({
          url: receiver.url(path),
          enabled_events: ['*'],
          connect,
        });
        receiver.expect(path, we.secret!);
      }
    }
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  /** Where an event may go under the seed's rules. */
  const expectedPaths = (mode: 'test' | 'live', connected: boolean) =>
    connected
      ? mode === 'test'
        ? ['/live-connect', '/test-connect']
        : ['/live-connect']
      : [`/${mode}-account`];

  /** Waits for an event of `type` matching `match`, then checks where it went and what it says. */
  async function received(
    mode: 'test' | 'live',
    type: string,
    account: string | null,
    match: (object: Record<string, unknown>) => boolean = () => true,
  ): Promise<Stripe.Event> {
    const paths = expectedPaths(mode, account !== null);
    const hits = () =>
      receiver.received.filter(
        (r) =>
          r.event?.type === type &&
          r.event.livemode === (mode === 'live') &&
          (r.event.account ?? null) === account &&
          match((r.event.data as { object: Record<string, unknown> }).object),
      );
    await receiver.waitFor(
      () => paths.every((p) => hits().some((r) => r.path === p)),
      10_000,
      `${mode} ${type} for ${account ?? 'platform'}`,
    );
    const event = hits()[0]!.event! as unknown as Stripe.Event;
    await new Promise((r) => setTimeout(r, 50));
    const sameEvent = receiver.received.filter((r) => r.event?.id === event.id);
    expect(
      sameEvent.map((r) => r.path).sort(),
      `${type} reached exactly its scope's endpoints`,
    ).toEqual(paths);
    for (const r of sameEvent) expect(r.verified, r.verifyError ?? '').toBe(true);
    expect(event.livemode).toBe(mode === 'live');
    expect(schemaErrors(event), `${type} is schema-valid`).toEqual([]);
    return event;
  }

  async function connectedAccount(
    stripe: Stripe,
    params: Stripe.AccountCreateParams = { type: 'custom' },
  ) {
    return stripe.accounts.create({
      country: 'US',
      capabilities: { transfers: { requested: true } },
      ...params,
    });
  }

  /**
   * An onboarded account, as Stripe requires for charges and payouts, paid out manually (no
   * automatic payout takes its funds while the clock moves).
   */
  async function enabledAccount(stripe: Stripe, externalAccount = 'btok_us') {
    const acct = await connectedAccount(stripe, {
      type: 'custom',
      capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
      external_account: externalAccount,
      settings: { payouts: { schedule: { interval: 'manual' } } },
    });
    return onboard(stripe, acct.id);
  }

  for (const mode of ['test', 'live'] as const) {
    describe(`${mode} mode`, () => {
      it('customer.created, on the platform and on a connected account', async () => {
        const stripe = clients[mode];
        const own = await stripe.customers.create({ email: `${mode}@platform.example` });
        await received(mode, 'customer.created', null, (o) => o.id === own.id);
        const acct = await connectedAccount(stripe);
        const theirs = await stripe.customers.create(
          { email: `${mode}@connected.example` },
          { stripeAccount: acct.id },
        );
        await received(mode, 'customer.created', acct.id, (o) => o.id === theirs.id);
      });

      it('account.application.authorized and account.application.deauthorized (Standard accounts)', async () => {
        const stripe = clients[mode];
        const acct = await stripe.accounts.create({ type: 'standard' });
        const authorized = await received(mode, 'account.application.authorized', acct.id);
        expect(authorized.data.object).toMatchObject({
          object: 'application',
          id: expect.stringMatching(/^ca_/),
        });
        const platform = await stripe.accounts.retrieveCurrent();
        const application = (authorized.data.object as Stripe.Application).id;
        expect(platform.id).toMatch(/^acct_/);
        await stripe.oauth.deauthorize({ client_id: application, stripe_user_id: acct.id });
        const deauthorized = await received(mode, 'account.application.deauthorized', acct.id);
        expect(deauthorized.data.object).toEqual(authorized.data.object);
        await expect(stripe.customers.list({}, { stripeAccount: acct.id })).rejects.toMatchObject({
          message: expect.stringMatching(/deauthorized your platform/),
        });
      });

      it('account.updated with previous_attributes', async () => {
        const stripe = clients[mode];
        const acct = await connectedAccount(stripe, { type: 'express' });
        await stripe.accounts.update(acct.id, {
          business_profile: { url: 'https://shop.example', mcc: '5734' },
        });
        const event = await received(mode, 'account.updated', acct.id, (o) => o.id === acct.id);
        expect(event.data.previous_attributes).toMatchObject({
          business_profile: { url: null, mcc: null },
        });
      });

      it('person.updated on an account the platform controls', async () => {
        const stripe = clients[mode];
        const acct = await connectedAccount(stripe, { type: 'custom', business_type: 'company' });
        const person = await stripe.accounts.createPerson(acct.id, {
          first_name: 'Jane',
          last_name: 'Doe',
          relationship: { representative: true },
        });
        await received(mode, 'person.created', acct.id, (o) => o.id === person.id);
        await stripe.accounts.updatePerson(acct.id, person.id, { email: 'jane@example.com' });
        const updated = await received(mode, 'person.updated', acct.id, (o) => o.id === person.id);
        expect(updated.data.previous_attributes).toMatchObject({ email: null });
      });

      it('account.external_account.updated for a bank account and a debit card', async () => {
        const stripe = clients[mode];
        const acct = await connectedAccount(stripe);
        const bank = await stripe.accounts.createExternalAccount(acct.id, {
          external_account: 'btok_us',
        });
        expect(bank.object).toBe('bank_account');
        await received(mode, 'account.external_account.created', acct.id, (o) => o.id === bank.id);
        await stripe.accounts.updateExternalAccount(acct.id, bank.id, {
          metadata: { nickname: 'main' },
        });
        await received(mode, 'account.external_account.updated', acct.id, (o) => o.id === bank.id);
        const card = await stripe.accounts.createExternalAccount(acct.id, {
          external_account: 'tok_visa_debit',
        });
        expect(card).toMatchObject({ object: 'card', funding: 'debit' });
        await stripe.accounts.updateExternalAccount(acct.id, card.id, {
          metadata: { nickname: 'card' },
        });
        await received(mode, 'account.external_account.updated', acct.id, (o) => o.id === card.id);
      });

      it('payment_intent.succeeded for direct and destination charges, and balance.available', async () => {
        const stripe = clients[mode];
        const own = await stripe.paymentIntents.create({
          amount: 2000,
          currency: 'usd',
          payment_method: 'pm_card_visa',
          confirm: true,
        });
        expect(own.status).toBe('succeeded');
        await received(mode, 'payment_intent.succeeded', null, (o) => o.id === own.id);
        await received(mode, 'charge.succeeded', null, (o) => o.payment_intent === own.id);

        const acct = await enabledAccount(stripe);
        const direct = await stripe.paymentIntents.create(
          { amount: 3000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true },
          { stripeAccount: acct.id },
        );
        await received(mode, 'payment_intent.succeeded', acct.id, (o) => o.id === direct.id);

        const destination = await stripe.paymentIntents.create({
          amount: 5000,
          currency: 'usd',
          payment_method: 'pm_card_visa',
          confirm: true,
          transfer_data: { destination: acct.id },
          application_fee_amount: 500,
        });
        // A destination charge belongs to the platform ("your account" scope).
        await received(mode, 'payment_intent.succeeded', null, (o) => o.id === destination.id);
        const pending = await stripe.balance.retrieve({}, { stripeAccount: acct.id });
        expect(pending.pending.find((b) => b.currency === 'usd')!.amount).toBe(3000 - 117 + 4500);

        server.clock!.advance(2 * DAY + 1_000);
        // Both charges' funds fall due together but are released one task at a time, each with its
        // own balance.available: wait for the one that shows both.
        const available = await received(
          mode,
          'balance.available',
          acct.id,
          (o) => (o.available as Array<{ amount: number }>)[0]!.amount === 3000 - 117 + 4500,
        );
        expect(available.data.object).not.toHaveProperty('id');
        const balance = await stripe.balance.retrieve({}, { stripeAccount: acct.id });
        expect(balance.available[0]!.amount).toBe(3000 - 117 + 4500);
        expect(balance.pending[0]!.amount).toBe(0);

        const bypass = await stripe.paymentIntents.create({
          amount: 2000,
          currency: 'usd',
          payment_method: 'pm_card_bypassPending',
          confirm: true,
        });
        const own2 = await received(mode, 'balance.available', null, () => true);
        expect(own2.data.object).toMatchObject({ object: 'balance' });
        expect(bypass.status).toBe('succeeded');
      });

      it('payout.failed disables the external account until it is updated', async () => {
        const stripe = clients[mode];
        const acct = await enabledAccount(stripe, 'btok_us_verified_accountClosed');
        const bank = acct.external_accounts!.data[0]!;
        await stripe.paymentIntents.create(
          { amount: 5000, currency: 'usd', payment_method: 'pm_card_bypassPending', confirm: true },
          { stripeAccount: acct.id },
        );
        const payout = await stripe.payouts.create(
          { amount: 1100, currency: 'usd' },
          { stripeAccount: acct.id },
        );
        expect(payout).toMatchObject({ status: 'pending', destination: bank.id });
        await received(mode, 'payout.created', acct.id, (o) => o.id === payout.id);
        server.clock!.advance(DAY + 1_000);
        const failed = await received(mode, 'payout.failed', acct.id, (o) => o.id === payout.id);
        expect(failed.data.object).toMatchObject({
          status: 'failed',
          failure_code: 'account_closed',
        });
        const errored = await received(
          mode,
          'account.external_account.updated',
          acct.id,
          (o) => o.id === bank.id && o.status === 'errored',
        );
        expect(errored.data.previous_attributes).toEqual({ status: 'new' });
        await eventually(
          async () =>
            (await stripe.accounts.retrieve(acct.id)).payouts_enabled === false || undefined,
          5_000,
          'payouts disabled',
        );
        await expect(
          stripe.payouts.create({ amount: 100, currency: 'usd' }, { stripeAccount: acct.id }),
        ).rejects.toMatchObject({ code: 'payouts_not_allowed' });
        // The funds came back; once the account is updated, payouts work again.
        await stripe.accounts.updateExternalAccount(acct.id, bank.id, {
          account_holder_name: 'Jenny Rosen',
        });
        const again = await stripe.payouts.create(
          { amount: 100, currency: 'usd' },
          { stripeAccount: acct.id },
        );
        expect(again.status).toBe('pending');

        // On the platform: its own bank account, failing.
        const platform = await stripe.accounts.retrieveCurrent();
        await stripe.accounts.createExternalAccount(platform.id, {
          external_account: 'btok_us_verified_noAccount',
        });
        await stripe.paymentIntents.create({
          amount: 5000,
          currency: 'usd',
          payment_method: 'pm_card_bypassPending',
          confirm: true,
        });
        const own = await stripe.payouts.create({ amount: 1100, currency: 'usd' });
        server.clock!.advance(DAY + 1_000);
        const ownFailed = await received(mode, 'payout.failed', null, (o) => o.id === own.id);
        expect(ownFailed.data.object).toMatchObject({ failure_code: 'no_account' });
      });
    });
  }

  it('payment_intent.payment_failed and charge.failed for a declined card, answered with a 402', async () => {
    const stripe = clients.test;
    const error = await stripe.paymentIntents
      .create({
        amount: 1000,
        currency: 'usd',
        payment_method: 'pm_card_chargeDeclined',
        confirm: true,
      })
      .catch((e: Stripe.errors.StripeError) => e);
    expect(error).toMatchObject({
      type: 'StripeCardError',
      code: 'card_declined',
      decline_code: 'generic_decline',
      statusCode: 402,
    });
    const pi = (error as Stripe.errors.StripeCardError).payment_intent!;
    await received('test', 'payment_intent.payment_failed', null, (o) => o.id === pi.id);
    await received('test', 'charge.failed', null, (o) => o.payment_intent === pi.id);
  });

  it('the test payout helper fails a platform payout', async () => {
    const stripe = clients.test;
    await stripe.paymentIntents.create({
      amount: 3000,
      currency: 'usd',
      payment_method: 'pm_card_bypassPending',
      confirm: true,
    });
    // The platform's bank account failed a payout earlier: updating it re-enables payouts.
    const platform = await stripe.accounts.retrieveCurrent();
    const banks = await stripe.accounts.listExternalAccounts(platform.id);
    await expect(stripe.payouts.create({ amount: 100, currency: 'usd' })).rejects.toMatchObject({
      code: 'payouts_not_allowed',
    });
    await stripe.accounts.updateExternalAccount(platform.id, banks.data[0]!.id, {
      metadata: { fixed: 'yes' },
    });
    const before = await stripe.balance.retrieve();
    const payout = await stripe.payouts.create({ amount: 1100, currency: 'usd' });
    const res = await fetch(`${server.url}/v1/test_helpers/payouts/${payout.id}/fail`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_KEY}` },
    });
    expect(res.status).toBe(200);
    await received('test', 'payout.failed', null, (o) => o.id === payout.id);
    const after = await stripe.balance.retrieve();
    expect(after.available[0]!.amount).toBe(before.available[0]!.amount);
  });
});
