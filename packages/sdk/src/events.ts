/**
 * Types for the snapshot (v1) events a Connect platform receives. They cover the fields a receiver
 * usually reads; every object also keeps an index signature, so fields not listed here are still
 * reachable (as `unknown`). To use the official `stripe` package's types instead, pass `Stripe.Event`
 * as the type parameter of `createWebhookHandler<Stripe.Event>(...)`.
 */

/** Objects carry these three; `balance` is the one without an `id`. */
interface StripeObject<Name extends string> {
  object: Name;
  livemode?: boolean;
  [field: string]: unknown;
}

export type Metadata = Record<string, string>;

/** `data.object` of `account.application.*`: the platform's Connect application. */
export interface Application extends StripeObject<'application'> {
  id: string;
  name: string | null;
}

export interface Requirements {
  currently_due: string[] | null;
  eventually_due: string[] | null;
  past_due: string[] | null;
  pending_verification: string[] | null;
  disabled_reason: string | null;
  current_deadline: number | null;
  [field: string]: unknown;
}

export interface Account extends StripeObject<'account'> {
  id: string;
  type?: 'standard' | 'express' | 'custom' | 'none';
  business_type?: string | null;
  charges_enabled?: boolean;
  payouts_enabled?: boolean;
  details_submitted?: boolean;
  country?: string;
  default_currency?: string;
  email?: string | null;
  capabilities?: Record<string, 'active' | 'inactive' | 'pending'>;
  requirements?: Requirements;
  future_requirements?: Requirements;
  metadata?: Metadata;
  created?: number;
}

export interface BankAccount extends StripeObject<'bank_account'> {
  id: string;
  account?: string | null;
  bank_name: string | null;
  country: string;
  currency: string;
  last4: string;
  routing_number: string | null;
  status: 'new' | 'validated' | 'verified' | 'verification_failed' | 'errored' | string;
  default_for_currency?: boolean | null;
  metadata?: Metadata | null;
}

export interface Card extends StripeObject<'card'> {
  id: string;
  account?: string | null;
  brand: string;
  country: string | null;
  currency?: string | null;
  exp_month: number;
  exp_year: number;
  last4: string;
  default_for_currency?: boolean | null;
  metadata?: Metadata | null;
}

/** An external account: where a connected account's payouts go. */
export type ExternalAccount = BankAccount | Card;

export interface BalanceAmount {
  amount: number;
  currency: string;
  source_types?: Record<string, number>;
}

/** `data.object` of `balance.available`; it has no `id`. */
export interface Balance extends StripeObject<'balance'> {
  available: BalanceAmount[];
  pending: BalanceAmount[];
  connect_reserved?: BalanceAmount[];
  instant_available?: BalanceAmount[];
}

export interface Capability extends StripeObject<'capability'> {
  id: string;
  account: string;
  requested: boolean;
  status: 'active' | 'disabled' | 'inactive' | 'pending' | 'unrequested';
  requirements?: Requirements;
}

export interface Customer extends StripeObject<'customer'> {
  id: string;
  email: string | null;
  name?: string | null;
  description: string | null;
  created: number;
  metadata: Metadata;
  deleted?: true;
}

export interface PaymentIntent extends StripeObject<'payment_intent'> {
  id: string;
  amount: number;
  amount_received: number;
  currency: string;
  customer: string | null;
  status:
    | 'requires_payment_method'
    | 'requires_confirmation'
    | 'requires_action'
    | 'processing'
    | 'requires_capture'
    | 'canceled'
    | 'succeeded';
  latest_charge: string | null;
  application_fee_amount?: number | null;
  transfer_data?: { destination: string; amount?: number } | null;
  on_behalf_of?: string | null;
  last_payment_error?: { code?: string; message?: string; [field: string]: unknown } | null;
  metadata: Metadata;
  created: number;
}

export interface Charge extends StripeObject<'charge'> {
  id: string;
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  currency: string;
  customer: string | null;
  paid: boolean;
  refunded: boolean;
  status: 'succeeded' | 'pending' | 'failed';
  payment_intent: string | null;
  balance_transaction: string | null;
  failure_code: string | null;
  failure_message: string | null;
  metadata: Metadata;
  created: number;
}

export interface Payout extends StripeObject<'payout'> {
  id: string;
  amount: number;
  currency: string;
  arrival_date: number;
  destination: string | null;
  method: 'standard' | 'instant' | string;
  status: 'paid' | 'pending' | 'in_transit' | 'canceled' | 'failed';
  failure_code: string | null;
  failure_message: string | null;
  metadata: Metadata;
  created: number;
}

