import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import { testCard, testCards, type TestCard } from '../domain/test-instruments.js';
import { findOwnObject } from '../scope/finders.js';
import type { Scope } from '../scope/scope.js';
import type { WriteContext } from '../services/context.js';
import type { ObjectRow } from '../storage/repositories/objects.js';
import { parseData, parseInternal, requireObject } from './common.js';
import { defaultExpiry, markPaymentMethod, usePaymentMethod } from './payment-methods.js';
import { cardForNumber, cardObject, checkExpiry, consumeToken } from './tokens.js';

/**
 * What a charge is paid with, resolved from what the Charges API takes (`source`, `card`,
 * `customer`): Stripe's test card tokens (`tok_visa`, `tok_createDispute`, ...) and test payment
 * methods (`pm_card_visa`, ...), tokens made with `/v1/tokens` (used once), card details with
 * Stripe's test numbers, a customer's cards (`card_...`, its `default_source`) and payment
 * methods (`pm_...`, its `invoice_settings.default_payment_method`).
 */
export interface ResolvedSource {
  card: TestCard;
  /** The test payment method (`pm_card_...`) whose behaviour the card has: disputes, refunds. */
  instrument: string;
  /** `charge.payment_method`: the card's or the payment method's id. */
  paymentMethod: string;
  /** `charge.source`: the card charged (Charges API), or null for a payment method. */
  source: Stripe.Card | null;
}

/** `Visa`, `American Express`, `visa`, `amex` -> the test cards' brand names (`visa`, `amex`). */
const brandKey = (brand: string) => {
  const key = brand.toLowerCase().replace(/\s/g, '');
  return key === 'americanexpress' ? 'amex' : key;
};

/** The test card a customer's stored card stands for: recorded, or by brand and last 4 digits. */
function storedInstrument(row: ObjectRow): string | undefined {
  const internal = parseInternal<{ card?: string; instrument?: string }>(row);
  const recorded = internal.card ?? internal.instrument;
  if (recorded && testCards[recorded]) return recorded;
  const data = parseData<{ brand?: string; last4?: string }>(row);
  const brand = brandKey(data.brand ?? '');
  return Object.entries(testCards).find(
    ([, c]) => c.last4 === data.last4 && (brand === '' || c.brand === brand),
  )?.[0];
}

/** A card charged from a token or card details: a `card_...` as `charge.source` shows it. */
function newCard(
  w: WriteContext,
  instrument: string,
  expiry: { exp_month: number; exp_year: number },
  holder: string | null,
  customer: string | null,
): ResolvedSource {
  const card = { ...cardObject(w, instrument, expiry, holder), customer } as Stripe.Card;
  return { card: testCard(instrument)!, instrument, paymentMethod: card.id, source: card };
}

/** A payment method: Stripe's test ones (`pm_card_visa`), or one stored (`pm_...`). */
async function fromPaymentMethod(
  w: WriteContext,
  scope: Scope,
  id: string,
  param: string,
  customer: string | null,
): Promise<ResolvedSource> {
  const used = await usePaymentMethod(w, scope, id, param);
  const owner = used.pm.customer as string | null;
  if (owner && owner !== customer)
    throw errors.invalidRequest(
      `The PaymentMethod ${used.pm.id} is attached to customer ${owner}: pass customer=${owner} to charge it.`,
      param,
    );
  if (!used.card || !used.internal.card)
    throw errors.invalidRequest(`The PaymentMethod ${used.pm.id} is not a card.`, param);
  // Without a customer it is for this payment only, as with PaymentIntents.
  if (!owner) await markPaymentMethod(w, used, { consumed: true });
  return {
    card: used.card,
    instrument: used.internal.card,
    paymentMethod: used.pm.id,
    source: null,
  };
}

