import type { Scope } from '../../scope/scope.js';
import type { WriteContext } from '../../services/context.js';
import { adjustCustomerBalance } from '../customer-balance.js';
import { insertProduct } from '../product-model.js';

/**
 * The plain resources: Stripe objects whose behaviour in test mode is to store what they are
 * given and return it (create, retrieve, update, delete, list, with their events). One entry per
 * resource; resources/plain/engine.ts makes the routes from Stripe's catalogue (which operations
 * the path has, their parameters) and the object's schema and example (data/plain-objects.json,
 * scripts/gen-plain-objects.js). docs/resources.md's decision table is generated from this file
 * and decisions.ts (scripts/gen-resource-docs.js), and a test holds them equal.
 */
export interface PlainRef {
  /** The type of object the parameter names, found in the caller's scope. */
  type: string;
  /** The object itself is the field (a promotion code's coupon), not its id. */
  embed?: true;
  /** Makes the object from the parameter given inline (a plan's `product[name]`); its id. */
  inline?: (w: WriteContext, scope: Scope, value: Record<string, unknown>) => Promise<string>;
}

export interface PlainEntry {
  /** The object's name in Stripe's spec (`promotion_code`): its schema, example and events. */
  object: string;
  /** The collection's path in Stripe's API: `/v1/promotion_codes`. */
  path: string;
  /** The prefix of new ids: `promo` gives `promo_...`. */
  prefix: string;
  /**
   * Nested under another object (`/v1/customers/{customer}/tax_ids`): the path's parameter names
   * an object of `type` in the caller's scope, and `field` of each object holds its id.
   */
  parent?: { type: string; field: string };
  /** Parameters that name other objects, which must exist in the caller's scope. */
  refs?: Record<string, PlainRef>;
  /**
   * Fields of a new object where Stripe's example shows another state than a new object's (an
   * example promotion code is inactive; a new one is active).
   */
  defaults?: Record<string, unknown>;
  /**
   * Actions on an object (`POST <path>/{id}/<name>`): the fields each one sets (a verification
   * session's `cancel` sets `status: canceled`); the action's own parameters apply as an update's.
   */
  actions?: Record<string, Record<string, unknown>>;
  /**
   * Parameters the object does not show but that have an effect (`derive` applies it), each with
   * the title of the test that checks it.
   */
  consumes?: Record<string, string>;
  /** Sets what a create's parameters imply beyond their own fields. */
  derive?: (object: Record<string, unknown>, params: Record<string, unknown>, now: number) => void;
  /**
   * What a create changes beyond the new object (a balance transaction moves its customer's
   * balance), run first in the create's transaction: returns fields the new object shows.
   */
  beforeCreate?: (
    w: WriteContext,
    scope: Scope,
    params: Record<string, unknown>,
    parentId: string | null,
  ) => Promise<Record<string, unknown>>;
  /** Why plain state is what Stripe's test mode does with it: the decision table's reason. */
  reason: string;
}

