import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import {
  anything,
  applyMetadata,
  booleanValue,
  expandParam,
  integer,
  listParams,
  metadata,
  nullableString,
  object,
  oneOf,
  range,
  string,
  type Parsed,
} from '../stripe/params.js';
import { del, get, post, type Resource } from './route.js';
import { previousAttributes } from '../domain/event-body.js';
import { newId } from '../domain/ids.js';
import type { WriteContext } from '../services/context.js';
import { emitEvent } from '../services/emit-event.js';
import type { PlatformRow } from '../storage/repositories/platforms.js';
import type { ObjectRow } from '../storage/repositories/objects.js';
import {
  newV1Account,
  controllerFor,
  defaultSettings,
  deriveStatus,
  hasDashboardAccess,
  typeFor,
  type AccountExtras,
  type AccountType,
} from './account-model.js';
import {
  createObject,
  deleteObject,
  findObjectToChange,
  listOf,
  parseData,
  parseInternal,
  saveObject,
} from './common.js';
import { addressParams, toAddress } from './shared-params.js';
import { findObject } from '../storage/repositories/objects.js';
import {
  DISCONNECTED,
  listAccounts,
  requireAccount as requireScopedAccount,
  requireAccountToChange as requireScopedAccountToChange,
} from '../scope/finders.js';
import { platformView, type Scope } from '../scope/scope.js';

/** What the API does not render about an account. */
export interface AccountInternal {
  external_accounts?: number;
  person_fields?: string[];
  external_account_disabled?: boolean;
  deauthorized?: boolean;
  rejected?: AccountExtras['rejected'];
}

const capabilityParams = anything();
const personLike = anything();

const updatable = {
  business_profile: object({
    mcc: nullableString(),
    name: nullableString(),
    product_description: nullableString(),
    support_address: object(addressParams),
    support_email: nullableString(),
    support_phone: nullableString(),
    support_url: nullableString(),
    url: nullableString(),
    annual_revenue: anything(),
    estimated_worker_count: integer(),
    minority_owned_business_designation: anything(),
  }),
  business_type: oneOf(['individual', 'company', 'non_profit', 'government_entity'] as const),
  capabilities: capabilityParams,
  company: personLike,
  individual: personLike,
  default_currency: string(),
  email: nullableString(),
  metadata: metadata(),
  tos_acceptance: object({
    date: integer(),
    ip: string(),
    user_agent: nullableString(),
    service_agreement: string(),
  }),
  settings: anything(),
  external_account: anything(),
  documents: anything(),
  groups: anything(),
  account_token: string(),
  ...expandParam,
};

const createParams = {
  ...updatable,
  type: oneOf(['standard', 'express', 'custom'] as const),
  controller: object({
    fees: object({ payer: oneOf(['account', 'application'] as const) }),
    losses: object({ payments: oneOf(['application', 'stripe'] as const) }),
    requirement_collection: oneOf(['application', 'stripe'] as const),
    stripe_dashboard: object({ type: oneOf(['express', 'full', 'none'] as const) }),
    application: anything(),
    dashboard: anything(),
  }),
  country: string({ maxLength: 2 }),
};

type Params = Record<string, unknown>;

/** `{a: {b: 'x'}}` -> ['prefix.a.b'] for the fields given. */
function flatten(value: unknown, prefix: string, out: Set<string>): Set<string> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, `${prefix}.${k}`, out);
  } else if (value !== '' && value !== undefined && value !== null) {
    out.add(prefix);
  }
  return out;
}

function extrasOf(internal: AccountInternal): AccountExtras {
  return {
    externalAccounts: internal.external_accounts ?? 0,
    personFields: new Set(internal.person_fields ?? []),
    externalAccountDisabled: internal.external_account_disabled ?? false,
    rejected: internal.rejected,
  };
}

