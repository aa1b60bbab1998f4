import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import {
  applyMetadata,
  effect,
  expandParam,
  listParams,
  metadata,
  nullableString,
  oneOf,
  refused,
  required,
  string,
} from '../stripe/params.js';
import { del, get, post, type Caller, type Resource } from './route.js';
import { testCard } from '../domain/test-instruments.js';
import type { WriteContext } from '../services/context.js';
import { emitEvent } from '../services/emit-event.js';
import type { ObjectRow } from '../storage/repositories/objects.js';
import {
  createObject,
  deleteObject,
  listVisible,
  parseData,
  requireObject,
  requireObjectToChange,
  saveObject,
} from './common.js';
import { defaultExpiry } from './payment-methods.js';
import { cardObject, checkExpiry, consumeToken } from './tokens.js';

/**
 * A customer's cards as the Charges API's sources (`card_...`): saved from a card token
 * (`tok_visa`, or one made with `/v1/tokens`) by `customers.create`/`update` with `source` or
 * `POST /v1/customers/{id}/sources`, as on Stripe; the first becomes the customer's
 * `default_source`, which charges with `customer` and no `source` use. Events:
 * `customer.source.created`, `.updated`, `.deleted` on the customer's account, and
 * `customer.updated` when `default_source` changes.
 */

export const sourcesTest =
  "a customer's cards: source on create and update, default_source, /sources";

/** Stripe's error for a source that is not one of the customer's cards. */
const notLinked = (customer: string, id: string, param: string) =>
  errors.invalidRequest(
    `Customer ${customer} does not have a linked source with ID ${id}.`,
    param,
    'missing',
  );

/**
 * Saves the card a token stands for on `customer` (no event: the caller sends
 * `customer.source.created` once the customer is saved). A card that declines is refused, as
 * Stripe checks a card when it is saved.
 */
export async function saveCustomerCard(
  w: WriteContext,
  scope: Caller,
  customer: string,
  source: string,
  param = 'source',
  meta?: Parameters<typeof applyMetadata>[1],
): Promise<Stripe.Card> {
  if (!source.startsWith('tok_'))
    throw errors.invalidRequest(
      `The source ${source} cannot be saved on a customer: give a card token (tok_visa, or one made with /v1/tokens).`,
      param,
    );
  const token = await consumeToken(w, scope, source, 'card', param);
  const instrument = token.card!;
  const outcome = testCard(instrument)!;
  if (outcome.outcome.kind === 'declined' && !outcome.declinesOnlyCharges)
    throw errors.cardError(
      outcome.outcome.message,
      outcome.outcome.code,
      outcome.outcome.declineCode,
      { param },
    );
  // The token's card itself (with its id, expiry and name), as on Stripe; a test token's is new.
  const card = {
    ...(token.object ?? cardObject(w, instrument, defaultExpiry(w.now), null)),
    customer,
    metadata: applyMetadata({}, meta),
  } as Stripe.Card;
  await createObject(w, {
    type: 'card',
    id: card.id,
    data: () => card,
    parentId: customer,
    internal: { instrument },
  });
  return card;
}

/** One of the customer's saved cards, or Stripe's error naming `param`. */
async function customerCard(
  db: WriteContext['db'],
  scope: Caller,
  customer: string,
  id: string,
  param: string,
): Promise<ObjectRow> {
  const row = await requireObject(db, scope, 'card', id, 'source', param).catch(() => {
    throw notLinked(customer, id, param);
  });
  if (row.parent_id !== customer) throw notLinked(customer, id, param);
  return row;
}

/** `default_source` given on update: one of the customer's cards. */
export async function checkDefaultSource(
  w: WriteContext,
  scope: Caller,
  customer: string,
  id: string,
): Promise<void> {
  await customerCard(w.db, scope, customer, id, 'default_source');
}

/**
 * `source` on update: the new card replaces the default source, which is deleted, as Stripe
 * documents it (`customer.source.deleted`, then `customer.source.created` after the caller saves
 * the customer).
 */
export async function replaceDefaultSource(
  w: WriteContext,
  scope: Caller,
  before: Stripe.Customer,
  source: string,
): Promise<Stripe.Card> {
  const card = await saveCustomerCard(w, scope, before.id, source);
  if (typeof before.default_source === 'string') {
    const old = await requireObjectToChange(w, scope, 'card', before.default_source).catch(
      () => null,
    );
    if (old) {
      await deleteObject(w.db, old.id);
      await emitEvent(w, { type: 'customer.source.deleted', object: parseData(old) });
    }
  }
  return card;
}

/** A card's expiry month or year, which the spec types as a string: digits only, as on Stripe. */
function whole(value: string, param: string): number {
  if (!/^\d{1,4}$/.test(value.trim()))
    throw errors.invalidRequest(`Invalid integer: ${value}`, param);
  return Number(value);
}

/** The customer of the path, for the sources routes. */
const customerOf = (db: WriteContext['db'], scope: Caller, id: string) =>
  requireObject(db, scope, 'customer', id, 'customer', 'customer');

const updateParams = {
  address_city: nullableString(),
  address_country: nullableString(),
  address_line1: nullableString(),
  address_line2: nullableString(),
  address_state: nullableString(),
  address_zip: nullableString(),
  exp_month: string(),
  exp_year: string(),
  metadata: metadata(),
  name: nullableString(),
  account_holder_name: refused('bank accounts are not saved on customers here, only cards'),
  account_holder_type: refused('bank accounts are not saved on customers here, only cards'),
  owner: refused('Sources (src_...) are not modelled, only cards'),
  ...expandParam,
};

