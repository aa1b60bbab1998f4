import { currencyOfCountry } from '../domain/currencies.js';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import type Stripe from 'stripe';
import { errors, StripeError } from '../stripe/errors.js';
import {
  anything,
  applyMetadata,
  type MetadataPatch,
  boolean,
  effect,
  expandParam,
  integer,
  listParams,
  metadata,
  nullableString,
  oneOf,
  refused,
  required,
} from '../stripe/params.js';
import { aliasRoutes, del, get, post, type Caller, type Resource, type Route } from './route.js';
import { previousAttributes } from '../domain/event-body.js';
import { newId, randomToken } from '../domain/ids.js';
import {
  bankAccountOutcomes,
  bankTokens,
  debitCardTokens,
  testCard,
  type PayoutOutcome,
} from '../domain/test-instruments.js';
import type { WriteContext } from '../services/context.js';
import { emitEvent } from '../services/emit-event.js';
import type { ObjectRow } from '../storage/repositories/objects.js';
import { requireChild } from '../scope/finders.js';
import { isPlatformKey, serverScope, type Scope } from '../scope/scope.js';
import { consumeToken, type TokenInternal } from './tokens.js';
import { platformControls } from './account-model.js';
import {
  platformAccountRow,
  refreshAccount,
  requireAccount,
  requireAccountToChange,
} from './accounts.js';
import {
  createObject,
  deleteObject,
  findObjectToChange,
  pageOf,
  parseData,
  parseInternal,
  saveObject,
} from './common.js';
import { listFilterTest } from './shared-params.js';

/**
 * External accounts of a connected account: bank accounts (inline details or tokens such as
 * `btok_us`) and debit cards (`tok_visa_debit`), where payouts go. Events are sent only for
 * accounts the platform controls (Custom, Express, Standard with platform controls).
 */
export type ExternalAccount = Stripe.BankAccount | Stripe.Card;

export interface ExternalAccountInternal {
  /** What a payout to this external account does (Stripe's test numbers). */
  payout: PayoutOutcome;
}

/**
 * The account whose external accounts a request manages: a connected account, or the platform
 * itself (its own bank accounts, where its payouts go), rendered as an object row. Acting as
 * another connected account (Stripe-Account) acts for the platform, as for accounts themselves, so
 * that fixtures that create an account and then its bank account run with `trigger --stripe-account`.
 */
async function accountFor(db: WriteContext['db'], caller: Caller, id: string): Promise<ObjectRow> {
  if (id === caller.platform.id && isPlatformKey(caller))
    return platformAccountRow(caller.platform, caller.livemode);
  return requireAccount(db, caller, id, 'id');
}

/**
 * accountFor in a write that changes the account's external accounts: the account row is locked
 * until the write commits (requireAccountToChange), so that the writes to one account's external
 * accounts, and what syncAccount derives from them, go one at a time.
 */
async function accountToChange(w: WriteContext, caller: Caller, id: string): Promise<ObjectRow> {
  if (id === caller.platform.id && isPlatformKey(caller))
    return platformAccountRow(caller.platform, caller.livemode);
  return requireAccountToChange(w, caller, id);
}

function bankAccount(
  id: string,
  account: string,
  p: Record<string, unknown>,
  isDefault: boolean,
): { data: Stripe.BankAccount; payout: PayoutOutcome } {
  const number = String(p.account_number ?? '000123456789');
  const routing = String(p.routing_number ?? '110000000');
  const country = String(p.country ?? 'US').toUpperCase();
  if (!/^\d{4,17}$/.test(number))
    throw errors.parameterInvalid(
      'external_account[account_number]',
      'Invalid account number: it must be 4 to 17 digits.',
      'account_number_invalid',
    );
  return {
    data: {
      id,
      object: 'bank_account',
      account,
      account_holder_name: (p.account_holder_name as string | undefined) ?? null,
      account_holder_type:
        (p.account_holder_type as Stripe.BankAccount['account_holder_type'] | undefined) ?? null,
      account_type: null,
      available_payout_methods: ['standard', 'instant'],
      bank_name: 'STRIPE TEST BANK',
      country,
      currency: String(p.currency ?? currencyOfCountry(country)).toLowerCase(),
      default_for_currency: isDefault,
      fingerprint: randomToken(16),
      future_requirements: {
        currently_due: [],
        errors: [],
        past_due: [],
        pending_verification: [],
      },
      last4: number.slice(-4),
      metadata: {},
      requirements: { currently_due: [], errors: [], past_due: [], pending_verification: [] },
      routing_number: routing,
      status: 'new',
    } as unknown as Stripe.BankAccount,
    payout: bankAccountOutcomes[number] ?? { kind: 'paid' },
  };
}