/** A card saved on a customer (`card_...`). */
async function fromCustomerCard(
  w: WriteContext,
  scope: Scope,
  id: string,
  param: string,
  customer: string | null,
): Promise<ResolvedSource> {
  const row = await findOwnObject(w.db, scope, id);
  if (row?.type === 'bank_account' && row.deleted === 0)
    throw errors.invalidRequest(
      `The source ${id} is a bank account: ACH debits through the Charges API are not modelled; use a PaymentIntent with a us_bank_account payment method.`,
      param,
    );
  const saved = row && row.type === 'card' && row.deleted === 0 ? row : undefined;
  if (!saved || !customer || saved.parent_id !== customer)
    throw errors.invalidRequest(
      customer
        ? `Customer ${customer} does not have a linked source with ID ${id}.`
        : `Cannot charge the card ${id} without its customer: pass customer as well.`,
      param,
      'missing',
    );
  const instrument = storedInstrument(saved);
  if (!instrument) throw errors.invalidRequest(`The card ${id} is not a test card.`, param);
  return {
    card: testCard(instrument)!,
    instrument,
    paymentMethod: id,
    source: parseData<Stripe.Card>(saved),
  };
}

/** Resolves one id given as `source`. */
async function fromId(
  w: WriteContext,
  scope: Scope,
  id: string,
  param: string,
  customer: string | null,
): Promise<ResolvedSource> {
  if (id.startsWith('pm_')) return fromPaymentMethod(w, scope, id, param, customer);
  if (id.startsWith('card_') || id.startsWith('ba_'))
    return fromCustomerCard(w, scope, id, param, customer);
  if (id.startsWith('tok_')) {
    const token = await consumeToken(w, scope, id, 'card', param);
    // A token made with /v1/tokens keeps its card's expiry and name; a test token has none.
    const expiry = token.object ?? defaultExpiry(w.now);
    return newCard(w, token.card!, expiry, token.object?.name ?? null, customer);
  }
  throw errors.invalidRequest(
    `The source ${id} cannot be charged: give a card token (tok_visa, or one from /v1/tokens), a card of the customer (card_...), or a card payment method (pm_...).`,
    param,
  );
}

/** What `card` may be: a card's details (Stripe's test numbers only). */
export interface CardDetails {
  number: string;
  exp_month: number;
  exp_year: number;
  cvc?: string | undefined;
  name?: string | undefined;
}

/**
 * The charge's source: `source` (or `card`), else the customer's default source, else its
 * default payment method; Stripe's errors when there is none.
 */
export async function resolveChargeSource(
  w: WriteContext,
  scope: Scope,
  p: {
    source?: string | undefined;
    card?: CardDetails | undefined;
    customer: ObjectRow | null;
  },
): Promise<ResolvedSource> {
  const customerId = p.customer?.id ?? null;
  if (p.source !== undefined && p.card !== undefined)
    throw errors.parametersExclusive('source', 'card');
  if (p.source !== undefined) return fromId(w, scope, p.source, 'source', customerId);
  if (p.card) {
    const instrument = cardForNumber(p.card.number, 'card[number]');
    const expiry = checkExpiry(p.card.exp_month, p.card.exp_year, w.now, 'card');
    return newCard(w, instrument, expiry, p.card.name ?? null, customerId);
  }
  if (p.customer) {
    const c = parseData<Stripe.Customer>(p.customer);
    if (typeof c.default_source === 'string')
      return fromCustomerCard(w, scope, c.default_source, 'customer', customerId);
    const pm = c.invoice_settings?.default_payment_method;
    if (typeof pm === 'string') return fromPaymentMethod(w, scope, pm, 'customer', customerId);
    throw errors.invalidRequest(
      'Cannot charge a customer that has no active card',
      'card',
      'missing',
    );
  }
  throw errors.invalidRequest('Must provide source or customer.', 'source', 'parameter_missing');
}

/** A customer of the scope, for `customer=` (Stripe's "No such customer"). */
export const requireCustomer = (w: WriteContext, scope: Scope, id: string) =>
  requireObject(w.db, scope, 'customer', id, 'customer', 'customer');
