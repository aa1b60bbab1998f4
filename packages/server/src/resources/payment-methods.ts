import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import {
  applyMetadata,
  effect,
  expandParam,
  integer,
  listParams,
  metadata,
  nullableString,
  object,
  oneOf,
  required,
  string,
} from '../stripe/params.js';
import { get, post, type Resource } from './route.js';
import { previousAttributes } from '../domain/event-body.js';
import {
  testCardName,
  testCards,
  usBankAccountMethods,
  type TestCard,
} from '../domain/test-instruments.js';
import type { WriteContext } from '../services/context.js';
import { emitEvent } from '../services/emit-event.js';
import { platformView, type Scope } from '../scope/scope.js';
import type { ObjectRow } from '../storage/repositories/objects.js';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import type { Dialect } from '../storage/dialect.js';
import {
  createObject,
  listVisible,
  parseData,
  parseInternal,
  requireObject,
  requireObjectToChange,
  saveObject,
} from './common.js';
import { listFilterTest, nullableAddress, toAddress } from './shared-params.js';
import {
  isValidIban,
  normalizeIban,
  SEPA_TEST_IBANS_HINT,
  sepaScenario,
  sepaTestMethodIban,
} from '../domain/sepa.js';
import { cardForNumber, checkExpiry, consumeToken, fingerprint } from './tokens.js';

/**
 * PaymentMethods: cards (Stripe's test card numbers, card tokens, and the `pm_card_...` test
 * methods) and US bank accounts, created in the scope of the caller (the platform, or the
 * connected account acted as), attached to and detached from its customers, and used by
 * PaymentIntents and SetupIntents (`usePaymentMethod`). As in Stripe's test mode, `pm_card_visa`
 * stands for a new PaymentMethod each time it is used: the intent or customer gets a `pm_...` of
 * its own.
 */

export interface PaymentMethodInternal {
  /** A card: the test card it behaves as (`pm_card_visa`). */
  card?: string;
  /** Set up with a SetupIntent: a card that asks for 3D Secure `unless-set-up` no longer does. */
  setUp?: boolean;
  /** Used once without a customer, or detached: Stripe refuses to use it again. */
  consumed?: boolean;
  /** A bank account: its account number, whose test outcome its debits have. */
  bankAccount?: string;
  /** A SEPA Direct Debit account: its IBAN, one of Stripe's test IBANs (domain/sepa.ts). */
  iban?: string;
  /**
   * A US bank account typed in: its microdeposits are `pending` until verified (bank-debits.ts);
   * `failed` verification leaves it unusable. Test methods and Checkout's are verified at once.
   */
  microdeposits?: 'pending' | 'verified' | 'failed';
}

/** A payment method as intents use it: the object, its row, and the test card it behaves as. */
export interface Instrument {
  pm: Stripe.PaymentMethod;
  internal: PaymentMethodInternal;
  /** The test card, for a card; null for a bank account. */
  card: TestCard | null;
}

const billingParams = object({
  address: nullableAddress,
  email: nullableString(),
  name: nullableString(),
  phone: nullableString(),
});

const usBankParams = object({
  account_holder_type: oneOf(['individual', 'company'] as const),
  account_number: effect(string({ maxLength: 17 }), 'us_bank_account payment methods'),
  account_type: oneOf(['checking', 'savings'] as const),
  routing_number: string({ maxLength: 9 }),
});

/** The test that checks SEPA Direct Debit payment methods and their debits. */
export const SEPA_TEST =
  'makes payment methods from test IBANs only, with the holder Stripe requires';

/** The test that checks card details (number, cvc, token) make the payment method they describe. */
const CREATES =
  'creates card payment methods from a test number, a token and pm_card_visa; attaches, lists, updates and detaches them';