function debitCard(
  id: string,
  account: string,
  token: string,
  created: number,
  isDefault: boolean,
): { data: Stripe.Card; payout: PayoutOutcome } {
  const known = debitCardTokens[token];
  if (!known) {
    const card = testCard(token);
    if (card && card.funding !== 'debit') {
      throw errors.invalidRequest(
        "This card doesn't appear to be a debit card. External accounts take debit cards only (e.g. tok_visa_debit).",
        'external_account',
        'invalid_card_type',
      );
    }
    throw errors.resourceMissing('token', token, 'external_account');
  }
  return {
    data: {
      id,
      object: 'card',
      account,
      address_city: null,
      address_country: null,
      address_line1: null,
      address_line1_check: null,
      address_line2: null,
      address_state: null,
      address_zip: null,
      address_zip_check: null,
      available_payout_methods: ['standard', 'instant'],
      brand: known.brand,
      country: 'US',
      currency: 'usd',
      cvc_check: null,
      default_for_currency: isDefault,
      dynamic_last4: null,
      exp_month: 12,
      exp_year: new Date(created * 1000).getUTCFullYear() + 3,
      fingerprint: randomToken(16),
      funding: 'debit',
      last4: known.last4,
      metadata: {},
      name: null,
      tokenization_method: null,
    } as unknown as Stripe.Card,
    payout: known.payout,
  };
}

/** Emits an external-account event if the platform controls the account. */
export async function emitExternalAccountEvent(
  w: WriteContext,
  accountRow: ObjectRow,
  type: 'created' | 'updated' | 'deleted',
  object: ExternalAccount,
  previous?: Record<string, unknown> | null,
): Promise<void> {
  const isPlatform = accountRow.id === w.platform.id;
  if (!isPlatform && !platformControls(parseData<Stripe.Account>(accountRow))) return;
  await emitEvent(w, {
    type: `account.external_account.${type}`,
    object: object as never,
    previousAttributes: previous ?? undefined,
    // The platform's own bank accounts are its own resources ("your account" scope).
    account: isPlatform ? null : accountRow.id,
    livemode: accountRow.livemode === 1,
  });
}

/** The ids of an account's external accounts (bank accounts and cards) in one mode. */
async function externalAccountIds(
  db: Kysely<Database>,
  accountId: string,
  livemode: boolean,
): Promise<string[]> {
  const rows = await db
    .selectFrom('objects')
    .select('id')
    .where('parent_id', '=', accountId)
    .where('deleted', '=', 0)
    .where('livemode', '=', livemode ? 1 : 0)
    .where('type', 'in', ['bank_account', 'card'])
    .execute();
  return rows.map((r) => r.id);
}

/** Keeps the account's `external_accounts` list and requirements in step with its external accounts. */
export async function syncAccount(
  w: WriteContext,
  accountId: string,
  change: { clearDisabled?: boolean } = {},
): Promise<void> {
  // The platform's own bank accounts have no account object to keep in step.
  if (accountId === w.platform.id) return;
  await refreshAccount(w, accountId, (internal) =>
    change.clearDisabled ? { ...internal, external_account_disabled: false } : internal,
  );
}

/** An external account of the account (locked until the write commits, in a write). */
function requireExternalAccount(
  db: WriteContext['db'],
  caller: Caller,
  account: ObjectRow,
  id: string,
  lock?: WriteContext,
): Promise<ObjectRow> {
  return requireChild(db, caller, account, ['bank_account', 'card'], id, {
    label: 'external account',
    lock,
  });
}

const updateParams = {
  account_holder_name: nullableString(),
  account_holder_type: oneOf(['individual', 'company'] as const),
  account_type: refused('bank account types are not modelled'),
  default_for_currency: boolean(),
  metadata: metadata(),
  exp_month: integer({ min: 1, max: 12 }),
  exp_year: integer(),
  name: nullableString(),
  address_city: nullableString(),
  address_country: nullableString(),
  address_line1: nullableString(),
  address_line2: nullableString(),
  address_state: nullableString(),
  address_zip: nullableString(),
  documents: refused('bank account documents are not modelled'),
  ...expandParam,
};

/** What a bank account takes on update; the rest is a card's. */
const bankAccountFields = ['account_holder_name', 'account_holder_type', 'default_for_currency'];

