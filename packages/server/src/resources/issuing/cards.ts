import type Stripe from 'stripe';
import type { Kysely } from 'kysely';
import type { Dialect } from '../../storage/dialect.js';
import type { Database } from '../../storage/schema.js';
import { writeDialect, type WriteContext } from '../../services/context.js';
import { listOwnObjects } from '../../scope/finders.js';
import type { Scope } from '../../scope/scope.js';
import { errors } from '../../stripe/errors.js';
import { parseData, parseInternal, requireObject } from '../common.js';
import { labelOf } from '../plain/engine.js';
import {
  decide,
  intervalStart,
  limitApplies,
  type Decision,
  type SpendingLimit,
  type SpendingRequest,
} from './spending.js';

/** What an approved authorization holds against its card's spending limits. */
export interface AuthorizationInternal {
  spend: number;
}

/** An Issuing card of the caller's scope ("No such card"), with its cardholder as it is now. */
export async function requireCard(
  db: Kysely<Database>,
  scope: Scope,
  id: string,
  param = 'card',
): Promise<{ card: Stripe.Issuing.Card; cardholder: Stripe.Issuing.Cardholder }> {
  const card = parseData<Stripe.Issuing.Card>(
    await requireObject(db, scope, 'issuing.card', id, labelOf('issuing.card'), param),
  );
  const holderId = typeof card.cardholder === 'string' ? card.cardholder : card.cardholder.id;
  const cardholder = parseData<Stripe.Issuing.Cardholder>(
    await requireObject(db, scope, 'issuing.cardholder', holderId, 'cardholder', param),
  );
  return { card, cardholder };
}

/** A request in another currency than the card's: conversion is not modelled. */
export function cardCurrency(card: Stripe.Issuing.Card, currency: string | undefined): string {
  if (currency !== undefined && currency !== card.currency)
    throw errors.parameterNotSupported(
      'currency',
      `the card's currency is ${card.currency}: currency conversion is not modelled`,
    );
  return card.currency;
}

/**
 * What the approved authorizations of a card (or of all of a cardholder's cards) spent in the
 * limit's interval, in the limit's categories.
 */
async function spentIn(
  dialect: Dialect,
  scope: Scope,
  limit: SpendingLimit,
  matches: Record<string, unknown>,
  nowSec: number,
): Promise<number> {
  const since = intervalStart(limit.interval, nowSec);
  if (since === null) return 0;
  let total = 0;
  let after: string | undefined;
  for (;;) {
    const page = await listOwnObjects(
      dialect,
      scope,
      {
        type: 'issuing.authorization',
        matches: { ...matches, approved: true },
        created: { gte: since },
      },
      { limit: 100, starting_after: after },
    );
    for (const row of page.rows) {
      const auth = parseData<Stripe.Issuing.Authorization>(row);
      if (limitApplies(limit, auth.merchant_data.category))
        total += parseInternal<AuthorizationInternal>(row).spend ?? 0;
    }
    if (!page.hasMore || page.rows.length === 0) return total;
    after = page.rows.at(-1)!.id;
  }
}

/**
 * Stripe's decision on a request on the card, before any real-time webhook is asked; reads in
 * the request's transaction (on SQLite, another connection would wait for it to end).
 */
export async function decideRequest(
  w: WriteContext,
  scope: Scope,
  card: Stripe.Issuing.Card,
  cardholder: Stripe.Issuing.Cardholder,
  request: SpendingRequest,
  nowSec: number,
): Promise<Decision> {
  const sums = new Map<SpendingLimit, number>();
  const limits: Array<[SpendingLimit, Record<string, unknown>]> = [
    ...(card.spending_controls?.spending_limits ?? []).map(
      (l) => [l, { 'card.id': card.id }] as [SpendingLimit, Record<string, unknown>],
    ),
    ...(cardholder.spending_controls?.spending_limits ?? []).map(
      (l) => [l, { cardholder: cardholder.id }] as [SpendingLimit, Record<string, unknown>],
    ),
  ];
  const dialect = writeDialect(w);
  for (const [limit, matches] of limits)
    if (limitApplies(limit, request.category))
      sums.set(limit, await spentIn(dialect, scope, limit, matches, nowSec));
  return decide(card, cardholder, request, (limit) => sums.get(limit) ?? 0);
}
