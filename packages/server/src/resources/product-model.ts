import type Stripe from 'stripe';
import {
  applyMetadata,
  array,
  boolean,
  effect,
  expandParam,
  integer,
  metadata,
  nullableObject,
  nullableString,
  object,
  oneOf,
  required,
  string,
  type Parsed,
} from '../stripe/params.js';
import { errors } from '../stripe/errors.js';
import { listOwnObjects } from '../scope/finders.js';
import { emitEvent } from '../services/emit-event.js';
import { writeDialect, type WriteContext } from '../services/context.js';
import type { Scope } from '../scope/scope.js';
import {
  createObject,
  parseData,
  requireObject,
  requireObjectToChange,
  saveObject,
} from './common.js';

/**
 * The product catalogue's model, shared by products.ts, prices.ts and Checkout (which makes
 * products and prices from `price_data`): parameters, how they apply, and how objects are made.
 */

export const currency = string({ maxLength: 3 });
const taxBehavior = oneOf(['exclusive', 'inclusive', 'unspecified'] as const);
export const interval = oneOf(['day', 'week', 'month', 'year'] as const);

/** The test that checks what makes or moves other objects (product_data, lookup keys). */
const PRICES_TEST =
  'prices a product, filters prices and refuses to delete a product that has prices';

const recurringParams = object({
  interval: required(interval),
  interval_count: integer({ min: 1, max: 1095 }),
  usage_type: oneOf(['licensed', 'metered'] as const),
  trial_period_days: integer({ min: 0, max: 730 }),
});

/** What makes a price's amount: shared by /v1/prices, default_price_data and Checkout's price_data. */
export const priceDataParams = {
  currency: required(currency),
  unit_amount: integer({ min: 0, max: 99_999_999 }),
  unit_amount_decimal: string(),
  recurring: recurringParams,
  tax_behavior: taxBehavior,
  metadata: metadata(),
};

export const productDataParams = {
  name: required(string({ maxLength: 250 })),
  active: boolean(),
  metadata: metadata(),
  statement_descriptor: nullableString({ maxLength: 22 }),
  unit_label: nullableString({ maxLength: 12 }),
};

export const priceCreateParams = {
  ...priceDataParams,
  active: boolean(),
  billing_scheme: oneOf(['per_unit'] as const),
  lookup_key: string({ maxLength: 200 }),
  nickname: string(),
  product: string(),
  product_data: effect(object(productDataParams), PRICES_TEST),
  transfer_lookup_key: effect(boolean(), PRICES_TEST),
  transform_quantity: object({
    divide_by: required(integer({ min: 1 })),
    round: required(oneOf(['up', 'down'] as const)),
  }),
  ...expandParam,
};

export const priceUpdateParams = {
  active: boolean(),
  lookup_key: nullableString({ maxLength: 200 }),
  metadata: metadata(),
  nickname: nullableString(),
  tax_behavior: taxBehavior,
  transfer_lookup_key: effect(boolean(), PRICES_TEST),
  ...expandParam,
};

export type PriceData = Parsed<typeof priceDataParams> &
  Partial<
    Pick<
      Parsed<typeof priceCreateParams>,
      'active' | 'lookup_key' | 'nickname' | 'transform_quantity' | 'transfer_lookup_key'
    >
  > & { product: string };

/** A decimal string as the wire carries it (the package types it as its Decimal class). */
const decimal = (s: string) => s as unknown as Stripe.Price['unit_amount_decimal'];

/** The amount as Stripe reads it back: `unit_amount` and its decimal string, one from the other. */
function amounts(p: PriceData): Pick<Stripe.Price, 'unit_amount' | 'unit_amount_decimal'> {
  if (p.unit_amount !== undefined && p.unit_amount_decimal !== undefined)
    throw errors.parametersExclusive('unit_amount', 'unit_amount_decimal');
  if (p.unit_amount !== undefined)
    return { unit_amount: p.unit_amount, unit_amount_decimal: decimal(String(p.unit_amount)) };
  if (p.unit_amount_decimal !== undefined) {
    const n = Number(p.unit_amount_decimal);
    if (!/^\d+(\.\d{1,12})?$/.test(p.unit_amount_decimal) || !Number.isFinite(n))
      throw errors.parameterInvalid(
        'unit_amount_decimal',
        `Invalid decimal: ${p.unit_amount_decimal}`,
      );
    return {
      unit_amount: Number.isInteger(n) ? n : null,
      unit_amount_decimal: decimal(p.unit_amount_decimal),
    };
  }
  throw errors.parameterMissing('unit_amount');
}