/** What describes a new payment method: `POST /v1/payment_methods` and `payment_method_data`. */
export const paymentMethodDataParams = {
  type: oneOf(['card', 'us_bank_account', 'sepa_debit', 'customer_balance'] as const),
  card: object({
    number: effect(string({ maxLength: 30 }), CREATES),
    exp_month: integer(),
    exp_year: integer(),
    cvc: effect(string({ maxLength: 4 }), CREATES),
    token: effect(string(), CREATES),
  }),
  us_bank_account: usBankParams,
  sepa_debit: object({ iban: required(effect(string({ maxLength: 34 }), SEPA_TEST)) }),
  billing_details: billingParams,
  metadata: metadata(),
  allow_redisplay: oneOf(['always', 'limited', 'unspecified'] as const),
};

export type PaymentMethodType = 'card' | 'us_bank_account' | 'sepa_debit' | 'customer_balance';

export type PaymentMethodData = {
  type?: PaymentMethodType | undefined;
  card?:
    | {
        number?: string | undefined;
        exp_month?: number | undefined;
        exp_year?: number | undefined;
        cvc?: string | undefined;
        token?: string | undefined;
      }
    | undefined;
  us_bank_account?:
    | {
        account_holder_type?: 'individual' | 'company' | undefined;
        account_number?: string | undefined;
        account_type?: 'checking' | 'savings' | undefined;
        routing_number?: string | undefined;
      }
    | undefined;
  sepa_debit?: { iban: string } | undefined;
  billing_details?:
    | {
        address?: unknown;
        email?: string | null | undefined;
        name?: string | null | undefined;
        phone?: string | null | undefined;
      }
    | undefined;
  metadata?: Record<string, string | null> | null | undefined;
  allow_redisplay?: 'always' | 'limited' | 'unspecified' | undefined;
};

function billingDetails(
  given: PaymentMethodData['billing_details'],
  before?: Stripe.PaymentMethod.BillingDetails,
): Stripe.PaymentMethod.BillingDetails {
  const base = before ?? {
    address: toAddress({})!,
    email: null,
    name: null,
    phone: null,
    tax_id: null,
  };
  if (!given) return base;
  return {
    ...base,
    ...(given.address !== undefined
      ? { address: toAddress(given.address as never) ?? toAddress({})! }
      : {}),
    ...(given.email !== undefined ? { email: given.email } : {}),
    ...(given.name !== undefined ? { name: given.name } : {}),
    ...(given.phone !== undefined ? { phone: given.phone } : {}),
  } as Stripe.PaymentMethod.BillingDetails;
}

function cardDetails(
  w: WriteContext,
  name: string,
  expiry: { exp_month: number; exp_year: number },
  cvc: boolean,
): Stripe.PaymentMethod.Card {
  const card = testCards[name]!;
  return {
    brand: card.brand,
    checks: {
      address_line1_check: null,
      address_postal_code_check: null,
      cvc_check: cvc ? 'pass' : null,
    },
    country: card.country,
    display_brand: card.brand,
    exp_month: expiry.exp_month,
    exp_year: expiry.exp_year,
    fingerprint: fingerprint(w.platform, name),
    funding: card.funding,
    generated_from: null,
    last4: card.last4,
    networks: { available: [card.brand], preferred: null },
    regulated_status: 'unregulated',
    three_d_secure_usage: { supported: true },
    wallet: null,
  } as unknown as Stripe.PaymentMethod.Card;
}

/** A test card's default expiry: December, three years on (as Stripe's `pm_card_...` show). */
export const defaultExpiry = (now: number) => ({
  exp_month: 12,
  exp_year: new Date(now).getUTCFullYear() + 3,
});

