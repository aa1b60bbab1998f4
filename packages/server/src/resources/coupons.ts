import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import {
  applied,
  applyMetadata,
  effect,
  expandParam,
  listParams,
  metadata,
  object,
  range,
  refused,
  string,
} from '../stripe/params.js';
import { randomToken } from '../domain/ids.js';
import { emitEvent } from '../services/emit-event.js';
import { del, get, post, type Resource } from './route.js';
import { listFilterTest } from './shared-params.js';
import {
  createObject,
  deleteObject,
  listVisible,
  parseData,
  requireObject,
  requireObjectToChange,
  saveChanged,
} from './common.js';

const perCurrency = 'per-currency amounts (currency_options) are not modelled';

/**
 * Coupons: plain state (create, retrieve, update name and metadata, delete, list), checked as
 * Stripe checks them: percent_off or amount_off (with its currency), duration_in_months only for
 * a repeating duration. Redemptions are not modelled: times_redeemed stays 0.
 */
export const coupons: Resource = {
  name: 'coupons',
  routes: [
    post(
      '/v1/coupons',
      {
        id: string(),
        amount_off: applied<number>(),
        currency: applied<string>(),
        percent_off: applied<number>(),
        duration: applied<'forever' | 'once' | 'repeating'>(),
        duration_in_months: applied<number>(),
        max_redemptions: applied<number>(),
        redeem_by: applied<number>(),
        name: applied<string>(),
        metadata: metadata(),
        applies_to: object({ products: applied<string[]>() }),
        currency_options: refused(perCurrency),
        ...expandParam,
      },
      async ({ w, params }) => {
        const p = params;
        if ((p.percent_off === undefined) === (p.amount_off === undefined))
          throw errors.invalidRequest(
            'You must pass exactly one of percent_off or amount_off.',
            p.percent_off === undefined ? 'percent_off' : 'amount_off',
          );
        if (p.percent_off !== undefined && (p.percent_off <= 0 || p.percent_off > 100))
          throw errors.parameterInvalid('percent_off', 'Invalid percent_off: must be in (0, 100]');
        if (p.amount_off !== undefined && p.currency === undefined)
          throw errors.parameterMissing('currency');
        const duration = p.duration ?? 'once';
        if (duration === 'repeating' && p.duration_in_months === undefined)
          throw errors.parameterMissing('duration_in_months');
        if (duration !== 'repeating' && p.duration_in_months !== undefined)
          throw errors.invalidRequest(
            'duration_in_months applies only to a repeating duration.',
            'duration_in_months',
          );
        const { data } = await createObject<Stripe.Coupon>(w, {
          type: 'coupon',
          // Stripe makes an 8-character id unless one is given.
          id: p.id ?? randomToken(8).toUpperCase(),
          data: (id, created) =>
            ({
              id,
              object: 'coupon',
              amount_off: p.amount_off ?? null,
              ...(p.applies_to ? { applies_to: { products: p.applies_to.products ?? [] } } : {}),
              created,
              currency: p.currency ?? null,
              duration,
              duration_in_months: p.duration_in_months ?? null,
              livemode: w.livemode,
              max_redemptions: p.max_redemptions ?? null,
              metadata: applyMetadata({}, p.metadata),
              name: p.name ?? null,
              percent_off: p.percent_off ?? null,
              redeem_by: p.redeem_by ?? null,
              times_redeemed: 0,
              valid: true,
            }) as Stripe.Coupon,
        });
        await emitEvent(w, { type: 'coupon.created', object: data as never });
        return data;
      },
    ),

    get('/v1/coupons/:id', expandParam, async ({ db, caller, path }) =>
      parseData(await requireObject(db, caller, 'coupon', path.id!)),
    ),

    post(
      '/v1/coupons/:id',
      {
        name: applied<string>(),
        metadata: metadata(),
        currency_options: refused(perCurrency),
        ...expandParam,
      },
      async ({ w, caller, path, params }) => {
        const row = await requireObjectToChange(w, caller, 'coupon', path.id!);
        const before = parseData<Stripe.Coupon>(row);
        const after: Stripe.Coupon = {
          ...before,
          ...(params.name !== undefined ? { name: params.name } : {}),
          metadata: applyMetadata(before.metadata ?? {}, params.metadata),
        };
        return saveChanged(w, row.id, before, after, 'coupon.updated');
      },
    ),

    del('/v1/coupons/:id', {}, async ({ w, caller, path }) => {
      const row = await requireObjectToChange(w, caller, 'coupon', path.id!);
      await deleteObject(w.db, row.id);
      await emitEvent(w, { type: 'coupon.deleted', object: parseData(row) });
      return { id: row.id, object: 'coupon', deleted: true } satisfies Stripe.DeletedCoupon;
    }),

    get(
      '/v1/coupons',
      { ...listParams, created: effect(range(), listFilterTest) },
      async ({ services, caller, params, url }) =>
        listVisible(
          services.dialect,
          caller,
          url,
          { type: 'coupon', created: params.created },
          params,
          'coupon',
        ),
    ),
  ],
};
