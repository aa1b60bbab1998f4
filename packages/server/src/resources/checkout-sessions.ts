import type Stripe from 'stripe';
import {
  applyMetadata,
  array,
  expandParam,
  integer,
  listParams,
  metadata,
  object,
  oneOf,
  range,
  required,
  string,
  effect,
  type Parsed,
} from '../stripe/params.js';
import { errors } from '../stripe/errors.js';
import { newId, randomToken } from '../domain/ids.js';
import { emitEvent } from '../services/emit-event.js';
import { publicBaseUrl, type Services, type WriteContext } from '../services/context.js';
import { scheduleTask, type TaskPayload } from '../services/scheduler.js';
import type { Scope } from '../scope/scope.js';
import { shippingParams } from './shared-params.js';
import { CommittedError, get, post, type Resource } from './route.js';
import { createPaymentIntent, type PaymentIntentCreate } from './payment-intents.js';
import { reportDebitTo } from './bank-debits.js';
import {
  createPaymentMethod,
  usePaymentMethod,
  type PaymentMethodData,
} from './payment-methods.js';
import { createSetupIntent, onBehalfOfCheck, type SetupIntentCreate } from './setup-intents.js';
import {
  currency,
  insertPrice,
  insertProduct,
  interval,
  requirePrice,
  requireProduct,
} from './product-model.js';
import {
  createObject,
  findObjectToChange,
  listOf,
  listVisible,
  parseData,
  parseInternal,
  requireObject,
  requireObjectToChange,
  saveObject,
} from './common.js';

/**
 * Checkout Sessions, payment and setup modes. A session's `url` leads to this server's stand-in
 * for Stripe Checkout (hosted/checkout.ts), where a person pays with a test card number; the
 * test helper `POST /v1/switchboard/checkout/sessions/{id}/complete` completes one without a
 * browser, and the official CLI's `/v1/payment_pages/{id}/confirm` does what Checkout's page
 * does on Stripe. Completing a payment-mode session creates and confirms its PaymentIntent as
 * `POST /v1/payment_intents` would, in the session's scope (a connected account's, for a direct
 * charge), with `payment_intent_data` (fee, transfer, on_behalf_of, transfer_group, metadata):
 * the charge, application fee and transfer follow with their events, then
 * checkout.session.completed. An open session expires at `expires_at` (default 24 hours) or when
 * expired through the API: checkout.session.expired.
 */

interface SessionInternal {
  lineItems: Stripe.LineItem[];
  paymentIntentData: PaymentIntentData | null;
  /** Setup mode: what the SetupIntent made on completion takes. */
  setupIntentData?: SetupIntentData | null;
}

const priceDataParams = object({
  currency: required(currency),
  product: string(),
  product_data: object({
    name: required(string({ maxLength: 250 })),
    description: string({ maxLength: 40_000 }),
    images: array(string({ maxLength: 2048 }), { max: 8 }),
    metadata: metadata(),
  }),
  unit_amount: integer({ min: 0, max: 99_999_999 }),
  unit_amount_decimal: string(),
  recurring: object({ interval: required(interval), interval_count: integer({ min: 1 }) }),
  tax_behavior: oneOf(['exclusive', 'inclusive', 'unspecified'] as const),
});

const paymentIntentDataParams = object({
  application_fee_amount: integer({ min: 0 }),
  capture_method: oneOf(['automatic', 'automatic_async', 'manual'] as const),
  description: string(),
  metadata: metadata(),
  on_behalf_of: string(),
  receipt_email: string(),
  setup_future_usage: oneOf(['off_session', 'on_session'] as const),
  shipping: shippingParams,
  statement_descriptor: string({ maxLength: 22 }),
  statement_descriptor_suffix: string({ maxLength: 22 }),
  transfer_data: object({ destination: required(string()), amount: integer({ min: 0 }) }),
  transfer_group: string(),
});

type PaymentIntentData = NonNullable<ReturnType<typeof paymentIntentDataParams.parse>>;

const setupIntentDataParams = object({
  description: string({ maxLength: 1000 }),
  metadata: metadata(),
  on_behalf_of: string(),
});

type SetupIntentData = NonNullable<ReturnType<typeof setupIntentDataParams.parse>>;