export const plainTable: readonly PlainEntry[] = [
  {
    object: 'promotion_code',
    path: '/v1/promotion_codes',
    prefix: 'promo',
    refs: { coupon: { type: 'coupon', embed: true }, customer: { type: 'customer' } },
    defaults: { active: true, expires_at: null },
    reason:
      'A customer-facing code for a coupon: stored and returned; redemptions (times_redeemed) come with invoices and checkout discounts, which are not modelled.',
  },
  {
    object: 'shipping_rate',
    path: '/v1/shipping_rates',
    prefix: 'shr',
    reason: 'A named price for shipping, stored and returned; Checkout reads it.',
  },
  {
    object: 'tax_id',
    path: '/v1/customers/{customer}/tax_ids',
    prefix: 'txi',
    parent: { type: 'customer', field: 'customer' },
    reason:
      "A customer's tax ID, stored as given; its verification stays `unavailable` in test mode unless Stripe's magic values are used (not modelled).",
  },
  {
    object: 'customer_balance_transaction',
    path: '/v1/customers/{customer}/balance_transactions',
    prefix: 'cbtxn',
    parent: { type: 'customer', field: 'customer' },
    beforeCreate: (w, scope, params, customer) =>
      adjustCustomerBalance(
        w,
        scope,
        customer!,
        params.amount as number,
        params.currency as string,
      ),
    reason:
      "An adjustment of a customer's credit balance: it moves the customer's `balance` (customer.updated) and shows the balance after it; invoices, which spend the balance, are not modelled.",
  },
  {
    object: 'plan',
    path: '/v1/plans',
    prefix: 'plan',
    refs: {
      product: {
        type: 'product',
        inline: async (w, scope, value) => (await insertProduct(w, scope, value as never)).id,
      },
    },
    reason:
      "The older form of a recurring price: stored and returned (subscriptions, which bill it, are refused). A plan's product must be the caller's.",
  },
  {
    object: 'billing_portal.configuration',
    path: '/v1/billing_portal/configurations',
    prefix: 'bpc',
    // The account's default configuration is made on first use (billing-portal-sessions.ts).
    defaults: { is_default: false },
    derive: (obj, _params, now) => {
      obj.updated = now;
    },
    reason:
      "What the customer portal shows: settings stored and returned; a portal session opens the one it names, or the account's default.",
  },
  {
    object: 'payment_method_domain',
    path: '/v1/payment_method_domains',
    prefix: 'pmd',
    actions: { validate: {} },
    reason:
      'A domain registered for wallets: stored and returned; in test mode every payment method is active on it without verification.',
  },
  {
    object: 'apple_pay_domain',
    path: '/v1/apple_pay/domains',
    prefix: 'apwc',
    reason:
      'A domain registered for Apple Pay: stored and returned (no verification in test mode).',
  },
  {
    object: 'radar.value_list',
    path: '/v1/radar/value_lists',
    prefix: 'rsl',
    reason:
      'A Radar list (blocked IPs, emails, cards): stored and returned; Radar rules, which read it, are not modelled.',
  },
  {
    object: 'radar.value_list_item',
    path: '/v1/radar/value_list_items',
    prefix: 'rsli',
    refs: { value_list: { type: 'radar.value_list' } },
    reason: "An entry of a Radar list: stored and returned; its list must be the caller's.",
  },
  {
    object: 'terminal.location',
    path: '/v1/terminal/locations',
    prefix: 'tml',
    reason: 'A place where Terminal readers are: an address, stored and returned.',
  },
  {
    object: 'terminal.configuration',
    path: '/v1/terminal/configurations',
    prefix: 'tmc',
    reason: 'Settings for Terminal readers (tipping, splash screens): stored and returned.',
  },
  {
    object: 'terminal.reader',
    path: '/v1/terminal/readers',
    prefix: 'tmr',
    refs: { location: { type: 'terminal.location' } },
    consumes: {
      registration_code: "a terminal reader's registration code picks its device type",
    },
    derive: (reader, params) => {
      // Stripe's simulated reader codes: simulated-wpe (WisePOS E), simulated-s700 (S700).
      const code = params.registration_code;
      if (code === undefined) return;
      reader.device_type = code === 'simulated-s700' ? 'stripe_s700' : 'simulated_wisepos_e';
      reader.serial_number = `${String(code).toUpperCase()}-${String(reader.id).slice(-6)}`;
      reader.status = 'online';
      reader.action = null;
    },
    reason:
      "A registered reader, stored and returned (its location the caller's); driving a reader (process_payment_intent...) is refused: no reader is simulated.",
  },
  {
    object: 'test_helpers.test_clock',
    path: '/v1/test_helpers/test_clocks',
    prefix: 'clock',
    actions: { advance: { status: 'ready' } },
    reason:
      'A test clock: stored and returned; advancing it sets its frozen_time (subscriptions and invoices, which it would move, are not modelled).',
  },
  {
    object: 'issuing.cardholder',
    path: '/v1/issuing/cardholders',
    prefix: 'ich',
    reason:
      "A person or company that may hold Issuing cards: stored and returned (its spending controls apply to its cards' authorizations).",
  },
  {
    object: 'issuing.card',
    path: '/v1/issuing/cards',
    prefix: 'ic',
    refs: { cardholder: { type: 'issuing.cardholder', embed: true } },
    defaults: {
      status: 'inactive',
      cancellation_reason: null,
      replaced_by: null,
      replacement_for: null,
      replacement_reason: null,
      shipping: null,
    },
    reason:
      "An Issuing card for one of the caller's cardholders: stored and returned; its status and spending controls decide its authorizations (resources/issuing/).",
  },
  {
    object: 'financial_connections.session',
    path: '/v1/financial_connections/sessions',
    prefix: 'fcsess',
    reason:
      'A session to link bank accounts: stored and returned; no bank accounts are linked in it (the authentication flow is not simulated).',
  },
  {
    object: 'invoiceitem',
    path: '/v1/invoiceitems',
    prefix: 'ii',
    refs: { price: { type: 'price', embed: true } },
    derive: (item, params, now) => {
      item.date = now;
      if (params.period === undefined) item.period = { start: now, end: now };
    },
    reason:
      "A pending line for a customer's next invoice: stored and returned until an invoice would take it (invoices are refused).",
  },
];
