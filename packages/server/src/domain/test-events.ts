import { exampleObjects, type ExampleObjectName } from './example-objects.js';

/**
 * Test events, as Stripe's Dashboard sends them ("Send test webhook"): an event of a chosen type
 * whose `data.object` is Stripe's example object of that resource, sent to one endpoint. The
 * Connect and payment types below can be sent this way (not yet product.* and price.*); the object
 * gets the state the type implies (a `payout.failed` carries a failed payout).
 */
const objectOf: Record<string, ExampleObjectName> = {
  'account.application.authorized': 'application',
  'account.application.deauthorized': 'application',
  'account.external_account.created': 'bank_account',
  'account.external_account.deleted': 'bank_account',
  'account.external_account.updated': 'bank_account',
  'account.updated': 'account',
  'balance.available': 'balance',
  'capability.updated': 'capability',
  'charge.captured': 'charge',
  'charge.failed': 'charge',
  'charge.succeeded': 'charge',
  'customer.created': 'customer',
  'customer.deleted': 'customer',
  'customer.updated': 'customer',
  'payment_intent.amount_capturable_updated': 'payment_intent',
  'payment_intent.canceled': 'payment_intent',
  'payment_intent.created': 'payment_intent',
  'payment_intent.payment_failed': 'payment_intent',
  'payment_intent.succeeded': 'payment_intent',
  'payout.canceled': 'payout',
  'payout.created': 'payout',
  'payout.failed': 'payout',
  'payout.paid': 'payout',
  'payout.updated': 'payout',
  'person.created': 'person',
  'person.deleted': 'person',
  'person.updated': 'person',
  'transfer.created': 'transfer',
  'transfer.reversed': 'transfer',
};

/** The state each type implies, over the example object. */
const stateOf: Record<string, Record<string, unknown>> = {
  'charge.captured': { status: 'succeeded', paid: true, captured: true },
  'charge.failed': {
    status: 'failed',
    paid: false,
    captured: false,
    failure_code: 'card_declined',
    failure_message: 'Your card was declined.',
  },
  'charge.succeeded': { status: 'succeeded', paid: true },
  'payment_intent.amount_capturable_updated': { status: 'requires_capture' },
  'payment_intent.canceled': { status: 'canceled', cancellation_reason: 'requested_by_customer' },
  'payment_intent.created': { status: 'requires_payment_method' },
  'payment_intent.payment_failed': { status: 'requires_payment_method' },
  'payment_intent.succeeded': { status: 'succeeded' },
  'payout.canceled': { status: 'canceled' },
  'payout.created': { status: 'pending' },
  'payout.failed': {
    status: 'failed',
    failure_code: 'account_closed',
    failure_message: 'The bank account has been closed.',
  },
  'payout.paid': { status: 'paid' },
  'payout.updated': { status: 'pending' },
};

/** The event types a test event can be sent for, sorted. */
export const testEventTypes: readonly string[] = Object.keys(objectOf).sort();

/**
 * The `data.object` of a test event of `type` (undefined: not a type test events cover), with
 * `created` set to now when the object has one (unix seconds), as a fresh object would.
 */
export function testEventObject(
  type: string,
  nowSeconds: number,
): (Record<string, unknown> & { id?: string }) | undefined {
  const name = objectOf[type];
  if (!name) return undefined;
  const object: Record<string, unknown> = {
    ...structuredClone(exampleObjects[name]),
    ...stateOf[type],
  };
  if (typeof object.created === 'number') object.created = nowSeconds;
  return object;
}