/** The tests that check what Checkout's parameters do (test/e2e/checkout.test.ts). */
const PAID_TEST = 'makes a direct charge with a platform fee, completed by the test helper';
const DESTINATION_TEST =
  'makes a destination charge: the platform takes its fee and transfers the rest';
const EXPIRY_TEST = 'expire at expires_at';
const SETUP_TEST =
  'saves a card in setup mode on a connected account, completed by the test helper, then pays off session with it';

const paymentMethodTypes = array(oneOf(['card', 'us_bank_account', 'sepa_debit'] as const));

const createParams = {
  mode: required(oneOf(['payment', 'setup', 'subscription'] as const)),
  line_items: effect(
    array(
      object({
        price: string(),
        price_data: priceDataParams,
        quantity: integer({ min: 1, max: 999_999 }),
        metadata: metadata(),
      }),
      { max: 100 },
    ),
    PAID_TEST,
  ),
  success_url: string({ maxLength: 5000 }),
  cancel_url: string({ maxLength: 5000 }),
  client_reference_id: string({ maxLength: 200 }),
  currency,
  customer: string(),
  customer_email: string({ maxLength: 800 }),
  expires_at: effect(integer(), EXPIRY_TEST),
  locale: string(),
  metadata: metadata(),
  payment_intent_data: effect(paymentIntentDataParams, DESTINATION_TEST),
  payment_method_types: paymentMethodTypes,
  // The stripe package's newer name (a filter of dynamic types there; the list itself here).
  allowed_payment_method_types: paymentMethodTypes,
  setup_intent_data: effect(setupIntentDataParams, SETUP_TEST),
  submit_type: oneOf(['auto', 'book', 'donate', 'pay', 'subscribe'] as const),
  billing_address_collection: oneOf(['auto', 'required'] as const),
  ...expandParam,
};

const HOUR_S = 3600;

/** A session's line item from its price: amounts are the price's times the quantity. */
function lineItem(price: Stripe.Price, productName: string, quantity: number): Stripe.LineItem {
  const tq = price.transform_quantity;
  const units = tq
    ? (tq.round === 'up' ? Math.ceil : Math.floor)(quantity / tq.divide_by)
    : quantity;
  const amount = (price.unit_amount ?? 0) * units;
  return {
    id: newId('li', 24),
    object: 'item',
    amount_discount: 0,
    amount_subtotal: amount,
    amount_tax: 0,
    amount_total: amount,
    currency: price.currency,
    description: productName,
    metadata: {},
    price,
    quantity,
  } as Stripe.LineItem;
}

type LineItemParams = NonNullable<ReturnType<(typeof createParams)['line_items']['parse']>>;

/** The session's line items, making the prices (and products) that `price_data` describes. */
export async function buildLineItems(
  w: WriteContext,
  scope: Scope,
  given: LineItemParams,
  /** A payment link may sell recurring prices (a subscription), though Checkout refuses them. */
  recurring: 'refuse' | 'allow' = 'refuse',
): Promise<Stripe.LineItem[]> {
  const items: Stripe.LineItem[] = [];
  for (const [i, item] of given.entries()) {
    const param = `line_items[${i}]`;
    if (item.price !== undefined && item.price_data !== undefined)
      throw errors.parametersExclusive(`${param}[price]`, `${param}[price_data]`);
    if (item.quantity === undefined) throw errors.parameterMissing(`${param}[quantity]`);
    let price: Stripe.Price;
    if (item.price !== undefined) {
      price = await requirePrice(w, scope, item.price, `${param}[price]`);
      if (!price.active)
        throw errors.invalidRequest(
          `The price specified is inactive. This field only accepts active prices.`,
          `${param}[price]`,
        );
    } else if (item.price_data !== undefined) {
      const { product_data: productData, product, ...data } = item.price_data;
      if (productData && product !== undefined)
        throw errors.parametersExclusive(
          `${param}[price_data][product]`,
          `${param}[price_data][product_data]`,
        );
      const productId = productData
        ? (await insertProduct(w, scope, productData, { announce: false })).id
        : product !== undefined
          ? (await requireProduct(w, scope, product, `${param}[price_data][product]`)).id
          : undefined;
      if (!productId) throw errors.parameterMissing(`${param}[price_data][product]`);
      // Inline prices are archived at once, as on Stripe: they serve this session only.
      price = await insertPrice(
        w,
        scope,
        { ...data, product: productId, active: false },
        { announce: false },
      );
    } else throw errors.parameterMissing(`${param}[price]`);
    if (price.type === 'recurring' && recurring === 'refuse')
      throw errors.invalidRequest(
        'Recurring prices are for subscription mode, which Switchboard does not model: use a one-time price.',
        `${param}[price]`,
        'parameter_not_supported',
      );
    const product = await requireProduct(w, scope, price.product as string, `${param}[price]`);
    const line = lineItem(price, product.name, item.quantity);
    line.metadata = applyMetadata({}, item.metadata);
    items.push(line);
  }
  const currencies = new Set(items.map((l) => l.currency));
  if (currencies.size > 1)
    throw errors.invalidRequest(
      'All line items must use the same currency.',
      'line_items',
      'checkout_session_currency_mismatch',
    );
  return items;
}

