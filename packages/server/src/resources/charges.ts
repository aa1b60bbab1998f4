import type Stripe from 'stripe';
import type { Scope } from '../scope/scope.js';
import {
  emptyBillingDetails,
  listFilterTest,
  shippingParams,
  toShipping,
} from './shared-params.js';
import { errors } from '../stripe/errors.js';
import {
  applyMetadata,
  boolean,
  effect,
  expandParam,
  integer,
  listParams,
  metadata,
  nullableString,
  object,
  oneOf,
  range,
  required,
  string,
} from '../stripe/params.js';
import { CommittedError, get, post, type Resource } from './route.js';
import { previousAttributes } from '../domain/event-body.js';
import { newId, randomToken } from '../domain/ids.js';
import { testCard, type TestCard } from '../domain/test-instruments.js';
import type { WriteContext } from '../services/context.js';
import { emitEvent } from '../services/emit-event.js';
import { scheduleTask, type TaskPayload } from '../services/scheduler.js';
import { requireAccount, requireChargesEnabled, requireTransfersEnabled } from './accounts.js';
import {
  createObject,
  findObjectToChange,
  listVisible,
  parseData,
  parseInternal,
  requireObject,
  requireObjectToChange,
  saveObject,
} from './common.js';
import { afterCharge } from './disputes.js';
import { reviewIfRisky, reviewOutcome } from './reviews.js';
import { requireCustomer, resolveChargeSource, type CardDetails } from './payment-sources.js';
import { settleCharge, type ChargeTerms } from './settlement.js';
import type { ObjectRow } from '../storage/repositories/objects.js';
import { searchRoute } from './search.js';

export interface ChargeInput {
  id: string;
  created: number;
  livemode: boolean;
  amount: number;
  currency: string;
  card: TestCard;
  paymentMethod: string;
  paymentIntent: string | null;
  /** The card charged, for the Charges API (`charge.source`). */
  source?: Stripe.Card | null;
  customer: string | null;
  description: string | null;
  metadata: Record<string, string>;
  shipping: Stripe.Charge.Shipping | null;
  receiptEmail: string | null;
  captured: boolean;
  balanceTransaction: string | null;
  applicationFeeAmount: number | null;
  transferData: Stripe.Charge.TransferData | null;
  transfer: string | null;
  onBehalfOf: string | null;
  transferGroup: string | null;
  statementDescriptor: string | null;
  statementDescriptorSuffix?: string | null;
}

/** What a charge keeps beside its object. */
export interface ChargeInternal {
  /** The test payment method its card behaves as (test-instruments.ts): disputes, refunds. */
  instrument?: string;
  /** When its funds become available (clock ms), or null once they are (or at once). */
  availableAt?: number | null;
  /** What transfers with `source_transaction` took from it. */
  transferred?: number;
  /** Its dispute (`dp_...`), and whether it is a chargeback: then it can no longer be refunded. */
  dispute?: string;
  chargedBack?: boolean;
}

/** The test card a charge was made with. */
export function chargeCard(row: { internal: string; data: string }): TestCard | undefined {
  const internal = JSON.parse(row.internal) as ChargeInternal;
  const charge = JSON.parse(row.data) as Stripe.Charge;
  return testCard(internal.instrument ?? (charge.payment_method as string) ?? '');
}