/** What a new payment method is: its type-specific block and what it behaves as. */
async function describe(
  w: WriteContext,
  scope: Scope,
  data: PaymentMethodData,
  param: string,
): Promise<{
  type: PaymentMethodType;
  block: Partial<Stripe.PaymentMethod>;
  internal: PaymentMethodInternal;
}> {
  const type = data.type;
  if (!type) throw errors.parameterMissing(`${param}type`);
  if (type === 'card') {
    const c = data.card;
    if (!c) throw errors.parameterMissing(`${param}card`);
    let name: string;
    let expiry = defaultExpiry(w.now);
    if (c.token !== undefined) {
      if (c.number !== undefined)
        throw errors.parametersExclusive(`${param}card[token]`, `${param}card[number]`);
      const token = await consumeToken(w, scope, c.token, 'card', `${param}card[token]`);
      name = token.card!;
    } else {
      if (c.number === undefined) throw errors.parameterMissing(`${param}card[number]`);
      if (c.exp_month === undefined) throw errors.parameterMissing(`${param}card[exp_month]`);
      if (c.exp_year === undefined) throw errors.parameterMissing(`${param}card[exp_year]`);
      name = cardForNumber(c.number, `${param}card[number]`);
      expiry = checkExpiry(c.exp_month, c.exp_year, w.now, `${param}card`);
    }
    return {
      type,
      block: { card: cardDetails(w, name, expiry, c.cvc !== undefined) },
      internal: { card: name },
    };
  }
  if (data.card !== undefined)
    throw errors.parameterInvalid(
      `${param}card`,
      `Invalid ${param}card: a ${type} payment method takes ${type}.`,
    );
  if (type === 'sepa_debit') return describeSepaDebit(w, data, param);
  // The customer's cash balance: nothing to describe; its funds come by bank transfer.
  if (type === 'customer_balance') {
    if (data.us_bank_account !== undefined || data.sepa_debit !== undefined)
      throw errors.parameterInvalid(
        `${param}type`,
        `Invalid ${param}type: a customer_balance payment method takes no bank account details.`,
      );
    return { type, block: { customer_balance: {} }, internal: {} };
  }
  const b = data.us_bank_account;
  if (!b) throw errors.parameterMissing(`${param}us_bank_account`);
  if (!b.account_number) throw errors.parameterMissing(`${param}us_bank_account[account_number]`);
  if (!b.routing_number || !/^\d{9}$/.test(b.routing_number))
    throw errors.parameterInvalid(
      `${param}us_bank_account[routing_number]`,
      'Routing number must have 9 digits',
      'routing_number_invalid',
    );
  if (!data.billing_details?.name) throw errors.parameterMissing(`${param}billing_details[name]`);
  return {
    type,
    block: {
      us_bank_account: {
        account_holder_type: b.account_holder_type ?? 'individual',
        account_type: b.account_type ?? 'checking',
        bank_name: 'STRIPE TEST BANK',
        financial_connections_account: null,
        fingerprint: fingerprint(w.platform, `${b.routing_number}/${b.account_number}`),
        last4: b.account_number.slice(-4),
        networks: { preferred: 'ach', supported: ['ach'] },
        routing_number: b.routing_number,
        status_details: null,
      } as unknown as Stripe.PaymentMethod.UsBankAccount,
    },
    internal: { bankAccount: b.account_number, microdeposits: 'pending' },
  };
}

/**
 * A SEPA Direct Debit account: one of Stripe's test IBANs (any other is refused, as Stripe's test
 * mode refuses real ones; live mode here is a rehearsal with test instruments too), with the
 * account holder's name and email, which SEPA mandates need.
 */
