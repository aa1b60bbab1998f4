import type { AccountTrigger } from '../domain/test-instruments.js';
import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import { effect, expandParam, listParams, range } from '../stripe/params.js';
import { listFilterTest } from './shared-params.js';
import { del, get, post, type Resource } from './route.js';
import { previousAttributes } from '../domain/event-body.js';
import { newId } from '../domain/ids.js';
import type { WriteContext } from '../services/context.js';
import { emitEvent } from '../services/emit-event.js';
import { scheduleAutomaticPayout } from '../services/payout-schedule.js';
import type { PlatformRow } from '../storage/repositories/platforms.js';
import type { ObjectRow } from '../storage/repositories/objects.js';
import {
  chargeRefusal,
  transferRefusal,
  newV1Account,
  controllerFor,
  defaultSettings,
  deriveStatus,
  hasDashboardAccess,
  typeFor,
  type AccountExtras,
  type TriggeredRequirements,
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
import { applyAccountFields, createParams, updateParams } from './account-params.js';
import { addExternalAccount } from './external-accounts.js';
import { representativeFields, personHas } from './person-params.js';
import { applyIndividual } from './persons.js';
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
  /** What a Connect trigger card asked the account for (triggerRequirements). */
  triggered?: TriggeredRequirements;
  /**
   * The platform set `settings.payouts.schedule.delay_days`: the account's own charges are held
   * that many days (otherwise `--funds-available-after`, whose default is the US minimum, 2 days).
   */
  payout_delay_set?: boolean;
}

type Params = Record<string, unknown>;

function extrasOf(internal: AccountInternal): AccountExtras {
  return {
    externalAccounts: internal.external_accounts ?? 0,
    personFields: new Set(internal.person_fields ?? []),
    externalAccountDisabled: internal.external_account_disabled ?? false,
    rejected: internal.rejected,
    triggered: internal.triggered,
  };
}

/** Requests (`requested: true`) and unrequests capabilities; a new request starts inactive. */
function applyCapabilities(
  a: Stripe.Account,
  given: Record<string, { requested?: boolean }>,
): Stripe.Account {
  const caps: Record<string, string> = { ...(a.capabilities as Record<string, string>) };
  for (const [name, v] of Object.entries(given)) {
    if (v?.requested === undefined) continue;
    if (v.requested) caps[name] ??= 'inactive';
    else delete caps[name];
  }
  if (caps.card_payments !== undefined && a.tos_acceptance?.service_agreement === 'recipient')
    throw errors.invalidRequest(
      'Accounts under the `recipient` service agreement cannot request the `card_payments` capability.',
      'capabilities[card_payments]',
    );
  return { ...a, capabilities: caps as Stripe.Account.Capabilities };
}

/**
 * Applies the account's own parameters (account-params.ts; not `individual` or
 * `external_account`, which make objects of their own: updateConnectedAccount), then re-derives
 * its requirements and status. Pure: capabilities, rejection and onboarding use it too.
 */
export function applyAccountParams(
  a: Stripe.Account,
  internal: AccountInternal,
  p: Params,
): { account: Stripe.Account; internal: AccountInternal } {
  let next = applyAccountFields(a, p);
  if (p.capabilities)
    next = applyCapabilities(next, p.capabilities as Record<string, { requested?: boolean }>);
  const schedule = (p.settings as { payouts?: { schedule?: Params } } | undefined)?.payouts
    ?.schedule;
  const nextInternal: AccountInternal =
    schedule?.delay_days !== undefined ? { ...internal, payout_delay_set: true } : internal;
  return { account: deriveStatus(next, extrasOf(nextInternal)), internal: nextInternal };
}

/** An account's persons and external accounts, oldest first. */
async function childrenOf(db: WriteContext['db'], accountId: string): Promise<ObjectRow[]> {
  return db
    .selectFrom('objects')
    .selectAll()
    .where('parent_id', '=', accountId)
    .where('deleted', '=', 0)
    .where('type', 'in', ['bank_account', 'card', 'person'])
    .orderBy('seq', 'asc')
    .execute();
}

/** The account's representative (its `individual`): the first person with that relationship. */
export async function representativeRow(
  w: WriteContext,
  accountId: string,
): Promise<ObjectRow | undefined> {
  return (await childrenOf(w.db, accountId)).find(
    (r) => r.type === 'person' && parseData<Stripe.Person>(r).relationship?.representative,
  );
}