/** A card charge as Stripe renders it: succeeded, or failed with the card's decline. */
export function buildCharge(c: ChargeInput): Stripe.Charge {
  const failed = c.card.outcome.kind === 'declined' ? c.card.outcome : null;
  return {
    id: c.id,
    object: 'charge',
    amount: c.amount,
    amount_captured: c.captured && !failed ? c.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: c.applicationFeeAmount,
    balance_transaction: c.balanceTransaction,
    billing_details: emptyBillingDetails(),
    calculated_statement_descriptor: (c.statementDescriptor ?? 'SWITCHBOARD').slice(0, 22),
    captured: c.captured && !failed,
    created: c.created,
    currency: c.currency,
    customer: c.customer,
    description: c.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: failed ? failed.code : null,
    failure_message: failed ? failed.message : null,
    fraud_details: {},
    livemode: c.livemode,
    metadata: c.metadata,
    on_behalf_of: c.onBehalfOf,
    outcome: failed
      ? {
          advice_code: null,
          network_advice_code: null,
          network_decline_code: null,
          network_status: 'declined_by_network',
          reason: failed.declineCode,
          risk_level: 'normal',
          risk_score: 20,
          seller_message: 'The bank did not return any further details with this decline.',
          type: 'issuer_declined',
        }
      : c.card.risk === 'elevated'
        ? reviewOutcome
        : {
            advice_code: null,
            network_advice_code: null,
            network_decline_code: null,
            network_status: 'approved_by_network',
            reason: null,
            risk_level: 'normal',
            risk_score: 12,
            seller_message: 'Payment complete.',
            type: 'authorized',
          },
    paid: !failed,
    payment_intent: c.paymentIntent,
    payment_method: c.paymentMethod,
    payment_method_details: {
      card: {
        amount_authorized: failed ? null : c.amount,
        brand: c.card.brand,
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
        country: c.card.country,
        exp_month: 12,
        exp_year: new Date(c.created * 1000).getUTCFullYear() + 3,
        fingerprint: randomToken(16),
        funding: c.card.funding,
        installments: null,
        last4: c.card.last4,
        mandate: null,
        network: c.card.brand,
        network_token: { used: false },
        three_d_secure: null,
        wallet: null,
      } as unknown as Stripe.Charge.PaymentMethodDetails.Card,
      type: 'card',
    } as Stripe.Charge.PaymentMethodDetails,
    receipt_email: c.receiptEmail,
    receipt_number: null,
    receipt_url: `https://pay.stripe.com/receipts/payment/${randomToken(32)}`,
    refunded: false,
    refunds: { object: 'list', data: [], has_more: false, url: `/v1/charges/${c.id}/refunds` },
    review: null,
    shipping: c.shipping,
    source: c.source ?? null,
    source_transfer: null,
    statement_descriptor: c.statementDescriptor,
    statement_descriptor_suffix: c.statementDescriptorSuffix ?? null,
    status: failed ? 'failed' : 'succeeded',
    transfer: c.transfer ?? undefined,
    transfer_data: c.transferData,
    transfer_group: c.transferGroup,
  } as Stripe.Charge;
}

/** Stripe's error when `application_fee_amount` is used on a charge that is neither direct nor destination. */
export function applicationFeeCheck(
  caller: Scope,
  fee: number | undefined,
  amount: number,
  destination: string | undefined,
  transferAmount: number | undefined,
): void {
  if (fee === undefined) return;
  if (!caller.accountId && !destination)
    throw errors.invalidRequest(
      'Can only apply an application_fee_amount when the request is made on behalf of another account (using an OAuth key or the Stripe-Account header) or when it uses transfer_data[destination].',
      'application_fee_amount',
    );
  if (fee > amount)
    throw errors.invalidRequest(
      `The application fee (${fee}) cannot be greater than the amount (${amount}).`,
      'application_fee_amount',
    );
  if (transferAmount !== undefined)
    throw errors.invalidRequest(
      'You may only specify one of these parameters: application_fee_amount, transfer_data[amount].',
      'application_fee_amount',
      'parameters_exclusive',
    );
}

/** A destination charge's account, or the error that says why it cannot be one. */
export async function requireDestination(
  w: WriteContext,
  caller: Scope,
  destination: string,
  param: string,
): Promise<string> {
  if (caller.accountId)
    throw errors.stripeAccountNotAllowed(
      'Destination charges are made by the platform: remove the Stripe-Account header or use a direct charge.',
      param,
    );
  let row;
  try {
    row = await requireAccount(w.db, caller, destination, param);
  } catch {
    throw errors.resourceMissing('destination', destination, param);
  }
  await requireTransfersEnabled(w, row, param);
  return row.id;
}

/** Uncaptured charges expire after 7 days, as on Stripe (`charge.expired`). */
const CAPTURE_WINDOW_MS = 7 * 24 * 3600 * 1000;

