import { plainResource } from '../../src/resources/plain/engine.js';
import { plainTable, type PlainEntry } from '../../src/resources/plain/table.js';
import { findOperation } from '../../src/stripe/catalogue.js';
import { requestWith } from '../helpers/param-walk.js';
import { createOp, listBase, neededRefs } from '../helpers/plain.js';
import { issueCode, must, type As, type World } from './world.js';
import { pdf } from '../helpers/files.js';

/**
 * The tenancy matrix's table: every route of the API, classified by how its scope works, with a
 * way to build a request for it. tenancy-matrix.test.ts sends each route's request with every
 * kind of credential and checks it is allowed or refused as its policy says; a route missing
 * from this table fails that test, so no route ships unclassified.
 *
 * Adding a route: give it the policy that says who reaches it (below), and a `request` that
 * builds a valid request for a target owned by `owner` (for CONNECT-like policies, `account` is
 * the connected account the route manages). A request must succeed when allowed: the test tells
 * allowed (2xx) from refused (401, 403, 404, or a 400 that names the credential's problem).
 */

/** What a cell expects: allowed, refused, or allowed only for reads (GET). */
export type Expect = 'allow' | 'refuse' | 'read';

/** The credentials of the matrix (see credential() in the test). */
export type Who =
  | 'a_test' // platform A's test secret key
  | 'a_live' // A's live secret key
  | 'sandbox' // a sandbox of A (its own test key)
  | 'rk_with' // a restricted key of A with the route's permission
  | 'rk_without' // a restricted key of A without it
  | 'oauth_ro' // an OAuth token of A's account x, scope read_only
  | 'oauth_rw' // an OAuth token of A's account x, scope read_write
  | 'as_x' // A's test key with Stripe-Account: x (its own connected account)
  | 'as_other' // A's test key with Stripe-Account: an account of platform B
  | 'as_deleted' // A's test key with Stripe-Account: a deleted account of A
  | 'as_deauth' // A's test key with Stripe-Account: an account that deauthorized A
  | 'b_test'; // platform B's test key

/**
 * Who owns a route's target: A itself (`platform`), A acting as its accounts `x` or `y`, A's
 * live mode (`live`), or, for routes with no target (lists, creates), the credential's own
 * scope (`self`).
 */
export type Owner = 'platform' | 'x' | 'y' | 'live' | 'self';

export type Cell = [Who, Owner, Expect];

/** The objects of the caller's own scope: its platform or the account it acts as, its mode. */
const OWN: Cell[] = [
  ['a_test', 'platform', 'allow'],
  ['a_live', 'platform', 'refuse'],
  ['sandbox', 'platform', 'refuse'],
  ['rk_with', 'platform', 'allow'],
  ['rk_without', 'platform', 'refuse'],
  ['oauth_ro', 'x', 'read'],
  ['oauth_rw', 'x', 'allow'],
  ['oauth_rw', 'platform', 'refuse'],
  ['oauth_rw', 'y', 'refuse'],
  ['as_x', 'x', 'allow'],
  ['as_x', 'platform', 'refuse'],
  ['as_x', 'y', 'refuse'],
  ['as_other', 'platform', 'refuse'],
  ['as_deleted', 'platform', 'refuse'],
  ['as_deauth', 'platform', 'refuse'],
  ['b_test', 'platform', 'refuse'],
];

/** Lists and creates in the caller's own scope: every credential of its own, in its own scope. */
const OWN_LIST: Cell[] = [
  ['a_test', 'self', 'allow'],
  ['a_live', 'self', 'allow'],
  ['sandbox', 'self', 'allow'],
  ['rk_with', 'self', 'allow'],
  ['rk_without', 'self', 'refuse'],
  ['oauth_ro', 'self', 'read'],
  ['oauth_rw', 'self', 'allow'],
  ['as_x', 'self', 'allow'],
  ['as_other', 'self', 'refuse'],
  ['as_deleted', 'self', 'refuse'],
  ['as_deauth', 'self', 'refuse'],
  ['b_test', 'self', 'allow'],
];

/**
 * The platform's own objects that it reaches also while acting as a connected account
 * (transfers): never through an OAuth token, which is the connected account's.
 */
const PLATFORM_OBJECT: Cell[] = [
  ['a_test', 'platform', 'allow'],
  ['a_live', 'platform', 'refuse'],
  ['sandbox', 'platform', 'refuse'],
  ['rk_with', 'platform', 'allow'],
  ['rk_without', 'platform', 'refuse'],
  ['oauth_ro', 'platform', 'refuse'],
  ['oauth_rw', 'platform', 'refuse'],
  ['as_x', 'platform', 'allow'],
  ['as_other', 'platform', 'refuse'],
  ['as_deleted', 'platform', 'refuse'],
  ['as_deauth', 'platform', 'refuse'],
  ['b_test', 'platform', 'refuse'],
];

/**
 * A connected account the route manages (`account` of the request): the platform's keys reach
 * every account of theirs (also acting as another with Stripe-Account, as the CLI's fixtures
 * do); an OAuth token only its own; a test key reads a live account but never changes it.
 */
const CONNECT: Cell[] = [
  ['a_test', 'x', 'allow'],
  ['a_test', 'live', 'read'],
  ['a_live', 'live', 'allow'],
  ['a_live', 'x', 'refuse'],
  ['sandbox', 'x', 'refuse'],
  ['rk_with', 'x', 'allow'],
  ['rk_without', 'x', 'refuse'],
  ['oauth_ro', 'x', 'read'],
  ['oauth_rw', 'x', 'allow'],
  ['oauth_rw', 'y', 'refuse'],
  ['oauth_ro', 'y', 'refuse'],
  ['as_x', 'x', 'allow'],
  ['as_x', 'y', 'allow'],
  ['as_other', 'x', 'refuse'],
  ['as_deleted', 'x', 'refuse'],
  ['as_deauth', 'x', 'refuse'],
  ['b_test', 'x', 'refuse'],
];

/** What only the platform's keys do (create connected accounts): never an OAuth token. */
const PLATFORM_KEYS: Cell[] = [
  ['a_test', 'self', 'allow'],
  ['a_live', 'self', 'allow'],
  ['sandbox', 'self', 'allow'],
  ['rk_with', 'self', 'allow'],
  ['rk_without', 'self', 'refuse'],
  ['oauth_ro', 'self', 'refuse'],
  ['oauth_rw', 'self', 'refuse'],
  ['as_x', 'self', 'allow'],
  ['as_other', 'self', 'refuse'],
  ['as_deleted', 'self', 'refuse'],
  ['as_deauth', 'self', 'refuse'],
  ['b_test', 'self', 'allow'],
];

/** What belongs to the platform as a whole: its own secret key only, without Stripe-Account. */
const PLATFORM: Cell[] = [
  ['a_test', 'self', 'allow'],
  ['a_live', 'self', 'allow'],
  ['sandbox', 'self', 'allow'],
  ['rk_with', 'self', 'refuse'],
  ['rk_without', 'self', 'refuse'],
  ['oauth_ro', 'self', 'refuse'],
  ['oauth_rw', 'self', 'refuse'],
  ['as_x', 'self', 'refuse'],
  ['as_other', 'self', 'refuse'],
  ['as_deleted', 'self', 'refuse'],
  ['as_deauth', 'self', 'refuse'],
  ['b_test', 'self', 'allow'],
];

/** PLATFORM, on one of the platform's own objects (its API keys): of its mode only. */
const PLATFORM_TARGET: Cell[] = [
  ['a_test', 'platform', 'allow'],
  ['a_live', 'platform', 'refuse'],
  ['sandbox', 'platform', 'refuse'],
  ['rk_with', 'platform', 'refuse'],
  ['rk_without', 'platform', 'refuse'],
  ['oauth_ro', 'platform', 'refuse'],
  ['oauth_rw', 'platform', 'refuse'],
  ['as_x', 'platform', 'refuse'],
  ['as_other', 'platform', 'refuse'],
  ['as_deleted', 'platform', 'refuse'],
  ['as_deauth', 'platform', 'refuse'],
  ['b_test', 'platform', 'refuse'],
];

/** PLATFORM, on one of the platform's connected accounts (disconnecting it). */
const PLATFORM_ON_ACCOUNT: Cell[] = [
  ['a_test', 'x', 'allow'],
  ['a_test', 'live', 'refuse'],
  ['a_live', 'x', 'refuse'],
  ['sandbox', 'x', 'refuse'],
  ['rk_with', 'x', 'refuse'],
  ['rk_without', 'x', 'refuse'],
  ['oauth_ro', 'x', 'refuse'],
  ['oauth_rw', 'x', 'refuse'],
  ['as_x', 'x', 'refuse'],
  ['as_other', 'x', 'refuse'],
  ['as_deleted', 'x', 'refuse'],
  ['as_deauth', 'x', 'refuse'],
  ['b_test', 'x', 'refuse'],
];

/**
 * Switchboard's platform-wide routes (events across the platform and all its accounts): a
 * platform key reaches every account's; an OAuth token or Stripe-Account only that account's.
 */
const PLATFORM_WIDE: Cell[] = [
  ['a_test', 'platform', 'allow'],
  ['a_test', 'x', 'allow'],
  ['a_live', 'platform', 'refuse'],
  ['sandbox', 'platform', 'refuse'],
  ['rk_with', 'x', 'allow'],
  ['rk_without', 'platform', 'refuse'],
  ['oauth_ro', 'x', 'read'],
  ['oauth_rw', 'x', 'allow'],
  ['oauth_rw', 'platform', 'refuse'],
  ['oauth_rw', 'y', 'refuse'],
  ['as_x', 'x', 'allow'],
  ['as_x', 'platform', 'refuse'],
  ['as_other', 'platform', 'refuse'],
  ['as_deleted', 'platform', 'refuse'],
  ['as_deauth', 'platform', 'refuse'],
  ['b_test', 'platform', 'refuse'],
];

/** What a case's `request` gets: the world, who owns the target, and its connected account. */
export interface Target {
  w: World;
  /** The owner's credentials: create the target's objects with them. */
  owner: As;
  /** The connected account of the target (x, y, the live one), or null for the platform's own. */
  account: string | null;
}

export interface Request {
  path: string;
  params?: Record<string, unknown>;
  /** Headers the route needs besides the credential's (an ephemeral key's Stripe-Version). */
  headers?: Record<string, string>;
}

export interface RouteCase {
  cells: Cell[];
  request(t: Target): Promise<Request>;
  /** The route ends its account (deletes, rejects, disconnects it): each cell gets a fresh one. */
  consumesAccount?: true;
  /** Its cells change what others share (the platform's bank account): run them one by one. */
  sequential?: true;
  /** The kind of account the route needs (default: an onboarded Express account). */
  accountType?: 'standard';
  /**
   * An error code that shows the request reached the resource, for a route whose valid request
   * always fails on its merits (a card refund cannot be canceled): it counts as allowed.
   */
  reached?: string;
}

const URL = 'http://127.0.0.1:9/matrix';

// Builders of targets, each made by `t.owner`.
const post = <T = { id: string }>(t: Target, path: string, params: Record<string, unknown> = {}) =>
  must<T>(t.w.server, t.owner, 'POST', path, params);
