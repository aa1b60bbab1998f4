import type Stripe from 'stripe';
import { errors } from '../../stripe/errors.js';
import {
  anything,
  applyMetadata,
  array,
  boolean,
  booleanValue,
  effect,
  integer,
  metadata,
  nullableString,
  oneOf,
  string,
} from '../../stripe/params.js';

const v2IncludeTest = 'a v2 account reads back identity, configuration and defaults with include';
const v2PagesTest =
  'pages through every v2 account, newest first, however many v1 accounts came after them';
const v2FiltersTest = 'filters by configuration and by closed across pages';
import { get, post, type Caller, type Resource } from '../route.js';
import { deepEqual, previousAttributes } from '../../domain/event-body.js';
import { newId } from '../../domain/ids.js';
import type { WriteContext } from '../../services/context.js';
import { emitEvent } from '../../services/emit-event.js';
import { emitThinEvent } from '../../services/emit-thin-event.js';
import { findObject, type ObjectRow } from '../../storage/repositories/objects.js';
import { findOwnObject } from '../../scope/finders.js';
import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';
import { controllerFor, deriveStatus, newV1Account } from '../account-model.js';
import { createObject, parseData, parseInternal, saveObject } from '../common.js';
import { decodePage, iso, v2List } from './pages.js';

/**
 * Accounts v2 (`/v2/core/accounts`): one account with customer, merchant and recipient
 * configurations. A v2 Account made by the platform is also a v1 connected account (same
 * `acct_` id, usable with Stripe-Account). Its changes emit thin `v2.core.account.*` events in the
 * "your account" scope and, for what the v1 view shows, `account.updated` in the "connected
 * accounts" scope: the seed's v2 scope rule.
 */
type Configuration = 'customer' | 'merchant' | 'recipient';
const configurations: Configuration[] = ['customer', 'merchant', 'recipient'];

const includable = [
  'configuration.customer',
  'configuration.merchant',
  'configuration.recipient',
  'defaults',
  'future_requirements',
  'identity',
  'requirements',
] as const;

/** The stored v2 state (rendered per request, as `include` decides). */
export interface V2Account {
  id: string;
  created_ms: number;
  livemode: boolean;
  closed: boolean;
  contact_email: string | null;
  contact_phone: string | null;
  dashboard: 'express' | 'full' | 'none' | null;
  display_name: string | null;
  metadata: Record<string, string>;
  identity: Record<string, unknown> | null;
  defaults: Record<string, unknown> | null;
  /** Requested capabilities per configuration: name -> requested. */
  configuration: Partial<
    Record<Configuration, { capabilities: Record<string, boolean>; extra: Record<string, unknown> }>
  >;
}

const params = {
  contact_email: nullableString(),
  contact_phone: nullableString(),
  dashboard: oneOf(['express', 'full', 'none'] as const),
  display_name: nullableString(),
  // Read back in the blocks `include` asks for.
  identity: effect(anything(), v2IncludeTest),
  configuration: effect(anything(), v2IncludeTest),
  defaults: effect(anything(), v2IncludeTest),
  metadata: metadata(),
  include: effect(array(oneOf(includable)), v2IncludeTest),
};

type Params = Record<string, unknown>;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `{capabilities: {card_payments: {requested: true}, stripe_balance: {stripe_transfers: {requested: true}}}}` -> names. */
function requestedCapabilities(caps: unknown, prefix = ''): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  if (!isObject(caps)) return out;
  for (const [name, value] of Object.entries(caps)) {
    if (!isObject(value)) continue;
    if ('requested' in value) out[prefix + name] = booleanValue(value.requested) === true;
    else Object.assign(out, requestedCapabilities(value, `${prefix}${name}.`));
  }
  return out;
}

function apply(a: V2Account, p: Params): V2Account {
  const next: V2Account = { ...a, configuration: { ...a.configuration } };
  for (const k of ['contact_email', 'contact_phone', 'display_name'] as const)
    if (p[k] !== undefined) next[k] = p[k] as string | null;
  if (p.dashboard !== undefined) next.dashboard = p.dashboard as V2Account['dashboard'];
  if (p.metadata !== undefined) next.metadata = applyMetadata(a.metadata, p.metadata as never);
  if (p.identity !== undefined) {
    if (!isObject(p.identity))
      throw errors.parameterInvalid('identity', 'Invalid identity: must be an object');
    next.identity = merge(a.identity ?? {}, p.identity);
  }
  if (p.defaults !== undefined) {
    if (!isObject(p.defaults))
      throw errors.parameterInvalid('defaults', 'Invalid defaults: must be an object');
    next.defaults = merge(a.defaults ?? {}, p.defaults);
  }
  if (p.configuration !== undefined) {
    if (!isObject(p.configuration))
      throw errors.parameterInvalid('configuration', 'Invalid configuration: must be an object');
    for (const [name, value] of Object.entries(p.configuration)) {
      if (!configurations.includes(name as Configuration))
        throw errors.parameterUnknown(`configuration[${name}]`);
      if (!isObject(value))
        throw errors.parameterInvalid(
          `configuration[${name}]`,
          `Invalid configuration[${name}]: must be an object`,
        );
      const current = next.configuration[name as Configuration] ?? { capabilities: {}, extra: {} };
      const { capabilities, ...extra } = value;
      next.configuration[name as Configuration] = {
        capabilities: { ...current.capabilities, ...requestedCapabilities(capabilities) },
        extra: merge(current.extra, extra),
      };
    }
  }
  return next;
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b))
    out[k] = isObject(v) && isObject(out[k]) ? merge(out[k] as Record<string, unknown>, v) : v;
  return out;
}