export type CreateParams = Parsed<typeof createParams>;

/** The payment method types a session takes, if the caller chose them. */
function typesOf(p: CreateParams): string[] | undefined {
  if (p.payment_method_types?.length && p.allowed_payment_method_types?.length)
    throw errors.parametersExclusive('payment_method_types', 'allowed_payment_method_types');
  return p.payment_method_types?.length
    ? p.payment_method_types
    : p.allowed_payment_method_types?.length
      ? p.allowed_payment_method_types
      : undefined;
}

function checkMode(p: CreateParams): void {
  if (p.mode === 'subscription')
    throw errors.invalidRequest(
      'Subscriptions are not modelled by Switchboard: use mode=payment.',
      'mode',
      'parameter_not_supported',
    );
  if (p.mode === 'payment' && !p.line_items?.length)
    throw errors.invalidRequest(
      'You must provide at least one line item in `payment` mode.',
      'line_items',
    );
  if (p.mode === 'setup') {
    if (p.line_items?.length)
      throw errors.invalidRequest('You cannot pass `line_items` in `setup` mode.', 'line_items');
    if (p.payment_intent_data)
      throw errors.invalidRequest(
        'You cannot pass `payment_intent_data` in `setup` mode.',
        'payment_intent_data',
      );
    if (p.currency === undefined && !typesOf(p))
      throw errors.invalidRequest(
        'You must provide `currency` or `payment_method_types` (or `allowed_payment_method_types`) in `setup` mode.',
        'currency',
        'parameter_missing',
      );
  }
  if (p.mode === 'payment' && p.setup_intent_data)
    throw errors.invalidRequest(
      'You can only pass `setup_intent_data` in `setup` mode.',
      'setup_intent_data',
    );
  if (!p.success_url)
    throw errors.invalidRequest(
      'You must provide a success_url (the embedded ui_mode is not modelled).',
      'success_url',
      'parameter_missing',
    );
}

/** ACH Direct Debit takes US dollars, and Switchboard saves only cards in setup mode. */
function checkBankDebit(p: CreateParams, currency: string | undefined): void {
  const param = p.payment_method_types ? 'payment_method_types' : 'allowed_payment_method_types';
  for (const [type, only] of [
    ['us_bank_account', 'usd'],
    ['sepa_debit', 'eur'],
  ] as const) {
    if (!typesOf(p)?.includes(type)) continue;
    if (p.mode === 'setup')
      throw errors.invalidRequest(
        `Saving a ${type} in setup mode is not modelled by Switchboard: use card, or mode=payment.`,
        param,
        'parameter_not_supported',
      );
    if (currency?.toLowerCase() !== only)
      throw errors.invalidRequest(
        `The payment method type ${type} only supports the currency ${only}, not ${currency}.`,
        param,
      );
  }
}

function checkExpiry(expiresAt: number | undefined, createdS: number): number {
  if (expiresAt === undefined) return createdS + 24 * HOUR_S;
  if (expiresAt < createdS + HOUR_S / 2 || expiresAt > createdS + 24 * HOUR_S)
    throw errors.invalidRequest(
      'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.',
      'expires_at',
    );
  return expiresAt;
}

