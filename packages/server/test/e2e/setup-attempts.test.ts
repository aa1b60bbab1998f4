import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  endPaymentScenario,
  payableAccount,
  startPaymentScenario,
  type PaymentEvents,
} from '../helpers/payments.js';
import { schemaErrors } from '../helpers/schemas.js';
import type { TestServer } from '../helpers/server.js';

/**
 * SetupAttempts with the official `stripe` package: each confirmation of a SetupIntent records an
 * attempt (`GET /v1/setup_attempts?setup_intent=`), and the intent's `latest_attempt` names the
 * newest, in the events the receiver verifies too.
 */
describe('setup attempts', () => {
  let server: TestServer;
  let events: PaymentEvents;
  let stripe: Stripe;

  beforeAll(async () => ({ server, events, stripe } = await startPaymentScenario()));
  afterAll(() => endPaymentScenario({ server, events }));

  /** Follows next_action to the 3D Secure test page and presses one of its buttons. */
  const authenticate = (si: Stripe.SetupIntent, action: 'complete' | 'fail') =>
    fetch(si.next_action!.redirect_to_url!.url!, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `action=${action}`,
      redirect: 'manual',
    });

  it('each confirmation of a setup intent records a setup attempt, named by latest_attempt', async () => {
    const customer = await stripe.customers.create({ name: 'Attempts' });
    const declined = await stripe.setupIntents
      .create({
        customer: customer.id,
        payment_method: 'pm_card_chargeDeclined',
        confirm: true,
        usage: 'off_session',
      })
      .catch((e: { raw: { setup_intent: Stripe.SetupIntent } }) => e.raw.setup_intent);
    expect(declined.status).toBe('requires_payment_method');
    expect(declined.latest_attempt).toMatch(/^setatt_/);
    const si = await stripe.setupIntents.confirm(declined.id, { payment_method: 'pm_card_visa' });
    expect(si.status).toBe('succeeded');
    expect(si.latest_attempt).toMatch(/^setatt_/);
    expect(si.latest_attempt).not.toBe(declined.latest_attempt);
    const succeeded = await events.event<Stripe.SetupIntent>(
      'setup_intent.succeeded',
      null,
      (s) => s.id === si.id,
    );
    expect(succeeded.data.object.latest_attempt).toBe(si.latest_attempt);

    const attempts = await stripe.setupAttempts.list({ setup_intent: si.id });
    expect(attempts.data.map((a) => a.id)).toEqual([si.latest_attempt, declined.latest_attempt]);
    for (const a of attempts.data) expect(schemaErrors(a)).toEqual([]);
    expect(attempts.data[0]).toMatchObject({
      object: 'setup_attempt',
      status: 'succeeded',
      setup_intent: si.id,
      customer: customer.id,
      payment_method: si.payment_method,
      usage: 'off_session',
      setup_error: null,
      payment_method_details: { type: 'card', card: { brand: 'visa', last4: '4242' } },
    });
    expect(attempts.data[1]).toMatchObject({
      status: 'failed',
      setup_error: { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline' },
      payment_method_details: { card: { last4: '0002' } },
    });
    // Pages as Stripe's lists do, and narrows by created.
    const first = await stripe.setupAttempts.list({ setup_intent: si.id, limit: 1 });
    expect(first).toMatchObject({ has_more: true });
    const later = await stripe.setupAttempts.list({
      setup_intent: si.id,
      created: { gt: attempts.data[0]!.created + 10 },
    });
    expect(later.data).toEqual([]);
  });

  it('an attempt waiting for 3D Secure succeeds, fails or is abandoned with its intent', async () => {
    const asked = await stripe.setupIntents.create({
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
      return_url: 'https://example.com/back',
    });
    expect(asked.status).toBe('requires_action');
    const waiting = await stripe.setupAttempts.list({ setup_intent: asked.id });
    expect(waiting.data.map((a) => [a.id, a.status])).toEqual([
      [asked.latest_attempt, 'requires_action'],
    ]);
    expect((await authenticate(asked, 'complete')).status).toBe(303);
    const done = await stripe.setupIntents.retrieve(asked.id);
    expect(done).toMatchObject({ status: 'succeeded', latest_attempt: asked.latest_attempt });
    expect((await stripe.setupAttempts.list({ setup_intent: asked.id })).data).toMatchObject([
      { id: asked.latest_attempt, status: 'succeeded' },
    ]);

    const failing = await stripe.setupIntents.create({
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
      return_url: 'https://example.com/back',
    });
    await authenticate(failing, 'fail');
    expect((await stripe.setupAttempts.list({ setup_intent: failing.id })).data).toMatchObject([
      { status: 'failed', setup_error: { code: 'setup_intent_authentication_failure' } },
    ]);

    const dropped = await stripe.setupIntents.create({
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
      return_url: 'https://example.com/back',
    });
    await stripe.setupIntents.cancel(dropped.id);
    expect((await stripe.setupAttempts.list({ setup_intent: dropped.id })).data).toMatchObject([
      { status: 'abandoned' },
    ]);
  });

  it("lists only attempts of the caller's own setup intents, and needs one", async () => {
    const account = await payableAccount(server);
    const theirs = await stripe.setupIntents.create(
      { payment_method: 'pm_card_visa', confirm: true },
      { stripeAccount: account.id },
    );
    const listed = await stripe.setupAttempts.list(
      { setup_intent: theirs.id },
      { stripeAccount: account.id },
    );
    expect(listed.data.map((a) => a.id)).toEqual([theirs.latest_attempt]);
    await expect(stripe.setupAttempts.list({ setup_intent: theirs.id })).rejects.toMatchObject({
      statusCode: 404,
      param: 'setup_intent',
    });
    await expect(
      stripe.setupAttempts.list({} as Stripe.SetupAttemptListParams),
    ).rejects.toMatchObject({ statusCode: 400, param: 'setup_intent' });
  });
});