/** What is still needed: a name (business or person) and a country, as the reference's example shows. */
function requirementEntries(a: V2Account) {
  const missing: string[] = [];
  const identity = a.identity ?? {};
  if (!identity.country) missing.push('identity.country');
  const entity = identity.entity_type ?? 'company';
  if (entity === 'individual') {
    const person = (identity.individual ?? {}) as Record<string, unknown>;
    if (!person.given_name) missing.push('identity.individual.given_name');
    if (!person.surname) missing.push('identity.individual.surname');
  } else if (!((identity.business_details ?? {}) as Record<string, unknown>).registered_name) {
    missing.push('identity.business_details.registered_name');
  }
  const restricts = Object.entries(a.configuration).flatMap(([configuration, c]) =>
    Object.entries(c?.capabilities ?? {})
      .filter(([, requested]) => requested)
      .map(([capability]) => ({
        capability,
        configuration,
        deadline: { status: 'currently_due' },
      })),
  );
  return missing.map((description) => ({
    awaiting_action_from: 'user',
    description,
    errors: [],
    impact: { restricts_capabilities: restricts },
    minimum_deadline: { status: 'currently_due' },
    reference: null,
    requested_reasons: [{ code: 'routine_onboarding' }],
  }));
}

function capabilityStatus(requested: boolean, complete: boolean) {
  if (!requested) return { status: 'unsupported', status_details: [] };
  return complete
    ? { status: 'active', status_details: [] }
    : {
        status: 'pending',
        status_details: [{ code: 'determining_status', resolution: 'no_resolution' }],
      };
}

/** Nested capability names (`stripe_balance.stripe_transfers`) back into objects. */
function capabilityTree(caps: Record<string, boolean>, complete: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, requested] of Object.entries(caps)) {
    const path = name.split('.');
    let node = out;
    for (const p of path.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    node[path[path.length - 1]!] = capabilityStatus(requested, complete);
  }
  return out;
}

/** The `v2.core.account` object, with the blocks `include` asks for (null otherwise). */
export function renderV2Account(
  a: V2Account,
  include: readonly string[] = [],
): Record<string, unknown> {
  const entries = requirementEntries(a);
  const complete = entries.length === 0;
  const has = (block: string) => include.includes(block);
  const configuration = Object.fromEntries(
    configurations.map((c) => {
      const conf = a.configuration[c];
      return [
        c,
        conf && has(`configuration.${c}`)
          ? {
              applied: true,
              ...conf.extra,
              capabilities: capabilityTree(conf.capabilities, complete),
            }
          : null,
      ];
    }),
  );
  const defaults = a.defaults
    ? {
        ...a.defaults,
        responsibilities: {
          fees_collector: 'stripe',
          losses_collector: 'stripe',
          requirements_collector: 'stripe',
          ...((a.defaults.responsibilities ?? {}) as object),
        },
      }
    : null;
  return {
    id: a.id,
    object: 'v2.core.account',
    applied_configurations: configurations.filter((c) => a.configuration[c]),
    closed: a.closed,
    configuration: Object.values(configuration).some(Boolean) ? configuration : null,
    contact_email: a.contact_email,
    contact_phone: a.contact_phone,
    created: iso(a.created_ms),
    dashboard: a.dashboard,
    defaults: has('defaults') ? defaults : null,
    display_name: a.display_name,
    future_requirements: has('future_requirements')
      ? { entries: [], summary: { minimum_deadline: null } }
      : null,
    identity: has('identity') ? a.identity : null,
    livemode: a.livemode,
    metadata: a.metadata,
    requirements: has('requirements')
      ? {
          entries,
          summary: { minimum_deadline: complete ? null : { status: 'currently_due', time: null } },
        }
      : null,
  };
}

