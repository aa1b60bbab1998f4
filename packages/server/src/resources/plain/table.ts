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
    reason:
      "An adjustment of a customer's credit balance, recorded as given (the customer's balance is not recomputed: invoices, which spend it, are not modelled).",
  },
];