/** Moves `lookup_key` from the price that holds it (`transfer_lookup_key`), or refuses a duplicate. */
export async function claimLookupKey(
  w: WriteContext,
  scope: Scope,
  key: string,
  transfer: boolean,
  selfId: string | null,
): Promise<void> {
  // Read in the write's transaction (SQLite's one connection is held by it).
  const holders = await listOwnObjects(
    writeDialect(w),
    scope,
    { type: 'price', where: { lookup_key: key } },
    { limit: 100 },
  );
  for (const held of holders.rows.map((r) => parseData<Stripe.Price>(r))) {
    if (held.id === selfId) continue;
    if (!transfer) {
      throw errors.invalidRequest(
        `A price (\`${held.id}\`) already uses that lookup key.`,
        'lookup_key',
        'lookup_key_already_used',
      );
    }
    const row = await requireObjectToChange(w, scope, 'price', held.id);
    const after = { ...held, lookup_key: null };
    await saveObject(w.db, row.id, after);
    await emitEvent(w, {
      type: 'price.updated',
      object: after as never,
      previousAttributes: { lookup_key: key },
    });
  }
}

/**
 * Stores a new price of `p.product` in the caller's scope. Emits price.created when `announce`
 * (Checkout's inline `price_data` prices are not announced, and are created archived).
 */
export async function insertPrice(
  w: WriteContext,
  scope: Scope,
  p: PriceData,
  options: { announce: boolean } = { announce: true },
): Promise<Stripe.Price> {
  const amount = amounts(p);
  if (p.lookup_key !== undefined)
    await claimLookupKey(w, scope, p.lookup_key, p.transfer_lookup_key ?? false, null);
  const { data } = await createObject<Stripe.Price>(w, {
    type: 'price',
    prefix: 'price',
    parentId: p.product,
    data: (id, created) => ({
      id,
      object: 'price',
      active: p.active ?? true,
      billing_scheme: 'per_unit',
      created,
      currency: p.currency.toLowerCase(),
      custom_unit_amount: null,
      livemode: w.livemode,
      lookup_key: p.lookup_key ?? null,
      metadata: applyMetadata({}, p.metadata),
      nickname: p.nickname ?? null,
      product: p.product,
      recurring: p.recurring
        ? {
            interval: p.recurring.interval,
            interval_count: p.recurring.interval_count ?? 1,
            meter: null,
            trial_period_days: p.recurring.trial_period_days ?? null,
            usage_type: p.recurring.usage_type ?? 'licensed',
          }
        : null,
      tax_behavior: p.tax_behavior ?? 'unspecified',
      tiers_mode: null,
      transform_quantity: p.transform_quantity ?? null,
      type: p.recurring ? 'recurring' : 'one_time',
      ...amount,
    }),
  });
  if (options.announce) await emitEvent(w, { type: 'price.created', object: data as never });
  return data;
}

/** A price of the caller's scope, or Stripe's "No such price" naming `param`. */
export async function requirePrice(
  w: WriteContext,
  scope: Scope,
  id: string,
  param = 'price',
): Promise<Stripe.Price> {
  return parseData(await requireObject(w.db, scope, 'price', id, 'price', param));
}

/** A price of the caller's scope that belongs to `productId` (a product's default price). */
export async function requirePriceOfProduct(
  w: WriteContext,
  scope: Scope,
  id: string,
  productId: string,
  param: string,
): Promise<Stripe.Price> {
  const price = await requirePrice(w, scope, id, param);
  if (price.product !== productId) {
    throw errors.invalidRequest(
      `The price \`${id}\` does not belong to the product \`${productId}\`.`,
      param,
    );
  }
  return price;
}