/**
 * What an account shows of its children, and what they provide: its external accounts (newest
 * first), its representative as `individual` (for `business_type: individual`), and the
 * representative's fields for its requirements; then its status re-derived.
 */
async function withChildren(
  db: WriteContext['db'],
  a: Stripe.Account,
  internal: AccountInternal,
): Promise<{ account: Stripe.Account; internal: AccountInternal }> {
  const rows = await childrenOf(db, a.id);
  const external = rows
    .filter((r) => r.type !== 'person')
    .reverse()
    .map((r) => parseData<Stripe.BankAccount | Stripe.Card>(r));
  const representative = rows
    .filter((r) => r.type === 'person')
    .map((r) => parseData<Stripe.Person>(r))
    .find((p) => p.relationship?.representative);
  const next: Stripe.Account = {
    ...a,
    external_accounts: {
      object: 'list',
      data: external,
      has_more: false,
      url: `/v1/accounts/${a.id}/external_accounts`,
    },
  };
  delete next.individual;
  if (representative && a.business_type === 'individual') next.individual = representative;
  const nextInternal: AccountInternal = {
    ...internal,
    external_accounts: external.length,
    person_fields: representative
      ? [...representativeFields, 'id_number']
          .filter((f) => personHas(representative, f))
          .map((f) => `representative.${f}`)
      : [],
  };
  return { account: deriveStatus(next, extrasOf(nextInternal)), internal: nextInternal };
}