/** Applies create/update parameters to an account (and its internal state), then re-derives status. */
export function applyAccountParams(
  a: Stripe.Account,
  internal: AccountInternal,
  p: Params,
): { account: Stripe.Account; internal: AccountInternal } {
  const next: Stripe.Account = { ...a };
  const nextInternal: AccountInternal = { ...internal };
  if (p.business_profile) {
    const bp = p.business_profile as Record<string, unknown>;
    next.business_profile = {
      ...a.business_profile!,
      ...Object.fromEntries(Object.entries(bp).filter(([k]) => k !== 'support_address')),
      ...(bp.support_address ? { support_address: toAddress(bp.support_address as never) } : {}),
    } as Stripe.Account.BusinessProfile;
  }
  if (p.business_type !== undefined)
    next.business_type = p.business_type as Stripe.Account.BusinessType;
  if (p.email !== undefined) next.email = p.email as string | null;
  if (p.default_currency !== undefined)
    next.default_currency = String(p.default_currency).toLowerCase();
  if (p.metadata !== undefined)
    next.metadata = applyMetadata(a.metadata ?? {}, p.metadata as never);
  if (p.tos_acceptance)
    next.tos_acceptance = { ...a.tos_acceptance, ...(p.tos_acceptance as object) };
  if (p.capabilities && typeof p.capabilities === 'object') {
    const caps: Record<string, string> = { ...(a.capabilities as Record<string, string>) };
    for (const [name, v] of Object.entries(
      p.capabilities as Record<string, { requested?: string | boolean }>,
    )) {
      const requested = booleanValue(v?.requested) === true;
      if (requested) caps[name] ??= 'inactive';
      else delete caps[name];
    }
    next.capabilities = caps as Stripe.Account.Capabilities;
  }
  if (p.individual || p.company) {
    const fields = new Set(internal.person_fields ?? []);
    if (p.individual) flatten(p.individual, 'individual', fields);
    if (p.company) {
      const company = p.company as Record<string, unknown>;
      flatten(company, 'company', fields);
      next.company = { ...(a.company ?? {}), ...company } as unknown as Stripe.Account.Company;
      for (const f of fields) if (f.startsWith('company.')) setPath(next as never, f.split('.'));
    }
    nextInternal.person_fields = [...fields];
  }
  if (p.external_account) {
    nextInternal.external_accounts = (internal.external_accounts ?? 0) + 1;
    nextInternal.external_account_disabled = false;
  }
  return { account: deriveStatus(next, extrasOf(nextInternal)), internal: nextInternal };
}

