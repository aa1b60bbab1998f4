import { ApiError, type Api } from './api';
import type { Mode } from './session';
import type { ConnectedAccount } from './types';

/**
 * The seed's events for a connected account, produced the way the Stripe CLI's fixtures produce
 * them: real API calls that change real state (acting as the account with `Stripe-Account`, or on
 * the account as its platform). Each returns a sentence saying what it did.
 */
export interface Fixture {
  event: string;
  /** What it calls, in a few words. */
  how: string;
  /** Shown beside the button: limits and side effects. */
  note?: string;
  /** The accounts it works for (default: every connected account). */
  for?: (account: ConnectedAccount) => boolean;
  /**
   * The event comes from the platform, not the account: application fees are the platform's
   * (as on Stripe, `application_fee.*` reach the platform's own endpoints).
   */
  fromPlatform?: boolean;
  /** Made with a test helper, which Stripe answers only in test mode: not offered in live mode. */
  testOnly?: boolean;
  run(ctx: FixtureContext): Promise<string>;
}

/**
 * Accounts with their own Stripe Dashboard (Standard): they connect and disconnect themselves,
 * and keep persons and bank accounts to themselves (no events of those reach the platform).
 */
export const ownsDashboard = (a: ConnectedAccount): boolean =>
  a.controller?.stripe_dashboard?.type === 'full';

/** Accounts whose persons and bank accounts the platform manages (Custom, Express). */
const platformControlled = (a: ConnectedAccount): boolean =>
  a.controller?.requirement_collection === 'application' || !ownsDashboard(a);

/** Accounts that can take charges: onboarded, with `card_payments` active (as on Stripe). */
export const takesCharges = (a: ConnectedAccount): boolean => a.charges_enabled === true;

/** The fixtures whose events `account` can produce in `mode`: the buttons its page offers. */
export function fixturesFor(account: ConnectedAccount, mode: Mode = 'test'): Fixture[] {
  return fixtures.filter((f) => (!f.for || f.for(account)) && !(f.testOnly && mode === 'live'));
}

export interface FixtureContext {
  api: Api;
  account: string;
  mode: Mode;
}

interface Obj {
  id: string;
  [k: string]: unknown;
}

const stamp = () => new Date().toISOString();

/** A payment link for a new one-time price, on the account. */
async function paymentLink(ctx: FixtureContext): Promise<Obj> {
  const price = await ctx.api.post<Obj>(
    '/v1/prices',
    { currency: 'usd', unit_amount: 1500, product_data: { name: 'Lesson' } },
    { account: ctx.account },
  );
  return ctx.api.post<Obj>(
    '/v1/payment_links',
    { line_items: [{ price: price.id, quantity: 1 }] },
    { account: ctx.account },
  );
}

async function charge(ctx: FixtureContext, paymentMethod: string, amount = 2000): Promise<Obj> {
  return ctx.api.post<Obj>(
    '/v1/payment_intents',
    { amount, currency: 'usd', payment_method: paymentMethod, confirm: true },
    { account: ctx.account },
  );
}

/** A direct charge on the account paid with `paymentMethod`, and its charge. */
async function paid(
  ctx: FixtureContext,
  paymentMethod: string,
): Promise<{ pi: Obj; charge: string }> {
  const pi = await charge(ctx, paymentMethod);
  return { pi, charge: String(pi.latest_charge) };
}

/**
 * A direct charge on the account paid with `paymentMethod`, refunded in full (by default with
 * funds available at once, for the refund to take back).
 */
async function refunded(
  ctx: FixtureContext,
  paymentMethod = 'pm_card_bypassPending',
): Promise<Obj> {
  const { pi } = await paid(ctx, paymentMethod);
  return ctx.api.post<Obj>('/v1/refunds', { payment_intent: pi.id }, { account: ctx.account });
}

/**
 * A direct charge on the account disputed at once (pm_card_createDispute), and its dispute; $40.00
 * of available funds first, so the amount and fee the dispute takes leave the balance positive.
 */
