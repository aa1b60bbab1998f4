import type Stripe from 'stripe';
import {
  array,
  boolean,
  effect,
  expandParam,
  listParams,
  oneOf,
  range,
  string,
} from '../stripe/params.js';
import { listFilterTest } from './shared-params.js';
import { errors } from '../stripe/errors.js';
import { previousAttributes } from '../domain/event-body.js';
import { emitEvent } from '../services/emit-event.js';
import { del, get, post, type Resource } from './route.js';
import {
  applyProductParams,
  hasPrices,
  insertPrice,
  insertProduct,
  productCreateParams,
  productUpdateParams,
  requirePriceOfProduct,
} from './product-model.js';
import {
  deleteObject,
  listVisible,
  parseData,
  requireObject,
  requireObjectToChange,
  saveObject,
} from './common.js';
import { searchRoute } from './search.js';

/**
 * Products: what a platform or a connected account sells, priced by prices (prices.ts), sold
 * through Checkout (checkout-sessions.ts). Archived with `active=false`; deleted only while no
 * price belongs to it, as on Stripe.
 */
export const products: Resource = {
  name: 'products',
  routes: [
    // The fields Stripe documents as searchable for products (metadata too).
    searchRoute('products', 'product', {
      active: 'boolean',
      description: 'string',
      name: 'string',
      shippable: 'boolean',
      url: 'string',
    }),
    post('/v1/products', productCreateParams, async ({ w, caller, params }) => {
      const { default_price_data: priceData, ...rest } = params;
      const quiet = { announce: false };
      let product = await insertProduct(w, caller, rest, quiet);
      const price = priceData
        ? await insertPrice(w, caller, { ...priceData, product: product.id }, quiet)
        : null;
      if (price) {
        product = { ...product, default_price: price.id };
        await saveObject(w.db, product.id, product);
      }
      await emitEvent(w, { type: 'product.created', object: product as never });
      if (price) await emitEvent(w, { type: 'price.created', object: price as never });
      return product;
    }),

    get('/v1/products/:id', expandParam, async ({ db, caller, path }) =>
      parseData(await requireObject(db, caller, 'product', path.id!)),
    ),

    post('/v1/products/:id', productUpdateParams, async ({ w, caller, path, params }) => {
      const row = await requireObjectToChange(w, caller, 'product', path.id!);
      const before = parseData<Stripe.Product>(row);
      const after = applyProductParams(before, params, w.now);
      if (params.default_price !== undefined) {
        await requirePriceOfProduct(w, caller, params.default_price, before.id, 'default_price');
        after.default_price = params.default_price;
      }
      const previous = previousAttributes(before as never, after as never);
      await saveObject(w.db, row.id, after);
      if (previous && Object.keys(previous).some((k) => k !== 'updated'))
        await emitEvent(w, {
          type: 'product.updated',
          object: after as never,
          previousAttributes: previous,
        });
      return after;
    }),

    del('/v1/products/:id', {}, async ({ w, caller, path }) => {
      const row = await requireObjectToChange(w, caller, 'product', path.id!);
      if (await hasPrices(w, row.id)) {
        throw errors.invalidRequest(
          'This product cannot be deleted because it has one or more user-created prices.',
          undefined,
          'product_has_prices',
        );
      }
      await deleteObject(w.db, row.id);
      await emitEvent(w, { type: 'product.deleted', object: parseData(row) });
      return { id: row.id, object: 'product', deleted: true } satisfies Stripe.DeletedProduct;
    }),

    get(
      '/v1/products',
      {
        ...listParams,
        active: effect(boolean(), listFilterTest),
        created: effect(range(), listFilterTest),
        ids: effect(array(string()), listFilterTest),
        shippable: effect(boolean(), listFilterTest),
        type: effect(oneOf(['good', 'service'] as const), listFilterTest),
        url: effect(string(), listFilterTest),
      },
      async ({ services, caller, params, url }) => {
        const where: Record<string, string | boolean | string[]> = {};
        if (params.active !== undefined) where.active = params.active;
        if (params.ids !== undefined) where.id = params.ids;
        if (params.shippable !== undefined) where.shippable = params.shippable;
        if (params.type !== undefined) where.type = params.type;
        if (params.url !== undefined) where.url = params.url;
        return listVisible(
          services.dialect,
          caller,
          url,
          { type: 'product', where, created: params.created },
          params,
          'product',
        );
      },
    ),
  ],
};