export interface Person extends StripeObject<'person'> {
  id: string;
  account: string;
  first_name?: string | null;
  last_name?: string | null;
  email?: string | null;
  relationship?: {
    owner?: boolean | null;
    director?: boolean | null;
    executive?: boolean | null;
    representative?: boolean | null;
    title?: string | null;
    [field: string]: unknown;
  };
  requirements?: Requirements | null;
  verification?: { status: 'pending' | 'unverified' | 'verified'; [field: string]: unknown };
  metadata?: Metadata;
  created: number;
}

export interface Transfer extends StripeObject<'transfer'> {
  id: string;
  amount: number;
  amount_reversed: number;
  currency: string;
  destination: string | null;
  reversed: boolean;
  source_transaction: string | null;
  transfer_group: string | null;
  metadata: Metadata;
  created: number;
}

export interface Refund extends StripeObject<'refund'> {
  id: string;
  amount: number;
  currency: string;
  charge: string | null;
  payment_intent: string | null;
  status: 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'canceled' | null;
  metadata: Metadata | null;
  created: number;
}

export interface CheckoutSession extends StripeObject<'checkout.session'> {
  id: string;
  mode: 'payment' | 'setup' | 'subscription';
  status: 'open' | 'complete' | 'expired' | null;
  payment_status: 'paid' | 'unpaid' | 'no_payment_required';
  customer: string | null;
  payment_intent: string | null;
  amount_total: number | null;
  currency: string | null;
  client_reference_id: string | null;
  metadata: Metadata | null;
  created: number;
}

/**
 * Which object each event type carries in `data.object`. The seed's Connect events come first;
 * the rest are the ones most Connect platforms also handle.
 */
export interface EventObjectMap {
  'account.application.deauthorized': Application;
  'account.external_account.updated': ExternalAccount;
  'account.updated': Account;
  'balance.available': Balance;
  'payment_intent.succeeded': PaymentIntent;
  'payout.failed': Payout;
  'person.updated': Person;
  'customer.created': Customer;

  'account.application.authorized': Application;
  'account.external_account.created': ExternalAccount;
  'account.external_account.deleted': ExternalAccount;
  'capability.updated': Capability;
  'charge.captured': Charge;
  'charge.failed': Charge;
  'charge.refunded': Charge;
  'charge.succeeded': Charge;
  'charge.updated': Charge;
  'checkout.session.completed': CheckoutSession;
  'customer.deleted': Customer;
  'customer.updated': Customer;
  'payment_intent.canceled': PaymentIntent;
  'payment_intent.created': PaymentIntent;
  'payment_intent.payment_failed': PaymentIntent;
  'payment_intent.processing': PaymentIntent;
  'payment_intent.requires_action': PaymentIntent;
  'payout.canceled': Payout;
  'payout.created': Payout;
  'payout.paid': Payout;
  'payout.updated': Payout;
  'person.created': Person;
  'person.deleted': Person;
  'refund.created': Refund;
  'refund.updated': Refund;
  'transfer.created': Transfer;
  'transfer.reversed': Transfer;
  'transfer.updated': Transfer;
}

export type EventType = keyof EventObjectMap;

/** The fields every snapshot event has, whatever its type. */
export interface EventLike {
  id: string;
  object?: 'event' | string;
  type: string;
  /** The connected account the event belongs to; absent for the platform's own events. */
  account?: string | undefined | null;
  livemode: boolean;
  /** Unix seconds. One-second resolution: not a total order. */
  created: number;
  data?: { object?: unknown; previous_attributes?: unknown } | undefined;
}

/** A snapshot event of one type, with `data.object` typed. */
export interface TypedEvent<Type extends string, Obj> extends EventLike {
  object: 'event';
  type: Type;
  account?: string;
  api_version: string | null;
  context?: string;
  created: number;
  data: {
    object: Obj;
    /** On `*.updated` events: the previous values of the fields that changed. */
    previous_attributes?: Partial<Obj>;
  };
  livemode: boolean;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null } | null;
}

/** Discriminated union of every event type in {@link EventObjectMap}; switch on `event.type`. */
export type Event = { [K in EventType]: TypedEvent<K, EventObjectMap[K]> }[EventType];

/** Narrows {@link Event} (or another union such as `Stripe.Event`) to one type. */
export type EventOf<K extends E['type'], E extends EventLike = Event> = Extract<E, { type: K }>;

export type AccountApplicationDeauthorizedEvent = EventOf<'account.application.deauthorized'>;
export type AccountExternalAccountUpdatedEvent = EventOf<'account.external_account.updated'>;
export type AccountUpdatedEvent = EventOf<'account.updated'>;
export type BalanceAvailableEvent = EventOf<'balance.available'>;
export type PaymentIntentSucceededEvent = EventOf<'payment_intent.succeeded'>;
export type PayoutFailedEvent = EventOf<'payout.failed'>;
export type PersonUpdatedEvent = EventOf<'person.updated'>;
export type CustomerCreatedEvent = EventOf<'customer.created'>;