/** `{CHECKOUT_SESSION_ID}` in a success or cancel URL becomes the session's id, as on Stripe. */
export const withSessionId = (url: string, id: string): string =>
  url.replaceAll('{CHECKOUT_SESSION_ID}', id);

function newSession(
  id: string,
  created: number,
  p: CreateParams,
  items: Stripe.LineItem[],
  expiresAt: number,
  livemode: boolean,
  base: string,
): Stripe.Checkout.Session {
  const total = items.reduce((sum, l) => sum + l.amount_total, 0);
  const payment = p.mode === 'payment';
  return {
    id,
    object: 'checkout.session',
    adaptive_pricing: null,
    after_expiration: null,
    allow_promotion_codes: null,
    amount_subtotal: payment ? total : null,
    amount_total: payment ? total : null,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: p.billing_address_collection ?? null,
    cancel_url: p.cancel_url ?? null,
    client_reference_id: p.client_reference_id ?? null,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created,
    currency: payment ? (items[0]?.currency ?? null) : (p.currency?.toLowerCase() ?? null),
    currency_conversion: null,
    custom_fields: [],
    custom_text: {
      after_submit: null,
      shipping_address: null,
      submit: null,
      terms_of_service_acceptance: null,
    },
    customer: p.customer ?? null,
    customer_creation: payment && !p.customer ? 'if_required' : null,
    customer_details: null,
    customer_email: p.customer_email ?? null,
    discounts: [],
    expires_at: expiresAt,
    invoice: null,
    invoice_creation: payment
      ? {
          enabled: false,
          invoice_data: {
            account_tax_ids: null,
            custom_fields: null,
            description: null,
            footer: null,
            issuer: null,
            metadata: {},
            rendering_options: null,
          },
        }
      : null,
    livemode,
    locale: (p.locale ?? null) as Stripe.Checkout.Session.Locale | null,
    metadata: applyMetadata({}, p.metadata),
    mode: p.mode,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: 'always',
    payment_method_configuration_details: null,
    payment_method_options: {},
    allowed_payment_method_types: p.allowed_payment_method_types ?? null,
    payment_method_types: typesOf(p) ?? ['card'],
    payment_status: payment ? 'unpaid' : 'no_payment_required',
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_details: null,
    shipping_options: [],
    status: 'open',
    submit_type: p.submit_type ?? null,
    subscription: null,
    success_url: p.success_url ?? null,
    total_details: payment ? { amount_discount: 0, amount_shipping: 0, amount_tax: 0 } : null,
    ui_mode: 'hosted',
    url: `${base}/checkout/pay/${id}`,
    wallet_options: null,
  } as unknown as Stripe.Checkout.Session;
}

/** How a session is paid: a payment method id (`pm_card_visa`, `pm_...`), or card details. */
/** The mandate a person accepts by paying with a SEPA debit on the stand-in page (on loopback). */
const checkoutMandate = {
  customer_acceptance: {
    type: 'online' as const,
    online: { ip_address: '127.0.0.1', user_agent: 'Switchboard Checkout' },
  },
};

export type SessionPayment =
  { paymentMethod: string } | { paymentMethodData: PaymentMethodData; email?: string | null };

/**
 * Completes an open session: in payment mode, creates and confirms its PaymentIntent with the
 * payment (a decline answers the card error, and the session stays open, as on Stripe's page);
 * in setup mode, a SetupIntent. Then checkout.session.completed.
 */
