// The README's node:test example: `node --test` runs it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Stripe from 'stripe';
import { startSwitchboard } from '@switchboard/testing';

let sb;
let stripe;
before(async () => {
  sb = await startSwitchboard();
  stripe = new Stripe(sb.secretKey, sb.stripeOptions);
});
after(() => sb.close());

test('a connected account gets a payout, paid a day later', async () => {
  await sb.webhooks.endpoint({ connect: true });
  const account = await stripe.accounts.create({ type: 'custom', country: 'US' });
  await stripe.accounts.createExternalAccount(account.id, { external_account: 'btok_us' });
  // Onboarded with test values, as hosted onboarding does: only then can it charge and pay out.
  await stripe.rawRequest(
    'POST',
    `/v1/test_helpers/accounts/${account.id}/complete_onboarding`,
    {},
  );
  await stripe.paymentIntents.create(
    { amount: 5000, currency: 'usd', payment_method: 'pm_card_bypassPending', confirm: true },
    { stripeAccount: account.id },
  );
  const payout = await stripe.payouts.create(
    { amount: 1000, currency: 'usd' },
    { stripeAccount: account.id },
  );
  await sb.clock.advance('1d');
  const paid = await sb.webhooks.next('payout.paid', { account: account.id });
  assert.equal(paid.event.data.object.id, payout.id);
});

test('a failing handler gets the retry', async () => {
  const endpoint = await sb.webhooks.endpoint({
    events: ['customer.created'],
    respond: (delivery) => (delivery.attempt === 1 ? 500 : 200),
  });
  await stripe.customers.create();
  assert.equal((await endpoint.next('customer.created')).status, 500);
  await sb.clock.advance('10m');
  const retry = await endpoint.next('customer.created');
  assert.deepEqual([retry.attempt, retry.status], [2, 200]);
});