/** Captures (part of) a charge: its money moves, `charge.captured`, then what its card does next. */
async function captureCharge(
  w: WriteContext,
  row: { id: string; data: string; internal: string },
  p: {
    amount?: number | undefined;
    applicationFeeAmount?: number | undefined;
    transferAmount?: number | undefined;
    transferGroup?: string | undefined;
    receiptEmail?: string | undefined;
    statementDescriptor?: string | undefined;
    statementDescriptorSuffix?: string | undefined;
  },
): Promise<Stripe.Charge> {
  const before = parseData<Stripe.Charge>(row as never);
  const internal = parseInternal<ChargeInternal>(row as never);
  const card = chargeCard(row)!;
  const amount = p.amount ?? before.amount;
  if (amount > before.amount)
    throw errors.invalidRequest(
      `The amount to capture (${amount}) is greater than the amount of the charge (${before.amount}).`,
      'amount',
      'amount_too_large',
    );
  const fee = p.applicationFeeAmount ?? before.application_fee_amount ?? undefined;
  if (fee !== undefined && fee > amount)
    throw errors.invalidRequest(
      `The application fee (${fee}) cannot be greater than the amount captured (${amount}).`,
      'application_fee_amount',
    );
  const transferData = before.transfer_data
    ? {
        destination: before.transfer_data.destination as string,
        amount: p.transferAmount ?? before.transfer_data.amount,
      }
    : null;
  const terms: ChargeTerms = {
    amount,
    applicationFeeAmount: fee ?? null,
    transferData,
    transferGroup: p.transferGroup ?? before.transfer_group,
    groupOf: before.id,
  };
  const captured: Stripe.Charge = {
    ...before,
    captured: true,
    amount_captured: amount,
    // What is not captured is released: Stripe shows it refunded.
    amount_refunded: before.amount - amount,
    receipt_email: p.receiptEmail ?? before.receipt_email,
    statement_descriptor: p.statementDescriptor ?? before.statement_descriptor,
    statement_descriptor_suffix: p.statementDescriptorSuffix ?? before.statement_descriptor_suffix,
    transfer_data: transferData
      ? { destination: transferData.destination, amount: transferData.amount ?? null }
      : null,
  };
  const settled = await settleCharge(w, captured, card, terms);
  await saveObject(w.db, before.id, settled.charge, {
    ...internal,
    availableAt: settled.availableAt === 'now' ? null : settled.availableAt,
  });
  await emitEvent(w, {
    type: 'charge.captured',
    object: settled.charge as never,
    previousAttributes: previousAttributes(before as never, settled.charge as never),
  });
  return settled.charge;
}

/** Plans the end of an uncaptured charge's authorization, 7 days on as on Stripe. */
export async function scheduleChargeExpiry(w: WriteContext, chargeId: string): Promise<void> {
  await scheduleTask(w, 'charge.expire', w.now + CAPTURE_WINDOW_MS, {
    livemode: w.livemode,
    accountId: w.accountId,
    charge: chargeId,
  });
}

/**
 * An uncaptured charge's authorization ends: the charge is released (`charge.expired`) and a
 * PaymentIntent still waiting to capture it is canceled with reason `automatic`
 * (`payment_intent.canceled`), as on Stripe. Null when the charge is not an open authorization
 * (captured, released or failed).
 */
async function expireAuthorization(w: WriteContext, row: ObjectRow): Promise<Stripe.Charge | null> {
  const charge = parseData<Stripe.Charge>(row);
  if (charge.captured || charge.refunded || charge.status !== 'succeeded') return null;
  const next: Stripe.Charge = { ...charge, refunded: true, amount_refunded: charge.amount };
  await saveObject(w.db, row.id, next);
  await emitEvent(w, {
    type: 'charge.expired',
    object: next as never,
    previousAttributes: { refunded: false, amount_refunded: charge.amount_refunded },
  });
  const intentRow = charge.payment_intent
    ? await findObjectToChange(w, charge.payment_intent as string)
    : undefined;
  const pi = intentRow ? parseData<Stripe.PaymentIntent>(intentRow) : null;
  if (pi?.status === 'requires_capture' && pi.latest_charge === charge.id) {
    const canceled: Stripe.PaymentIntent = {
      ...pi,
      status: 'canceled',
      cancellation_reason: 'automatic',
      canceled_at: Math.floor(w.now / 1000),
      amount_capturable: 0,
    };
    await saveObject(w.db, pi.id, canceled);
    await emitEvent(w, { type: 'payment_intent.canceled', object: canceled as never });
  }
  return next;
}