/** The v1 view of a v2 Account: what `GET /v1/accounts/{id}` and `account.updated` show. */
function v1View(a: V2Account, base: Stripe.Account): Stripe.Account {
  const identity = (a.identity ?? {}) as { country?: string; entity_type?: string };
  const capabilities: Record<string, string> = {};
  if (a.configuration.merchant?.capabilities.card_payments) capabilities.card_payments = 'inactive';
  if (
    a.configuration.recipient?.capabilities['stripe_balance.stripe_transfers'] ||
    a.configuration.merchant
  )
    capabilities.transfers = 'inactive';
  const view: Stripe.Account = {
    ...base,
    business_profile: { ...base.business_profile!, name: a.display_name },
    business_type: (identity.entity_type as Stripe.Account.BusinessType | undefined) ?? null,
    capabilities: capabilities as Stripe.Account.Capabilities,
    country: (identity.country ?? 'us').toUpperCase(),
    email: a.contact_email,
    metadata: a.metadata,
  };
  const complete = requirementEntries(a).length === 0;
  const derived = deriveStatus(view, {
    externalAccounts: complete ? 1 : 0,
    personFields: new Set(),
  });
  return complete ? { ...derived, details_submitted: true } : derived;
}

/** Thin event types for what changed between two states. */
function changedTypes(before: V2Account, after: V2Account): string[] {
  const types: string[] = [];
  for (const c of configurations) {
    if (!deepEqual(before.configuration[c], after.configuration[c]))
      types.push(`v2.core.account[configuration.${c}].updated`);
  }
  if (!deepEqual(before.identity, after.identity)) types.push('v2.core.account[identity].updated');
  if (!deepEqual(before.defaults, after.defaults)) types.push('v2.core.account[defaults].updated');
  if (!deepEqual(requirementEntries(before), requirementEntries(after)))
    types.push('v2.core.account[requirements].updated');
  return types;
}

const related = (id: string) => ({ id, type: 'v2.core.account', url: `/v2/core/accounts/${id}` });

/** The caller's v2 account (locked until the write commits, with `lock`). */
async function requireV2Account(
  db: Kysely<Database>,
  caller: Caller,
  id: string,
  lock?: WriteContext,
): Promise<{ row: ObjectRow; account: V2Account }> {
  const row = await findOwnObject(db, caller, id, lock);
  const internal = row ? parseInternal<{ v2?: V2Account }>(row) : {};
  if (!row || !internal.v2 || row.deleted === 1 || row.livemode !== (caller.livemode ? 1 : 0)) {
    throw errors.invalidRequest(`No such account: '${id}'`, 'id', 'not_found', 404);
  }
  return { row, account: internal.v2 };
}

/** Saves a v2 account and emits its thin events, and `account.updated` for its v1 view. */
async function save(
  w: WriteContext,
  row: ObjectRow,
  before: V2Account,
  after: V2Account,
  extraTypes: string[] = [],
): Promise<void> {
  const internal = parseInternal<Record<string, unknown>>(row);
  const v1Before = parseData<Stripe.Account>(row);
  const v1After = row.type === 'account' ? v1View(after, v1Before) : v1Before;
  await saveObject(w.db, row.id, v1After, { ...internal, v2: after });
  const context = row.account_id;
  const types = [...extraTypes, ...changedTypes(before, after)];
  if (
    !deepEqual(before, after) &&
    !extraTypes.includes('v2.core.account.created') &&
    !extraTypes.includes('v2.core.account.closed')
  ) {
    types.unshift('v2.core.account.updated');
  }
  for (const type of types)
    await emitThinEvent(w, { type, relatedObject: related(row.id), context });
  const previous = previousAttributes(v1Before as never, v1After as never);
  if (previous && row.account_id === null) {
    await emitEvent(w, {
      type: 'account.updated',
      object: v1After as never,
      previousAttributes: previous,
      account: row.id,
      livemode: row.livemode === 1,
    });
  }
}

/** Rows read at a time when listing accounts (the filters apply to what is read). */
const LIST_CHUNK = 100;

