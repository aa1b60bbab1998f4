import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import {
  applyMetadata,
  array,
  effect,
  expandParam,
  integer,
  listParams,
  metadata,
  nullableString,
  oneOf,
  refused,
  required,
  string,
  type Field,
} from '../stripe/params.js';
import { del, get, post, type Caller, type Resource, type Route } from './route.js';
import { bankTokens, testCard } from '../domain/test-instruments.js';
import { previousAttributes } from '../domain/event-body.js';
import type { WriteContext } from '../services/context.js';
import { emitEvent } from '../services/emit-event.js';
import type { ObjectRow } from '../storage/repositories/objects.js';
import { requireChild } from '../scope/finders.js';
import {
  createObject,
  deleteObject,
  pageOf,
  parseData,
  requireObject,
  requireObjectToChange,
  saveObject,
} from './common.js';
import { defaultExpiry } from './payment-methods.js';
import { bankAccountObject, cardObject, checkExpiry, consumeToken } from './tokens.js';

/**
 * A customer's sources as the Charges API has them: cards (`card_...`, saved from a card token:
 * `tok_visa`, or one made with `/v1/tokens`) and ACH bank accounts (`ba_...`, from a bank account
 * token: `btok_us`, or one made with `/v1/tokens`), saved by `customers.create`/`update` with
 * `source` or `POST /v1/customers/{id}/sources`, as on Stripe; the first becomes the customer's
 * `default_source`, which charges with `customer` and no `source` use. The older paths
 * `/cards` and `/bank_accounts` serve the same sources, each of its own type. A bank account is
 * `new` until verified with Stripe's test microdeposits (32 and 45 cents), then `verified`
 * (`btok_us_verified` is verified at once). Events: `customer.source.created`, `.updated`,
 * `.deleted` on the customer's account, and `customer.updated` when `default_source` changes.
 */

export const sourcesTest =
  "a customer's cards: source on create and update, default_source, /sources";
export const bankSourcesTest =
  "a customer's bank accounts: saved from btok_us, verified with microdeposits 32 and 45, listed apart from cards";

type SourceKind = 'card' | 'bank_account';
export type CustomerSource = Stripe.Card | Stripe.BankAccount;

/** Stripe's test microdeposits: what `verify` takes for any bank account in test mode. */
const MICRODEPOSITS = [32, 45];

/** Stripe's error for a source that is not one of the customer's (of the path's type). */
const notLinked = (customer: string, id: string, param: string) =>
  errors.invalidRequest(
    `Customer ${customer} does not have a linked source with ID ${id}.`,
    param,
    'missing',
  );

/** A card token's card, saved on `customer`; one that declines is refused, as Stripe checks it. */
async function savedCard(
  w: WriteContext,
  scope: Caller,
  customer: string,
  source: string,
  param: string,
): Promise<{ data: Stripe.Card; internal: object }> {
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
  const card = token.object ?? cardObject(w, instrument, defaultExpiry(w.now), null);
  return { data: { ...card, customer } as Stripe.Card, internal: { instrument } };
}

/** A bank account token's account, saved on `customer`: `new` until verified. */
async function savedBankAccount(
  w: WriteContext,
  scope: Caller,
  customer: string,
  source: string,
  param: string,
): Promise<{ data: Stripe.BankAccount; internal: object }> {
  const bank = (await consumeToken(w, scope, source, 'bank_account', param)).bank!;
  const verified = source.startsWith('btok_us_verified') && bankTokens[source] !== undefined;
  const account = bankAccountObject(w, bank);
  return {
    data: { ...account, customer, status: verified ? 'verified' : 'new' } as Stripe.BankAccount,
    internal: { bank },
  };
}

/**
 * Saves the card or bank account a token stands for on `customer` (no event: the caller sends
 * `customer.source.created` once the customer is saved).
 */