/** The scheduled task: an uncaptured charge's authorization ends 7 days on. */
async function expireCharge(w: WriteContext, payload: TaskPayload): Promise<void> {
  const row = await findObjectToChange(w, payload.charge as string);
  if (row) await expireAuthorization(w, row);
}

const cardParam = object({
  number: required(string()),
  exp_month: required(integer({ min: 1, max: 12 })),
  exp_year: required(integer()),
  cvc: string(),
  name: string(),
  object: oneOf(['card'] as const),
});

const tokenTest = 'charges a test token, with its balance transaction and charge.succeeded';
const destinationTest =
  'destination charges with an application fee: PaymentIntents and the Charges API';
const captureTest =
  'authorizes with capture=false, captures part, and expires what is never captured';

const createParams = {
  amount: required(integer({ min: 1, max: 99_999_999 })),
  currency: required(string({ maxLength: 3 })),
  application_fee_amount: integer({ min: 0 }),
  // The older name of application_fee_amount.
  application_fee: effect(integer({ min: 0 }), destinationTest),
  capture: effect(boolean(), captureTest),
  source: effect(string(), tokenTest),
  card: effect(cardParam, tokenTest),
  customer: string(),
  description: nullableString({ maxLength: 40000 }),
  metadata: metadata(),
  on_behalf_of: string(),
  receipt_email: string(),
  shipping: shippingParams,
  statement_descriptor: string({ maxLength: 22 }),
  statement_descriptor_suffix: string({ maxLength: 22 }),
  transfer_data: object({ destination: required(string()), amount: integer({ min: 1 }) }),
  // The older form of transfer_data.
  destination: effect(
    object({ account: required(string()), amount: integer({ min: 1 }) }),
    destinationTest,
  ),
  transfer_group: string(),
  ...expandParam,
};

/**
 * The Charges API (`/v1/charges`): charges paid with a token (Stripe's `tok_visa`,
 * `tok_chargeDeclined`, ..., or one from `/v1/tokens`), a card or payment method, or a customer's
 * default source; direct (Stripe-Account) and destination charges (`transfer_data`) with
 * `application_fee_amount`, `on_behalf_of`, `transfer_group`; `capture=false` then
 * `/capture`; update, list, retrieve. Every charge of a payment intent is listed here too.
 */