export async function completeSession(
  w: WriteContext,
  scope: Scope,
  services: Services,
  host: string,
  id: string,
  payment: SessionPayment,
): Promise<Stripe.Checkout.Session | CommittedError> {
  const row = await requireObjectToChange(w, scope, 'checkout.session', id, 'checkout.session');
  const session = parseData<Stripe.Checkout.Session>(row);
  if (session.status !== 'open')
    throw errors.invalidRequest(
      `This Checkout Session is no longer active (its status is ${session.status}).`,
      undefined,
      'checkout_session_not_active',
    );
  const internal = parseInternal<SessionInternal>(row);
  const email = ('email' in payment ? payment.email : null) ?? session.customer_email ?? null;
  let next: Stripe.Checkout.Session;
  if (session.mode === 'payment') {
    const pid = internal.paymentIntentData ?? {};
    // The page shows a SEPA debit's mandate, and paying accepts it.
    let type: string | undefined;
    let method: { payment_method: string };
    if ('paymentMethod' in payment) {
      const { pm } = await usePaymentMethod(w, scope, payment.paymentMethod);
      [type, method] = [pm.type, { payment_method: pm.id }];
    } else {
      // Checkout verifies a bank account at once (Financial Connections): no microdeposits.
      const { pm } = await createPaymentMethod(w, scope, payment.paymentMethodData, '', {
        verified: true,
      });
      [type, method] = [pm.type, { payment_method: pm.id }];
    }
    const params: PaymentIntentCreate = {
      amount: session.amount_total!,
      currency: session.currency!,
      payment_method_types: session.payment_method_types,
      confirm: true,
      ...method,
      ...(type === 'sepa_debit' ? { mandate_data: checkoutMandate } : {}),
      ...(session.customer ? { customer: session.customer as string } : {}),
      ...(email ? { receipt_email: email } : {}),
      ...pid,
    } as PaymentIntentCreate;
    const result = await createPaymentIntent({ w, caller: scope, params, services, host });
    if (result instanceof CommittedError) return result;
    if (result.status === 'processing') {
      // A bank debit: complete but unpaid until the bank answers (async_payment_* then).
      await reportDebitTo(w, result.id, session.id);
      next = { ...session, payment_intent: result.id, payment_status: 'unpaid' };
    } else if (result.status !== 'succeeded' && result.status !== 'requires_capture')
      throw errors.invalidRequest(
        `The payment needs ${result.status === 'requires_action' ? '3D Secure authentication' : 'another step'}, which Switchboard's Checkout does not model: pay with a card that does not ask for it (4242 4242 4242 4242).`,
        'payment_method',
        'parameter_not_supported',
      );
    else next = { ...session, payment_intent: result.id, payment_status: 'paid' };
  } else {
    const result = await saveSetup(w, scope, services, host, session, internal, payment);
    if (result instanceof CommittedError) return result;
    next = { ...session, setup_intent: result.id };
  }
  next = {
    ...next,
    status: 'complete',
    customer_details: {
      address: null,
      email,
      name: null,
      phone: null,
      tax_exempt: 'none',
      tax_ids: [],
    } as unknown as Stripe.Checkout.Session.CustomerDetails,
  };
  await saveObject(w.db, row.id, next);
  await emitEvent(w, { type: 'checkout.session.completed', object: next as never });
  return next;
}

/**
 * Completes a setup-mode session: creates and confirms a SetupIntent in the session's scope with
 * `setup_intent_data`, which attaches the payment method to the session's customer if it has one.
 */
async function saveSetup(
  w: WriteContext,
  scope: Scope,
  services: Services,
  host: string,
  session: Stripe.Checkout.Session,
  internal: SessionInternal,
  payment: SessionPayment,
): Promise<Stripe.SetupIntent | CommittedError> {
  const data = internal.setupIntentData ?? {};
  const params: SetupIntentCreate = {
    confirm: true,
    usage: 'off_session',
    payment_method_types: session.payment_method_types,
    ...('paymentMethod' in payment
      ? { payment_method: payment.paymentMethod }
      : { payment_method_data: payment.paymentMethodData }),
    ...(session.customer ? { customer: session.customer as string } : {}),
    ...data,
  } as SetupIntentCreate;
  const result = await createSetupIntent({ w, caller: scope, params, services, host });
  if (result instanceof CommittedError) return result;
  if (result.status !== 'succeeded')
    throw errors.invalidRequest(
      "Saving this card needs 3D Secure authentication, which Switchboard's Checkout does not model: use a card that does not ask for it (4242 4242 4242 4242).",
      'payment_method',
      'parameter_not_supported',
    );
  return result;
}

/** Expires an open session (the API's expire, or its `expires_at` passing). */
async function expireSession(
  w: WriteContext,
  rowId: string,
  session: Stripe.Checkout.Session,
): Promise<Stripe.Checkout.Session> {
  const next: Stripe.Checkout.Session = { ...session, status: 'expired', url: null };
  await saveObject(w.db, rowId, next);
  await emitEvent(w, { type: 'checkout.session.expired', object: next as never });
  return next;
}