async function disputed(ctx: FixtureContext): Promise<Obj> {
  await charge(ctx, 'pm_card_bypassPending', 4000);
  const { charge: ch } = await paid(ctx, 'pm_card_createDispute');
  return ctx.api.get<Obj>(`/v1/charges/${ch}/dispute`, {}, { account: ctx.account });
}

/** A direct charge of $20.00 on the account with a $2.00 application fee, and the fee's id. */
async function feeCharge(ctx: FixtureContext): Promise<string> {
  const ch = await ctx.api.post<Obj>(
    '/v1/charges',
    { amount: 2000, currency: 'usd', source: 'tok_visa', application_fee_amount: 200 },
    { account: ctx.account },
  );
  return String(ch.application_fee);
}

/** A new customer of the account, with a card set up for it (setup_intent.succeeded). */
async function savedCard(ctx: FixtureContext): Promise<{ customer: Obj; setupIntent: Obj }> {
  const customer = await ctx.api.post<Obj>(
    '/v1/customers',
    { description: 'Created from the Switchboard dashboard' },
    { account: ctx.account },
  );
  const setupIntent = await ctx.api.post<Obj>(
    '/v1/setup_intents',
    { customer: customer.id, payment_method: 'pm_card_visa', confirm: true },
    { account: ctx.account },
  );
  return { customer, setupIntent };
}

/** A SetupIntent of a new customer of the account confirmed with `paymentMethod`. */
async function setUp(ctx: FixtureContext, paymentMethod: string, confirm = true): Promise<Obj> {
  const customer = await ctx.api.post<Obj>('/v1/customers', {}, { account: ctx.account });
  return ctx.api.post<Obj>(
    '/v1/setup_intents',
    {
      customer: customer.id,
      payment_method: paymentMethod,
      confirm,
      ...(confirm ? { return_url: 'https://example.com/setup-complete' } : {}),
    },
    { account: ctx.account },
  );
}

/** A Checkout Session on the account for 2 x $15.00, with a $3.00 platform fee. */
async function checkoutSession(ctx: FixtureContext, types?: string[]): Promise<Obj> {
  return ctx.api.post<Obj>(
    '/v1/checkout/sessions',
    {
      mode: 'payment',
      ...(types ? { payment_method_types: types } : {}),
      line_items: [
        {
          price_data: { currency: 'usd', unit_amount: 1500, product_data: { name: 'Lesson' } },
          quantity: 2,
        },
      ],
      payment_intent_data: { application_fee_amount: 300 },
      success_url: 'https://example.com/success?session_id={CHECKOUT_SESSION_ID}',
    },
    { account: ctx.account },
  );
}

/** The seed: after a failed payout, payouts stop until the external account is updated. */
async function reenablePayouts(ctx: FixtureContext): Promise<number> {
  const list = await ctx.api.get<{ data: Obj[] }>(`/v1/accounts/${ctx.account}/external_accounts`, {
    limit: 100,
  });
  for (const ea of list.data) {
    await ctx.api.post(`/v1/accounts/${ctx.account}/external_accounts/${ea.id}`, {
      metadata: { updated_by: 'switchboard dashboard', at: stamp() },
    });
  }
  return list.data.length;
}

