import { errors } from '../stripe/errors.js';
import type { Scope } from '../scope/scope.js';

/**
 * An intent's `client_secret`: what lets Stripe.js and the mobile SDKs, holding only a
 * publishable key, retrieve and confirm that one intent. With a publishable key it is required
 * and must match; with a secret key it is optional, and checked when sent.
 */
export function checkClientSecret(
  caller: Scope,
  intent: { client_secret: string | null },
  given: string | undefined,
  what: 'PaymentIntent' | 'SetupIntent',
): void {
  if (given === undefined) {
    if (caller.credential.kind === 'publishable') throw errors.parameterMissing('client_secret');
    return;
  }
  if (given !== intent.client_secret)
    throw errors.invalidRequest(
      `The client_secret provided does not match the client_secret associated with the ${what}.`,
      'client_secret',
    );
}

/** The members of an intent Stripe.js sees (its PaymentIntent and SetupIntent types). */
const clientFields = {
  PaymentIntent: [
    'id',
    'object',
    'amount',
    'automatic_payment_methods',
    'canceled_at',
    'cancellation_reason',
    'capture_method',
    'client_secret',
    'confirmation_method',
    'created',
    'currency',
    'description',
    'last_payment_error',
    'livemode',
    'next_action',
    'payment_method',
    'payment_method_types',
    'processing',
    'receipt_email',
    'setup_future_usage',
    'shipping',
    'status',
  ],
  SetupIntent: [
    'id',
    'object',
    'cancellation_reason',
    'client_secret',
    'created',
    'description',
    'last_setup_error',
    'livemode',
    'next_action',
    'payment_method',
    'payment_method_types',
    'status',
    'usage',
  ],
} as const;

/**
 * An intent as the caller may see it: whole with a secret key; with a publishable key only what
 * Stripe.js sees (no customer, metadata, amounts received, Connect fields), as on Stripe.
 */
export function clientView<T extends object>(
  caller: Scope,
  intent: T,
  what: 'PaymentIntent' | 'SetupIntent',
): T {
  if (caller.credential.kind !== 'publishable') return intent;
  const out: Record<string, unknown> = {};
  for (const k of clientFields[what]) out[k] = (intent as Record<string, unknown>)[k] ?? null;
  return out as T;
}