function describeSepaDebit(
  w: WriteContext,
  data: PaymentMethodData,
  param: string,
): { type: 'sepa_debit'; block: Partial<Stripe.PaymentMethod>; internal: PaymentMethodInternal } {
  if (data.us_bank_account !== undefined)
    throw errors.parameterInvalid(
      `${param}us_bank_account`,
      `Invalid ${param}us_bank_account: a sepa_debit payment method takes sepa_debit.`,
    );
  const given = data.sepa_debit?.iban;
  if (given === undefined) throw errors.parameterMissing(`${param}sepa_debit[iban]`);
  const iban = normalizeIban(given);
  if (!isValidIban(iban))
    throw errors.invalidRequest(
      'The IBAN you provided appears to be invalid.',
      `${param}sepa_debit[iban]`,
      'invalid_bank_account_iban',
    );
  if (!sepaScenario(iban))
    throw errors.invalidRequest(
      `${iban.slice(0, 2)}${'*'.repeat(iban.length - 6)}${iban.slice(-4)} is not one of Stripe's test IBANs; only those are accepted (for example ${SEPA_TEST_IBANS_HINT}).`,
      `${param}sepa_debit[iban]`,
      'invalid_bank_account_iban',
    );
  if (!data.billing_details?.name) throw errors.parameterMissing(`${param}billing_details[name]`);
  if (!data.billing_details.email) throw errors.parameterMissing(`${param}billing_details[email]`);
  return {
    type: 'sepa_debit',
    block: {
      sepa_debit: {
        bank_code: iban.slice(4, 9).replace(/^0+/, '') || '0',
        branch_code: '',
        country: iban.slice(0, 2),
        fingerprint: fingerprint(w.platform, iban),
        generated_from: { charge: null, setup_attempt: null },
        last4: iban.slice(-4),
      },
    },
    internal: { iban },
  };
}

/** Stores a new payment method in the write's scope (the platform, or the account acted as). */
async function storePaymentMethod(
  w: WriteContext,
  described: Awaited<ReturnType<typeof describe>>,
  data: PaymentMethodData,
): Promise<Instrument> {
  const { data: pm } = await createObject<Stripe.PaymentMethod>(w, {
    type: 'payment_method',
    prefix: 'pm',
    data: (id, created) =>
      ({
        id,
        object: 'payment_method',
        allow_redisplay: data.allow_redisplay ?? 'unspecified',
        billing_details: billingDetails(data.billing_details),
        created,
        customer: null,
        livemode: w.livemode,
        metadata: applyMetadata({}, data.metadata ?? undefined),
        type: described.type,
        ...described.block,
      }) as Stripe.PaymentMethod,
    internal: described.internal,
  });
  return withCard(pm, described.internal);
}

const withCard = (pm: Stripe.PaymentMethod, internal: PaymentMethodInternal): Instrument => ({
  pm,
  internal,
  card: internal.card ? testCards[internal.card]! : null,
});

const instrumentOf = (row: ObjectRow): Instrument =>
  withCard(parseData<Stripe.PaymentMethod>(row), parseInternal<PaymentMethodInternal>(row));

/**
 * A new payment method from `payment_method_data` (or the fields of `POST /v1/payment_methods`).
 * `verified`: a bank account verified at once (Stripe's test methods, Checkout's instant
 * verification), so no microdeposits.
 */
export async function createPaymentMethod(
  w: WriteContext,
  scope: Scope,
  data: PaymentMethodData,
  param = '',
  { verified = false } = {},
): Promise<Instrument> {
  const described = await describe(w, scope, data, param);
  if (verified && described.internal.microdeposits) described.internal.microdeposits = 'verified';
  return storePaymentMethod(w, described, data);
}

/**
 * The payment method an intent is to use: a `pm_card_...` test method (a new PaymentMethod made
 * for the occasion), or one of the scope's own. One that was consumed (used once without a
 * customer, or detached) is refused, as Stripe refuses it.
 */