/**
 * A token made with /v1/tokens, used up: the caller's (a platform key, or the connected account
 * acted as), else the connected account's own (made with Stripe-Account by Stripe.js).
 */
async function madeToken(
  w: WriteContext,
  accountRow: ObjectRow,
  id: string,
  kind: 'card' | 'bank_account',
  scope: Scope | undefined,
): Promise<TokenInternal> {
  const param = 'external_account';
  const own = serverScope(w.platform, w.livemode, accountRow);
  if (!scope) return consumeToken(w, own, id, kind, param);
  try {
    return await consumeToken(w, scope, id, kind, param);
  } catch (e) {
    if (!(e instanceof StripeError) || e.body.code !== 'resource_missing') throw e;
    return consumeToken(w, own, id, kind, param);
  }
}

/**
 * Adds a bank account or debit card to an account (or to the platform itself), as
 * `POST /v1/accounts/:id/external_accounts` does: `externalAccount` is a token (`btok_us`,
 * `tok_visa_debit`) or bank account details. Emits `account.external_account.created` and keeps the
 * account's list and requirements in step.
 */
export async function addExternalAccount(
  w: WriteContext,
  accountRow: ObjectRow,
  options: {
    externalAccount: unknown;
    defaultForCurrency?: boolean | undefined;
    metadata?: MetadataPatch | undefined;
    /** Who asks: a token made with /v1/tokens is looked for in its scope, then the account's. */
    scope?: Scope | undefined;
  },
  { sync = true }: { sync?: boolean } = {},
): Promise<ExternalAccount> {
  const existing = await externalAccountIds(w.db, accountRow.id, w.livemode);
  const isDefault = existing.length === 0 || options.defaultForCurrency === true;
  const given = options.externalAccount;
  let built: { data: ExternalAccount; payout: PayoutOutcome };
  const created = Math.floor(w.now / 1000);
  if (typeof given === 'string') {
    const token = bankTokens[given];
    if (token)
      built = bankAccount(
        newId('ba', 24),
        accountRow.id,
        {
          account_number: token.accountNumber,
          country: token.country,
          currency: token.currency,
        },
        isDefault,
      );
    else if (given.startsWith('btok_'))
      built = bankAccount(
        newId('ba', 24),
        accountRow.id,
        { ...(await madeToken(w, accountRow, given, 'bank_account', options.scope)).bank! },
        isDefault,
      );
    else if (given.startsWith('tok_') && !debitCardTokens[given] && !testCard(given)) {
      // A card token made from a card number: a debit card behaves as its test token.
      const card = (await madeToken(w, accountRow, given, 'card', options.scope)).card!;
      built = debitCard(
        newId('card', 24),
        accountRow.id,
        `tok_${card.slice(8)}`,
        created,
        isDefault,
      );
    } else if (given.startsWith('tok_'))
      built = debitCard(newId('card', 24), accountRow.id, given, created, isDefault);
    else throw errors.resourceMissing('token', given, 'external_account');
  } else if (given && typeof given === 'object' && !Array.isArray(given)) {
    const p = given as Record<string, unknown>;
    if (p.object !== 'bank_account') {
      throw errors.parameterInvalid(
        'external_account[object]',
        'Invalid external_account[object]: must be bank_account (cards are added with a token such as tok_visa_debit).',
      );
    }
    built = bankAccount(newId('ba', 24), accountRow.id, p, isDefault);
  } else {
    throw errors.parameterInvalid(
      'external_account',
      'Invalid external_account: pass a token (btok_us, tok_visa_debit) or bank account details.',
    );
  }
  const data = {
    ...built.data,
    metadata: applyMetadata({}, options.metadata),
  } as ExternalAccount;
  await createObject(w, {
    type: data.object,
    id: data.id,
    accountId: null,
    parentId: accountRow.id,
    data: () => data,
    internal: { payout: built.payout } satisfies ExternalAccountInternal,
  });
  if (isDefault && existing.length > 0) {
    for (const id of existing) {
      const row = (await findObjectToChange(w, id))!;
      await saveObject(w.db, row.id, {
        ...parseData<ExternalAccount>(row),
        default_for_currency: false,
      });
    }
  }
  await emitExternalAccountEvent(w, accountRow, 'created', data);
  // An account being created or updated with `external_account` is re-derived once, at the end.
  if (sync) await syncAccount(w, accountRow.id);
  return data;
}