export const fixtures: Fixture[] = [
  {
    event: 'customer.created',
    how: 'POST /v1/customers with Stripe-Account',
    async run(ctx) {
      const c = await ctx.api.post<Obj>(
        '/v1/customers',
        { email: 'jenny.rosen@example.com', description: 'Created from the Switchboard dashboard' },
        { account: ctx.account },
      );
      return `Created customer ${c.id} on ${ctx.account}.`;
    },
  },
  {
    event: 'customer.source.updated',
    how: 'a customer with tok_visa as its source, then POST /v1/customers/{id}/sources/{card}',
    note: 'Also customer.created and customer.source.created.',
    async run(ctx) {
      const c = await ctx.api.post<Obj>(
        '/v1/customers',
        { source: 'tok_visa', description: 'Created from the Switchboard dashboard' },
        { account: ctx.account },
      );
      const card = String(c.default_source);
      await ctx.api.post(
        `/v1/customers/${c.id}/sources/${card}`,
        { name: 'Jenny Rosen' },
        { account: ctx.account },
      );
      return `Saved card ${card} for customer ${c.id} on ${ctx.account}, then named its holder.`;
    },
  },
  {
    event: 'account.updated',
    how: 'POST /v1/accounts/{id} (metadata)',
    async run(ctx) {
      await ctx.api.post(`/v1/accounts/${ctx.account}`, {
        metadata: { dashboard_trigger: stamp() },
      });
      return `Updated ${ctx.account}'s metadata.`;
    },
  },
  {
    event: 'payment_intent.succeeded',
    how: 'a direct charge: POST /v1/payment_intents with pm_card_visa, confirm=true',
    for: takesCharges,
    async run(ctx) {
      const pi = await charge(ctx, 'pm_card_visa');
      return `Confirmed payment intent ${pi.id} ($20.00) on ${ctx.account}: also charge.succeeded.`;
    },
  },
  {
    event: 'setup_intent.succeeded',
    how: 'a customer, then POST /v1/setup_intents with pm_card_visa, confirm=true',
    note: 'Also setup_intent.created and payment_method.attached.',
    async run(ctx) {
      const { customer, setupIntent } = await savedCard(ctx);
      return `Set up ${String(setupIntent.payment_method)} for customer ${customer.id} on ${ctx.account}.`;
    },
  },
  {
    event: 'setup_intent.setup_failed',
    how: 'POST /v1/setup_intents with pm_card_chargeDeclined, confirm=true',
    async run(ctx) {
      try {
        await setUp(ctx, 'pm_card_chargeDeclined');
      } catch (e) {
        if (!(e instanceof ApiError) || e.status !== 402) throw e;
        return `The card was declined (${e.message}): the setup intent needs a new payment method.`;
      }
      throw new Error('pm_card_chargeDeclined set up without a decline.');
    },
  },
  {
    event: 'setup_intent.requires_action',
    how: 'POST /v1/setup_intents with pm_card_authenticationRequired, confirm=true',
    note: "Its next_action leads to Switchboard's 3D Secure test page.",
    async run(ctx) {
      const si = await setUp(ctx, 'pm_card_authenticationRequired');
      return `Setup intent ${si.id} waits for 3D Secure.`;
    },
  },
  {
    event: 'setup_intent.canceled',
    how: 'POST /v1/setup_intents, then cancel it',
    async run(ctx) {
      const si = await setUp(ctx, 'pm_card_visa', false);
      await ctx.api.post(
        `/v1/setup_intents/${si.id}/cancel`,
        { cancellation_reason: 'abandoned' },
        { account: ctx.account },
      );
      return `Created setup intent ${si.id} and canceled it.`;
    },
  },
  {
    event: 'payment_method.updated',
    how: 'set up a card for a new customer, then POST /v1/payment_methods/{id} (billing details)',
    async run(ctx) {
      const { setupIntent } = await savedCard(ctx);
      const pm = String(setupIntent.payment_method);
      await ctx.api.post(
        `/v1/payment_methods/${pm}`,
        { billing_details: { name: 'Jenny Rosen' } },
        { account: ctx.account },
      );
      return `Set up ${pm} and updated its billing name: payment_method.attached, then .updated.`;
    },
  },
  {
    event: 'payment_method.detached',
    how: 'set up a card for a new customer, then POST /v1/payment_methods/{id}/detach',
    async run(ctx) {
      const { customer, setupIntent } = await savedCard(ctx);
      const pm = String(setupIntent.payment_method);
      await ctx.api.post(`/v1/payment_methods/${pm}/detach`, {}, { account: ctx.account });
      return `Set up ${pm} for ${customer.id}, then detached it.`;
    },
  },
  {
    event: 'checkout.session.completed',
    how: 'a Checkout Session with a platform fee, paid with pm_card_visa (the test helper)',
    for: takesCharges,
    async run(ctx) {
      const session = await checkoutSession(ctx);
      await ctx.api.post(
        `/v1/switchboard/checkout/sessions/${session.id}/complete`,
        { payment_method: 'pm_card_visa' },
        { account: ctx.account },
      );
      return `Paid Checkout Session ${session.id} ($30.00, $3.00 to the platform) on ${ctx.account}: also payment_intent.succeeded and charge.succeeded.`;
    },
  },
  ...(
    [
      ['checkout.session.async_payment_succeeded', 'pm_usBankAccount_success', 'succeeds'],
      ['checkout.session.async_payment_failed', 'pm_usBankAccount_insufficientFunds', 'fails'],
    ] as const
  ).map(([event, paymentMethod, outcome]) => ({
    event,
    how: `a Checkout Session paid by ACH Direct Debit with ${paymentMethod} (the test helper); the debit ${outcome} 2 s later on the server's clock`,
    for: takesCharges,
    async run(ctx: FixtureContext) {
      const session = await checkoutSession(ctx, ['card', 'us_bank_account']);
      await ctx.api.post(
        `/v1/switchboard/checkout/sessions/${session.id}/complete`,
        { payment_method: paymentMethod },
        { account: ctx.account },
      );
      return `Paid Checkout Session ${session.id} by bank debit on ${ctx.account}: checkout.session.completed (unpaid) now, ${event} when the debit ${outcome}.`;
    },
  })),
  {
    event: 'payment_intent.processing',
    how: 'a PaymentIntent paid by ACH Direct Debit with pm_usBankAccount_success',
    for: takesCharges,
    async run(ctx) {
      const pi = await ctx.api.post<Obj>(
        '/v1/payment_intents',
        {
          amount: 2000,
          currency: 'usd',
          payment_method_types: ['us_bank_account'],
          payment_method: 'pm_usBankAccount_success',
          confirm: true,
        },
        { account: ctx.account },
      );
      return `PaymentIntent ${pi.id} ($20.00) is processing on ${ctx.account}: payment_intent.succeeded follows when the debit settles.`;
    },
  },
  {
    event: 'checkout.session.expired',
    how: 'a Checkout Session, expired (POST /v1/checkout/sessions/{id}/expire)',
    async run(ctx) {
      const session = await checkoutSession(ctx);
      await ctx.api.post(
        `/v1/checkout/sessions/${session.id}/expire`,
        {},
        { account: ctx.account },
      );
      return `Expired Checkout Session ${session.id} on ${ctx.account}.`;
    },
  },
  {
    event: 'price.created',
    how: 'POST /v1/prices with product_data, with Stripe-Account',
    note: 'Also product.created.',
    async run(ctx) {
      const price = await ctx.api.post<Obj>(
        '/v1/prices',
        { currency: 'usd', unit_amount: 1500, product_data: { name: 'Lesson' } },
        { account: ctx.account },
      );
      return `Created price ${price.id} and its product ${String(price.product)} on ${ctx.account}.`;
    },
  },
  {
    event: 'payment_link.created',
    how: 'POST /v1/payment_links for a new price, with Stripe-Account',
    note: 'Also product.created and price.created.',
    async run(ctx) {
      const link = await paymentLink(ctx);
      return `Created payment link ${link.id} on ${ctx.account}: ${String(link.url)}`;
    },
  },
  {
    event: 'payment_link.updated',
    how: 'POST /v1/payment_links, then deactivate it (active=false)',
    note: 'Also payment_link.created.',
    async run(ctx) {
      const link = await paymentLink(ctx);
      await ctx.api.post(
        `/v1/payment_links/${link.id}`,
        { active: false },
        { account: ctx.account },
      );
      return `Deactivated payment link ${link.id} on ${ctx.account}.`;
    },
  },
  {
    event: 'reporting.report_run.succeeded',
    how: 'POST /v1/reporting/report_runs (balance.summary.1), with Stripe-Account',
    note: "A CSV of the account's balance transactions, stored as a File once the run succeeds.",
    async run(ctx) {
      const run = await ctx.api.post<Obj>(
        '/v1/reporting/report_runs',
        { report_type: 'balance.summary.1' },
        { account: ctx.account },
      );
      return `Started report run ${run.id} on ${ctx.account}; it succeeds on the server's clock.`;
    },
  },
  {
    event: 'billing_portal.session.created',
    how: 'POST /v1/customers, then POST /v1/billing_portal/sessions for it, with Stripe-Account',
    note: "Also customer.created; the account's default portal configuration on first use.",
    async run(ctx) {
      const customer = await ctx.api.post<Obj>(
        '/v1/customers',
        { description: `(created by Switchboard ${stamp()})` },
        { account: ctx.account },
      );
      const session = await ctx.api.post<Obj>(
        '/v1/billing_portal/sessions',
        { customer: customer.id },
        { account: ctx.account },
      );
      return `Opened portal session ${session.id} for ${customer.id} on ${ctx.account}: ${String(session.url)}`;
    },
  },
  {
    event: 'product.updated',
    how: 'POST /v1/products, then archive it (active=false)',
    note: 'Also product.created.',
    async run(ctx) {
      const product = await ctx.api.post<Obj>(
        '/v1/products',
        { name: 'Lesson' },
        { account: ctx.account },
      );
      await ctx.api.post(`/v1/products/${product.id}`, { active: false }, { account: ctx.account });
      return `Created product ${product.id} on ${ctx.account} and archived it.`;
    },
  },
  {
    event: 'charge.refunded',
    how: 'a direct charge with pm_card_bypassPending, then POST /v1/refunds',
    note: 'Also refund.created.',
    for: takesCharges,
    async run(ctx) {
      const refund = await refunded(ctx);
      return `Refunded ${String(refund.charge)} in full (${refund.id}) on ${ctx.account}.`;
    },
  },
  {
    event: 'refund.updated',
    how: 'a refunded direct charge, then POST /v1/refunds/{id} (metadata)',
    note: 'Also charge.refund.updated.',
    for: takesCharges,
    async run(ctx) {
      const refund = await refunded(ctx);
      await ctx.api.post(
        `/v1/refunds/${refund.id}`,
        { metadata: { dashboard_trigger: stamp() } },
        { account: ctx.account },
      );
      return `Refunded ${String(refund.charge)} and updated the refund's metadata.`;
    },
  },
  {
    event: 'refund.failed',
    how: 'a direct charge with pm_card_refundFail, then POST /v1/refunds',
    note: 'The refund succeeds, then fails and its funds return (also refund.updated).',
    for: takesCharges,
    async run(ctx) {
      const refund = await refunded(ctx, 'pm_card_refundFail');
      return `Refunded ${String(refund.charge)}: refund ${refund.id} fails just after.`;
    },
  },
  {
    event: 'charge.expired',
    how: 'a direct charge authorized with capture_method=manual, then POST /v1/switchboard/charges/{id}/expire',
    note: "Ends the authorization now, as the 7-day capture window's end does; also payment_intent.canceled.",
    for: takesCharges,
    async run(ctx) {
      const pi = await ctx.api.post<Obj>(
        '/v1/payment_intents',
        {
          amount: 2000,
          currency: 'usd',
          payment_method: 'pm_card_visa',
          capture_method: 'manual',
          confirm: true,
        },
        { account: ctx.account },
      );
      const charge = String(pi.latest_charge);
      await ctx.api.post(`/v1/switchboard/charges/${charge}/expire`, {}, { account: ctx.account });
      return `Authorized ${charge} ($20.00) on ${ctx.account} and let the authorization expire: its PaymentIntent ${pi.id} is canceled.`;
    },
  },
  {
    event: 'charge.updated',
    how: 'a direct charge, then POST /v1/charges/{id} (description)',
    for: takesCharges,
    async run(ctx) {
      const { charge: ch } = await paid(ctx, 'pm_card_visa');
      await ctx.api.post(
        `/v1/charges/${ch}`,
        { description: `Updated from the Switchboard dashboard at ${stamp()}` },
        { account: ctx.account },
      );
      return `Updated the description of ${ch} on ${ctx.account}.`;
    },
  },
  {
    event: 'charge.dispute.created',
    how: 'a direct charge with pm_card_createDispute',
    note: 'Also charge.dispute.funds_withdrawn: the amount and a $15.00 fee leave the balance ($40.00 of available funds are added first).',
    for: takesCharges,
    async run(ctx) {
      const dispute = await disputed(ctx);
      return `Charge ${String(dispute.charge)} was disputed (${dispute.id}) on ${ctx.account}.`;
    },
  },
  {
    event: 'charge.dispute.updated',
    how: 'a disputed charge, then POST /v1/disputes/{id} with evidence, submit=false',
    for: takesCharges,
    async run(ctx) {
      const dispute = await disputed(ctx);
      await ctx.api.post(
        `/v1/disputes/${dispute.id}`,
        { evidence: { product_description: 'A lesson, given as booked.' }, submit: false },
        { account: ctx.account },
      );
      return `Added evidence to dispute ${dispute.id} without submitting it.`;
    },
  },
  {
    event: 'charge.dispute.closed',
    how: 'a disputed charge, then POST /v1/disputes/{id}/close',
    note: 'Accepting the dispute loses it.',
    for: takesCharges,
    async run(ctx) {
      const dispute = await disputed(ctx);
      await ctx.api.post(`/v1/disputes/${dispute.id}/close`, {}, { account: ctx.account });
      return `Accepted dispute ${dispute.id}: it is lost.`;
    },
  },
  {
    event: 'charge.dispute.funds_reinstated',
    how: 'a disputed charge, then POST /v1/disputes/{id} with winning_evidence',
    note: 'The dispute is won just after (charge.dispute.closed): the amount and the fee return.',
    for: takesCharges,
    async run(ctx) {
      const dispute = await disputed(ctx);
      await ctx.api.post(
        `/v1/disputes/${dispute.id}`,
        { evidence: { uncategorized_text: 'winning_evidence' } },
        { account: ctx.account },
      );
      return `Submitted winning evidence for dispute ${dispute.id}: it is won just after.`;
    },
  },
  {
    event: 'radar.early_fraud_warning.created',
    how: 'a direct charge with pm_card_createIssuerFraudRecord',
    for: takesCharges,
    async run(ctx) {
      const { charge: ch } = await paid(ctx, 'pm_card_createIssuerFraudRecord');
      return `The issuer sent an early fraud warning for ${ch} on ${ctx.account}.`;
    },
  },
  {
    event: 'application_fee.created',
    how: 'a direct charge (POST /v1/charges, tok_visa) with application_fee_amount=200',
    note: "The fee is the platform's: the event reaches the platform's own endpoints.",
    for: takesCharges,
    fromPlatform: true,
    async run(ctx) {
      const fee = await feeCharge(ctx);
      return `Charged $20.00 on ${ctx.account} with a $2.00 application fee (${fee}).`;
    },
  },
  {
    event: 'application_fee.refunded',
    how: 'a direct charge with a $2.00 fee, then POST /v1/application_fees/{id}/refunds',
    note: "The fee is the platform's: the event reaches the platform's own endpoints.",
    for: takesCharges,
    fromPlatform: true,
    async run(ctx) {
      const fee = await feeCharge(ctx);
      await ctx.api.post(`/v1/application_fees/${fee}/refunds`, { amount: 100 });
      return `Refunded $1.00 of application fee ${fee} to ${ctx.account}.`;
    },
  },
  {
    event: 'balance.available',
    how: 'a charge with pm_card_bypassPending (funds available at once)',
    for: takesCharges,
    async run(ctx) {
      const pi = await charge(ctx, 'pm_card_bypassPending');
      return `Confirmed payment intent ${pi.id} with pm_card_bypassPending: the funds are available at once.`;
    },
  },
  {
    event: 'cash_balance.funds_available',
    how: 'a customer, then POST /v1/test_helpers/customers/{id}/fund_cash_balance',
    note: 'Also customer_cash_balance_transaction.created. Test mode only: live funds come by real bank transfer.',
    testOnly: true,
    async run(ctx) {
      const on = { account: ctx.account };
      const c = await ctx.api.post<Obj>('/v1/customers', { name: 'Jenny Rosen' }, on);
      await ctx.api.post(
        `/v1/test_helpers/customers/${c.id}/fund_cash_balance`,
        { amount: 1000, currency: 'usd' },
        on,
      );
      return `Funded the cash balance of customer ${c.id} on ${ctx.account} with $10.00.`;
    },
  },
  {
    event: 'payment_intent.partially_funded',
    how: 'a ¥20,000 customer_balance PaymentIntent, then fund_cash_balance with ¥10,000',
    note: 'Also payment_intent.requires_action and the cash balance events. Test mode only.',
    for: takesCharges,
    testOnly: true,
    async run(ctx) {
      const on = { account: ctx.account };
      const c = await ctx.api.post<Obj>('/v1/customers', { name: 'Jenny Rosen' }, on);
      const pi = await ctx.api.post<Obj>(
        '/v1/payment_intents',
        {
          amount: 20000,
          currency: 'jpy',
          customer: c.id,
          payment_method_types: ['customer_balance'],
          payment_method_data: { type: 'customer_balance' },
          payment_method_options: {
            customer_balance: {
              funding_type: 'bank_transfer',
              bank_transfer: { type: 'jp_bank_transfer' },
            },
          },
          confirm: true,
        },
        on,
      );
      await ctx.api.post(
        `/v1/test_helpers/customers/${c.id}/fund_cash_balance`,
        { amount: 10000, currency: 'jpy' },
        on,
      );
      return `Funded half of payment intent ${pi.id} on ${ctx.account}: ¥10,000 remains to pay.`;
    },
  },
  {
    event: 'person.updated',
    how: 'POST /v1/accounts/{id}/persons, then update the person',
    note: 'Accounts the platform controls (Custom, Express).',
    for: platformControlled,
    async run(ctx) {
      const person = await ctx.api.post<Obj>(`/v1/accounts/${ctx.account}/persons`, {
        first_name: 'Jenny',
        last_name: 'Rosen',
      });
      await ctx.api.post(`/v1/accounts/${ctx.account}/persons/${person.id}`, {
        email: 'jenny.rosen@example.com',
      });
      return `Created person ${person.id} and updated their email: person.created, then person.updated.`;
    },
  },
  {
    event: 'account.external_account.updated',
    how: 'add a bank account (btok_us), then update it',
    note: 'Also re-enables payouts after a failed payout.',
    for: platformControlled,
    async run(ctx) {
      const bank = await ctx.api.post<Obj>(`/v1/accounts/${ctx.account}/external_accounts`, {
        external_account: 'btok_us',
      });
      await ctx.api.post(`/v1/accounts/${ctx.account}/external_accounts/${bank.id}`, {
        metadata: { nickname: 'main' },
      });
      return `Added bank account ${bank.id} and updated it: account.external_account.created, then .updated.`;
    },
  },
  {
    event: 'payout.failed',
    how: 'fund the balance, create a payout, fail it',
    note: 'Test mode fails it at once (test helper); live mode pays to a closed bank account, which fails when the payout arrives.',
    for: takesCharges,
    async run(ctx) {
      const live = ctx.mode === 'live';
      const bank = await ctx.api.post<Obj>(`/v1/accounts/${ctx.account}/external_accounts`, {
        external_account: live ? 'btok_us_verified_accountClosed' : 'btok_us',
      });
      await charge(ctx, 'pm_card_bypassPending');
      const create = () =>
        ctx.api.post<Obj>(
          '/v1/payouts',
          { amount: 1000, currency: 'usd', destination: bank.id },
          { account: ctx.account },
        );
      let note = '';
      let payout: Obj;
      try {
        payout = await create();
      } catch (e) {
        if (!(e instanceof ApiError) || e.code !== 'payouts_not_allowed') throw e;
        const n = await reenablePayouts(ctx);
        note = ` Payouts were disabled by an earlier failure: updated ${n} external account(s) first.`;
        payout = await create();
      }
      if (live)
        return `Created payout ${payout.id} to a closed bank account: payout.failed follows when it arrives.${note}`;
      await ctx.api.post(
        `/v1/test_helpers/payouts/${payout.id}/fail`,
        {},
        { account: ctx.account },
      );
      return `Created payout ${payout.id} and failed it with the test helper.${note}`;
    },
  },
  {
    event: 'review.opened',
    how: 'a direct charge with pm_card_riskLevelElevated (Radar: elevated risk)',
    note: 'Approve it with POST /v1/reviews/{id}/approve (review.closed), or refund the charge.',
    for: takesCharges,
    async run(ctx) {
      const pi = await charge(ctx, 'pm_card_riskLevelElevated');
      return `Confirmed payment intent ${pi.id} on ${ctx.account}: Radar placed it in review ${String(pi.review)}.`;
    },
  },
  {
    event: 'topup.created',
    how: 'POST /v1/topups with Stripe-Account (the test bank account)',
    note: "topup.succeeded follows when the bank transfer arrives (the server's --payout-arrival).",
    async run(ctx) {
      const topup = await ctx.api.post<Obj>(
        '/v1/topups',
        { amount: 2000, currency: 'usd', description: 'Created from the Switchboard dashboard' },
        { account: ctx.account },
      );
      return `Created top-up ${topup.id} ($20.00) on ${ctx.account}: pending until its bank transfer arrives.`;
    },
  },
  {
    event: 'identity.verification_session.created',
    how: 'POST /v1/identity/verification_sessions with Stripe-Account (a document check)',
    note: "Open the session's url to verify or fail it (identity.verification_session.verified, .requires_input).",
    async run(ctx) {
      const session = await ctx.api.post<Obj>(
        '/v1/identity/verification_sessions',
        { type: 'document', metadata: { source: 'Switchboard dashboard' } },
        { account: ctx.account },
      );
      return `Created verification session ${session.id} on ${ctx.account}: open ${String(session.url)} to verify it.`;
    },
  },
  {
    event: 'account.application.deauthorized',
    how: 'POST /v1/test_helpers/accounts/{id}/deauthorize',
    note: 'The platform can no longer act as the account until it connects again (from its page).',
    for: ownsDashboard,
    async run(ctx) {
      await ctx.api.post(`/v1/test_helpers/accounts/${ctx.account}/deauthorize`);
      return `${ctx.account} disconnected from the platform.`;
    },
  },
];

/**
 * `account.application.authorized`: a Standard account that disconnected connects again. Offered
 * on the page of an account that deauthorized the platform, the only state it works in.
 */
export const reconnect: Fixture = {
  event: 'account.application.authorized',
  how: 'POST /v1/test_helpers/accounts/{id}/authorize',
  note: 'The account connects to the platform again, as through OAuth.',
  async run(ctx) {
    await ctx.api.post(`/v1/test_helpers/accounts/${ctx.account}/authorize`);
    return `${ctx.account} connected to the platform again.`;
  },
};