/** Marks a nested company field as present so requirement checks see it. */
function setPath(obj: Record<string, unknown>, path: string[]): void {
  let cur: Record<string, unknown> = obj;
  for (const p of path.slice(0, -1)) {
    if (typeof cur[p] !== 'object' || cur[p] === null) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  if (cur[last] === undefined) cur[last] = true;
}

function newAccount(id: string, created: number, p: Params): Stripe.Account {
  if (p.type !== undefined && p.controller !== undefined) {
    throw errors.invalidRequest(
      'You cannot specify both `type` and `controller`. Use one or the other.',
      'controller',
    );
  }
  if (p.type === undefined && p.controller === undefined) throw errors.parameterMissing('type');
  const controller = controllerFor(p.type as AccountType | undefined, p.controller as never);
  const country = String(p.country ?? 'US').toUpperCase();
  return newV1Account({
    id,
    created,
    controller,
    country,
    type: p.type !== undefined ? (p.type as Stripe.Account.Type) : typeFor(controller),
  });
}

/** The platform itself, as `GET /v1/account` shows it. */
export function platformAccount(platform: PlatformRow): Stripe.Account {
  return {
    id: platform.id,
    object: 'account',
    business_profile: { name: platform.name } as Stripe.Account.BusinessProfile,
    capabilities: { card_payments: 'active', transfers: 'active' } as Stripe.Account.Capabilities,
    charges_enabled: true,
    controller: { type: 'account' },
    country: 'US',
    created: Number(platform.created),
    default_currency: 'usd',
    details_submitted: true,
    email: null,
    metadata: {},
    payouts_enabled: true,
    settings: {
      ...defaultSettings('US'),
      dashboard: { display_name: platform.name, timezone: 'Etc/UTC' },
    } as Stripe.Account.Settings,
    type: 'standard',
  };
}

/** The platform as an account row: the owner of its own bank accounts and their events. */
export function platformAccountRow(platform: PlatformRow, livemode: boolean): ObjectRow {
  return {
    seq: 0,
    id: platform.id,
    platform_id: platform.id,
    account_id: null,
    livemode: livemode ? 1 : 0,
    type: 'account',
    data: JSON.stringify(platformAccount(platform)),
    internal: '{}',
    parent_id: null,
    created: Number(platform.created),
    deleted: 0,
  };
}

/** The `application` object of `account.application.*` events: the platform's Connect application. */
export function applicationOf(platform: PlatformRow): Stripe.Application {
  return { id: platform.application_id, object: 'application', name: platform.application_name };
}

export { DISCONNECTED };

/**
 * Connected accounts are the platform's objects: a platform key acting as a connected account
 * (Stripe-Account) still manages them (scope.ts platformView), so that the Stripe CLI's account
 * fixtures (`stripe trigger account.updated --stripe-account acct_...`) run as they are; an OAuth
 * token reaches only its own account.
 */
export { platformView as asPlatform };

/** A connected account the caller reaches for reading (scope/finders.ts). */
export function requireAccount(
  db: WriteContext['db'],
  scope: Scope,
  id: string,
  param = 'account',
): Promise<ObjectRow> {
  return requireScopedAccount(db, platformView(scope), id, 'read', param);
}

/** A connected account the caller may change, locked until the write commits. */
export function requireAccountToChange(
  w: WriteContext,
  scope: Scope,
  id: string,
  param = 'id',
): Promise<ObjectRow> {
  return requireScopedAccountToChange(w, platformView(scope), id, param);
}

/** Saves an account and emits `account.updated` when something a receiver can see changed. */
export async function saveAccount(
  w: WriteContext,
  row: ObjectRow,
  before: Stripe.Account,
  after: Stripe.Account,
  internal: AccountInternal,
): Promise<void> {
  await saveObject(w.db, row.id, after, internal);
  const previous = previousAttributes(before as never, after as never);
  if (previous) {
    await emitEvent(w, {
      type: 'account.updated',
      object: after as never,
      previousAttributes: previous,
      account: row.id,
      livemode: row.livemode === 1,
    });
  }
  await emitCapabilityChanges(w, row, before, after);
}

/** The `capability` object of `capability.updated` events. */
export function capabilityObject(
  account: Stripe.Account,
  name: string,
  now: number,
): Stripe.Capability {
  const status = ((account.capabilities ?? {}) as Record<string, string>)[name] ?? 'inactive';
  const due = status === 'active' ? [] : (account.requirements?.currently_due ?? []);
  const rejected = account.requirements?.disabled_reason?.startsWith('rejected.')
    ? account.requirements.disabled_reason
    : null;
  const requirements = {
    alternatives: [],
    current_deadline: null,
    currently_due: due,
    disabled_reason: rejected ?? (due.length ? 'requirements.fields_needed' : null),
    errors: [],
    eventually_due: due,
    past_due: due,
    pending_verification: [],
  };
  return {
    id: name,
    object: 'capability',
    account: account.id,
    future_requirements: {
      ...requirements,
      currently_due: [],
      eventually_due: [],
      past_due: [],
      disabled_reason: null,
    },
    requested: true,
    requested_at: Math.floor(now / 1000),
    requirements,
    status: status as Stripe.Capability.Status,
  } as Stripe.Capability;
}

/** One `capability.updated` per capability whose status changed (or that was just requested). */
async function emitCapabilityChanges(
  w: WriteContext,
  row: ObjectRow,
  before: Stripe.Account,
  after: Stripe.Account,
): Promise<void> {
  const was = (before.capabilities ?? {}) as Record<string, string>;
  const now = (after.capabilities ?? {}) as Record<string, string>;
  for (const [name, status] of Object.entries(now)) {
    if (was[name] === status) continue;
    await emitEvent(w, {
      type: 'capability.updated',
      object: capabilityObject(after, name, w.now) as never,
      previousAttributes: was[name] === undefined ? undefined : { status: was[name] },
      account: row.id,
      livemode: row.livemode === 1,
    });
  }
}

/**
 * Changes an account's hidden state (external accounts, persons, a failed payout), re-derives its
 * requirements and status, and emits `account.updated` if anything visible changed.
 */
export async function refreshAccount(
  w: WriteContext,
  accountId: string,
  change: (
    internal: AccountInternal,
    account: Stripe.Account,
  ) => { internal: AccountInternal; account?: Stripe.Account },
): Promise<Stripe.Account> {
  const row = await findObjectToChange(w, accountId);
  if (!row) throw errors.resourceMissing('account', accountId, 'account');
  const before = parseData<Stripe.Account>(row);
  const changed = change(parseInternal<AccountInternal>(row), before);
  const base = changed.account ?? before;
  const after = deriveStatus(base, extrasOf(changed.internal));
  await saveAccount(w, row, before, after, changed.internal);
  return after;
}

/**
 * Creates a connected account of the platform, as `POST /v1/accounts` does (also what OAuth's
 * authorize page does when a user connects a new account): an account with Dashboard access
 * (Standard) is connected at once and authorizes the platform's application.
 */
export async function createConnectedAccount(
  w: WriteContext,
  params: Parsed<typeof createParams>,
): Promise<Stripe.Account> {
  const { type: _t, controller: _c, country: _country, ...rest } = params;
  let internal: AccountInternal = {};
  const { id, data } = await createObject<Stripe.Account>(w, {
    type: 'account',
    id: newId('acct', 16),
    accountId: null,
    data: (id, created) => {
      const applied = applyAccountParams(
        newAccount(id, created, params as Params),
        {},
        rest as Params,
      );
      internal = applied.internal;
      return applied.account;
    },
  });
  await saveObject(w.db, id, data, internal);
  const row = (await findObject(w.db, id))!;
  const none = { ...data, capabilities: {} } as Stripe.Account;
  await emitCapabilityChanges(w, row, none, data);
  if (hasDashboardAccess(data)) {
    // An account with Dashboard access (Standard) authorizes the platform's application when it
    // is connected; created through the API, it is connected at once.
    await emitEvent(w, {
      type: 'account.application.authorized',
      object: applicationOf(w.platform) as never,
      account: id,
    });
  }
  return data;
}

export const accounts: Resource = {
  name: 'accounts',
  routes: [
    // The platform's keys create its connected accounts (also with Stripe-Account, as the CLI's
    // fixtures send it); an OAuth token, which is one connected account's, cannot.
    post('/v1/accounts', createParams, async ({ w, params }) => createConnectedAccount(w, params), {
      callers: 'platform-keys',
    }),

    get('/v1/accounts/:id', expandParam, async ({ db, caller, path }) => {
      return parseData(await requireAccount(db, caller, path.id!, 'id'));
    }),

    post('/v1/accounts/:id', updatable, async ({ w, caller, path, params }) => {
      // Read again inside the write, locked, even when the account is the caller (Stripe-Account):
      // the row read when the request was authenticated may be older than a concurrent update.
      const row = await requireAccountToChange(w, caller, path.id!);
      const before = parseData<Stripe.Account>(row);
      const { account, internal } = applyAccountParams(
        before,
        parseInternal<AccountInternal>(row),
        params as Params,
      );
      await saveAccount(w, row, before, account, internal);
      return account;
    }),

    del('/v1/accounts/:id', {}, async ({ w, caller, path }) => {
      const row = await requireAccountToChange(w, caller, path.id!);
      const account = parseData<Stripe.Account>(row);
      if (row.livemode === 1 && hasDashboardAccess(account)) {
        throw errors.invalidRequest(
          'Live-mode accounts with access to the Stripe Dashboard (Standard) cannot be deleted by the platform; the account owner can disconnect from your platform instead.',
          'id',
        );
      }
      await deleteObject(w.db, row.id);
      if (hasDashboardAccess(account)) {
        // The CLI's fixture for account.application.deauthorized deletes a Standard account: to the
        // platform, the account has disconnected.
        await emitEvent(w, {
          type: 'account.application.deauthorized',
          object: applicationOf(w.platform) as never,
          account: row.id,
          livemode: row.livemode === 1,
        });
      }
      return { id: row.id, object: 'account', deleted: true } satisfies Stripe.DeletedAccount;
    }),

    get(
      '/v1/accounts',
      { ...listParams, created: range() },
      async ({ services, caller, params, url }) => {
        const page = await listAccounts(
          services.dialect,
          platformView(caller),
          { created: params.created },
          params,
        );
        return listOf(url, page, page.rows.map(parseData));
      },
    ),

    get('/v1/account', expandParam, async ({ caller }) =>
      caller.account ? parseData(caller.account) : platformAccount(caller.platform),
    ),
  ],
};