export async function usePaymentMethod(
  w: WriteContext,
  scope: Scope,
  id: string,
  param = 'payment_method',
): Promise<Instrument> {
  // Live mode takes the test methods too: live mode here is a rehearsal of production, with no
  // real cards (the seed's live walkthrough charges pm_card_visa).
  const testName = testCardName(id);
  if (testName) {
    return storePaymentMethod(
      w,
      {
        type: 'card',
        block: { card: cardDetails(w, testName, defaultExpiry(w.now), false) },
        internal: { card: testName },
      },
      { type: 'card' },
    );
  }
  const iban = sepaTestMethodIban(id);
  if (iban) {
    const data: PaymentMethodData = {
      type: 'sepa_debit',
      sepa_debit: { iban },
      billing_details: { name: 'Jenny Rosen', email: 'jenny@example.com' },
    };
    return createPaymentMethod(w, scope, data);
  }
  const bankAccount = usBankAccountMethods[id];
  if (bankAccount) {
    const data: PaymentMethodData = {
      type: 'us_bank_account',
      us_bank_account: { account_number: bankAccount, routing_number: '110000000' },
      billing_details: { name: 'Jenny Rosen' },
    };
    return createPaymentMethod(w, scope, data, '', { verified: true });
  }
  const row = await requireObjectToChange(w, scope, 'payment_method', id, 'PaymentMethod', param);
  const found = instrumentOf(row);
  if (found.internal.microdeposits === 'failed')
    throw errors.invalidRequest(
      "This PaymentMethod's microdeposit verification failed: it cannot be used. Collect the bank account again.",
      param,
      'payment_method_microdeposit_verification_attempts_exceeded',
    );
  if (found.internal.consumed && !found.pm.customer)
    throw errors.invalidRequest(
      'This PaymentMethod was previously used without being attached to a Customer or was detached from a Customer, and may not be used again.',
      param,
    );
  return found;
}

/**
 * The payment method an intent's create, update or confirm names (`payment_method`, or a new one
 * from `payment_method_data`), as the id the intent keeps: `pm_card_visa` becomes a
 * PaymentMethod of its own, as in Stripe's test mode.
 */
export async function intentPaymentMethod(
  w: WriteContext,
  scope: Scope,
  params: {
    payment_method?: string | undefined;
    payment_method_data?: PaymentMethodData | undefined;
  },
): Promise<string | undefined> {
  if (params.payment_method !== undefined && params.payment_method_data !== undefined)
    throw errors.parametersExclusive('payment_method', 'payment_method_data');
  if (params.payment_method_data !== undefined)
    return (await createPaymentMethod(w, scope, params.payment_method_data, 'payment_method_data'))
      .pm.id;
  if (params.payment_method !== undefined)
    return (await usePaymentMethod(w, scope, params.payment_method)).pm.id;
  return undefined;
}

/** A payment method a customer holds is used (paid with, set up) with that customer only. */
export function checkPaymentMethodOwner(
  intent: { customer: string | Stripe.Customer | Stripe.DeletedCustomer | null },
  used: Instrument,
  what: 'PaymentIntent' | 'SetupIntent',
): void {
  const owner = used.pm.customer as string | null;
  if (!owner || owner === intent.customer) return;
  throw errors.invalidRequest(
    intent.customer
      ? `The provided PaymentMethod ${used.pm.id} belongs to another Customer than ${intent.customer as string}.`
      : `The provided PaymentMethod ${used.pm.id} belongs to a Customer: pass that Customer as customer on the ${what}.`,
    'payment_method',
  );
}

/** A payment method an intent already holds (its `payment_method`), locked for the write. */
export async function heldPaymentMethod(
  w: WriteContext,
  scope: Scope,
  id: string,
): Promise<Instrument> {
  return instrumentOf(
    await requireObjectToChange(w, scope, 'payment_method', id, 'PaymentMethod', 'payment_method'),
  );
}

/** Records what a use did to a payment method (set up, consumed). */
export async function markPaymentMethod(
  w: WriteContext,
  used: Instrument,
  changes: PaymentMethodInternal,
): Promise<void> {
  await saveObject(w.db, used.pm.id, used.pm, { ...used.internal, ...changes });
}

/**
 * Attaches a payment method to a customer of the same scope and emits `payment_method.attached`.
 * A card that declines is refused (Stripe checks the card as it attaches it), except one that
 * only declines charges (`pm_card_chargeCustomerFail`).
 */