const customer = async (t: Target) => (await post(t, '/v1/customers', { name: 'M' })).id;
const coupon = async (t: Target) => (await post(t, '/v1/coupons', { percent_off: 10 })).id;
const taxRate = async (t: Target) =>
  (await post(t, '/v1/tax_rates', { display_name: 'VAT', inclusive: false, percentage: 19 })).id;
const upload = () => ({
  purpose: 'dispute_evidence',
  file: new Blob([new Uint8Array(pdf('matrix'))], { type: 'application/pdf' }),
});
const file = async (t: Target) => (await post(t, '/v1/files', upload())).id;
let secrets = 0;
/** A new Apps secret of the owner's, by its name. */
const appSecret = async (t: Target) => {
  const name = `matrix-${++secrets}`;
  await post(t, '/v1/apps/secrets', { name, payload: 'p', scope: { type: 'account' } });
  return name;
};
const fileLink = async (t: Target) => (await post(t, '/v1/file_links', { file: await file(t) })).id;
const paymentLink = async (t: Target) =>
  (await post(t, '/v1/payment_links', { line_items: [{ price: await price(t), quantity: 1 }] })).id;
const product = async (t: Target) => (await post(t, '/v1/products', { name: 'M' })).id;
const price = async (t: Target) =>
  (await post(t, '/v1/prices', { currency: 'usd', unit_amount: 100, product_data: { name: 'M' } }))
    .id;
const session = async (t: Target) =>
  (
    await post(t, '/v1/checkout/sessions', {
      mode: 'payment',
      success_url: 'https://example.com/done',
      line_items: [{ price: await price(t), quantity: 1 }],
    })
  ).id;
const intent = async (t: Target, extra: Record<string, unknown> = {}) =>
  (await post(t, '/v1/payment_intents', { amount: 1000, currency: 'usd', ...extra })).id;
const charge = async (t: Target) =>
  (
    await post<{ latest_charge: string }>(t, '/v1/payment_intents', {
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
    })
  ).latest_charge;
/** Available funds in the owner's balance, at once (pm_card_bypassPending). */
const fund = (t: Target) =>
  post(t, '/v1/payment_intents', {
    amount: 100_000,
    currency: 'usd',
    payment_method: 'pm_card_bypassPending',
    confirm: true,
  });
const payout = async (t: Target) => {
  await fund(t);
  return (await post(t, '/v1/payouts', { amount: 100, currency: 'usd' })).id;
};
/** The open review of a payment with Stripe's elevated-risk test card. */
const review = async (t: Target) =>
  (
    await post<{ review: string }>(t, '/v1/payment_intents', {
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_riskLevelElevated',
      confirm: true,
    })
  ).review;
const verificationSession = async (t: Target) =>
  (await post(t, '/v1/identity/verification_sessions', { type: 'document' })).id;
const topup = async (t: Target) =>
  (await post(t, '/v1/topups', { amount: 100, currency: 'usd' })).id;
const transfer = async (t: Target) => {
  const platform = { ...t, owner: { key: t.owner.key } };
  await fund(platform);
  return (
    await post(platform, '/v1/transfers', {
      amount: 100,
      currency: 'usd',
      destination: t.w.accounts.y,
    })
  ).id;
};
const endpoint = async (t: Target) =>
  (await post(t, '/v1/webhook_endpoints', { url: URL, enabled_events: ['*'] })).id;
const event = async (t: Target) => {
  await customer(t);
  const list = await must<{ data: Array<{ id: string }> }>(
    t.w.server,
    t.owner,
    'GET',
    '/v1/events',
    {
      type: 'customer.created',
      limit: 1,
    },
  );
  return list.data[0]!.id;
};
/** A charge refunded in part, and its refund. */
const refund = async (t: Target) => {
  const ch = await charge(t);
  const r = await post(t, '/v1/refunds', { charge: ch, amount: 100 });
  return { charge: ch, refund: r.id };
};
/** A charge disputed at once (pm_card_createDispute), and its dispute. */
const disputedCharge = async (t: Target) =>
  (
    await post<{ latest_charge: string }>(t, '/v1/payment_intents', {
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_createDispute',
      confirm: true,
    })
  ).latest_charge;
/** An active Issuing card of a new cardholder. */
const issuingCard = async (t: Target) => {
  const holder = await post(t, '/v1/issuing/cardholders', {
    name: 'M',
    type: 'individual',
    billing: {
      address: { line1: 'x', city: 'y', state: 'CA', postal_code: '94111', country: 'US' },
    },
  });
  return (
    await post(t, '/v1/issuing/cards', {
      cardholder: holder.id,
      currency: 'usd',
      type: 'virtual',
      status: 'active',
    })
  ).id;
};
/** An approved authorization holding funds on an Issuing card. */
const authorization = async (t: Target) =>
  (
    await post(t, '/v1/test_helpers/issuing/authorizations', {
      card: await issuingCard(t),
      amount: 100,
    })
  ).id;
/** A real-time authorization request waiting for the platform's decision. */
const pendingRequest = async (t: Target) =>
  (
    await post(t, `/v1/issuing/cards/${await issuingCard(t)}/test/authorizations`, {
      held_amount: 100,
    })
  ).id;
/** A captured Issuing transaction (a force capture). */
const issuingTransaction = async (t: Target) =>
  (
    await post(t, '/v1/test_helpers/issuing/transactions/create_force_capture', {
      card: await issuingCard(t),
      amount: 100,
    })
  ).id;
const issuingDispute = async (t: Target) =>
  (await post(t, '/v1/issuing/disputes', { transaction: await issuingTransaction(t) })).id;
/** A typed-in bank account: its first debit waits for microdeposits. */
const typedBankAccount = async (t: Target) =>
  (
    await post(t, '/v1/payment_methods', {
      type: 'us_bank_account',
      billing_details: { name: 'M' },
      us_bank_account: {
        account_holder_type: 'individual',
        account_number: '000123456789',
        routing_number: '110000000',
      },
    })
  ).id;
/** A bank debit confirmed with an offline mandate acceptance, and its mandate. */
const mandate = async (t: Target) => {
  const pi = await post<{ latest_charge: string }>(t, '/v1/payment_intents', {
    amount: 1000,
    currency: 'usd',
    payment_method: 'pm_usBankAccount_success',
    payment_method_types: ['us_bank_account'],
    confirm: true,
    mandate_data: { customer_acceptance: { type: 'offline' } },
  });
  const charge = await must<{
    payment_method_details: { us_bank_account: { mandate: string } };
  }>(t.w.server, t.owner, 'GET', `/v1/charges/${pi.latest_charge}`, {});
  return charge.payment_method_details.us_bank_account.mandate;
};
const dispute = async (t: Target) => {
  const list = await must<{ data: Array<{ id: string }> }>(
    t.w.server,
    t.owner,
    'GET',
    '/v1/disputes',
    { charge: await disputedCharge(t) },
  );
  return list.data[0]!.id;
};
/** An application fee of the platform: a direct charge on y with a platform fee. */
const applicationFee = async (t: Target) => {
  const onY = { ...t, owner: { key: t.owner.key, account: t.w.accounts.y } };
  const pi = await post<{ latest_charge: string }>(onY, '/v1/payment_intents', {
    amount: 1000,
    currency: 'usd',
    payment_method: 'pm_card_visa',
    confirm: true,
    application_fee_amount: 100,
  });
  return (
    await must<{ application_fee: string }>(
      t.w.server,
      onY.owner,
      'GET',
      `/v1/charges/${pi.latest_charge}`,
    )
  ).application_fee;
};
const feeRefund = async (t: Target) => {
  const fee = await applicationFee(t);
  const refund = await post(
    { ...t, owner: { key: t.owner.key } },
    `/v1/application_fees/${fee}/refunds`,
    {
      amount: 10,
    },
  );
  return { fee, refund: refund.id };
};
const reversal = async (t: Target) => {
  const tr = await transfer(t);
  const r = await post({ ...t, owner: { key: t.owner.key } }, `/v1/transfers/${tr}/reversals`, {
    amount: 10,
  });
  return { transfer: tr, reversal: r.id };
};
const destination = async (t: Target) =>
  (
    await post(t, '/v2/core/event_destinations', {
      name: 'matrix',
      type: 'webhook_endpoint',
      event_payload: 'thin',
      enabled_events: ['v2.core.account.created'],
      webhook_endpoint: { url: URL },
    })
  ).id;
const v2Account = async (t: Target) =>
  (
    await post(t, '/v2/core/accounts', {
      contact_email: 'matrix@example.com',
      configuration: { customer: {} },
    })
  ).id;
const v2Event = async (t: Target) => {
  await v2Account(t);
  const list = await must<{ data: Array<{ id: string }> }>(
    t.w.server,
    t.owner,
    'GET',
    '/v2/core/events',
    {
      limit: 1,
    },
  );
  return list.data[0]!.id;
};
/** A restricted key of the owner's platform, as the API lists it (`key_...`). */
const apiKey = async (t: Target) => {
  const platformKey = { key: t.owner.key };
  const made = await must<{ secret: string }>(
    t.w.server,
    platformKey,
    'POST',
    '/v1/switchboard/restricted_keys',
  );
  const keys = await must<{ data: Array<{ id: string; redacted_secret: string }> }>(
    t.w.server,
    platformKey,
    'GET',
    '/v1/switchboard/api_keys',
  );
  return keys.data.find((k) => k.redacted_secret.endsWith(made.secret.slice(-4)))!.id;
};
/** A payment method of the owner's, attached to a customer of the owner's when `attached`. */
const paymentMethod = async (t: Target, attached = false) => {
  const pm = await post(t, '/v1/payment_methods', { type: 'card', card: { token: 'tok_visa' } });
  if (attached)
    await post(t, `/v1/payment_methods/${pm.id}/attach`, { customer: await customer(t) });
  return pm.id;
};
const attachedCustomer = async (t: Target) => {
  const c = await customer(t);
  const pm = await post(t, '/v1/payment_methods/pm_card_visa/attach', { customer: c });
  return { customer: c, pm: pm.id };
};
/** A customer whose cash balance was funded: the customer and the funding transaction. */
const fundedCustomer = async (t: Target) => {
  const c = await customer(t);
  const txn = await post(t, `/v1/test_helpers/customers/${c}/fund_cash_balance`, {
    amount: 100,
    currency: 'usd',
  });
  return { customer: c, txn: txn.id };
};
/** A customer with a card saved as its source. */
const savedCard = async (t: Target) => {
  const c = await customer(t);
  const card = await post(t, `/v1/customers/${c}/sources`, { source: 'tok_visa' });
  return { customer: c, card: card.id };
};
/** A customer with a bank account saved as its source: its path under `/bank_accounts`. */
const savedBank = async (t: Target) => {
  const c = await customer(t);
  const bank = await post(t, `/v1/customers/${c}/sources`, { source: 'btok_us' });
  return `/v1/customers/${c}/bank_accounts/${bank.id}`;
};
const setupIntent = async (t: Target) => (await post(t, '/v1/setup_intents')).id;
const token = async (t: Target) =>
  (
    await post(t, '/v1/tokens', {
      card: { number: '4242424242424242', exp_month: 12, exp_year: 2040 },
    })
  ).id;
const person = async (t: Target) =>
  (await post(t, `/v1/accounts/${t.account}/persons`, { first_name: 'Jenny' })).id;