/**
 * A session paid by bank debit hears from its PaymentIntent when the bank answers (bank-debits.ts):
 * paid, with checkout.session.async_payment_succeeded, or still unpaid, with
 * checkout.session.async_payment_failed.
 */
async function asyncPaymentSettled(w: WriteContext, payload: TaskPayload): Promise<void> {
  const row = await findObjectToChange(w, payload.session as string);
  if (!row || row.deleted !== 0) return;
  const session = parseData<Stripe.Checkout.Session>(row);
  if (session.status !== 'complete' || session.payment_status !== 'unpaid') return;
  const succeeded = payload.succeeded === true;
  const next: Stripe.Checkout.Session = succeeded
    ? { ...session, payment_status: 'paid' }
    : session;
  if (succeeded) await saveObject(w.db, row.id, next);
  await emitEvent(w, {
    type: succeeded
      ? 'checkout.session.async_payment_succeeded'
      : 'checkout.session.async_payment_failed',
    object: next as never,
  });
}

async function expireDue(w: WriteContext, payload: TaskPayload): Promise<void> {
  const row = await findObjectToChange(w, payload.session as string);
  if (!row || row.deleted !== 0) return;
  const session = parseData<Stripe.Checkout.Session>(row);
  if (session.status === 'open') await expireSession(w, row.id, session);
}

/**
 * Creates a Checkout Session in the caller's scope: the API's create, and a payment link's page
 * (`paymentLink`: the session's `payment_link`).
 */
export async function createCheckoutSession(
  w: WriteContext,
  caller: Scope,
  services: Services,
  host: string,
  params: CreateParams,
  paymentLink: string | null,
): Promise<Stripe.Checkout.Session> {
  checkMode(params);
  const items = params.line_items?.length ? await buildLineItems(w, caller, params.line_items) : [];
  if (params.customer !== undefined)
    await requireObject(w.db, caller, 'customer', params.customer, 'customer', 'customer');
  await onBehalfOfCheck(
    w,
    caller,
    params.setup_intent_data?.on_behalf_of,
    'setup_intent_data[on_behalf_of]',
  );
  checkBankDebit(params, items[0]?.currency ?? params.currency);
  const createdS = Math.floor(w.now / 1000);
  const expiresAt = checkExpiry(params.expires_at, createdS);
  const prefix = w.livemode ? 'cs_live' : 'cs_test';
  const { data } = await createObject<Stripe.Checkout.Session>(w, {
    type: 'checkout.session',
    id: `${prefix}_${randomToken(58)}`,
    data: (id, created) => ({
      ...newSession(
        id,
        created,
        params,
        items,
        expiresAt,
        w.livemode,
        publicBaseUrl(services, host),
      ),
      payment_link: paymentLink,
    }),
    internal: {
      lineItems: items,
      paymentIntentData: params.payment_intent_data ?? null,
      setupIntentData: params.setup_intent_data ?? null,
    } satisfies SessionInternal,
  });
  await scheduleTask(w, 'checkout.session.expire', expiresAt * 1000, {
    livemode: w.livemode,
    accountId: caller.accountId,
    session: data.id,
  });
  return data;
}

const paymentParam = {
  payment_method: string(),
  ...expandParam,
};