export async function attachPaymentMethod(
  w: WriteContext,
  scope: Scope,
  used: Instrument,
  customer: string,
  param = 'customer',
): Promise<Stripe.PaymentMethod> {
  await requireObject(w.db, scope, 'customer', customer, 'customer', param);
  if (used.pm.customer === customer) return used.pm;
  if (used.pm.customer)
    throw errors.invalidRequest(
      'The payment method you provided has already been attached to a customer.',
      undefined,
      'payment_method_unexpected_state',
    );
  if (used.internal.consumed)
    throw errors.invalidRequest(
      'This PaymentMethod was previously used without being attached to a Customer or was detached from a Customer, and may not be used again.',
      'payment_method',
    );
  const outcome = used.card?.outcome;
  if (outcome?.kind === 'declined' && !used.card?.declinesOnlyCharges)
    throw errors.cardError(outcome.message, outcome.code, outcome.declineCode, {
      param: 'card',
    });
  const after: Stripe.PaymentMethod = { ...used.pm, customer };
  await saveObject(w.db, used.pm.id, after);
  await emitEvent(w, { type: 'payment_method.attached', object: after as never });
  return after;
}

/** The customer (of the scope) whose payment methods a route lists. */
async function ownCustomer(db: Kysely<Database>, scope: Scope, id: string, param = 'customer') {
  return requireObject(db, scope, 'customer', id, 'customer', param);
}

/**
 * Checks `invoice_settings.default_payment_method` on a customer update: a payment method of the
 * scope attached to that customer, as Stripe requires.
 */
export async function checkDefaultPaymentMethod(
  db: Kysely<Database>,
  scope: Scope,
  customer: string,
  id: string,
): Promise<void> {
  const param = 'invoice_settings[default_payment_method]';
  const row = await requireObject(db, scope, 'payment_method', id, 'PaymentMethod', param);
  if (parseData<Stripe.PaymentMethod>(row).customer !== customer)
    throw errors.invalidRequest(
      `The customer does not have a payment method with the ID ${id}. The payment method must be attached to the customer.`,
      param,
      'resource_missing',
    );
}

/**
 * Clones a platform's payment method into the connected account acted as (`payment_method`
 * with Stripe-Account, and `customer` when it is attached to one): Stripe's way to use a
 * customer of the platform for a direct charge. Only a platform key reaches the platform's
 * payment methods (platformView: never an OAuth token).
 */
async function clonePaymentMethod(
  w: WriteContext,
  caller: Scope,
  id: string,
  customer: string | undefined,
  extra: PaymentMethodData,
): Promise<Instrument> {
  const platform = platformView(caller);
  if (caller.accountId === null || platform.accountId !== null)
    throw errors.invalidRequest(
      'payment_method without type clones a payment method of the platform into a connected account: make the request with Stripe-Account and a platform key.',
      'payment_method',
    );
  const source = instrumentOf(
    await requireObject(w.db, platform, 'payment_method', id, 'PaymentMethod', 'payment_method'),
  );
  if (source.pm.customer && source.pm.customer !== customer)
    throw errors.invalidRequest(
      customer === undefined
        ? `The payment method ${id} is attached to a customer: pass that customer as customer to clone it.`
        : `The payment method ${id} is not attached to the customer ${customer}.`,
      'customer',
    );
  if (customer !== undefined && !source.pm.customer)
    throw errors.invalidRequest(
      `The payment method ${id} is not attached to the customer ${customer}.`,
      'customer',
    );
  const type = source.pm.type as PaymentMethodType;
  const block = { [type]: source.pm[type] } as Partial<Stripe.PaymentMethod>;
  const { card, bankAccount, iban, microdeposits } = source.internal;
  return storePaymentMethod(
    w,
    { type, block, internal: { card, bankAccount, iban, microdeposits } },
    {
      ...extra,
      billing_details: {
        ...(source.pm.billing_details as PaymentMethodData['billing_details']),
        ...extra.billing_details,
      },
      metadata: extra.metadata,
    },
  );
}