export const charges: Resource = {
  name: 'charges',
  routes: [
    // The fields Stripe documents as searchable for charges (metadata too).
    searchRoute('charges', 'charge', {
      amount: 'numeric',
      'billing_details.address.postal_code': 'string',
      created: 'numeric',
      currency: 'string',
      customer: 'token',
      disputed: 'boolean',
      payment_intent: 'token',
      'payment_method_details.card.brand': 'string',
      'payment_method_details.card.exp_month': 'numeric',
      'payment_method_details.card.exp_year': 'numeric',
      'payment_method_details.card.fingerprint': 'token',
      'payment_method_details.card.last4': 'string',
      refunded: 'boolean',
      status: 'string',
    }),
    post('/v1/charges', createParams, async ({ w, caller, params }) => {
      const transfer =
        params.transfer_data ??
        (params.destination
          ? { destination: params.destination.account, amount: params.destination.amount }
          : undefined);
      const transferParam = params.transfer_data
        ? 'transfer_data[destination]'
        : 'destination[account]';
      if (params.transfer_data && params.destination)
        throw errors.parametersExclusive('transfer_data', 'destination');
      if (params.application_fee !== undefined && params.application_fee_amount !== undefined)
        throw errors.parametersExclusive('application_fee_amount', 'application_fee');
      const feeAmount = params.application_fee_amount ?? params.application_fee;
      const destination = transfer
        ? await requireDestination(w, caller, transfer.destination, transferParam)
        : undefined;
      applicationFeeCheck(caller, feeAmount, params.amount, destination, transfer?.amount);
      if (transfer?.amount !== undefined && transfer.amount > params.amount)
        throw errors.invalidRequest(
          `The transfer amount (${transfer.amount}) cannot be greater than the charge amount (${params.amount}).`,
          'transfer_data[amount]',
        );
      // A direct charge needs the account's card_payments active (as PaymentIntents do).
      await requireChargesEnabled(w);
      if (params.on_behalf_of)
        await requireAccount(w.db, caller, params.on_behalf_of, 'on_behalf_of');
      const customer = params.customer ? await requireCustomer(w, caller, params.customer) : null;
      const paid = await resolveChargeSource(w, caller, {
        source: params.source,
        card: params.card as CardDetails | undefined,
        customer,
      });
      const captured = params.capture ?? true;
      const id = newId('ch', 24);
      const charge = buildCharge({
        id,
        created: Math.floor(w.now / 1000),
        livemode: w.livemode,
        amount: params.amount,
        currency: params.currency.toLowerCase(),
        card: paid.card,
        paymentMethod: paid.paymentMethod,
        paymentIntent: null,
        source: paid.source,
        customer: customer?.id ?? null,
        description: params.description ?? null,
        metadata: applyMetadata({}, params.metadata),
        shipping: toShipping(params.shipping),
        receiptEmail: params.receipt_email ?? null,
        captured,
        balanceTransaction: null,
        applicationFeeAmount: feeAmount ?? null,
        transferData: destination ? { destination, amount: transfer?.amount ?? null } : null,
        transfer: null,
        onBehalfOf: params.on_behalf_of ?? null,
        transferGroup: params.transfer_group ?? null,
        statementDescriptor: params.statement_descriptor ?? null,
        statementDescriptorSuffix: params.statement_descriptor_suffix ?? null,
      });
      const internal: ChargeInternal = { instrument: paid.instrument, availableAt: null };
      if (paid.card.outcome.kind === 'declined') {
        await createObject(w, { type: 'charge', id, data: () => charge, internal });
        await emitEvent(w, { type: 'charge.failed', object: charge as never });
        return new CommittedError(
          errors.cardError(
            paid.card.outcome.message,
            paid.card.outcome.code,
            paid.card.outcome.declineCode,
            {
              charge: id,
            },
          ),
        );
      }
      let done = charge;
      if (captured) {
        const settled = await settleCharge(w, charge, paid.card, {
          amount: params.amount,
          applicationFeeAmount: feeAmount ?? null,
          transferData: destination ? { destination, amount: transfer?.amount ?? null } : null,
          transferGroup: params.transfer_group ?? null,
          groupOf: id,
        });
        done = settled.charge;
        internal.availableAt = settled.availableAt === 'now' ? null : settled.availableAt;
      } else {
        await scheduleChargeExpiry(w, id);
      }
      done = await reviewIfRisky(w, done, paid.card);
      await createObject(w, { type: 'charge', id, data: () => done, internal });
      await emitEvent(w, { type: 'charge.succeeded', object: done as never });
      if (captured) await afterCharge(w, done, paid.card);
      return done;
    }),

    post(
      '/v1/charges/:id/capture',
      {
        amount: effect(integer({ min: 1 }), captureTest),
        application_fee_amount: effect(integer({ min: 0 }), destinationTest),
        application_fee: effect(integer({ min: 0 }), destinationTest),
        receipt_email: string(),
        statement_descriptor: string({ maxLength: 22 }),
        statement_descriptor_suffix: string({ maxLength: 22 }),
        transfer_data: effect(object({ amount: integer({ min: 1 }) }), destinationTest),
        transfer_group: effect(string(), destinationTest),
        ...expandParam,
      },
      async ({ w, caller, path, params }) => {
        const row = await requireObjectToChange(w, caller, 'charge', path.id!);
        const charge = parseData<Stripe.Charge>(row);
        if (charge.payment_intent)
          throw errors.invalidRequest(
            `The charge ${charge.id} belongs to the PaymentIntent ${charge.payment_intent as string}: capture it with POST /v1/payment_intents/${charge.payment_intent as string}/capture.`,
          );
        if (charge.captured)
          throw errors.invalidRequest(
            `Charge ${charge.id} has already been captured.`,
            undefined,
            'charge_already_captured',
          );
        if (charge.refunded || charge.status !== 'succeeded')
          throw errors.invalidRequest(
            `Charge ${charge.id} has expired for capture: its authorization was released.`,
            undefined,
            'charge_expired_for_capture',
          );
        if (params.application_fee !== undefined && params.application_fee_amount !== undefined)
          throw errors.parametersExclusive('application_fee_amount', 'application_fee');
        const feeAmount = params.application_fee_amount ?? params.application_fee;
        if (feeAmount !== undefined)
          applicationFeeCheck(
            caller,
            feeAmount,
            params.amount ?? charge.amount,
            (charge.transfer_data?.destination as string | undefined) ?? undefined,
            params.transfer_data?.amount ?? charge.transfer_data?.amount ?? undefined,
          );
        if (params.transfer_data && !charge.transfer_data)
          throw errors.invalidRequest(
            'transfer_data[amount] can only be given when capturing a destination charge.',
            'transfer_data[amount]',
          );
        const captured = await captureCharge(w, row, {
          amount: params.amount,
          applicationFeeAmount: feeAmount,
          transferAmount: params.transfer_data?.amount,
          transferGroup: params.transfer_group,
          receiptEmail: params.receipt_email,
          statementDescriptor: params.statement_descriptor,
          statementDescriptorSuffix: params.statement_descriptor_suffix,
        });
        await afterCharge(w, captured, chargeCard(row)!);
        return captured;
      },
    ),

    post(
      '/v1/charges/:id',
      {
        customer: string(),
        description: nullableString({ maxLength: 40000 }),
        fraud_details: object({ user_report: required(oneOf(['fraudulent', 'safe'] as const)) }),
        metadata: metadata(),
        receipt_email: nullableString(),
        shipping: shippingParams,
        transfer_group: string(),
        ...expandParam,
      },
      async ({ w, caller, path, params }) => {
        const row = await requireObjectToChange(w, caller, 'charge', path.id!);
        const before = parseData<Stripe.Charge>(row);
        const after: Stripe.Charge = {
          ...before,
          metadata: applyMetadata(before.metadata, params.metadata),
        };
        if (params.customer !== undefined) {
          if (before.customer && before.customer !== params.customer)
            throw errors.invalidRequest(
              `The charge ${before.id} already belongs to customer ${before.customer as string}.`,
              'customer',
            );
          after.customer = (await requireCustomer(w, caller, params.customer)).id;
        }
        if (params.description !== undefined) after.description = params.description;
        if (params.fraud_details)
          after.fraud_details = { user_report: params.fraud_details.user_report };
        if (params.receipt_email !== undefined) after.receipt_email = params.receipt_email;
        if (params.shipping !== undefined) after.shipping = toShipping(params.shipping);
        if (params.transfer_group !== undefined) {
          if (before.transfer_group && before.transfer_group !== params.transfer_group)
            throw errors.invalidRequest(
              `The charge ${before.id} already has the transfer_group ${before.transfer_group}: it can only be set once.`,
              'transfer_group',
            );
          after.transfer_group = params.transfer_group;
        }
        const previous = previousAttributes(before as never, after as never);
        await saveObject(w.db, row.id, after);
        if (previous)
          await emitEvent(w, {
            type: 'charge.updated',
            object: after as never,
            previousAttributes: previous,
          });
        return after;
      },
    ),

    // Switchboard's helper (both modes, as the Checkout one): the 7-day capture window ends now.
    post(
      '/v1/switchboard/charges/:id/expire',
      expandParam,
      async ({ w, caller, path }) => {
        const row = await requireObjectToChange(w, caller, 'charge', path.id!);
        const expired = await expireAuthorization(w, row);
        if (!expired)
          throw errors.invalidRequest(
            `Charge ${row.id} is not an uncaptured authorization: only those expire.`,
            undefined,
            'charge_not_expirable',
          );
        return expired;
      },
      { permission: 'charges:write' },
    ),

    get('/v1/charges/:id', expandParam, async ({ db, caller, path }) =>
      parseData(await requireObject(db, caller, 'charge', path.id!)),
    ),
    get(
      '/v1/charges',
      {
        ...listParams,
        created: effect(range(), listFilterTest),
        customer: effect(string(), listFilterTest),
        payment_intent: effect(string(), listFilterTest),
        transfer_group: effect(string(), listFilterTest),
      },
      async ({ services, caller, params, url }) => {
        const where: Record<string, string> = {};
        if (params.customer) where.customer = params.customer;
        if (params.payment_intent) where.payment_intent = params.payment_intent;
        if (params.transfer_group) where.transfer_group = params.transfer_group;
        return listVisible(
          services.dialect,
          caller,
          url,
          { type: 'charge', where, created: params.created },
          params,
        );
      },
    ),
  ],
  tasks: { 'charge.expire': expireCharge },
};
