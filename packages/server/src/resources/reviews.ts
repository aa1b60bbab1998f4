import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import { effect, expandParam, listParams, range } from '../stripe/params.js';
import type { TestCard } from '../domain/test-instruments.js';
import type { RangeFilter } from '../storage/repositories/objects.js';
import type { WriteContext } from '../services/context.js';
import { emitEvent } from '../services/emit-event.js';
import {
  createObject,
  findObjectToChange,
  listVisible,
  parseData,
  requireObject,
  requireObjectToChange,
  saveObject,
} from './common.js';
import { get, post, type Resource } from './route.js';
import { listFilterTest } from './shared-params.js';

/**
 * Radar reviews (`prv_...`): a card payment Radar scores as elevated risk (Stripe's test card
 * `pm_card_riskLevelElevated`, 4000000000009235) succeeds, and Radar's review rule puts it in the
 * manual review queue: the charge's `outcome` says `manual_review`, its `review` (and its
 * PaymentIntent's) names an open review, and `review.opened` is sent. Approving the review
 * (`POST /v1/reviews/{id}/approve`) closes it with `approved`; refunding the charge closes it with
 * `refunded` (`refunded_as_fraud` with `reason=fraudulent`). Each close sends `review.closed`.
 */

/** The outcome Radar gives a payment it sends to manual review. */
export const reviewOutcome = {
  advice_code: null,
  network_advice_code: null,
  network_decline_code: null,
  network_status: 'approved_by_network',
  reason: 'elevated_risk_level',
  risk_level: 'elevated',
  risk_score: 74,
  seller_message:
    'Stripe evaluated this payment as having elevated risk, and placed it in your manual review queue.',
  type: 'manual_review',
} as Stripe.Charge.Outcome;

/**
 * Opens a review of a successful charge made with an elevated-risk card (`review.opened`), in the
 * charge's scope; returns the charge with its `review` set (the charge itself is not saved here).
 */
export async function reviewIfRisky(
  w: WriteContext,
  charge: Stripe.Charge,
  card: TestCard,
): Promise<Stripe.Charge> {
  if (card.risk !== 'elevated' || charge.status !== 'succeeded') return charge;
  const { id, data } = await createObject<Stripe.Review>(w, {
    type: 'review',
    prefix: 'prv',
    parentId: charge.id,
    data: (id, created) =>
      ({
        id,
        object: 'review',
        billing_zip: null,
        charge: charge.id,
        closed_reason: null,
        created,
        ip_address: null,
        ip_address_location: null,
        livemode: charge.livemode,
        open: true,
        opened_reason: 'rule',
        // A Charges API charge has none: the spec's review has no null payment_intent.
        ...(charge.payment_intent ? { payment_intent: charge.payment_intent } : {}),
        reason: 'rule',
        session: null,
      }) as Stripe.Review,
  });
  await emitEvent(w, { type: 'review.opened', object: data as never });
  return { ...charge, review: id };
}

type ClosedReason = NonNullable<Stripe.Review['closed_reason']>;

async function close(
  w: WriteContext,
  review: Stripe.Review,
  reason: ClosedReason,
): Promise<Stripe.Review> {
  const closed: Stripe.Review = { ...review, open: false, closed_reason: reason, reason };
  await saveObject(w.db, review.id, closed);
  await emitEvent(w, {
    type: 'review.closed',
    object: closed as never,
    previousAttributes: { open: true, closed_reason: null, reason: review.reason },
  });
  return closed;
}

/** A refund of a charge under review closes the review (`refunded`, or `refunded_as_fraud`). */
export async function closeReviewOnRefund(
  w: WriteContext,
  charge: Stripe.Charge,
  fraudulent: boolean,
): Promise<void> {
  if (!charge.review) return;
  const row = await findObjectToChange(w, charge.review as string);
  if (!row) return;
  const review = parseData<Stripe.Review>(row);
  if (review.open) await close(w, review, fraudulent ? 'refunded_as_fraud' : 'refunded');
}

export const reviews: Resource = {
  name: 'reviews',
  routes: [
    get('/v1/reviews/:id', expandParam, async ({ db, caller, path }) =>
      parseData(await requireObject(db, caller, 'review', path.id!)),
    ),

    post('/v1/reviews/:id/approve', expandParam, async ({ w, caller, path }) => {
      const review = parseData<Stripe.Review>(
        await requireObjectToChange(w, caller, 'review', path.id!),
      );
      if (!review.open)
        throw errors.invalidRequest(
          `This review has already been closed (${review.closed_reason ?? review.reason}): only an open review can be approved.`,
        );
      return close(w, review, 'approved');
    }),

    // Stripe lists the open reviews only.
    get(
      '/v1/reviews',
      { ...listParams, created: effect(range(), listFilterTest) },
      async ({ services, caller, params, url }) =>
        listVisible(
          services.dialect,
          caller,
          url,
          {
            type: 'review',
            matches: { open: true },
            created: params.created as RangeFilter | undefined,
          },
          params,
        ),
    ),
  ],
};