const updateParams = {
  billing_details: billingParams,
  metadata: metadata(),
  card: object({ exp_month: integer(), exp_year: integer() }),
  us_bank_account: object({
    account_holder_type: oneOf(['individual', 'company'] as const),
    account_type: oneOf(['checking', 'savings'] as const),
  }),
  allow_redisplay: oneOf(['always', 'limited', 'unspecified'] as const),
  ...expandParam,
};

const listFilters = {
  ...listParams,
  type: effect(string(), listFilterTest),
  customer: effect(string(), listFilterTest),
};

export const paymentMethods: Resource = {
  name: 'payment_methods',
  routes: [
    post(
      '/v1/payment_methods',
      {
        ...paymentMethodDataParams,
        customer: effect(
          string(),
          "clones a platform customer's payment method into a connected account",
        ),
        payment_method: effect(
          string(),
          "clones a platform customer's payment method into a connected account",
        ),
        ...expandParam,
      },
      async ({ w, caller, params }) => {
        const { customer, payment_method: source, ...data } = params;
        if (source !== undefined) {
          if (caller.credential.kind === 'publishable')
            throw errors.invalidRequest(
              'Cloning a payment method takes a secret key.',
              'payment_method',
            );
          return (await clonePaymentMethod(w, caller, source, customer, data)).pm;
        }
        if (customer !== undefined)
          throw errors.invalidRequest(
            'customer is taken only with payment_method, to clone a payment method: attach a new one with POST /v1/payment_methods/{id}/attach.',
            'customer',
          );
        return (await createPaymentMethod(w, caller, data)).pm;
      },
      { publishable: true },
    ),

    get('/v1/payment_methods/:id', expandParam, async ({ db, caller, path }) =>
      parseData(await requireObject(db, caller, 'payment_method', path.id!, 'PaymentMethod')),
    ),

    post('/v1/payment_methods/:id', updateParams, async ({ w, caller, path, params }) => {
      const row = await requireObjectToChange(
        w,
        caller,
        'payment_method',
        path.id!,
        'PaymentMethod',
      );
      const before = parseData<Stripe.PaymentMethod>(row);
      if (!before.customer)
        throw errors.invalidRequest(
          'You must save this PaymentMethod to a customer before you can update it.',
          undefined,
          'payment_method_unexpected_state',
        );
      const after: Stripe.PaymentMethod = {
        ...before,
        billing_details: billingDetails(params.billing_details, before.billing_details),
        metadata: applyMetadata(before.metadata ?? {}, params.metadata),
        ...(params.allow_redisplay ? { allow_redisplay: params.allow_redisplay } : {}),
      };
      if (params.card) {
        if (before.type !== 'card')
          throw errors.parameterInvalid(
            'card',
            `Invalid card: the payment method is a ${before.type}.`,
          );
        const expiry = checkExpiry(
          params.card.exp_month ?? before.card!.exp_month,
          params.card.exp_year ?? before.card!.exp_year,
          w.now,
          'card',
        );
        after.card = { ...before.card!, ...expiry };
      }
      if (params.us_bank_account) {
        if (before.type !== 'us_bank_account')
          throw errors.parameterInvalid(
            'us_bank_account',
            `Invalid us_bank_account: the payment method is a ${before.type}.`,
          );
        after.us_bank_account = {
          ...before.us_bank_account!,
          ...params.us_bank_account,
        } as Stripe.PaymentMethod.UsBankAccount;
      }
      const previous = previousAttributes(before as never, after as never);
      await saveObject(w.db, row.id, after);
      if (previous)
        await emitEvent(w, {
          type: 'payment_method.updated',
          object: after as never,
          previousAttributes: previous,
        });
      return after;
    }),

    post(
      '/v1/payment_methods/:id/attach',
      { customer: required(string()), ...expandParam },
      async ({ w, caller, path, params }) => {
        const used = await usePaymentMethod(w, caller, path.id!, 'payment_method');
        return attachPaymentMethod(w, caller, used, params.customer);
      },
    ),

    post('/v1/payment_methods/:id/detach', expandParam, async ({ w, caller, path }) => {
      const row = await requireObjectToChange(
        w,
        caller,
        'payment_method',
        path.id!,
        'PaymentMethod',
      );
      const used = instrumentOf(row);
      const customer = used.pm.customer as string | null;
      if (!customer)
        throw errors.invalidRequest(
          'The payment method you provided is not attached to a customer so detachment is impossible.',
          undefined,
          'payment_method_unexpected_state',
        );
      const after: Stripe.PaymentMethod = { ...used.pm, customer: null };
      await saveObject(w.db, row.id, after, { ...used.internal, consumed: true });
      await emitEvent(w, {
        type: 'payment_method.detached',
        object: after as never,
        previousAttributes: { customer },
      });
      await clearDefault(w, caller, customer, row.id);
      return after;
    }),

    get('/v1/payment_methods', listFilters, async ({ services, caller, params, url }) => {
      if (params.customer) await ownCustomer(services.dialect.db, caller, params.customer);
      return listPaymentMethods(services, caller, url, params);
    }),

    get(
      '/v1/customers/:id/payment_methods',
      {
        ...listParams,
        type: effect(string(), listFilterTest),
        allow_redisplay: effect(
          oneOf(['always', 'limited', 'unspecified'] as const),
          listFilterTest,
        ),
      },
      async ({ services, caller, params, path, url }) => {
        await ownCustomer(services.dialect.db, caller, path.id!, 'customer');
        return listPaymentMethods(services, caller, url, { ...params, customer: path.id! });
      },
    ),

    get(
      '/v1/customers/:customer/payment_methods/:id',
      expandParam,
      async ({ db, caller, path }) => {
        await ownCustomer(db, caller, path.customer!, 'customer');
        const pm = parseData<Stripe.PaymentMethod>(
          await requireObject(db, caller, 'payment_method', path.id!, 'PaymentMethod'),
        );
        if (pm.customer !== path.customer)
          throw errors.resourceMissing('PaymentMethod', path.id!, 'payment_method');
        return pm;
      },
    ),
  ],
};