const packageDimensions = nullableObject({
  height: required(integer({ min: 0 })),
  length: required(integer({ min: 0 })),
  weight: required(integer({ min: 0 })),
  width: required(integer({ min: 0 })),
});

export const productWritable = {
  active: boolean(),
  description: nullableString({ maxLength: 40_000 }),
  images: array(string({ maxLength: 2048 }), { max: 8 }),
  marketing_features: array(object({ name: required(string({ maxLength: 80 })) }), { max: 15 }),
  metadata: metadata(),
  package_dimensions: packageDimensions,
  shippable: boolean(),
  statement_descriptor: nullableString({ maxLength: 22 }),
  unit_label: nullableString({ maxLength: 12 }),
  url: nullableString({ maxLength: 5000 }),
  ...expandParam,
};

export const productCreateParams = {
  ...productWritable,
  name: required(string({ maxLength: 250 })),
  type: oneOf(['good', 'service'] as const),
  default_price_data: effect(object(priceDataParams), PRICES_TEST),
};

export const productUpdateParams = {
  ...productWritable,
  name: string({ maxLength: 250 }),
  default_price: string(),
};

type ProductParams = Partial<Parsed<typeof productUpdateParams>> & { type?: 'good' | 'service' };

export function applyProductParams(
  product: Stripe.Product,
  p: ProductParams,
  now: number,
): Stripe.Product {
  const next: Stripe.Product = { ...product, updated: Math.floor(now / 1000) };
  if (p.active !== undefined) next.active = p.active;
  if (p.description !== undefined) next.description = p.description;
  if (p.images !== undefined) next.images = p.images;
  if (p.marketing_features !== undefined) next.marketing_features = p.marketing_features;
  if (p.name !== undefined) next.name = p.name;
  if (p.package_dimensions !== undefined) next.package_dimensions = p.package_dimensions;
  if (p.shippable !== undefined) next.shippable = p.shippable;
  if (p.statement_descriptor !== undefined) next.statement_descriptor = p.statement_descriptor;
  if (p.unit_label !== undefined) next.unit_label = p.unit_label;
  if (p.url !== undefined) next.url = p.url;
  if (p.type !== undefined) next.type = p.type;
  next.metadata = applyMetadata(product.metadata, p.metadata);
  return next;
}

/**
 * Stores a new product in the caller's scope (a product of its own, or one a price or a Checkout
 * Session makes from `product_data`). Emits product.created when `announce` (as a product made
 * through /v1/products or /v1/prices is; Checkout's inline ones are not).
 */
export async function insertProduct(
  w: WriteContext,
  scope: Scope,
  p: ProductParams & { name: string },
  options: { announce: boolean } = { announce: true },
): Promise<Stripe.Product> {
  const { data } = await createObject<Stripe.Product>(w, {
    type: 'product',
    prefix: 'prod',
    data: (id, created) =>
      applyProductParams(
        {
          id,
          object: 'product',
          active: true,
          created,
          default_price: null,
          description: null,
          // The 2023-08-16 name of marketing_features, which its schema still requires.
          ...({ features: [] } as object),
          images: [],
          livemode: w.livemode,
          marketing_features: [],
          metadata: {},
          name: p.name,
          package_dimensions: null,
          shippable: null,
          statement_descriptor: null,
          tax_code: null,
          tax_details: null,
          type: 'service',
          unit_label: null,
          updated: created,
          url: null,
        } as Stripe.Product,
        p,
        w.now,
      ),
  });
  if (options.announce) await emitEvent(w, { type: 'product.created', object: data as never });
  return data;
}

/** A product of the caller's scope, or Stripe's "No such product" naming `param`. */
export async function requireProduct(
  w: WriteContext,
  scope: Scope,
  id: string,
  param = 'product',
): Promise<Stripe.Product> {
  return parseData(await requireObject(w.db, scope, 'product', id, 'product', param));
}

export async function hasPrices(w: WriteContext, productId: string): Promise<boolean> {
  const row = await w.db
    .selectFrom('objects')
    .select('id')
    .where('parent_id', '=', productId)
    .where('type', '=', 'price')
    .where('deleted', '=', 0)
    .executeTakeFirst();
  return row !== undefined;
}