const bank = async (t: Target) =>
  (await post(t, `/v1/accounts/${t.account}/external_accounts`, { external_account: 'btok_us' }))
    .id;

/** A bank account payment method of the target's owner. */
const bankMethod = async (t: Target) =>
  (
    await post(t, '/v1/payment_methods', {
      type: 'us_bank_account',
      billing_details: { name: 'M' },
      us_bank_account: {
        account_holder_type: 'individual',
        account_number: '000123456789',
        routing_number: '110000000',
      },
    })
  ).id;
/** A Treasury financial account of the owner, with the features its flows need and `cash`. */
const financialAccount = async (t: Target, cash = 0) => {
  const fa = (
    await post(t, '/v1/treasury/financial_accounts', {
      supported_currencies: ['usd'],
      features: {
        inbound_transfers: { ach: { requested: true } },
        outbound_payments: { ach: { requested: true } },
        outbound_transfers: { ach: { requested: true } },
      },
    })
  ).id;
  if (cash > 0) await received(t, 'credits', fa, cash);
  return fa;
};
const received = async (t: Target, what: 'credits' | 'debits', fa: string, amount = 100) =>
  await post<{ id: string; transaction: string }>(t, `/v1/test_helpers/treasury/received_${what}`, {
    financial_account: fa,
    amount,
    currency: 'usd',
    network: 'ach',
  });
const inboundTransfer = async (t: Target) =>
  (
    await post<{ id: string; transaction: string }>(t, '/v1/treasury/inbound_transfers', {
      financial_account: await financialAccount(t),
      amount: 100,
      currency: 'usd',
      origin_payment_method: await bankMethod(t),
    })
  ).id;
const outboundFlow = async (t: Target, path: 'outbound_payments' | 'outbound_transfers') =>
  (
    await post<{ id: string; transaction: string }>(t, `/v1/treasury/${path}`, {
      financial_account: await financialAccount(t, 1_000),
      amount: 100,
      currency: 'usd',
      destination_payment_method: await bankMethod(t),
    })
  ).id;
/** A Treasury list of the owner's financial account. */
const treasuryList = (path: string) => async (t: Target) => ({
  path,
  params: { financial_account: await financialAccount(t) },
});
/** Test helpers answer in test mode only: no live key makes their objects. */
const TEST_LIST = OWN_LIST.filter(([who]) => who !== 'a_live');

/**
 * What to put back after a cell's request (a failed payout's bank account): the test runs these
 * after each cell.
 */
export const repairs: Array<() => Promise<void>> = [];

/** Every route of the API: `METHOD path` as the route declares it. */
/** Objects the plain resources name, made by the target's owner. */
const plainBuilders: Record<string, (t: Target) => Promise<string>> = {
  customer,
  coupon,
  product,
  price,
  tax_rate: taxRate,
};

/** A plain resource's object made by `t.owner` (with its parent and what it names). */
async function plainTarget(t: Target, entry: PlainEntry) {
  const path = await plainCollection(t, entry);
  return { path, id: (await post(t, path, await plainBody(t, entry))).id };
}

async function plainCollection(t: Target, entry: PlainEntry): Promise<string> {
  if (!entry.parent) return entry.path;
  return entry.path.replace(/\{[^}]+\}/, await makeFor(t, entry.parent.type));
}

async function plainBody(t: Target, entry: PlainEntry): Promise<Record<string, unknown>> {
  const refs: Record<string, unknown> = {};
  for (const [name, ref] of Object.entries(neededRefs(entry)))
    refs[name] = await makeFor(t, ref.type);
  return requestWith(createOp(entry)!, refs);
}

async function makeFor(t: Target, type: string): Promise<string> {
  const builder = plainBuilders[type];
  if (builder) return builder(t);
  const entry = plainTable.find((e) => e.object === type)!;
  return (await plainTarget(t, entry)).id;
}

/**
 * The plain resources' routes (resources/plain/), generated from their table: own objects, as
 * coupons are; a list or a create of a nested one (a customer's tax IDs) is on its parent, owned.
 */
function plainCases(): Record<string, RouteCase> {
  const cases: Record<string, RouteCase> = {};
  for (const entry of plainTable) {
    for (const route of plainResource(entry).routes) {
      const onItem = route.path.endsWith('/:id');
      const key = `${route.method} ${route.path}`;
      cases[key] = {
        cells: onItem || entry.parent ? OWN : OWN_LIST,
        request: async (t) => {
          if (!onItem && route.method === 'POST')
            return { path: await plainCollection(t, entry), params: await plainBody(t, entry) };
          if (!onItem) {
            // A list that requires a filter (a value list's items) lists one object's fellows.
            const required = Object.keys(listBase(entry, {}));
            if (required.length === 0) return { path: await plainCollection(t, entry) };
            const made = await plainTarget(t, entry);
            const object = await must(t.w.server, t.owner, 'GET', `${made.path}/${made.id}`);
            return { path: made.path, params: listBase(entry, object) };
          }
          const made = await plainTarget(t, entry);
          return { path: `${made.path}/${made.id}` };
        },
      };
    }
  }
  return cases;
}