export const customerSources: Resource = {
  name: 'customer_sources',
  routes: [
    post(
      '/v1/customers/:customer/sources',
      {
        source: required(effect(string(), sourcesTest)),
        metadata: metadata(),
        validate: refused('cards are checked as Stripe checks them when saved'),
        alipay_account: refused('Alipay accounts are not modelled'),
        bank_account: refused('bank accounts are not saved on customers here, only cards'),
        card: refused('give a card token as source (tok_visa, or one made with /v1/tokens)'),
        ...expandParam,
      },
      async ({ w, caller, path, params }) => {
        const row = await requireObjectToChange(
          w,
          caller,
          'customer',
          path.customer!,
          'customer',
          'customer',
        );
        const before = parseData<Stripe.Customer>(row);
        const card = await saveCustomerCard(
          w,
          caller,
          before.id,
          params.source,
          'source',
          params.metadata,
        );
        await emitEvent(w, { type: 'customer.source.created', object: card as never });
        // The first card becomes the default source.
        if (before.default_source === null) {
          const after = { ...before, default_source: card.id };
          await saveObject(w.db, row.id, after);
          await emitEvent(w, {
            type: 'customer.updated',
            object: after as never,
            previousAttributes: { default_source: null },
          });
        }
        return card;
      },
    ),

    get(
      '/v1/customers/:customer/sources',
      {
        ...listParams,
        object: effect(oneOf(['card', 'bank_account', 'source'] as const), sourcesTest),
      },
      async ({ services, caller, path, params, url }) => {
        const customer = await customerOf(services.dialect.db, caller, path.customer!);
        // Only cards are saved: a list of bank accounts or Sources is empty.
        const type = params.object === undefined || params.object === 'card' ? 'card' : 'none';
        return listVisible(
          services.dialect,
          caller,
          url,
          { type, parentId: customer.id },
          params,
          'source',
        );
      },
    ),

    get('/v1/customers/:customer/sources/:id', expandParam, async ({ db, caller, path }) => {
      const customer = await customerOf(db, caller, path.customer!);
      return parseData(await customerCard(db, caller, customer.id, path.id!, 'id'));
    }),

    post(
      '/v1/customers/:customer/sources/:id',
      updateParams,
      async ({ w, caller, path, params }) => {
        const customer = await customerOf(w.db, caller, path.customer!);
        await customerCard(w.db, caller, customer.id, path.id!, 'id');
        const row = await requireObjectToChange(w, caller, 'card', path.id!, 'source');
        const before = parseData<Stripe.Card>(row);
        const expiry =
          params.exp_month !== undefined || params.exp_year !== undefined
            ? checkExpiry(
                whole(params.exp_month ?? String(before.exp_month), 'exp_month'),
                whole(params.exp_year ?? String(before.exp_year), 'exp_year'),
                w.now,
                'card',
              )
            : { exp_month: before.exp_month, exp_year: before.exp_year };
        const after: Stripe.Card = { ...before, ...expiry };
        for (const key of [
          'address_city',
          'address_country',
          'address_line1',
          'address_line2',
          'address_state',
          'address_zip',
          'name',
        ] as const)
          if (params[key] !== undefined) after[key] = params[key];
        after.metadata = applyMetadata(before.metadata ?? {}, params.metadata);
        const previous: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(before))
          if (JSON.stringify(v) !== JSON.stringify((after as never)[k])) previous[k] = v;
        if (Object.keys(previous).length === 0) return before;
        await saveObject(w.db, row.id, after);
        await emitEvent(w, {
          type: 'customer.source.updated',
          object: after as never,
          previousAttributes: previous,
        });
        return after;
      },
    ),

    del('/v1/customers/:customer/sources/:id', expandParam, async ({ w, caller, path }) => {
      const customerRow = await requireObjectToChange(
        w,
        caller,
        'customer',
        path.customer!,
        'customer',
        'customer',
      );
      await customerCard(w.db, caller, customerRow.id, path.id!, 'id');
      const row = await requireObjectToChange(w, caller, 'card', path.id!, 'source');
      const card = parseData<Stripe.Card>(row);
      await deleteObject(w.db, row.id);
      await emitEvent(w, { type: 'customer.source.deleted', object: card as never });
      // Deleting the default source makes the newest remaining card the default (none left:
      // null), as on Stripe.
      const customer = parseData<Stripe.Customer>(customerRow);
      if (customer.default_source === card.id) {
        // Read in this write's transaction (another connection would wait for it on SQLite).
        const left = await listVisible<Stripe.Card>(
          { ...w.services.dialect, db: w.db },
          caller,
          '',
          { type: 'card', parentId: customer.id },
          { limit: 1 },
        );
        const after = { ...customer, default_source: left.data[0]?.id ?? null };
        await saveObject(w.db, customerRow.id, after);
        await emitEvent(w, {
          type: 'customer.updated',
          object: after as never,
          previousAttributes: { default_source: card.id },
        });
      }
      return { id: card.id, object: 'card', deleted: true } as Stripe.DeletedCard;
    }),
  ],
};