export const checkoutSessions: Resource = {
  name: 'checkout_sessions',
  routes: [
    post('/v1/checkout/sessions', createParams, async ({ w, caller, params, services, host }) =>
      createCheckoutSession(w, caller, services, host, params, null),
    ),

    get('/v1/checkout/sessions/:id', expandParam, async ({ db, caller, path }) =>
      parseData(await requireObject(db, caller, 'checkout.session', path.id!, 'checkout.session')),
    ),

    get(
      '/v1/checkout/sessions/:id/line_items',
      listParams,
      async ({ db, caller, path, params, url }) => {
        const row = await requireObject(
          db,
          caller,
          'checkout.session',
          path.id!,
          'checkout.session',
        );
        const all = parseInternal<SessionInternal>(row).lineItems;
        return pageOf(all, params, url);
      },
    ),

    post('/v1/checkout/sessions/:id/expire', expandParam, async ({ w, caller, path }) => {
      const row = await requireObjectToChange(
        w,
        caller,
        'checkout.session',
        path.id!,
        'checkout.session',
      );
      const session = parseData<Stripe.Checkout.Session>(row);
      if (session.status !== 'open')
        throw errors.invalidRequest(
          `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`,
        );
      return expireSession(w, row.id, session);
    }),

    get(
      '/v1/checkout/sessions',
      {
        ...listParams,
        created: effect(range(), PAID_TEST),
        customer: effect(string(), PAID_TEST),
        payment_intent: effect(string(), PAID_TEST),
        status: effect(oneOf(['open', 'complete', 'expired'] as const), PAID_TEST),
      },
      async ({ services, caller, params, url }) => {
        const where: Record<string, string> = {};
        if (params.customer !== undefined) where.customer = params.customer;
        if (params.payment_intent !== undefined) where.payment_intent = params.payment_intent;
        if (params.status !== undefined) where.status = params.status;
        return listVisible(
          services.dialect,
          caller,
          url,
          { type: 'checkout.session', where, created: params.created },
          params,
          'checkout.session',
        );
      },
    ),

    // Switchboard's test helper: completes a session as a person paying on its page would.
    post(
      '/v1/switchboard/checkout/sessions/:id/complete',
      paymentParam,
      async ({ w, caller, path, params, services, host }) =>
        completeSession(w, caller, services, host, path.id!, {
          paymentMethod: params.payment_method ?? 'pm_card_visa',
        }),
      { permission: 'checkout_sessions:write' },
    ),

    // What Stripe Checkout's page calls (the official CLI's checkout.session.* fixtures do too).
    get(
      '/v1/payment_pages/:id',
      {},
      async ({ db, caller, path }) =>
        parseData(
          await requireObject(db, caller, 'checkout.session', path.id!, 'checkout.session'),
        ),
      { permission: 'checkout_sessions:read' },
    ),
    post(
      '/v1/payment_pages/:id/confirm',
      { ...paymentParam, expected_amount: integer({ min: 0 }) },
      async ({ w, caller, path, params, services, host }) => {
        if (params.payment_method === undefined) throw errors.parameterMissing('payment_method');
        const row = await requireObject(
          w.db,
          caller,
          'checkout.session',
          path.id!,
          'checkout.session',
        );
        const session = parseData<Stripe.Checkout.Session>(row);
        const expected = session.amount_total ?? 0;
        if (params.expected_amount !== undefined && params.expected_amount !== expected)
          throw errors.invalidRequest(
            `The expected amount (${params.expected_amount}) does not match the session's total (${expected}).`,
            'expected_amount',
          );
        return completeSession(w, caller, services, host, session.id, {
          paymentMethod: params.payment_method,
        });
      },
      { permission: 'checkout_sessions:write' },
    ),
  ],
  tasks: {
    'checkout.session.expire': expireDue,
    'checkout.session.async_payment': asyncPaymentSettled,
  },
};

/** A page of a list held in memory (a session's line items), with Stripe's cursors. */
function pageOf<T extends { id: string }>(
  all: T[],
  params: { limit?: number; starting_after?: string; ending_before?: string },
  url: string,
) {
  if (params.starting_after !== undefined && params.ending_before !== undefined)
    throw errors.parametersExclusive('starting_after', 'ending_before');
  const limit = params.limit ?? 10;
  const at = (id: string, param: string) => {
    const i = all.findIndex((x) => x.id === id);
    if (i < 0) throw errors.resourceMissing('line_item', id, param);
    return i;
  };
  if (params.ending_before !== undefined) {
    const end = at(params.ending_before, 'ending_before');
    const start = Math.max(0, end - limit);
    return listOf(url, { hasMore: start > 0 } as never, all.slice(start, end));
  }
  const start =
    params.starting_after !== undefined ? at(params.starting_after, 'starting_after') + 1 : 0;
  return listOf(
    url,
    { hasMore: start + limit < all.length } as never,
    all.slice(start, start + limit),
  );
}