const newerPaths: Record<string, RouteCase> = {
  ...plainCases(),
  // Customers: own objects.
  'POST /v1/customers': { cells: OWN_LIST, request: async () => ({ path: '/v1/customers' }) },
  'GET /v1/customers': { cells: OWN_LIST, request: async () => ({ path: '/v1/customers' }) },
  'GET /v1/customers/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/customers/${await customer(t)}` }),
  },
  'POST /v1/customers/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/customers/${await customer(t)}`,
      params: { description: 'changed' },
    }),
  },
  'DELETE /v1/customers/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/customers/${await customer(t)}` }),
  },
  // A customer's cash balance and its transactions: own objects, under their customer.
  'GET /v1/customers/:customer/cash_balance': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/customers/${await customer(t)}/cash_balance` }),
  },
  'POST /v1/customers/:customer/cash_balance': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/customers/${await customer(t)}/cash_balance`,
      params: { settings: { reconciliation_mode: 'manual' } },
    }),
  },
  'GET /v1/customers/:customer/cash_balance_transactions': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/customers/${await customer(t)}/cash_balance_transactions`,
    }),
  },
  'GET /v1/customers/:customer/cash_balance_transactions/:id': {
    cells: OWN,
    request: async (t) => {
      const made = await fundedCustomer(t);
      return { path: `/v1/customers/${made.customer}/cash_balance_transactions/${made.txn}` };
    },
  },
  'POST /v1/customers/:customer/funding_instructions': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/customers/${await customer(t)}/funding_instructions`,
      params: {
        currency: 'usd',
        funding_type: 'bank_transfer',
        bank_transfer: { type: 'us_bank_transfer' },
      },
    }),
  },
  // A customer_balance PaymentIntent waiting for funds, its customer's balance funded: own objects.
  'POST /v1/payment_intents/:id/apply_customer_balance': {
    cells: OWN,
    request: async (t) => {
      const c = await customer(t);
      await post(t, `/v1/customers/${c}/cash_balance`, {
        settings: { reconciliation_mode: 'manual' },
      });
      const pi = await post(t, '/v1/payment_intents', {
        amount: 100,
        currency: 'usd',
        customer: c,
        payment_method_types: ['customer_balance'],
        payment_method_data: { type: 'customer_balance' },
        payment_method_options: {
          customer_balance: {
            funding_type: 'bank_transfer',
            bank_transfer: { type: 'us_bank_transfer' },
          },
        },
        confirm: true,
      });
      // Funded after the intent waits: manual reconciliation keeps the funds in the balance.
      await post(t, `/v1/test_helpers/customers/${c}/fund_cash_balance`, {
        amount: 100,
        currency: 'usd',
      });
      return { path: `/v1/payment_intents/${pi.id}/apply_customer_balance` };
    },
  },
  'POST /v1/test_helpers/customers/:customer/fund_cash_balance': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/test_helpers/customers/${await customer(t)}/fund_cash_balance`,
      params: { amount: 100, currency: 'usd' },
    }),
  },
  // A customer's cards (sources): own objects, under their customer.
  'POST /v1/customers/:customer/sources': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/customers/${await customer(t)}/sources`,
      params: { source: 'tok_visa' },
    }),
  },
  'GET /v1/customers/:customer/sources': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/customers/${await customer(t)}/sources` }),
  },
  'GET /v1/customers/:customer/sources/:id': {
    cells: OWN,
    request: async (t) => {
      const made = await savedCard(t);
      return { path: `/v1/customers/${made.customer}/sources/${made.card}` };
    },
  },
  'POST /v1/customers/:customer/sources/:id': {
    cells: OWN,
    request: async (t) => {
      const made = await savedCard(t);
      return {
        path: `/v1/customers/${made.customer}/sources/${made.card}`,
        params: { name: 'M' },
      };
    },
  },
  'DELETE /v1/customers/:customer/sources/:id': {
    cells: OWN,
    request: async (t) => {
      const made = await savedCard(t);
      return { path: `/v1/customers/${made.customer}/sources/${made.card}` };
    },
  },

  // Products and prices: own objects.
  'POST /v1/products': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/products', params: { name: 'M' } }),
  },
  'GET /v1/products': { cells: OWN_LIST, request: async () => ({ path: '/v1/products' }) },
  'GET /v1/products/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/products/${await product(t)}` }),
  },
  'POST /v1/products/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/products/${await product(t)}`,
      params: { description: 'changed' },
    }),
  },
  'DELETE /v1/products/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/products/${await product(t)}` }),
  },
  'POST /v1/prices': {
    cells: OWN_LIST,
    request: async () => ({
      path: '/v1/prices',
      params: { currency: 'usd', unit_amount: 100, product_data: { name: 'M' } },
    }),
  },
  'GET /v1/prices': { cells: OWN_LIST, request: async () => ({ path: '/v1/prices' }) },
  'GET /v1/prices/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/prices/${await price(t)}` }),
  },
  'POST /v1/prices/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/prices/${await price(t)}`, params: { nickname: 'N' } }),
  },

  // Coupons: own objects.
  'POST /v1/files': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/files', params: upload() }),
  },
  'GET /v1/files': { cells: OWN_LIST, request: async () => ({ path: '/v1/files' }) },
  'GET /v1/files/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/files/${await file(t)}` }),
  },
  'GET /v1/files/:id/contents': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/files/${await file(t)}/contents` }),
  },
  // Customer portal sessions: for a customer of the caller's own scope.
  'POST /v1/billing_portal/sessions': {
    cells: OWN,
    request: async (t) => ({
      path: '/v1/billing_portal/sessions',
      params: { customer: await customer(t) },
    }),
  },
  // Tax codes: Stripe's data, the same for every account.
  'GET /v1/tax_codes': { cells: OWN_LIST, request: async () => ({ path: '/v1/tax_codes' }) },
  'GET /v1/tax_codes/:id': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/tax_codes/txcd_99999999' }),
  },
  // Apps secrets: the caller's own, found by name and secret scope.
  'POST /v1/apps/secrets': {
    cells: OWN_LIST,
    request: async () => ({
      path: '/v1/apps/secrets',
      params: { name: 'matrix', payload: 'p', scope: { type: 'account' } },
    }),
  },
  'GET /v1/apps/secrets': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/apps/secrets', params: { scope: { type: 'account' } } }),
  },
  'GET /v1/apps/secrets/find': {
    cells: OWN,
    request: async (t) => ({
      path: '/v1/apps/secrets/find',
      params: { name: await appSecret(t), scope: { type: 'account' } },
    }),
  },
  'POST /v1/apps/secrets/delete': {
    cells: OWN,
    request: async (t) => ({
      path: '/v1/apps/secrets/delete',
      params: { name: await appSecret(t), scope: { type: 'account' } },
    }),
  },
  // Reporting: report types are the same for everyone; report runs are the caller's own.
  'GET /v1/reporting/report_types': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/reporting/report_types' }),
  },
  'GET /v1/reporting/report_types/:id': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/reporting/report_types/balance.summary.1' }),
  },
  'POST /v1/reporting/report_runs': {
    cells: OWN_LIST,
    request: async () => ({
      path: '/v1/reporting/report_runs',
      params: { report_type: 'balance.summary.1' },
    }),
  },
  'GET /v1/reporting/report_runs': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/reporting/report_runs' }),
  },
  'GET /v1/reporting/report_runs/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/reporting/report_runs/${(await post(t, '/v1/reporting/report_runs', { report_type: 'balance.summary.1' })).id}`,
    }),
  },
  'POST /v1/file_links': {
    cells: OWN,
    request: async (t) => ({ path: '/v1/file_links', params: { file: await file(t) } }),
  },
  'GET /v1/file_links': { cells: OWN_LIST, request: async () => ({ path: '/v1/file_links' }) },
  'GET /v1/file_links/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/file_links/${await fileLink(t)}` }),
  },
  'POST /v1/file_links/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/file_links/${await fileLink(t)}`,
      params: { metadata: { k: 'v' } },
    }),
  },
  'POST /v1/payment_links': {
    cells: OWN_LIST,
    request: async (t) => ({
      path: '/v1/payment_links',
      params: { line_items: [{ price: await price({ ...t, owner: t.owner }), quantity: 1 }] },
    }),
  },
  'GET /v1/payment_links': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/payment_links' }),
  },
  'GET /v1/payment_links/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/payment_links/${await paymentLink(t)}` }),
  },
  'POST /v1/payment_links/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/payment_links/${await paymentLink(t)}`,
      params: { metadata: { k: 'v' } },
    }),
  },
  'GET /v1/payment_links/:id/line_items': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/payment_links/${await paymentLink(t)}/line_items` }),
  },
  'POST /v1/coupons': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/coupons', params: { percent_off: 10 } }),
  },
  'GET /v1/coupons': { cells: OWN_LIST, request: async () => ({ path: '/v1/coupons' }) },
  'GET /v1/coupons/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/coupons/${await coupon(t)}` }),
  },
  'POST /v1/coupons/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/coupons/${await coupon(t)}`, params: { name: 'changed' } }),
  },
  'DELETE /v1/coupons/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/coupons/${await coupon(t)}` }),
  },

  // Tax rates: own objects.
  'POST /v1/tax_rates': {
    cells: OWN_LIST,
    request: async () => ({
      path: '/v1/tax_rates',
      params: { display_name: 'VAT', inclusive: false, percentage: 19 },
    }),
  },
  'GET /v1/tax_rates': { cells: OWN_LIST, request: async () => ({ path: '/v1/tax_rates' }) },
  'GET /v1/tax_rates/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/tax_rates/${await taxRate(t)}` }),
  },
  'POST /v1/tax_rates/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/tax_rates/${await taxRate(t)}`,
      params: { description: 'changed' },
    }),
  },

  // Checkout Sessions (and the page's calls, and Switchboard's helper): own objects.
  'POST /v1/checkout/sessions': {
    cells: OWN_LIST,
    request: async (t) => ({
      path: '/v1/checkout/sessions',
      params: {
        mode: 'payment',
        success_url: 'https://example.com/done',
        line_items: [
          {
            price_data: { currency: 'usd', unit_amount: 100, product: await product(t) },
            quantity: 1,
          },
        ],
      },
    }),
  },
  'GET /v1/checkout/sessions': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/checkout/sessions' }),
  },
  'GET /v1/checkout/sessions/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/checkout/sessions/${await session(t)}` }),
  },
  'GET /v1/checkout/sessions/:id/line_items': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/checkout/sessions/${await session(t)}/line_items` }),
  },
  'POST /v1/checkout/sessions/:id/expire': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/checkout/sessions/${await session(t)}/expire` }),
  },
  'POST /v1/switchboard/checkout/sessions/:id/complete': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/switchboard/checkout/sessions/${await session(t)}/complete`,
    }),
  },
  'GET /v1/payment_pages/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/payment_pages/${await session(t)}` }),
  },
  'POST /v1/payment_pages/:id/confirm': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/payment_pages/${await session(t)}/confirm`,
      params: { payment_method: 'pm_card_visa', expected_amount: 100 },
    }),
  },

  // Payment intents and charges: own objects.
  'POST /v1/payment_intents': {
    cells: OWN_LIST,
    request: async () => ({
      path: '/v1/payment_intents',
      params: { amount: 100, currency: 'usd' },
    }),
  },
  'GET /v1/payment_intents': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/payment_intents' }),
  },
  'GET /v1/payment_intents/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/payment_intents/${await intent(t)}` }),
  },
  'POST /v1/payment_intents/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/payment_intents/${await intent(t)}`,
      params: { description: 'changed' },
    }),
  },
  'POST /v1/payment_intents/:id/confirm': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/payment_intents/${await intent(t)}/confirm`,
      params: { payment_method: 'pm_card_visa' },
    }),
  },
  'POST /v1/payment_intents/:id/capture': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/payment_intents/${await intent(t, {
        capture_method: 'manual',
        payment_method: 'pm_card_visa',
        confirm: true,
      })}/capture`,
    }),
  },
  'POST /v1/test_helpers/refunds/:id/expire': {
    // A card refund is sent at once and never waits on the customer: the answer shows the
    // request reached the refund (refunds.test checks the refusal).
    cells: OWN,
    reached: 'refund_cannot_be_expired',
    request: async (t) => ({
      path: `/v1/test_helpers/refunds/${(await refund(t)).refund}/expire`,
    }),
  },
  'POST /v1/payment_intents/:id/increment_authorization': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/payment_intents/${await intent(t, {
        capture_method: 'manual',
        payment_method: 'pm_card_visa',
        confirm: true,
        payment_method_options: { card: { request_incremental_authorization: 'if_available' } },
      })}/increment_authorization`,
      params: { amount: 2000 },
    }),
  },
  'POST /v1/payment_intents/:id/verify_microdeposits': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/payment_intents/${await intent(t, {
        currency: 'usd',
        payment_method: await typedBankAccount(t),
        payment_method_types: ['us_bank_account'],
        confirm: true,
      })}/verify_microdeposits`,
      params: { descriptor_code: 'SM11AA' },
    }),
  },
  'POST /v1/payment_intents/:id/cancel': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/payment_intents/${await intent(t)}/cancel` }),
  },
  // Payment methods and tokens: own objects.
  'POST /v1/payment_methods': {
    cells: OWN_LIST,
    request: async () => ({
      path: '/v1/payment_methods',
      params: { type: 'card', card: { token: 'tok_visa' } },
    }),
  },
  'GET /v1/payment_methods': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/payment_methods' }),
  },
  'GET /v1/payment_methods/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/payment_methods/${await paymentMethod(t)}` }),
  },
  'POST /v1/payment_methods/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/payment_methods/${await paymentMethod(t, true)}`,
      params: { metadata: { changed: 'yes' } },
    }),
  },
  'POST /v1/payment_methods/:id/attach': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/payment_methods/${await paymentMethod(t)}/attach`,
      params: { customer: await customer(t) },
    }),
  },
  'POST /v1/payment_methods/:id/detach': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/payment_methods/${await paymentMethod(t, true)}/detach` }),
  },
  'GET /v1/customers/:id/payment_methods': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/customers/${(await attachedCustomer(t)).customer}/payment_methods`,
    }),
  },
  'GET /v1/customers/:customer/payment_methods/:id': {
    cells: OWN,
    request: async (t) => {
      const made = await attachedCustomer(t);
      return { path: `/v1/customers/${made.customer}/payment_methods/${made.pm}` };
    },
  },
  'POST /v1/tokens': {
    cells: OWN_LIST,
    request: async () => ({
      path: '/v1/tokens',
      params: { card: { number: '4242424242424242', exp_month: 12, exp_year: 2040 } },
    }),
  },
  'GET /v1/tokens/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/tokens/${await token(t)}` }),
  },

  // Setup intents and ephemeral keys: own objects.
  'POST /v1/setup_intents': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/setup_intents', params: { usage: 'off_session' } }),
  },
  'GET /v1/setup_intents': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/setup_intents' }),
  },
  'GET /v1/setup_intents/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/setup_intents/${await setupIntent(t)}` }),
  },
  'POST /v1/setup_intents/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/setup_intents/${await setupIntent(t)}`,
      params: { description: 'changed' },
    }),
  },
  'POST /v1/setup_intents/:id/confirm': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/setup_intents/${await setupIntent(t)}/confirm`,
      params: { payment_method: 'pm_card_visa' },
    }),
  },
  'POST /v1/setup_intents/:id/cancel': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/setup_intents/${await setupIntent(t)}/cancel` }),
  },
  // A setup intent's attempts: reached through the caller's own setup intent.
  'GET /v1/setup_attempts': {
    cells: OWN,
    request: async (t) => ({
      path: '/v1/setup_attempts',
      params: { setup_intent: await setupIntent(t) },
    }),
  },
  'POST /v1/terminal/connection_tokens': {
    cells: OWN,
    request: async (t) => ({
      path: '/v1/terminal/connection_tokens',
      params: { location: await makeFor(t, 'terminal.location') },
    }),
  },
  'POST /v1/ephemeral_keys': {
    cells: OWN,
    request: async (t) => ({
      path: '/v1/ephemeral_keys',
      params: { customer: await customer(t) },
      headers: { 'Stripe-Version': '2020-08-27' },
    }),
  },
  'DELETE /v1/ephemeral_keys/:id': {
    cells: OWN,
    request: async (t) => {
      const key = await must<{ id: string }>(
        t.w.server,
        t.owner,
        'POST',
        '/v1/ephemeral_keys',
        { customer: await customer(t) },
        { 'Stripe-Version': '2020-08-27' },
      );
      return { path: `/v1/ephemeral_keys/${key.id}` };
    },
  },

  'GET /v1/charges': { cells: OWN_LIST, request: async () => ({ path: '/v1/charges' }) },
  'GET /v1/charges/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/charges/${await charge(t)}` }),
  },

  'POST /v1/charges': {
    cells: OWN_LIST,
    request: async () => ({
      path: '/v1/charges',
      params: { amount: 1000, currency: 'usd', source: 'tok_visa' },
    }),
  },
  'POST /v1/charges/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/charges/${await charge(t)}`,
      params: { metadata: { matrix: '1' } },
    }),
  },
  'POST /v1/charges/:id/capture': {
    cells: OWN,
    request: async (t) => {
      const held = await post(t, '/v1/charges', {
        amount: 1000,
        currency: 'usd',
        source: 'tok_visa',
        capture: false,
      });
      return { path: `/v1/charges/${held.id}/capture` };
    },
  },
  'POST /v1/switchboard/charges/:id/expire': {
    cells: OWN,
    request: async (t) => {
      const held = await post(t, '/v1/charges', {
        amount: 1000,
        currency: 'usd',
        source: 'tok_visa',
        capture: false,
      });
      return { path: `/v1/switchboard/charges/${held.id}/expire` };
    },
  },

  // Mandates: made by a bank debit confirmed with mandate_data, the debit's owner's.
  'GET /v1/mandates/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/mandates/${await mandate(t)}` }),
  },

  // Disputes: the charge's owner's.
  'GET /v1/disputes': { cells: OWN_LIST, request: async () => ({ path: '/v1/disputes' }) },
  'GET /v1/disputes/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/disputes/${await dispute(t)}` }),
  },
  'POST /v1/disputes/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/disputes/${await dispute(t)}`,
      params: { metadata: { matrix: '1' } },
    }),
  },
  'POST /v1/disputes/:id/close': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/disputes/${await dispute(t)}/close` }),
  },
  'GET /v1/charges/:id/dispute': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/charges/${await disputedCharge(t)}/dispute` }),
  },
  'POST /v1/charges/:id/dispute': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/charges/${await disputedCharge(t)}/dispute`,
      params: { metadata: { matrix: '1' } },
    }),
  },
  'POST /v1/charges/:id/dispute/close': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/charges/${await disputedCharge(t)}/dispute/close` }),
  },

  'GET /v1/issuing/authorizations': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/issuing/authorizations' }),
  },
  'GET /v1/issuing/authorizations/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/issuing/authorizations/${await authorization(t)}` }),
  },
  'POST /v1/issuing/authorizations/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/issuing/authorizations/${await authorization(t)}`,
      params: { metadata: { matrix: '1' } },
    }),
  },
  'POST /v1/issuing/authorizations/:id/approve': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/issuing/authorizations/${await pendingRequest(t)}/approve`,
    }),
  },
  'POST /v1/issuing/authorizations/:id/decline': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/issuing/authorizations/${await pendingRequest(t)}/decline`,
    }),
  },
  'POST /v1/issuing/cards/:id/test/authorizations': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/issuing/cards/${await issuingCard(t)}/test/authorizations`,
      params: { held_amount: 100 },
    }),
  },
  'POST /v1/test_helpers/issuing/authorizations': {
    cells: OWN_LIST,
    request: async (t) => ({
      path: '/v1/test_helpers/issuing/authorizations',
      params: { card: await issuingCard(t), amount: 100 },
    }),
  },
  ...Object.fromEntries(
    ['capture', 'expire', 'increment', 'reverse'].map((action) => [
      `POST /v1/test_helpers/issuing/authorizations/:id/${action}`,
      {
        cells: OWN,
        request: async (t: Target) => ({
          path: `/v1/test_helpers/issuing/authorizations/${await authorization(t)}/${action}`,
          params: action === 'increment' ? { increment_amount: 10 } : {},
        }),
      },
    ]),
  ),
  'GET /v1/issuing/transactions': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/issuing/transactions' }),
  },
  'GET /v1/issuing/transactions/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/issuing/transactions/${await issuingTransaction(t)}` }),
  },
  'POST /v1/issuing/transactions/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/issuing/transactions/${await issuingTransaction(t)}`,
      params: { metadata: { matrix: '1' } },
    }),
  },
  ...Object.fromEntries(
    ['create_force_capture', 'create_unlinked_refund'].map((action) => [
      `POST /v1/test_helpers/issuing/transactions/${action}`,
      {
        cells: OWN_LIST,
        request: async (t: Target) => ({
          path: `/v1/test_helpers/issuing/transactions/${action}`,
          params: { card: await issuingCard(t), amount: 100 },
        }),
      },
    ]),
  ),
  'POST /v1/test_helpers/issuing/transactions/:id/refund': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/test_helpers/issuing/transactions/${await issuingTransaction(t)}/refund`,
    }),
  },
  'GET /v1/issuing/disputes': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/issuing/disputes' }),
  },
  'POST /v1/issuing/disputes': {
    cells: OWN_LIST,
    request: async (t) => ({
      path: '/v1/issuing/disputes',
      params: { transaction: await issuingTransaction(t) },
    }),
  },
  'GET /v1/issuing/disputes/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/issuing/disputes/${await issuingDispute(t)}` }),
  },
  'POST /v1/issuing/disputes/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/issuing/disputes/${await issuingDispute(t)}`,
      params: { metadata: { matrix: '1' } },
    }),
  },
  'POST /v1/issuing/disputes/:id/submit': {
    cells: OWN,
    request: async (t) => {
      const id = (
        await post(t, '/v1/issuing/disputes', {
          transaction: await issuingTransaction(t),
          evidence: { reason: 'other', other: { explanation: 'matrix' } },
        })
      ).id;
      return { path: `/v1/issuing/disputes/${id}/submit` };
    },
  },
  'GET /v1/radar/early_fraud_warnings': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/radar/early_fraud_warnings' }),
  },
  'GET /v1/radar/early_fraud_warnings/:id': {
    cells: OWN,
    request: async (t) => {
      const pi = await post<{ id: string }>(t, '/v1/payment_intents', {
        amount: 1000,
        currency: 'usd',
        payment_method: 'pm_card_createIssuerFraudRecord',
        confirm: true,
      });
      const list = await must<{ data: Array<{ id: string }> }>(
        t.w.server,
        t.owner,
        'GET',
        '/v1/radar/early_fraud_warnings',
        { payment_intent: pi.id },
      );
      return { path: `/v1/radar/early_fraud_warnings/${list.data[0]!.id}` };
    },
  },

  // Application fees: the platform's objects.
  'GET /v1/application_fees': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/application_fees' }),
  },
  'GET /v1/application_fees/:id': {
    cells: PLATFORM_OBJECT,
    request: async (t) => ({ path: `/v1/application_fees/${await applicationFee(t)}` }),
  },
  'POST /v1/application_fees/:id/refunds': {
    cells: PLATFORM_OBJECT,
    request: async (t) => ({
      path: `/v1/application_fees/${await applicationFee(t)}/refunds`,
      params: { amount: 10 },
    }),
  },
  'POST /v1/application_fees/:id/refund': {
    cells: PLATFORM_OBJECT,
    request: async (t) => ({
      path: `/v1/application_fees/${await applicationFee(t)}/refund`,
      params: { amount: 10 },
    }),
  },
  'GET /v1/application_fees/:id/refunds': {
    cells: PLATFORM_OBJECT,
    request: async (t) => ({ path: `/v1/application_fees/${await applicationFee(t)}/refunds` }),
  },
  'GET /v1/application_fees/:fee/refunds/:id': {
    cells: PLATFORM_OBJECT,
    request: async (t) => {
      const { fee, refund } = await feeRefund(t);
      return { path: `/v1/application_fees/${fee}/refunds/${refund}` };
    },
  },
  'POST /v1/application_fees/:fee/refunds/:id': {
    cells: PLATFORM_OBJECT,
    request: async (t) => {
      const { fee, refund } = await feeRefund(t);
      return {
        path: `/v1/application_fees/${fee}/refunds/${refund}`,
        params: { metadata: { matrix: '1' } },
      };
    },
  },

  // Refunds: the charge's owner's.
  'POST /v1/refunds': {
    cells: OWN_LIST,
    request: async (t) => ({ path: '/v1/refunds', params: { charge: await charge(t) } }),
  },
  'POST /v1/charges/:id/refunds': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/charges/${await charge(t)}/refunds` }),
  },
  'POST /v1/charges/:id/refund': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/charges/${await charge(t)}/refund` }),
  },
  'GET /v1/refunds': { cells: OWN_LIST, request: async () => ({ path: '/v1/refunds' }) },
  'GET /v1/refunds/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/refunds/${(await refund(t)).refund}` }),
  },
  'POST /v1/refunds/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/refunds/${(await refund(t)).refund}`,
      params: { metadata: { matrix: '1' } },
    }),
  },
  'POST /v1/refunds/:id/cancel': {
    cells: OWN,
    reached: 'refund_cannot_be_canceled',
    request: async (t) => ({ path: `/v1/refunds/${(await refund(t)).refund}/cancel` }),
  },
  'GET /v1/charges/:id/refunds': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/charges/${(await refund(t)).charge}/refunds` }),
  },
  'GET /v1/charges/:charge/refunds/:id': {
    cells: OWN,
    request: async (t) => {
      const r = await refund(t);
      return { path: `/v1/charges/${r.charge}/refunds/${r.refund}` };
    },
  },
  'POST /v1/charges/:charge/refunds/:id': {
    cells: OWN,
    request: async (t) => {
      const r = await refund(t);
      return {
        path: `/v1/charges/${r.charge}/refunds/${r.refund}`,
        params: { metadata: { matrix: '1' } },
      };
    },
  },

  // Treasury: a financial account and its money movements are their owner's own objects.
  'POST /v1/treasury/financial_accounts': {
    cells: OWN_LIST,
    request: async () => ({
      path: '/v1/treasury/financial_accounts',
      params: { supported_currencies: ['usd'] },
    }),
  },
  'GET /v1/treasury/financial_accounts': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/treasury/financial_accounts' }),
  },
  'GET /v1/treasury/financial_accounts/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/treasury/financial_accounts/${await financialAccount(t)}`,
    }),
  },
  'POST /v1/treasury/financial_accounts/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/treasury/financial_accounts/${await financialAccount(t)}`,
      params: { metadata: { changed: 'yes' } },
    }),
  },
  'GET /v1/treasury/financial_accounts/:id/features': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/treasury/financial_accounts/${await financialAccount(t)}/features`,
    }),
  },
  'POST /v1/treasury/financial_accounts/:id/features': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/treasury/financial_accounts/${await financialAccount(t)}/features`,
      params: { card_issuing: { requested: true } },
    }),
  },
  'POST /v1/treasury/inbound_transfers': {
    cells: OWN_LIST,
    request: async (t) => ({
      path: '/v1/treasury/inbound_transfers',
      params: {
        financial_account: await financialAccount(t),
        amount: 100,
        currency: 'usd',
        origin_payment_method: await bankMethod(t),
      },
    }),
  },
  'GET /v1/treasury/inbound_transfers': {
    cells: OWN_LIST,
    request: treasuryList('/v1/treasury/inbound_transfers'),
  },
  'GET /v1/treasury/inbound_transfers/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/treasury/inbound_transfers/${await inboundTransfer(t)}` }),
  },
  'POST /v1/treasury/inbound_transfers/:id/cancel': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/treasury/inbound_transfers/${await inboundTransfer(t)}/cancel`,
    }),
  },
  'POST /v1/test_helpers/treasury/inbound_transfers/:id/succeed': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/test_helpers/treasury/inbound_transfers/${await inboundTransfer(t)}/succeed`,
    }),
  },
  'POST /v1/test_helpers/treasury/inbound_transfers/:id/fail': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/test_helpers/treasury/inbound_transfers/${await inboundTransfer(t)}/fail`,
    }),
  },
  'POST /v1/test_helpers/treasury/inbound_transfers/:id/return': {
    cells: OWN,
    request: async (t) => {
      const id = await inboundTransfer(t);
      await post(t, `/v1/test_helpers/treasury/inbound_transfers/${id}/succeed`);
      return { path: `/v1/test_helpers/treasury/inbound_transfers/${id}/return` };
    },
  },
  'POST /v1/treasury/outbound_payments': {
    cells: TEST_LIST,
    request: async (t) => ({
      path: '/v1/treasury/outbound_payments',
      params: {
        financial_account: await financialAccount(t, 1_000),
        amount: 100,
        currency: 'usd',
        destination_payment_method: await bankMethod(t),
      },
    }),
  },
  'GET /v1/treasury/outbound_payments': {
    cells: OWN_LIST,
    request: treasuryList('/v1/treasury/outbound_payments'),
  },
  'GET /v1/treasury/outbound_payments/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/treasury/outbound_payments/${await outboundFlow(t, 'outbound_payments')}`,
    }),
  },
  'POST /v1/treasury/outbound_payments/:id/cancel': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/treasury/outbound_payments/${await outboundFlow(t, 'outbound_payments')}/cancel`,
    }),
  },
  'POST /v1/test_helpers/treasury/outbound_payments/:id/post': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/test_helpers/treasury/outbound_payments/${await outboundFlow(t, 'outbound_payments')}/post`,
    }),
  },
  'POST /v1/test_helpers/treasury/outbound_payments/:id/fail': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/test_helpers/treasury/outbound_payments/${await outboundFlow(t, 'outbound_payments')}/fail`,
    }),
  },
  'POST /v1/test_helpers/treasury/outbound_payments/:id/return': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/test_helpers/treasury/outbound_payments/${await outboundFlow(t, 'outbound_payments')}/return`,
    }),
  },
  'POST /v1/treasury/outbound_transfers': {
    cells: TEST_LIST,
    request: async (t) => ({
      path: '/v1/treasury/outbound_transfers',
      params: {
        financial_account: await financialAccount(t, 1_000),
        amount: 100,
        currency: 'usd',
        destination_payment_method: await bankMethod(t),
      },
    }),
  },
  'GET /v1/treasury/outbound_transfers': {
    cells: OWN_LIST,
    request: treasuryList('/v1/treasury/outbound_transfers'),
  },
  'GET /v1/treasury/outbound_transfers/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/treasury/outbound_transfers/${await outboundFlow(t, 'outbound_transfers')}`,
    }),
  },
  'POST /v1/treasury/outbound_transfers/:id/cancel': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/treasury/outbound_transfers/${await outboundFlow(t, 'outbound_transfers')}/cancel`,
    }),
  },
  'POST /v1/test_helpers/treasury/outbound_transfers/:id/post': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/test_helpers/treasury/outbound_transfers/${await outboundFlow(t, 'outbound_transfers')}/post`,
    }),
  },
  'POST /v1/test_helpers/treasury/outbound_transfers/:id/fail': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/test_helpers/treasury/outbound_transfers/${await outboundFlow(t, 'outbound_transfers')}/fail`,
    }),
  },
  'POST /v1/test_helpers/treasury/outbound_transfers/:id/return': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/test_helpers/treasury/outbound_transfers/${await outboundFlow(t, 'outbound_transfers')}/return`,
    }),
  },
  'POST /v1/test_helpers/treasury/received_credits': {
    cells: TEST_LIST,
    request: async (t) => ({
      path: '/v1/test_helpers/treasury/received_credits',
      params: {
        financial_account: await financialAccount(t, 0),
        amount: 100,
        currency: 'usd',
        network: 'ach',
      },
    }),
  },
  'GET /v1/treasury/received_credits': {
    cells: OWN_LIST,
    request: treasuryList('/v1/treasury/received_credits'),
  },
  'GET /v1/treasury/received_credits/:id': {
    cells: OWN,
    request: async (t) => {
      const fa = await financialAccount(t, 0);
      return { path: `/v1/treasury/received_credits/${(await received(t, 'credits', fa)).id}` };
    },
  },
  'POST /v1/treasury/credit_reversals': {
    cells: TEST_LIST,
    request: async (t) => {
      const fa = await financialAccount(t, 0);
      return {
        path: '/v1/treasury/credit_reversals',
        params: { received_credit: (await received(t, 'credits', fa)).id },
      };
    },
  },
  'GET /v1/treasury/credit_reversals': {
    cells: OWN_LIST,
    request: treasuryList('/v1/treasury/credit_reversals'),
  },
  'GET /v1/treasury/credit_reversals/:id': {
    cells: OWN,
    request: async (t) => {
      const fa = await financialAccount(t, 0);
      const flow = (await received(t, 'credits', fa)).id;
      const reversal = await post(t, '/v1/treasury/credit_reversals', { received_credit: flow });
      return { path: `/v1/treasury/credit_reversals/${reversal.id}` };
    },
  },
  'POST /v1/test_helpers/treasury/received_debits': {
    cells: TEST_LIST,
    request: async (t) => ({
      path: '/v1/test_helpers/treasury/received_debits',
      params: {
        financial_account: await financialAccount(t, 1000),
        amount: 100,
        currency: 'usd',
        network: 'ach',
      },
    }),
  },
  'GET /v1/treasury/received_debits': {
    cells: OWN_LIST,
    request: treasuryList('/v1/treasury/received_debits'),
  },
  'GET /v1/treasury/received_debits/:id': {
    cells: OWN,
    request: async (t) => {
      const fa = await financialAccount(t, 1000);
      return { path: `/v1/treasury/received_debits/${(await received(t, 'debits', fa)).id}` };
    },
  },
  'POST /v1/treasury/debit_reversals': {
    cells: TEST_LIST,
    request: async (t) => {
      const fa = await financialAccount(t, 1000);
      return {
        path: '/v1/treasury/debit_reversals',
        params: { received_debit: (await received(t, 'debits', fa)).id },
      };
    },
  },
  'GET /v1/treasury/debit_reversals': {
    cells: OWN_LIST,
    request: treasuryList('/v1/treasury/debit_reversals'),
  },
  'GET /v1/treasury/debit_reversals/:id': {
    cells: OWN,
    request: async (t) => {
      const fa = await financialAccount(t, 1000);
      const flow = (await received(t, 'debits', fa)).id;
      const reversal = await post(t, '/v1/treasury/debit_reversals', { received_debit: flow });
      return { path: `/v1/treasury/debit_reversals/${reversal.id}` };
    },
  },
  'GET /v1/treasury/transactions': {
    cells: OWN_LIST,
    request: treasuryList('/v1/treasury/transactions'),
  },
  'GET /v1/treasury/transactions/:id': {
    cells: OWN,
    request: async (t) => {
      const fa = await financialAccount(t);
      return {
        path: `/v1/treasury/transactions/${(await received(t, 'credits', fa)).transaction}`,
      };
    },
  },
  'GET /v1/treasury/transaction_entries': {
    cells: OWN_LIST,
    request: treasuryList('/v1/treasury/transaction_entries'),
  },
  'GET /v1/treasury/transaction_entries/:id': {
    cells: OWN,
    request: async (t) => {
      const fa = await financialAccount(t, 100);
      const list = await must<{ data: Array<{ id: string }> }>(
        t.w.server,
        t.owner,
        'GET',
        '/v1/treasury/transaction_entries',
        { financial_account: fa },
      );
      return { path: `/v1/treasury/transaction_entries/${list.data[0]!.id}` };
    },
  },

  // Balance and payouts: own objects.
  'GET /v1/balance': { cells: OWN_LIST, request: async () => ({ path: '/v1/balance' }) },
  'GET /v1/balance_transactions': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/balance_transactions' }),
  },
  'GET /v1/balance_transactions/:id': {
    cells: OWN,
    request: async (t) => {
      const id = await charge(t);
      const c = await must<{ balance_transaction: string }>(
        t.w.server,
        t.owner,
        'GET',
        `/v1/charges/${id}`,
      );
      return { path: `/v1/balance_transactions/${c.balance_transaction}` };
    },
  },
  'POST /v1/payouts': {
    // Payouts need an onboarded account or the platform's own bank account: those with funds.
    cells: OWN_LIST.filter(([who]) => !['a_live', 'sandbox', 'b_test'].includes(who)),
    request: async (t) => {
      await fund(t);
      return { path: '/v1/payouts', params: { amount: 100, currency: 'usd' } };
    },
  },
  'GET /v1/payouts': { cells: OWN_LIST, request: async () => ({ path: '/v1/payouts' }) },
  'GET /v1/payouts/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/payouts/${await payout(t)}` }),
  },
  'POST /v1/payouts/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/payouts/${await payout(t)}`,
      params: { metadata: { changed: 'yes' } },
    }),
  },
  'POST /v1/payouts/:id/reverse': {
    // A new payout is pending, which Stripe cancels rather than reverses: the answer shows the
    // request reached the payout (paying one takes a day of the clock; payout-reversals.test
    // reverses paid ones).
    cells: OWN,
    reached: 'payout_not_reversible',
    request: async (t) => ({ path: `/v1/payouts/${await payout(t)}/reverse` }),
  },
  'POST /v1/payouts/:id/cancel': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/payouts/${await payout(t)}/cancel` }),
  },
  'POST /v1/test_helpers/payouts/:id/fail': {
    cells: OWN,
    sequential: true,
    request: async (t) => {
      // A failed payout disables its bank account until it is updated: update them after.
      const id = await payout(t);
      const path = `/v1/test_helpers/payouts/${id}/fail`;
      const account = t.account ?? t.w.server.sb.startup.platform.id;
      const banks = `/v1/accounts/${account}/external_accounts`;
      const platformKey = { key: t.owner.key };
      repairs.push(async () => {
        const list = await must<{ data: Array<{ id: string }> }>(
          t.w.server,
          platformKey,
          'GET',
          banks,
        );
        for (const b of list.data)
          await must(t.w.server, platformKey, 'POST', `${banks}/${b.id}`, { metadata: { r: '1' } });
      });
      return { path };
    },
  },

  // Radar reviews: own objects, of the caller's charges.
  'GET /v1/reviews': { cells: OWN_LIST, request: async () => ({ path: '/v1/reviews' }) },
  'GET /v1/reviews/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/reviews/${await review(t)}` }),
  },
  'POST /v1/reviews/:id/approve': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/reviews/${await review(t)}/approve` }),
  },

  // Identity verification sessions: own objects.
  'POST /v1/identity/verification_sessions': {
    cells: OWN_LIST,
    request: async () => ({
      path: '/v1/identity/verification_sessions',
      params: { type: 'document', return_url: 'https://example.com/back' },
    }),
  },
  'GET /v1/identity/verification_sessions': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/identity/verification_sessions' }),
  },
  'GET /v1/identity/verification_sessions/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/identity/verification_sessions/${await verificationSession(t)}`,
    }),
  },
  'POST /v1/identity/verification_sessions/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/identity/verification_sessions/${await verificationSession(t)}`,
      params: { metadata: { changed: 'yes' } },
    }),
  },
  'POST /v1/identity/verification_sessions/:id/cancel': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/identity/verification_sessions/${await verificationSession(t)}/cancel`,
    }),
  },
  'POST /v1/identity/verification_sessions/:id/redact': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/identity/verification_sessions/${await verificationSession(t)}/redact`,
    }),
  },

  // Top-ups: own objects, in the balance of the caller's scope.
  'POST /v1/topups': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/topups', params: { amount: 100, currency: 'usd' } }),
  },
  'GET /v1/topups': { cells: OWN_LIST, request: async () => ({ path: '/v1/topups' }) },
  'GET /v1/topups/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/topups/${await topup(t)}` }),
  },
  'POST /v1/topups/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/topups/${await topup(t)}`,
      params: { metadata: { changed: 'yes' } },
    }),
  },
  'POST /v1/topups/:id/cancel': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/topups/${await topup(t)}/cancel` }),
  },

  // Transfers: the platform's objects.
  'POST /v1/transfers': {
    cells: [
      ['a_test', 'self', 'allow'],
      ['rk_with', 'self', 'allow'],
      ['rk_without', 'self', 'refuse'],
      ['oauth_rw', 'self', 'refuse'],
      ['oauth_ro', 'self', 'refuse'],
      ['as_x', 'self', 'refuse'],
      ['as_other', 'self', 'refuse'],
      ['as_deleted', 'self', 'refuse'],
      ['as_deauth', 'self', 'refuse'],
      // y is A's test account: out of reach of A's live key and of platform B.
      ['a_live', 'self', 'refuse'],
      ['b_test', 'self', 'refuse'],
    ],
    request: async (t) => {
      await fund({ ...t, owner: { key: t.w.keys.aTest } });
      return {
        path: '/v1/transfers',
        params: { amount: 100, currency: 'usd', destination: t.w.accounts.y },
      };
    },
  },
  'GET /v1/transfers': { cells: OWN_LIST, request: async () => ({ path: '/v1/transfers' }) },
  'POST /v1/transfers/:id': {
    cells: PLATFORM_OBJECT,
    request: async (t) => ({
      path: `/v1/transfers/${await transfer(t)}`,
      params: { metadata: { matrix: '1' } },
    }),
  },
  'GET /v1/transfers/:id/reversals': {
    cells: PLATFORM_OBJECT,
    request: async (t) => ({ path: `/v1/transfers/${await transfer(t)}/reversals` }),
  },
  'GET /v1/transfers/:transfer/reversals/:id': {
    cells: PLATFORM_OBJECT,
    request: async (t) => {
      const r = await reversal(t);
      return { path: `/v1/transfers/${r.transfer}/reversals/${r.reversal}` };
    },
  },
  'POST /v1/transfers/:transfer/reversals/:id': {
    cells: PLATFORM_OBJECT,
    request: async (t) => {
      const r = await reversal(t);
      return {
        path: `/v1/transfers/${r.transfer}/reversals/${r.reversal}`,
        params: { metadata: { matrix: '1' } },
      };
    },
  },
  'GET /v1/transfers/:id': {
    cells: PLATFORM_OBJECT,
    request: async (t) => ({ path: `/v1/transfers/${await transfer(t)}` }),
  },
  'POST /v1/transfers/:id/reversals': {
    cells: PLATFORM_OBJECT,
    request: async (t) => ({
      path: `/v1/transfers/${await transfer(t)}/reversals`,
      params: { amount: 10 },
    }),
  },

  // Webhook endpoints: own.
  'POST /v1/webhook_endpoints': {
    cells: OWN_LIST,
    request: async () => ({
      path: '/v1/webhook_endpoints',
      params: { url: URL, enabled_events: ['customer.created'] },
    }),
  },
  'GET /v1/webhook_endpoints': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/webhook_endpoints' }),
  },
  'GET /v1/webhook_endpoints/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/webhook_endpoints/${await endpoint(t)}` }),
  },
  'POST /v1/webhook_endpoints/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/webhook_endpoints/${await endpoint(t)}`,
      params: { description: 'changed' },
    }),
  },
  'DELETE /v1/webhook_endpoints/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/webhook_endpoints/${await endpoint(t)}` }),
  },
  'POST /v1/webhook_endpoints/:id/roll_secret': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/webhook_endpoints/${await endpoint(t)}/roll_secret` }),
  },
  'GET /v1/webhook_endpoints/:id/attempts': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/webhook_endpoints/${await endpoint(t)}/attempts` }),
  },
  'GET /v1/webhook_endpoints/:id/deliveries': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/webhook_endpoints/${await endpoint(t)}/deliveries` }),
  },
  'GET /v1/switchboard/webhook_endpoints/:id/secret': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/switchboard/webhook_endpoints/${await endpoint(t)}/secret`,
    }),
  },
  'GET /v1/switchboard/webhook_endpoints/:id/stats': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/switchboard/webhook_endpoints/${await endpoint(t)}/stats`,
    }),
  },
  'GET /v1/switchboard/webhook_endpoints/:id/chaos': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/switchboard/webhook_endpoints/${await endpoint(t)}/chaos`,
    }),
  },
  'POST /v1/switchboard/webhook_endpoints/:id/chaos': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/switchboard/webhook_endpoints/${await endpoint(t)}/chaos`,
      params: { duplicate_percent: 10 },
    }),
  },
  'DELETE /v1/switchboard/webhook_endpoints/:id/chaos': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/switchboard/webhook_endpoints/${await endpoint(t)}/chaos`,
    }),
  },
  'POST /v1/switchboard/webhook_endpoints/:id/test_event': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/switchboard/webhook_endpoints/${await endpoint(t)}/test_event`,
      params: { type: 'customer.created' },
    }),
  },
  'GET /v1/switchboard/webhook_endpoint_stats': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/switchboard/webhook_endpoint_stats' }),
  },

  // Events: own (Stripe's), and platform-wide (Switchboard's).
  'GET /v1/events': { cells: OWN_LIST, request: async () => ({ path: '/v1/events' }) },
  'GET /v1/events/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/events/${await event(t)}` }),
  },
  'GET /v1/events/:id/attempts': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/events/${await event(t)}/attempts` }),
  },
  'GET /v1/events/:id/deliveries': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/events/${await event(t)}/deliveries` }),
  },
  'POST /v1/events/:id/retry': {
    cells: OWN,
    request: async (t) => {
      const we = await endpoint(t);
      return { path: `/v1/events/${await event(t)}/retry`, params: { webhook_endpoint: we } };
    },
  },
  'GET /v1/switchboard/events': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/switchboard/events' }),
  },
  'GET /v1/switchboard/events/:id': {
    cells: PLATFORM_WIDE,
    request: async (t) => ({ path: `/v1/switchboard/events/${await event(t)}` }),
  },
  'GET /v1/switchboard/events/:id/deliveries': {
    cells: PLATFORM_WIDE,
    request: async (t) => ({ path: `/v1/switchboard/events/${await event(t)}/deliveries` }),
  },
  'GET /v1/switchboard/events/:id/attempts': {
    cells: PLATFORM_WIDE,
    request: async (t) => ({ path: `/v1/switchboard/events/${await event(t)}/attempts` }),
  },
  'POST /v1/switchboard/events/:id/retry': {
    cells: OWN,
    request: async (t) => {
      const we = await endpoint(t);
      return { path: `/v1/switchboard/events/${await event(t)}/retry`, params: { endpoint: we } };
    },
  },

  // v2: event destinations, events and accounts, in the caller's own context.
  'POST /v2/core/event_destinations': {
    cells: OWN_LIST,
    request: async () => ({
      path: '/v2/core/event_destinations',
      params: {
        name: 'matrix',
        type: 'webhook_endpoint',
        event_payload: 'thin',
        enabled_events: ['v2.core.account.created'],
        webhook_endpoint: { url: URL },
      },
    }),
  },
  'GET /v2/core/event_destinations': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v2/core/event_destinations' }),
  },
  'GET /v2/core/event_destinations/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v2/core/event_destinations/${await destination(t)}` }),
  },
  'POST /v2/core/event_destinations/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v2/core/event_destinations/${await destination(t)}`,
      params: { description: 'changed' },
    }),
  },
  'DELETE /v2/core/event_destinations/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v2/core/event_destinations/${await destination(t)}` }),
  },
  'POST /v2/core/event_destinations/:id/enable': {
    cells: OWN,
    request: async (t) => {
      const id = await destination(t);
      await must(t.w.server, t.owner, 'POST', `/v2/core/event_destinations/${id}/disable`);
      return { path: `/v2/core/event_destinations/${id}/enable` };
    },
  },
  'POST /v2/core/event_destinations/:id/disable': {
    cells: OWN,
    request: async (t) => ({ path: `/v2/core/event_destinations/${await destination(t)}/disable` }),
  },
  'POST /v2/core/event_destinations/:id/ping': {
    cells: OWN,
    request: async (t) => ({ path: `/v2/core/event_destinations/${await destination(t)}/ping` }),
  },
  'GET /v1/switchboard/event_destinations/:id/attempts': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/switchboard/event_destinations/${await destination(t)}/attempts`,
    }),
  },
  'GET /v1/switchboard/event_destinations/:id/stats': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/switchboard/event_destinations/${await destination(t)}/stats`,
    }),
  },
  'GET /v1/switchboard/event_destination_stats': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/switchboard/event_destination_stats' }),
  },
  'GET /v2/core/events': { cells: OWN_LIST, request: async () => ({ path: '/v2/core/events' }) },
  'GET /v2/core/events/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v2/core/events/${await v2Event(t)}` }),
  },
  'POST /v2/core/accounts': {
    cells: OWN_LIST,
    request: async () => ({
      path: '/v2/core/accounts',
      params: { contact_email: 'matrix@example.com', configuration: { customer: {} } },
    }),
  },
  'GET /v2/core/accounts': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v2/core/accounts' }),
  },
  'GET /v2/core/accounts/:id': {
    cells: OWN,
    request: async (t) => ({ path: `/v2/core/accounts/${await v2Account(t)}` }),
  },
  'POST /v2/core/accounts/:id': {
    cells: OWN,
    request: async (t) => ({
      path: `/v2/core/accounts/${await v2Account(t)}`,
      params: { display_name: 'changed' },
    }),
  },
  'POST /v2/core/accounts/:id/close': {
    cells: OWN,
    request: async (t) => ({ path: `/v2/core/accounts/${await v2Account(t)}/close` }),
  },

  // Connected accounts and what hangs off them.
  'POST /v1/accounts': {
    cells: PLATFORM_KEYS,
    request: async () => ({ path: '/v1/accounts', params: { type: 'express' } }),
  },
  'GET /v1/accounts': { cells: OWN_LIST, request: async () => ({ path: '/v1/accounts' }) },
  'GET /v1/account': { cells: OWN_LIST, request: async () => ({ path: '/v1/account' }) },
  'GET /v1/accounts/:id': {
    cells: CONNECT,
    request: async (t) => ({ path: `/v1/accounts/${t.account}` }),
  },
  'POST /v1/accounts/:id': {
    cells: CONNECT,
    request: async (t) => ({ path: `/v1/accounts/${t.account}`, params: { metadata: { m: '1' } } }),
  },
  'DELETE /v1/accounts/:id': {
    cells: CONNECT,
    consumesAccount: true,
    request: async (t) => ({ path: `/v1/accounts/${t.account}` }),
  },
  'POST /v1/accounts/:id/reject': {
    cells: CONNECT,
    consumesAccount: true,
    request: async (t) => ({
      path: `/v1/accounts/${t.account}/reject`,
      params: { reason: 'fraud' },
    }),
  },
  'GET /v1/accounts/:id/capabilities': {
    cells: CONNECT,
    request: async (t) => ({ path: `/v1/accounts/${t.account}/capabilities` }),
  },
  'GET /v1/accounts/:id/capabilities/:capability': {
    cells: CONNECT,
    request: async (t) => ({ path: `/v1/accounts/${t.account}/capabilities/card_payments` }),
  },
  'POST /v1/accounts/:id/capabilities/:capability': {
    cells: CONNECT,
    request: async (t) => ({
      path: `/v1/accounts/${t.account}/capabilities/us_bank_account_ach_payments`,
      params: { requested: true },
    }),
  },
  'POST /v1/accounts/:id/persons': {
    cells: CONNECT,
    request: async (t) => ({
      path: `/v1/accounts/${t.account}/persons`,
      params: { first_name: 'Jenny' },
    }),
  },
  'GET /v1/accounts/:id/persons': {
    cells: CONNECT,
    request: async (t) => ({ path: `/v1/accounts/${t.account}/persons` }),
  },
  'GET /v1/accounts/:id/persons/:child': {
    cells: CONNECT,
    request: async (t) => ({ path: `/v1/accounts/${t.account}/persons/${await person(t)}` }),
  },
  'POST /v1/accounts/:id/persons/:child': {
    cells: CONNECT,
    request: async (t) => ({
      path: `/v1/accounts/${t.account}/persons/${await person(t)}`,
      params: { last_name: 'Rosen' },
    }),
  },
  'DELETE /v1/accounts/:id/persons/:child': {
    cells: CONNECT,
    request: async (t) => ({ path: `/v1/accounts/${t.account}/persons/${await person(t)}` }),
  },
  'POST /v1/accounts/:id/external_accounts': {
    cells: CONNECT,
    request: async (t) => ({
      path: `/v1/accounts/${t.account}/external_accounts`,
      params: { external_account: 'btok_us' },
    }),
  },
  'GET /v1/accounts/:id/external_accounts': {
    cells: CONNECT,
    request: async (t) => ({ path: `/v1/accounts/${t.account}/external_accounts` }),
  },
  'GET /v1/accounts/:id/external_accounts/:child': {
    cells: CONNECT,
    request: async (t) => ({
      path: `/v1/accounts/${t.account}/external_accounts/${await bank(t)}`,
    }),
  },
  'POST /v1/accounts/:id/external_accounts/:child': {
    cells: CONNECT,
    request: async (t) => ({
      path: `/v1/accounts/${t.account}/external_accounts/${await bank(t)}`,
      params: { metadata: { m: '1' } },
    }),
  },
  'DELETE /v1/accounts/:id/external_accounts/:child': {
    cells: CONNECT,
    request: async (t) => {
      const id = await bank(t);
      // The default bank account cannot be deleted while another exists: make this one not it.
      await post(t, `/v1/accounts/${t.account}/external_accounts`, {
        external_account: 'btok_us',
        default_for_currency: true,
      });
      return { path: `/v1/accounts/${t.account}/external_accounts/${id}` };
    },
  },
  'POST /v1/accounts/:id/login_links': {
    cells: CONNECT,
    request: async (t) => ({ path: `/v1/accounts/${t.account}/login_links` }),
  },
  'POST /v1/account_links': {
    cells: CONNECT,
    request: async (t) => ({
      path: '/v1/account_links',
      params: {
        account: t.account,
        type: 'account_onboarding',
        refresh_url: 'https://platform.example/refresh',
        return_url: 'https://platform.example/return',
      },
    }),
  },
  'POST /v1/account_sessions': {
    cells: CONNECT,
    request: async (t) => ({
      path: '/v1/account_sessions',
      params: { account: t.account, components: { payments: { enabled: true } } },
    }),
  },
  'POST /v1/test_helpers/accounts/:id/complete_onboarding': {
    cells: CONNECT,
    request: async (t) => ({ path: `/v1/test_helpers/accounts/${t.account}/complete_onboarding` }),
  },

  // The platform's own: keys, sandboxes, listen sessions, the clock, OAuth.
  'GET /v1/switchboard/api_keys': {
    cells: PLATFORM,
    request: async () => ({ path: '/v1/switchboard/api_keys' }),
  },
  'GET /v1/switchboard/publishable_key': {
    cells: PLATFORM,
    request: async () => ({ path: '/v1/switchboard/publishable_key' }),
  },
  'POST /v1/switchboard/api_keys/:id/roll': {
    cells: PLATFORM_TARGET,
    request: async (t) => ({ path: `/v1/switchboard/api_keys/${await apiKey(t)}/roll` }),
  },
  'POST /v1/switchboard/api_keys/:id/revoke': {
    cells: PLATFORM_TARGET,
    request: async (t) => ({ path: `/v1/switchboard/api_keys/${await apiKey(t)}/revoke` }),
  },
  'GET /v1/switchboard/connect_settings': {
    cells: PLATFORM,
    request: async () => ({ path: '/v1/switchboard/connect_settings' }),
  },
  'POST /v1/switchboard/connect_settings': {
    cells: PLATFORM,
    request: async () => ({
      path: '/v1/switchboard/connect_settings',
      params: { redirect_uris: ['https://platform.example/callback'] },
    }),
  },
  'GET /v1/switchboard/clock': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/switchboard/clock' }),
  },
  'POST /v1/switchboard/clock/advance': {
    cells: PLATFORM,
    request: async () => ({ path: '/v1/switchboard/clock/advance', params: { by: '1s' } }),
  },
  'GET /v1/switchboard/event_types': {
    cells: OWN_LIST,
    request: async () => ({ path: '/v1/switchboard/event_types' }),
  },
  'POST /v1/switchboard/restricted_keys': {
    cells: PLATFORM,
    request: async () => ({ path: '/v1/switchboard/restricted_keys' }),
  },
  'POST /v1/switchboard/sandboxes': {
    cells: PLATFORM.map(([who, owner, expect]): Cell =>
      // A sandbox cannot make sandboxes of its own.
      who === 'sandbox' ? [who, owner, 'refuse'] : [who, owner, expect],
    ),
    request: async () => ({ path: '/v1/switchboard/sandboxes', params: { name: 'm' } }),
  },
  'GET /v1/switchboard/sandboxes': {
    cells: PLATFORM,
    request: async () => ({ path: '/v1/switchboard/sandboxes' }),
  },
  'POST /v1/stripecli/sessions': {
    cells: PLATFORM,
    request: async () => ({
      path: '/v1/stripecli/sessions',
      params: { device_name: 'matrix', websocket_features: ['webhooks'] },
    }),
  },
  'POST /oauth/token': {
    // A code of A's, in test mode: only A's test key exchanges it.
    cells: PLATFORM.map(([who, owner]): Cell => [
      who,
      owner,
      who === 'a_test' ? 'allow' : 'refuse',
    ]),
    request: async (t) => ({
      path: '/oauth/token',
      params: {
        grant_type: 'authorization_code',
        code: await issueCode(t.w.server, t.w.accounts.y, 'read_write'),
      },
    }),
  },
  'POST /oauth/deauthorize': {
    cells: PLATFORM_ON_ACCOUNT,
    consumesAccount: true,
    accountType: 'standard',
    request: async (t) => ({
      path: '/oauth/deauthorize',
      params: { client_id: t.w.clientId, stripe_user_id: t.account },
    }),
  },
  'POST /v1/test_helpers/accounts/:id/deauthorize': {
    cells: PLATFORM_ON_ACCOUNT,
    consumesAccount: true,
    accountType: 'standard',
    request: async (t) => ({ path: `/v1/test_helpers/accounts/${t.account}/deauthorize` }),
  },
  'POST /v1/test_helpers/accounts/:id/authorize': {
    cells: PLATFORM_ON_ACCOUNT,
    consumesAccount: true,
    accountType: 'standard',
    request: async (t) => {
      await must(
        t.w.server,
        // Disconnected first, by the platform's key of the account's mode.
        { key: t.owner.key },
        'POST',
        `/v1/test_helpers/accounts/${t.account}/deauthorize`,
      );
      return { path: `/v1/test_helpers/accounts/${t.account}/authorize` };
    },
  },
};