export async function saveCustomerSource(
  w: WriteContext,
  scope: Caller,
  customer: string,
  source: string,
  param = 'source',
  meta?: Parameters<typeof applyMetadata>[1],
): Promise<CustomerSource> {
  const saved = source.startsWith('tok_')
    ? await savedCard(w, scope, customer, source, param)
    : source.startsWith('btok_')
      ? await savedBankAccount(w, scope, customer, source, param)
      : null;
  if (!saved)
    throw errors.invalidRequest(
      `The source ${source} cannot be saved on a customer: give a card token (tok_visa, or one made with /v1/tokens) or a bank account token (btok_us).`,
      param,
    );
  const data = { ...saved.data, metadata: applyMetadata({}, meta) } as CustomerSource;
  await createObject(w, {
    type: data.object,
    id: data.id,
    data: () => data,
    parentId: customer,
    internal: saved.internal,
  });
  return data;
}

/** One of the customer's sources of `kinds` (locked in a write), or Stripe's error naming `param`. */
async function customerSource(
  db: WriteContext['db'],
  scope: Caller,
  customer: ObjectRow,
  id: string,
  param: string,
  kinds: readonly SourceKind[] = ['card', 'bank_account'],
  lock?: WriteContext,
): Promise<ObjectRow> {
  return requireChild(db, scope, customer, kinds, id, { label: 'source', lock }).catch(() => {
    throw notLinked(customer.id, id, param);
  });
}

/** `default_source` given on update: one of the customer's sources. */
export async function checkDefaultSource(
  w: WriteContext,
  scope: Caller,
  customer: ObjectRow,
  id: string,
): Promise<void> {
  await customerSource(w.db, scope, customer, id, 'default_source');
}

/**
 * `source` on update: the new source replaces the default source, which is deleted, as Stripe
 * documents it (`customer.source.deleted`, then `customer.source.created` after the caller saves
 * the customer).
 */
export async function replaceDefaultSource(
  w: WriteContext,
  scope: Caller,
  customer: ObjectRow,
  source: string,
): Promise<CustomerSource> {
  const before = parseData<Stripe.Customer>(customer);
  const saved = await saveCustomerSource(w, scope, before.id, source);
  if (typeof before.default_source === 'string') {
    const old = await customerSource(w.db, scope, customer, before.default_source, 'source').catch(
      () => null,
    );
    if (old) {
      await deleteObject(w.db, old.id);
      await emitEvent(w, { type: 'customer.source.deleted', object: parseData(old) });
    }
  }
  return saved;
}

/** A card's expiry month or year, which the spec types as a string: digits only, as on Stripe. */
function whole(value: string, param: string): number {
  if (!/^\d{1,4}$/.test(value.trim()))
    throw errors.invalidRequest(`Invalid integer: ${value}`, param);
  return Number(value);
}

/** The customer of the path, for the sources routes (locked until the write commits, in one). */
const customerOf = (db: WriteContext['db'], scope: Caller, id: string, lock?: WriteContext) =>
  lock
    ? requireObjectToChange(lock, scope, 'customer', id, 'customer', 'customer')
    : requireObject(db, scope, 'customer', id, 'customer', 'customer');

const cardFields = [
  'address_city',
  'address_country',
  'address_line1',
  'address_line2',
  'address_state',
  'address_zip',
  'name',
] as const;
const bankFields = ['account_holder_name', 'account_holder_type'] as const;

/**
 * What an update takes on a path of `kinds`: a card's fields where cards are, a bank account's
 * where bank accounts are (on `/sources`, the other's are refused by the source's type).
 */
function updateParams(kinds: readonly SourceKind[]) {
  const cards = kinds.includes('card');
  const banks = kinds.includes('bank_account');
  const card = <T>(f: Field<T, false>) => (cards ? f : refused('a bank account has no such field'));
  const bank = <T>(f: Field<T, false>) => (banks ? f : refused('a card has no such field'));
  return {
    address_city: card(nullableString()),
    address_country: card(nullableString()),
    address_line1: card(nullableString()),
    address_line2: card(nullableString()),
    address_state: card(nullableString()),
    address_zip: card(nullableString()),
    exp_month: card(string()),
    exp_year: card(string()),
    name: card(nullableString()),
    account_holder_name: bank(nullableString()),
    account_holder_type: bank(oneOf(['individual', 'company'] as const)),
    metadata: metadata(),
    owner: refused('Sources (src_...) are not modelled, only cards and bank accounts'),
    ...expandParam,
  };
}