function listPaymentMethods(
  services: { dialect: Dialect },
  caller: Scope,
  url: string,
  params: {
    customer?: string | undefined;
    type?: string | undefined;
    allow_redisplay?: string | undefined;
    limit?: number | undefined;
    starting_after?: string | undefined;
    ending_before?: string | undefined;
  },
) {
  const where: Record<string, string> = {};
  if (params.customer) where.customer = params.customer;
  if (params.type) where.type = params.type;
  if (params.allow_redisplay) where.allow_redisplay = params.allow_redisplay;
  return listVisible(
    services.dialect,
    caller,
    url,
    { type: 'payment_method', where },
    params,
    'PaymentMethod',
  );
}

/** A customer whose default payment method was detached has none (customer.updated). */
async function clearDefault(
  w: WriteContext,
  scope: Scope,
  customer: string,
  paymentMethod: string,
): Promise<void> {
  const row = await requireObjectToChange(w, scope, 'customer', customer).catch(() => null);
  if (!row) return;
  const before = parseData<Stripe.Customer>(row);
  if (before.invoice_settings?.default_payment_method !== paymentMethod) return;
  const after: Stripe.Customer = {
    ...before,
    invoice_settings: { ...before.invoice_settings, default_payment_method: null },
  };
  await saveObject(w.db, row.id, after);
  await emitEvent(w, {
    type: 'customer.updated',
    object: after as never,
    previousAttributes: { invoice_settings: { default_payment_method: paymentMethod } },
  });
}