/**
 * The cases of routes Stripe also serves under an older path (`/people` for `/persons`): the
 * same cells and requests, sent to the older path. Only the paths Stripe's API has.
 */
function olderPaths(from: string, to: string): Record<string, RouteCase> {
  const cases: Record<string, RouteCase> = {};
  for (const [key, c] of Object.entries(newerPaths)) {
    if (!key.includes(from)) continue;
    const [method, path] = key.replace(from, to).split(' ') as [string, string];
    if (!findOperation(method, path)) continue;
    cases[`${method} ${path}`] = {
      ...c,
      request: async (t) => {
        const request = await c.request(t);
        return { ...request, path: request.path.replace(from, to) };
      },
    };
  }
  return cases;
}

export const table: Record<string, RouteCase> = {
  ...newerPaths,
  ...olderPaths('/persons', '/people'),
  ...olderPaths('/external_accounts', '/bank_accounts'),
  ...olderPaths('/balance_transactions', '/balance/history'),
  ...olderPaths('/sources', '/cards'),
  // Search: the caller's own objects, as lists are.
  ...Object.fromEntries(
    (
      [
        ['charges', "status:'succeeded'"],
        ['customers', "email:'m@example.com'"],
        ['payment_intents', 'amount>100'],
        ['prices', "active:'true'"],
        ['products', "name~'shirt'"],
      ] as const
    ).map(([collection, query]): [string, RouteCase] => [
      `GET /v1/${collection}/search`,
      {
        cells: OWN_LIST,
        request: async () => ({ path: `/v1/${collection}/search`, params: { query } }),
      },
    ]),
  ),
  // A customer's bank accounts: own objects, under their customer, as its cards.
  'POST /v1/customers/:customer/bank_accounts': {
    cells: OWN,
    request: async (t) => ({
      path: `/v1/customers/${await customer(t)}/bank_accounts`,
      params: { source: 'btok_us' },
    }),
  },
  'GET /v1/customers/:customer/bank_accounts': {
    cells: OWN,
    request: async (t) => ({ path: `/v1/customers/${await customer(t)}/bank_accounts` }),
  },
  'GET /v1/customers/:customer/bank_accounts/:id': {
    cells: OWN,
    request: async (t) => ({ path: await savedBank(t) }),
  },
  'POST /v1/customers/:customer/bank_accounts/:id': {
    cells: OWN,
    request: async (t) => ({ path: await savedBank(t), params: { account_holder_name: 'M' } }),
  },
  'DELETE /v1/customers/:customer/bank_accounts/:id': {
    cells: OWN,
    request: async (t) => ({ path: await savedBank(t) }),
  },
  'POST /v1/customers/:customer/bank_accounts/:id/verify': {
    cells: OWN,
    request: async (t) => ({ path: `${await savedBank(t)}/verify`, params: { amounts: [32, 45] } }),
  },
  'POST /v1/customers/:customer/sources/:id/verify': {
    cells: OWN,
    request: async (t) => ({
      path: `${(await savedBank(t)).replace('/bank_accounts/', '/sources/')}/verify`,
      params: { amounts: [32, 45] },
    }),
  },
};