type UpdateParams = Partial<
  Record<(typeof cardFields)[number] | (typeof bankFields)[number], unknown>
> & {
  exp_month?: string | undefined;
  exp_year?: string | undefined;
};

/** A source with the update's fields: a card's or a bank account's, the other's refused. */
function updated(before: CustomerSource, params: UpdateParams, now: number): CustomerSource {
  const own: readonly string[] = before.object === 'card' ? cardFields : bankFields;
  const other =
    before.object === 'card' ? [...bankFields] : [...cardFields, 'exp_month', 'exp_year'];
  for (const key of other)
    if ((params as Record<string, unknown>)[key] !== undefined)
      throw errors.parameterNotSupported(
        key,
        before.object === 'card'
          ? 'a card has no such field; bank accounts do'
          : 'a bank account has no such field; cards do',
      );
  const after = { ...before } as Record<string, unknown>;
  if (before.object === 'card' && (params.exp_month !== undefined || params.exp_year !== undefined))
    Object.assign(
      after,
      checkExpiry(
        whole(params.exp_month ?? String(before.exp_month), 'exp_month'),
        whole(params.exp_year ?? String(before.exp_year), 'exp_year'),
        now,
        'card',
      ),
    );
  for (const key of own)
    if ((params as Record<string, unknown>)[key] !== undefined)
      after[key] = (params as Record<string, unknown>)[key];
  return after as unknown as CustomerSource;
}

/** Saves a changed source and sends `customer.source.updated` (nothing when nothing changed). */
async function saveSource(
  w: WriteContext,
  row: ObjectRow,
  before: CustomerSource,
  after: CustomerSource,
): Promise<CustomerSource> {
  const previous = previousAttributes(before as never, after as never);
  if (!previous) return before;
  await saveObject(w.db, row.id, after);
  await emitEvent(w, {
    type: 'customer.source.updated',
    object: after as never,
    previousAttributes: previous,
  });
  return after;
}

/**
 * The routes of one of a customer's source collections: `/sources` (cards and bank accounts),
 * `/cards` or `/bank_accounts` (their own type only, as on Stripe). One implementation for the
 * three paths.
 */
