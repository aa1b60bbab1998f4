import type Stripe from 'stripe';

/**
 * Whether Stripe approves a card's authorization request before any real-time webhook is asked
 * (docs.stripe.com/issuing/purchases/authorizations): the card and its cardholder must be
 * active, and the request within the spending controls of both. Pure: what was already spent on
 * the card (or the cardholder's cards) is given, per spending limit.
 */

export type Decision =
  | { approved: true; reason: 'card_active' }
  | { approved: false; reason: 'card_inactive' | 'cardholder_inactive' | 'spending_controls' };

export interface SpendingRequest {
  amount: number;
  category: string;
}

type Controls = Pick<
  Stripe.Issuing.Card.SpendingControls,
  'allowed_categories' | 'blocked_categories' | 'spending_limits'
>;
export type SpendingLimit = Stripe.Issuing.Card.SpendingControls.SpendingLimit;

/** A limit applies to a request when it names no categories or names the request's. */
export const limitApplies = (limit: SpendingLimit, category: string) =>
  !limit.categories?.length || limit.categories.includes(category);

const DAY = 24 * 3600;

/**
 * Where a limit's interval started, in seconds (UTC: days at midnight, weeks on Sunday, months
 * and years on their first day); null for per_authorization, 0 for all_time.
 */
export function intervalStart(interval: SpendingLimit['interval'], nowSec: number): number | null {
  const day = Math.floor(nowSec / DAY) * DAY;
  const date = new Date(day * 1000);
  switch (interval) {
    case 'per_authorization':
      return null;
    case 'all_time':
      return 0;
    case 'daily':
      return day;
    case 'weekly':
      return day - date.getUTCDay() * DAY;
    case 'monthly':
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) / 1000;
    case 'yearly':
      return Date.UTC(date.getUTCFullYear(), 0, 1) / 1000;
    default:
      return 0;
  }
}

/** Whether the controls allow the request, given what each limit's interval already spent. */
export function withinControls(
  controls: Controls | null | undefined,
  request: SpendingRequest,
  spent: (limit: SpendingLimit) => number,
): boolean {
  if (!controls) return true;
  const { allowed_categories: allowed, blocked_categories: blocked } = controls;
  if (allowed?.length && !allowed.includes(request.category as never)) return false;
  if (blocked?.includes(request.category as never)) return false;
  return (controls.spending_limits ?? []).every(
    (limit) =>
      !limitApplies(limit, request.category) || spent(limit) + request.amount <= limit.amount,
  );
}

export function decide(
  card: Pick<Stripe.Issuing.Card, 'status' | 'spending_controls'>,
  cardholder: Pick<Stripe.Issuing.Cardholder, 'status' | 'spending_controls'>,
  request: SpendingRequest,
  spent: (limit: SpendingLimit) => number,
): Decision {
  if (card.status !== 'active') return { approved: false, reason: 'card_inactive' };
  if (cardholder.status !== 'active') return { approved: false, reason: 'cardholder_inactive' };
  const allowed =
    withinControls(card.spending_controls, request, spent) &&
    withinControls(cardholder.spending_controls as Controls | null, request, spent);
  return allowed
    ? { approved: true, reason: 'card_active' }
    : { approved: false, reason: 'spending_controls' };
}