function newAccount(id: string, created: number, p: Params): Stripe.Account {
  if (p.type !== undefined && p.controller !== undefined) {
    throw errors.invalidRequest(
      'You cannot specify both `type` and `controller`. Use one or the other.',
      'controller',
    );
  }
  // Neither `type` nor `controller`: Stripe's controller defaults, a Standard account (full
  // Dashboard, Stripe collects requirements), as the official CLI's transfer.* fixtures make one.
  if (p.external_account !== undefined && p.bank_account !== undefined)
    throw errors.invalidRequest(
      'Pass either external_account or bank_account (its older name), not both.',
      'bank_account',
    );
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

/**
 * Refuses a direct charge (one made acting as a connected account, `w.accountId`) that the
 * account cannot take, with Stripe's error (account-model.ts chargeRefusal).
 */
export async function requireChargesEnabled(w: WriteContext): Promise<void> {
  if (!w.accountId) return;
  const row = await findObject(w.db, w.accountId);
  const refusal = row && chargeRefusal(parseData<Stripe.Account>(row), w.livemode);
  if (refusal) throw refusal;
}

/**
 * Refuses a transfer or destination charge to an account without an active `transfers`
 * capability. `destination` is the account's row, or the id of one the request already named
 * (a PaymentIntent's `transfer_data[destination]`, checked when the intent was made).
 */
export async function requireTransfersEnabled(
  w: WriteContext,
  destination: ObjectRow | string,
  param: string,
): Promise<void> {
  const row = typeof destination === 'string' ? await findObject(w.db, destination) : destination;
  const refusal = row && transferRefusal(parseData<Stripe.Account>(row), param);
  if (refusal) throw refusal;
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
  // Payouts just enabled, or a new schedule: the next automatic payout run is planned.
  const schedule = (a: Stripe.Account) => JSON.stringify(a.settings?.payouts?.schedule);
  if (after.payouts_enabled && (!before.payouts_enabled || schedule(before) !== schedule(after)))
    await scheduleAutomaticPayout(w, row.id, w.livemode);
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
 * Re-derives an account from its children (persons, external accounts) after they changed, with
 * `change` applied to its hidden state first (a failed payout disabling its external account),
 * and emits `account.updated` if anything visible changed.
 */
export async function refreshAccount(
  w: WriteContext,
  accountId: string,
  change: (internal: AccountInternal, account: Stripe.Account) => AccountInternal = (i) => i,
): Promise<Stripe.Account> {
  const row = await findObjectToChange(w, accountId);
  if (!row) throw errors.resourceMissing('account', accountId, 'account');
  const before = parseData<Stripe.Account>(row);
  const derived = await withChildren(
    w.db,
    before,
    change(parseInternal<AccountInternal>(row), before),
  );
  await saveAccount(w, row, before, derived.account, derived.internal);
  return derived.account;
}

/**
 * What a Connect trigger card does to the account a charge was made on or on behalf of
 * (docs.stripe.com/connect/testing-verification): the account is asked for its representative's
 * full ID number — due in 30 days (`next_requirements`), or past due at once with its charges or
 * payouts disabled until it is given (`individual[id_number]` or the representative person's
 * `id_number`); `account.updated` either way. A charge on the platform's own account does nothing.
 */
export async function triggerRequirements(
  w: WriteContext,
  charge: Stripe.Charge,
  trigger: AccountTrigger,
): Promise<void> {
  const onBehalfOf = charge.on_behalf_of;
  const accountId =
    w.accountId ?? (typeof onBehalfOf === 'string' ? onBehalfOf : (onBehalfOf?.id ?? null));
  if (!accountId) return;
  const block =
    trigger === 'charge_block' ? 'charges' : trigger === 'payout_block' ? 'payouts' : null;
  await refreshAccount(w, accountId, (internal, account) => ({
    ...internal,
    triggered: {
      fields: [
        account.business_type === 'company' ? 'representative.id_number' : 'individual.id_number',
      ],
      block,
      deadline: Math.floor(w.now / 1000) + 30 * 86_400,
    },
  }));
}

/**
 * The parameters that make objects of their own: `individual` (the representative person,
 * `person.created`/`.updated`) and `external_account` (or `bank_account`:
 * `account.external_account.created`). The account is re-derived from them by the caller.
 */
async function applyChildParams(w: WriteContext, row: ObjectRow, p: Params): Promise<void> {
  if (p.individual) await applyIndividual(w, row, p.individual as Params);
  const externalAccount = p.external_account ?? p.bank_account;
  if (externalAccount !== undefined)
    await addExternalAccount(w, row, { externalAccount }, { sync: false });
}

/** `POST /v1/accounts/{id}`: every parameter applied, then `account.updated` for what changed. */
export async function updateConnectedAccount(
  w: WriteContext,
  row: ObjectRow,
  p: Params,
): Promise<Stripe.Account> {
  const before = parseData<Stripe.Account>(row);
  const own = applyAccountParams(before, parseInternal<AccountInternal>(row), p);
  // The children see the account as it is now (the business type chosen with them, say).
  const current: ObjectRow = { ...row, data: JSON.stringify(own.account) };
  await applyChildParams(w, current, p);
  const derived = await withChildren(w.db, own.account, own.internal);
  await saveAccount(w, row, before, derived.account, derived.internal);
  return derived.account;
}

/**
 * Creates a connected account of the platform, as `POST /v1/accounts` does (also what OAuth's
 * authorize page does when a user connects a new account): an account with Dashboard access
 * (Standard) is connected at once and authorizes the platform's application.
 */
export async function createConnectedAccount(
  w: WriteContext,
  params: Params,
): Promise<Stripe.Account> {
  let internal: AccountInternal = {};
  const { id, data } = await createObject<Stripe.Account>(w, {
    type: 'account',
    id: newId('acct', 16),
    accountId: null,
    data: (accountId, created) => {
      const applied = applyAccountParams(newAccount(accountId, created, params), {}, params);
      internal = applied.internal;
      return applied.account;
    },
  });
  await saveObject(w.db, id, data, internal);
  const row = (await findObject(w.db, id))!;
  await applyChildParams(w, row, params);
  const derived = await withChildren(w.db, data, internal);
  await saveObject(w.db, id, derived.account, derived.internal);
  const none = { ...derived.account, capabilities: {} } as Stripe.Account;
  await emitCapabilityChanges(w, row, none, derived.account);
  if (hasDashboardAccess(derived.account)) {
    // An account with Dashboard access (Standard) authorizes the platform's application when it
    // is connected; created through the API, it is connected at once.
    await emitEvent(w, {
      type: 'account.application.authorized',
      object: applicationOf(w.platform) as never,
      account: id,
    });
  }
  return derived.account;
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

    post('/v1/accounts/:id', updateParams, async ({ w, caller, path, params }) =>
      // Read again inside the write, locked, even when the account is the caller (Stripe-Account):
      // the row read when the request was authenticated may be older than a concurrent update.
      updateConnectedAccount(w, await requireAccountToChange(w, caller, path.id!), params),
    ),

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
      { ...listParams, created: effect(range(), listFilterTest) },
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
