import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import {
  applyMetadata,
  effect,
  expandParam,
  integer,
  metadata,
  object,
  oneOf,
  required,
  string,
} from '../stripe/params.js';
import { previousAttributes } from '../domain/event-body.js';
import type { TestCard } from '../domain/test-instruments.js';
import { emitEvent } from '../services/emit-event.js';
import { parseData, parseInternal, requireObjectToChange, saveObject } from './common.js';
import type { ChargeInternal } from './charges.js';
import { post, type Resource } from './route.js';

/**
 * Incremental authorization of card payments, as Stripe's test mode does it: a PaymentIntent made
 * with `capture_method=manual` and `payment_method_options[card][request_incremental_authorization]
 * =if_available` gets a charge whose `payment_method_details.card.incremental_authorization.status`
 * is `available` when the card's network supports it (Visa, Mastercard, American Express,
 * Discover); while the intent is `requires_capture`, `POST /v1/payment_intents/{id}/
 * increment_authorization` raises the authorized amount, up to 10 times (declines included, on
 * Stripe). Capturing then takes up to the new amount.
 */
export const incrementTest =
  'an authorization with incremental authorization available is raised, then captured in full';

/** The test card networks that support incremental authorization of card-not-present payments. */
const incrementable = new Set(['visa', 'mastercard', 'amex', 'discover']);

/** The most increments Stripe allows on one PaymentIntent. */
const maxIncrements = 10;

export const requestIncrementalAuthorization = oneOf(['if_available', 'never'] as const);

/**
 * Whether an authorization may be incremented, as its charge's card details show it: only when
 * asked for (`if_available`) on a payment captured later.
 */
export function withIncrementalAuthorization(
  pi: Stripe.PaymentIntent,
  charge: Stripe.Charge,
  card: TestCard,
): Stripe.Charge {
  const options = pi.payment_method_options?.card as
    { request_incremental_authorization?: string } | undefined;
  const details = charge.payment_method_details?.card;
  if (options?.request_incremental_authorization !== 'if_available' || !details) return charge;
  const available = pi.capture_method === 'manual' && incrementable.has(card.brand);
  return {
    ...charge,
    payment_method_details: {
      ...charge.payment_method_details!,
      card: {
        ...details,
        incremental_authorization: { status: available ? 'available' : 'unavailable' },
      } as Stripe.Charge.PaymentMethodDetails.Card,
    },
  };
}

interface IncrementInternal extends ChargeInternal {
  /** Increments tried on this authorization. */
  increments?: number;
}

export const incrementalAuthorizations: Resource = {
  name: 'payment_intents',
  routes: [
    post(
      '/v1/payment_intents/:id/increment_authorization',
      {
        amount: required(integer({ min: 1, max: 99_999_999 })),
        application_fee_amount: integer({ min: 0 }),
        description: string({ maxLength: 1000 }),
        metadata: metadata(),
        statement_descriptor: string({ maxLength: 22 }),
        transfer_data: object({ amount: effect(integer({ min: 0 }), incrementTest) }),
        ...expandParam,
      },
      async ({ w, caller, path, params }) => {
        const piRow = await requireObjectToChange(
          w,
          caller,
          'payment_intent',
          path.id!,
          'payment_intent',
        );
        const pi = parseData<Stripe.PaymentIntent>(piRow);
        if (pi.status !== 'requires_capture' || !pi.latest_charge)
          throw errors.invalidRequest(
            `This PaymentIntent's authorization could not be incremented because it has a status of ${pi.status}. Only a PaymentIntent with a status of requires_capture can be incremented.`,
            undefined,
            'payment_intent_unexpected_state',
          );
        const chargeRow = await requireObjectToChange(
          w,
          caller,
          'charge',
          pi.latest_charge as string,
        );
        const charge = parseData<Stripe.Charge>(chargeRow);
        const internal = parseInternal<IncrementInternal>(chargeRow);
        const support = (
          charge.payment_method_details?.card as
            { incremental_authorization?: { status: string } } | undefined
        )?.incremental_authorization?.status;
        if (support !== 'available')
          throw errors.invalidRequest(
            'This PaymentIntent is not eligible for incremental authorization: create it with capture_method=manual and payment_method_options[card][request_incremental_authorization]=if_available, with a card whose network supports it.',
          );
        if ((internal.increments ?? 0) >= maxIncrements)
          throw errors.invalidRequest(
            `This PaymentIntent has reached the maximum of ${maxIncrements} incremental authorization attempts.`,
            undefined,
            'payment_intent_unexpected_state',
          );
        if (params.amount <= pi.amount)
          throw errors.invalidRequest(
            `The amount (${params.amount}) must be greater than the currently authorized amount (${pi.amount}).`,
            'amount',
          );
        const fee = params.application_fee_amount ?? pi.application_fee_amount;
        if (fee !== null && fee !== undefined && fee > params.amount)
          throw errors.invalidRequest(
            `The application fee (${fee}) cannot be greater than the amount (${params.amount}).`,
            'application_fee_amount',
          );
        if (params.transfer_data?.amount !== undefined && !pi.transfer_data)
          throw errors.invalidRequest(
            'transfer_data[amount] can only be set on a PaymentIntent with transfer_data[destination].',
            'transfer_data[amount]',
          );
        const next: Stripe.PaymentIntent = {
          ...pi,
          amount: params.amount,
          amount_capturable: params.amount,
          application_fee_amount: fee ?? null,
          description: params.description ?? pi.description,
          metadata: applyMetadata(pi.metadata, params.metadata),
          statement_descriptor: params.statement_descriptor ?? pi.statement_descriptor,
          transfer_data:
            pi.transfer_data && params.transfer_data?.amount !== undefined
              ? { ...pi.transfer_data, amount: params.transfer_data.amount }
              : pi.transfer_data,
        };
        const card = charge.payment_method_details!.card!;
        const raised: Stripe.Charge = {
          ...charge,
          amount: params.amount,
          application_fee_amount: fee ?? null,
          payment_method_details: {
            ...charge.payment_method_details!,
            card: { ...card, amount_authorized: params.amount },
          },
        };
        await saveObject(w.db, charge.id, raised, {
          ...internal,
          increments: (internal.increments ?? 0) + 1,
        } satisfies IncrementInternal);
        await emitEvent(w, {
          type: 'charge.updated',
          object: raised as never,
          previousAttributes: previousAttributes(charge as never, raised as never),
        });
        await saveObject(w.db, pi.id, next);
        await emitEvent(w, {
          type: 'payment_intent.amount_capturable_updated',
          object: next as never,
          previousAttributes: previousAttributes(pi as never, next as never),
        });
        return next;
      },
    ),
  ],
};