function sourceRoutes(collection: string, kinds: readonly SourceKind[]): Route[] {
  const base = `/v1/customers/:customer/${collection}`;
  const listFilter: Record<string, Field<unknown>> = collection === 'sources'
    ? { object: effect(oneOf(['card', 'bank_account', 'source'] as const), sourcesTest) }
    : {};
  return [
    post(
      base,
      {
        source: required(effect(string(), sourcesTest)),
        metadata: metadata(),
        ...(collection === 'sources'
          ? { validate: refused('cards are checked as Stripe checks them when saved') }
          : {}),
        alipay_account: refused('Alipay accounts are not modelled'),
        bank_account: refused(
          'give a bank account token as source (btok_us, or one made with /v1/tokens)',
        ),
        card: refused('give a card token as source (tok_visa, or one made with /v1/tokens)'),
        ...expandParam,
      },
      async ({ w, caller, path, params }) => {
        const row = await customerOf(w.db, caller, path.customer!, w);
        const before = parseData<Stripe.Customer>(row);
        const saved = await saveCustomerSource(
          w,
          caller,
          before.id,
          params.source,
          'source',
          params.metadata,
        );
        await emitEvent(w, { type: 'customer.source.created', object: saved as never });
        // The first source becomes the default source.
        if (before.default_source === null) {
          const after = { ...before, default_source: saved.id };
          await saveObject(w.db, row.id, after);
          await emitEvent(w, {
            type: 'customer.updated',
            object: after as never,
            previousAttributes: { default_source: null },
          });
        }
        return saved;
      },
    ),

    get(base, { ...listParams, ...listFilter }, async ({ db, caller, path, params, url }) => {
      const customer = await customerOf(db, caller, path.customer!);
      const object = (params as { object?: string }).object;
      // Sources of the Sources API (`object=source`) are not modelled: their list is empty.
      const types = object === undefined ? kinds : kinds.filter((k) => k === object);
      const rows = await listSources(db, customer, types);
      return pageOf(
        rows.map((r) => parseData<CustomerSource>(r)),
        params,
        url,
        'source',
      );
    }),

    get(`${base}/:id`, expandParam, async ({ db, caller, path }) => {
      const customer = await customerOf(db, caller, path.customer!);
      return parseData(await customerSource(db, caller, customer, path.id!, 'id', kinds));
    }),

    post(`${base}/:id`, updateParams(kinds), async ({ w, caller, path, params }) => {
      const customer = await customerOf(w.db, caller, path.customer!);
      const row = await customerSource(w.db, caller, customer, path.id!, 'id', kinds, w);
      const before = parseData<CustomerSource>(row);
      const after = updated(before, params, w.now);
      after.metadata = applyMetadata(before.metadata ?? {}, params.metadata);
      return saveSource(w, row, before, after);
    }),

    del(`${base}/:id`, expandParam, async ({ w, caller, path }) => {
      const customerRow = await customerOf(w.db, caller, path.customer!, w);
      const row = await customerSource(w.db, caller, customerRow, path.id!, 'id', kinds, w);
      const source = parseData<CustomerSource>(row);
      await deleteObject(w.db, row.id);
      await emitEvent(w, { type: 'customer.source.deleted', object: source as never });
      // Deleting the default source makes the newest remaining source the default (none left:
      // null), as on Stripe.
      const customer = parseData<Stripe.Customer>(customerRow);
      if (customer.default_source === source.id) {
        const left = await listSources(w.db, customerRow, ['card', 'bank_account']);
        const after = { ...customer, default_source: left[0]?.id ?? null };
        await saveObject(w.db, customerRow.id, after);
        await emitEvent(w, {
          type: 'customer.updated',
          object: after as never,
          previousAttributes: { default_source: source.id },
        });
      }
      return { id: source.id, object: source.object, deleted: true };
    }),
  ];
}

/** A customer's sources of `types`, newest first (a customer has a few). */
function listSources(db: WriteContext['db'], customer: ObjectRow, types: readonly SourceKind[]) {
  if (types.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('objects')
    .selectAll()
    .where('parent_id', '=', customer.id)
    .where('livemode', '=', customer.livemode)
    .where('deleted', '=', 0)
    .where('type', 'in', types)
    .orderBy('seq', 'desc')
    .execute();
}

/**
 * `POST .../{id}/verify`: a bank account's microdeposits. In test mode they are always 32 and 45
 * cents (in either order); other amounts answer Stripe's `bank_account_verification_failed`.
 */
function verifyRoute(collection: string): Route {
  return post(
    `/v1/customers/:customer/${collection}/:id/verify`,
    { amounts: effect(array(integer()), bankSourcesTest), ...expandParam },
    async ({ w, caller, path, params }) => {
      const customer = await customerOf(w.db, caller, path.customer!);
      const row = await customerSource(w.db, caller, customer, path.id!, 'id', ['bank_account'], w);
      const before = parseData<Stripe.BankAccount>(row);
      if (before.status === 'verified')
        throw errors.invalidRequest('This bank account has already been verified.', 'id');
      const amounts = [...(params.amounts ?? [])].sort((a, b) => a - b);
      if (amounts.length !== 2)
        throw errors.invalidRequest(
          'Two microdeposit amounts are required to verify a bank account: amounts[]=32&amounts[]=45 in test mode.',
          'amounts',
        );
      if (amounts.some((a, i) => a !== MICRODEPOSITS[i]))
        throw errors.invalidRequest(
          'The amounts provided do not match the amounts that were sent to the bank account.',
          'amounts',
          'bank_account_verification_failed',
        );
      return saveSource(w, row, before, { ...before, status: 'verified' });
    },
  );
}

export const customerSources: Resource = {
  name: 'customer_sources',
  routes: [
    ...sourceRoutes('sources', ['card', 'bank_account']),
    ...sourceRoutes('cards', ['card']),
    ...sourceRoutes('bank_accounts', ['bank_account']),
    verifyRoute('sources'),
    verifyRoute('bank_accounts'),
  ],
};