const externalAccountRoutes: Route[] = [
  post(
    '/v1/accounts/:id/external_accounts',
    {
      // A token (btok_us, tok_visa_debit) or bank account details.
      external_account: effect(
        required(anything()),
        'account.external_account.updated for a bank account and a debit card',
      ),
      default_for_currency: boolean(),
      metadata: metadata(),
      ...expandParam,
    },
    async ({ w, caller, path, params }) =>
      addExternalAccount(w, await accountToChange(w, caller, path.id!), {
        scope: caller,
        externalAccount: params.external_account,
        defaultForCurrency: params.default_for_currency,
        metadata: params.metadata,
      }),
  ),

  get('/v1/accounts/:id/external_accounts/:child', expandParam, async ({ db, caller, path }) => {
    const account = await accountFor(db, caller, path.id!);
    return parseData(await requireExternalAccount(db, caller, account, path.child!));
  }),

  post(
    '/v1/accounts/:id/external_accounts/:child',
    updateParams,
    async ({ w, caller, path, params }) => {
      const accountRow = await accountToChange(w, caller, path.id!);
      const row = await requireExternalAccount(w.db, caller, accountRow, path.child!, w);
      const before = parseData<ExternalAccount>(row);
      const next: Record<string, unknown> = { ...before };
      for (const [k, v] of Object.entries(params)) {
        if (k === 'metadata' || k === 'expand' || v === undefined) continue;
        if (before.object === 'bank_account' && !bankAccountFields.includes(k))
          throw errors.parameterNotSupported(k, 'a bank account has no such field; cards do');
        next[k] = v;
      }
      next.metadata = applyMetadata(before.metadata ?? {}, params.metadata);
      // Updating an external account that failed a payout re-enables it, as on Stripe.
      const wasErrored =
        before.object === 'bank_account'
          ? before.status === 'errored'
          : (before as { status?: string }).status === 'errored';
      if (wasErrored) next.status = before.object === 'bank_account' ? 'new' : undefined;
      const after = next as unknown as ExternalAccount;
      const previous = previousAttributes(before as never, after as never);
      await saveObject(w.db, row.id, after, parseInternal(row));
      if (previous) await emitExternalAccountEvent(w, accountRow, 'updated', after, previous);
      await syncAccount(w, accountRow.id, { clearDisabled: wasErrored });
      return after;
    },
  ),

  del('/v1/accounts/:id/external_accounts/:child', {}, async ({ w, caller, path }) => {
    const accountRow = await accountToChange(w, caller, path.id!);
    const row = await requireExternalAccount(w.db, caller, accountRow, path.child!, w);
    const data = parseData<ExternalAccount>(row);
    const others = (await externalAccountIds(w.db, accountRow.id, caller.livemode)).filter(
      (id) => id !== row.id,
    );
    // Stripe keeps the default external account of the account's default currency, and the
    // default of any currency while another external account is there to take its place.
    const defaultCurrency = parseData<{ default_currency?: string | null }>(
      accountRow,
    ).default_currency;
    if (data.default_for_currency && (others.length > 0 || data.currency === defaultCurrency)) {
      throw errors.invalidRequest(
        'You cannot delete the default external account for your default currency. Please make another external account the default using the `default_for_currency` param, and then delete this one.',
        'id',
      );
    }
    await deleteObject(w.db, row.id);
    await emitExternalAccountEvent(w, accountRow, 'deleted', data);
    await syncAccount(w, accountRow.id);
    return { id: row.id, object: data.object, deleted: true };
  }),

  get(
    '/v1/accounts/:id/external_accounts',
    { ...listParams, object: effect(oneOf(['bank_account', 'card'] as const), listFilterTest) },
    async ({ db, caller, path, params, url }) => {
      const account = await accountFor(db, caller, path.id!);
      const types = params.object ? [params.object] : ['bank_account', 'card'];
      const rows = await db
        .selectFrom('objects')
        .selectAll()
        .where('parent_id', '=', account.id)
        .where('deleted', '=', 0)
        .where('livemode', '=', caller.livemode ? 1 : 0)
        .where('type', 'in', types)
        .orderBy('seq', 'desc')
        .execute();
      const all = rows.map((r) => parseData<ExternalAccount>(r));
      return pageOf(all, params, url, 'external account');
    },
  ),
];

/**
 * External accounts, also under `/v1/accounts/{account}/bank_accounts`, Stripe's older name
 * (create, retrieve, update, delete: it has no list there).
 */
export const externalAccounts: Resource = {
  name: 'external_accounts',
  routes: [
    ...externalAccountRoutes,
    ...aliasRoutes(externalAccountRoutes, '/external_accounts', '/bank_accounts'),
  ],
};
