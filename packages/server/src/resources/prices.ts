import type Stripe from 'stripe';
import {
  applyMetadata,
  array,
  boolean,
  effect,
  expandParam,
  listParams,
  object,
  oneOf,
  range,
  string,
} from '../stripe/params.js';
import { errors } from '../stripe/errors.js';
import { previousAttributes } from '../domain/event-body.js';
import { emitEvent } from '../services/emit-event.js';
import { get, post, type Resource } from './route.js';
import { listFilterTest } from './shared-params.js';
import {
  claimLookupKey,
  currency,
  insertPrice,
  insertProduct,
  interval,
  priceCreateParams,
  priceUpdateParams,
  requireProduct,
} from './product-model.js';
import {
  listVisible,
  parseData,
  requireObject,
  requireObjectToChange,
  saveObject,
} from './common.js';
import { searchRoute } from './search.js';

/**
 * Prices: per-unit amounts of a product, one-time or recurring. A price is never deleted through
 * the API, only archived (`active=false`); only `active`, `lookup_key`, `nickname`, `metadata` and
 * `tax_behavior` change after creation, as on Stripe. Tiered prices, per-currency amounts and
 * customer-chosen amounts are not modelled: refused by name.
 */
export const prices: Resource = {
  name: 'prices',
  routes: [
    // The fields Stripe documents as searchable for prices (metadata too).
    searchRoute('prices', 'price', {
      active: 'boolean',
      currency: 'string',
      lookup_key: 'string',
      product: 'token',
      type: 'string',
    }),
    post('/v1/prices', priceCreateParams, async ({ w, caller, params }) => {
      const { product_data: productData, product: productId, ...rest } = params;
      if (productData && productId !== undefined)
        throw errors.parametersExclusive('product', 'product_data');
      let product: string;
      if (productData) product = (await insertProduct(w, caller, productData)).id;
      else if (productId !== undefined) product = (await requireProduct(w, caller, productId)).id;
      else throw errors.parameterMissing('product');
      return insertPrice(w, caller, { ...rest, product });
    }),

    get('/v1/prices/:id', expandParam, async ({ db, caller, path }) =>
      parseData(await requireObject(db, caller, 'price', path.id!)),
    ),

    post('/v1/prices/:id', priceUpdateParams, async ({ w, caller, path, params }) => {
      const row = await requireObjectToChange(w, caller, 'price', path.id!);
      const before = parseData<Stripe.Price>(row);
      if (params.lookup_key)
        await claimLookupKey(
          w,
          caller,
          params.lookup_key,
          params.transfer_lookup_key ?? false,
          before.id,
        );
      const after: Stripe.Price = {
        ...before,
        metadata: applyMetadata(before.metadata, params.metadata),
      };
      if (params.active !== undefined) after.active = params.active;
      if (params.lookup_key !== undefined) after.lookup_key = params.lookup_key;
      if (params.nickname !== undefined) after.nickname = params.nickname;
      if (params.tax_behavior !== undefined) after.tax_behavior = params.tax_behavior;
      const previous = previousAttributes(before as never, after as never);
      await saveObject(w.db, row.id, after);
      if (previous)
        await emitEvent(w, {
          type: 'price.updated',
          object: after as never,
          previousAttributes: previous,
        });
      return after;
    }),

    get(
      '/v1/prices',
      {
        ...listParams,
        active: effect(boolean(), listFilterTest),
        created: effect(range(), listFilterTest),
        currency: effect(currency, listFilterTest),
        lookup_keys: effect(array(string({ maxLength: 200 }), { max: 10 }), listFilterTest),
        product: effect(string(), listFilterTest),
        recurring: effect(
          object({ interval, usage_type: oneOf(['licensed', 'metered'] as const) }),
          listFilterTest,
        ),
        type: effect(oneOf(['one_time', 'recurring'] as const), listFilterTest),
      },
      async ({ services, caller, params, url }) => {
        const where: Record<string, string | boolean | string[]> = {};
        if (params.active !== undefined) where.active = params.active;
        if (params.currency !== undefined) where.currency = params.currency.toLowerCase();
        if (params.lookup_keys !== undefined) where.lookup_key = params.lookup_keys;
        if (params.type !== undefined) where.type = params.type;
        if (params.recurring?.interval !== undefined)
          where['recurring.interval'] = params.recurring.interval;
        if (params.recurring?.usage_type !== undefined)
          where['recurring.usage_type'] = params.recurring.usage_type;
        return listVisible(
          services.dialect,
          caller,
          url,
          { type: 'price', where, parentId: params.product, created: params.created },
          params,
          'price',
        );
      },
    ),
  ],
};