export const v2Accounts: Resource = {
  name: 'v2.core.accounts',
  routes: [
    post(
      '/v2/core/accounts',
      params,
      async ({ w, caller, params: p }) => {
        const id = newId('acct', 16);
        const empty: V2Account = {
          id,
          created_ms: w.now,
          livemode: w.livemode,
          closed: false,
          contact_email: null,
          contact_phone: null,
          dashboard: null,
          display_name: null,
          metadata: {},
          identity: null,
          defaults: null,
          configuration: {},
        };
        const account = apply(empty, p);
        const controller = controllerFor(
          account.dashboard === 'full'
            ? 'standard'
            : account.dashboard === 'express'
              ? 'express'
              : 'custom',
          {
            stripe_dashboard: { type: account.dashboard ?? 'none' },
          },
        );
        const created = Math.floor(w.now / 1000);
        // Made by the platform: also a v1 connected account. Made inside a connected account
        // (Stripe-Context): that account's customer or recipient, with no v1 view.
        const v1Base = newV1Account({ id, created, controller, country: 'US', type: 'none' });
        await createObject(w, {
          type: caller.accountId ? 'v2.core.account' : 'account',
          id,
          accountId: caller.accountId,
          data: () => (caller.accountId ? v1Base : v1View(account, v1Base)),
          internal: { v2: account },
        });
        const row = (await findObject(w.db, id))!;
        await save(w, row, account, account, ['v2.core.account.created']);
        return renderV2Account(account, p.include ?? []);
      },
      { body: 'json' },
    ),

    get(
      '/v2/core/accounts/:id',
      { include: effect(array(oneOf(includable)), v2IncludeTest) },
      async ({ db, caller, path, params: p }) =>
        renderV2Account((await requireV2Account(db, caller, path.id!)).account, p.include ?? []),
      { body: 'json' },
    ),

    post(
      '/v2/core/accounts/:id',
      params,
      async ({ w, caller, path, params: p }) => {
        const { row, account } = await requireV2Account(w.db, caller, path.id!, w);
        if (account.closed)
          throw errors.invalidRequest(
            `The account '${account.id}' is closed.`,
            undefined,
            'account_closed',
          );
        const { include, ...rest } = p;
        const after = apply(account, rest);
        await save(w, row, account, after);
        return renderV2Account(after, include ?? []);
      },
      { body: 'json' },
    ),

    post(
      '/v2/core/accounts/:id/close',
      // Stripe closes the whole account: the configurations sent must be all it has.
      { applied_configurations: array(oneOf(configurations)) },
      async ({ w, caller, path, params: p }) => {
        const { row, account } = await requireV2Account(w.db, caller, path.id!, w);
        const applied = configurations.filter((c) => account.configuration[c]);
        if (
          p.applied_configurations &&
          (p.applied_configurations.length !== applied.length ||
            !applied.every((c) => p.applied_configurations!.includes(c)))
        )
          throw errors.invalidRequest(
            `All configurations on the Account must be passed in to close it: ${account.id} has ${applied.join(', ') || 'none'}.`,
            'applied_configurations',
          );
        const after = { ...account, closed: true };
        await save(w, row, account, after, ['v2.core.account.closed']);
        return renderV2Account(after);
      },
      { body: 'json' },
    ),

    get(
      '/v2/core/accounts',
      {
        limit: effect(integer({ min: 1, max: 100 }), v2PagesTest),
        page: effect(string(), v2PagesTest),
        closed: effect(boolean(), v2FiltersTest),
        applied_configurations: effect(array(oneOf(configurations)), v2FiltersTest),
      },
      async ({ db, services, caller, params: p, url }) => {
        const limit = p.limit ?? 10;
        const matches = (r: ObjectRow) => {
          const v2 = parseInternal<{ v2?: V2Account }>(r).v2;
          if (!v2) return false;
          if (p.closed !== undefined && v2.closed !== p.closed) return false;
          return (
            !p.applied_configurations || p.applied_configurations.every((c) => v2.configuration[c])
          );
        };
        // Accounts with a v2 view, newest first, read a chunk at a time until the page and one
        // more (has_more) are found: the filters on closed and configurations read the stored
        // account, so a chunk may hold none of them.
        const rows: ObjectRow[] = [];
        let before = decodePage(p.page);
        for (;;) {
          let q = db
            .selectFrom('objects')
            .selectAll()
            .where('platform_id', '=', caller.platform.id)
            .where('account_id', caller.accountId === null ? 'is' : '=', caller.accountId)
            .where('livemode', '=', caller.livemode ? 1 : 0)
            .where('type', 'in', ['account', 'v2.core.account'])
            .where('deleted', '!=', 1)
            .where(services.dialect.jsonText('internal', 'v2'), 'is not', null)
            .orderBy('seq', 'desc')
            .limit(LIST_CHUNK);
          if (before !== undefined) q = q.where('seq', '<', before);
          const chunk = await q.execute();
          for (const r of chunk) if (rows.length <= limit && matches(r)) rows.push(r);
          if (rows.length > limit || chunk.length < LIST_CHUNK) break;
          before = Number(chunk[chunk.length - 1]!.seq);
        }
        const page = rows.slice(0, limit);
        const { page: _page, ...filters } = p;
        return v2List(
          url,
          page,
          rows.length > limit,
          page.map((r) => renderV2Account(parseInternal<{ v2: V2Account }>(r).v2)),
          filters,
        );
      },
      { body: 'json' },
    ),
  ],
};
