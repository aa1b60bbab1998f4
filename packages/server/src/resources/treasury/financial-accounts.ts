import type Stripe from 'stripe';
import { errors } from '../../stripe/errors.js';
import {
  applied,
  applyMetadata,
  array,
  expandParam,
  metadata,
  nullableString,
  object,
  refused,
  required,
  string,
  type Field,
} from '../../stripe/params.js';
import { emitEvent } from '../../services/emit-event.js';
import { createObject, parseData, saveObject } from '../common.js';
import { filteredList } from '../list-route.js';
import { get, post, type Route } from '../route.js';
import {
  FINANCIAL_ACCOUNT,
  lockFinancialAccount,
  readFinancialAccount,
  type FinancialAccount,
} from './ledger.js';

/**
 * Treasury financial accounts: their settings, the features they asked for, and their balance,
 * which only the money movements of treasury/ change (ledger.ts). A requested feature is active
 * at once, as Stripe's test mode makes it for an account that meets its requirements; an active
 * `financial_addresses.aba` gives the account its ABA address (routing number 0000000001).
 */
type Features = Stripe.Treasury.FinancialAccountFeatures;
type Toggle = Stripe.Treasury.FinancialAccountFeatures.CardIssuing;
type Requests = Record<string, { requested: boolean } | Record<string, { requested: boolean }>>;

/** The features Stripe's API names, as `group` or `group.network`. */
const featureNames = [
  'card_issuing',
  'deposit_insurance',
  'financial_addresses.aba',
  'inbound_transfers.ach',
  'intra_stripe_flows',
  'outbound_payments.ach',
  'outbound_payments.us_domestic_wire',
  'outbound_transfers.ach',
  'outbound_transfers.us_domestic_wire',
] as const;

const toggle = () => object({ requested: required(applied<boolean>()) });

/** The parameters that request features: `card_issuing[requested]`, `outbound_payments[ach][requested]`. */
export const featureParams = {
  card_issuing: toggle(),
  deposit_insurance: toggle(),
  financial_addresses: object({ aba: toggle() }),
  inbound_transfers: object({ ach: toggle() }),
  intra_stripe_flows: toggle(),
  outbound_payments: object({ ach: toggle(), us_domestic_wire: toggle() }),
  outbound_transfers: object({ ach: toggle(), us_domestic_wire: toggle() }),
} satisfies Record<string, Field<unknown>>;

const settled = (requested: boolean): Toggle => ({
  requested,
  status: requested ? 'active' : 'restricted',
  status_details: requested
    ? []
    : [{ code: 'capability_not_requested', resolution: 'provide_information' }],
});

/** Applies feature requests to the features an account has: each one sent is active or not. */
function requestFeatures(before: Features, requests: Requests): Features {
  const after = structuredClone(before) as unknown as Record<string, unknown>;
  for (const [group, value] of Object.entries(requests)) {
    if (value === undefined) continue;
    if ('requested' in value) after[group] = settled(value.requested as boolean);
    else
      after[group] = {
        ...(after[group] as object),
        ...Object.fromEntries(
          Object.entries(value).map(([network, t]) => [network, settled(t.requested)]),
        ),
      };
  }
  return after as unknown as Features;
}

const toggleAt = (features: Features, name: string): Toggle | undefined => {
  const [group, network] = name.split('.');
  const g = (features as unknown as Record<string, unknown>)[group!] as
    Record<string, Toggle> | undefined;
  return (network ? g?.[network] : g) as Toggle | undefined;
};

/** What the features make of the account: its active feature list and ABA address. */
function withFeatures(fa: FinancialAccount, features: Features): FinancialAccount {
  const status = (name: string) => toggleAt(features, name)?.status;
  const active = featureNames.filter((n) => status(n) === 'active');
  const last4 = fa.id.replace(/\D/g, '').padStart(4, '0').slice(-4);
  return {
    ...fa,
    features,
    active_features: active as never,
    pending_features: featureNames.filter((n) => status(n) === 'pending') as never,
    restricted_features: featureNames.filter((n) => status(n) === 'restricted') as never,
    financial_addresses: active.includes('financial_addresses.aba')
      ? [
          {
            type: 'aba',
            supported_networks: ['ach', 'us_domestic_wire'],
            aba: {
              account_holder_name: 'Jenny Rosen',
              account_number_last4: last4,
              bank_name: 'STRIPE TEST BANK',
              routing_number: '0000000001',
            },
          } as Stripe.Treasury.FinancialAccount.FinancialAddress,
        ]
      : [],
  };
}

const statuses = (features: Features) =>
  featureNames.map((n) => `${n}:${toggleAt(features, n)?.status ?? ''}`).join(',');

/** Saves new features on an account, with features_status_updated when a status changed. */
async function saveFeatures(
  w: Parameters<typeof emitEvent>[0],
  id: string,
  before: FinancialAccount,
  requests: Requests,
  changes: Partial<FinancialAccount> = {},
): Promise<FinancialAccount> {
  const features = requestFeatures(before.features!, requests);
  const after = withFeatures({ ...before, ...changes }, features);
  await saveObject(w.db, id, after);
  if (statuses(features) !== statuses(before.features!))
    await emitEvent(w, {
      type: 'treasury.financial_account.features_status_updated',
      object: after as never,
    });
  return after;
}

const platformRestrictions = object({ inbound_flows: applied(), outbound_flows: applied() });
const forwarding = refused('forwarding a closed account to another is not modelled');

function supportedCurrencies(list: string[]): string[] {
  const currencies = list.map((c) => c.toLowerCase());
  const other = currencies.find((c) => c !== 'usd');
  if (other !== undefined || currencies.length === 0)
    throw errors.parameterInvalid(
      'supported_currencies',
      `Treasury financial accounts hold USD only; ${other ?? 'none'} is not supported.`,
    );
  return [...new Set(currencies)];
}

export const financialAccountRoutes: Route[] = [
  post(
    '/v1/treasury/financial_accounts',
    {
      supported_currencies: required(array(string())),
      features: object(featureParams),
      metadata: metadata(),
      nickname: nullableString(),
      platform_restrictions: platformRestrictions,
      ...expandParam,
    },
    async ({ w, params }) => {
      const currencies = supportedCurrencies(params.supported_currencies);
      const zero = Object.fromEntries(currencies.map((c) => [c, 0]));
      const { data } = await createObject<FinancialAccount>(w, {
        type: FINANCIAL_ACCOUNT,
        prefix: 'fa',
        data: (id, created) =>
          withFeatures(
            {
              id,
              object: 'treasury.financial_account',
              balance: {
                cash: { ...zero },
                inbound_pending: { ...zero },
                outbound_pending: { ...zero },
              },
              country: 'US',
              created,
              financial_addresses: [],
              livemode: w.livemode,
              metadata: applyMetadata({}, params.metadata),
              nickname: params.nickname ?? null,
              platform_restrictions: {
                inbound_flows: params.platform_restrictions?.inbound_flows ?? 'unrestricted',
                outbound_flows: params.platform_restrictions?.outbound_flows ?? 'unrestricted',
              },
              status: 'open',
              status_details: { closed: null },
              supported_currencies: currencies,
            } as unknown as FinancialAccount,
            requestFeatures(
              { object: 'treasury.financial_account_features' } as Features,
              (params.features ?? {}) as Requests,
            ),
          ),
      });
      await emitEvent(w, { type: 'treasury.financial_account.created', object: data as never });
      return data;
    },
  ),

  get('/v1/treasury/financial_accounts/:id', expandParam, async ({ db, caller, path }) =>
    parseData(await readFinancialAccount({ db }, caller, path.id!, 'id')),
  ),

  post(
    '/v1/treasury/financial_accounts/:id',
    {
      features: object(featureParams),
      metadata: metadata(),
      nickname: nullableString(),
      platform_restrictions: platformRestrictions,
      forwarding_settings: forwarding,
      ...expandParam,
    },
    async ({ w, caller, path, params }) => {
      const row = await lockFinancialAccount(w, caller, path.id!, 'id');
      const before = parseData<FinancialAccount>(row);
      const restrictions = params.platform_restrictions as
        FinancialAccount['platform_restrictions'] | undefined;
      return saveFeatures(
        w,
        row.id,
        before,
        (params.features ?? {}) as Requests,
        {
          metadata: applyMetadata(before.metadata ?? {}, params.metadata),
          ...(params.nickname !== undefined ? { nickname: params.nickname } : {}),
          ...(restrictions
            ? { platform_restrictions: { ...before.platform_restrictions!, ...restrictions } }
            : {}),
        } as Partial<FinancialAccount>,
      );
    },
  ),

  filteredList('/v1/treasury/financial_accounts', {
    type: FINANCIAL_ACCOUNT,
    filters: ['status'],
    label: 'financial account',
  }),

  get('/v1/treasury/financial_accounts/:id/features', expandParam, async ({ db, caller, path }) => {
    const fa = parseData<FinancialAccount>(
      await readFinancialAccount({ db }, caller, path.id!, 'id'),
    );
    return fa.features;
  }),

  post(
    '/v1/treasury/financial_accounts/:id/features',
    { ...featureParams, ...expandParam },
    async ({ w, caller, path, params }) => {
      const row = await lockFinancialAccount(w, caller, path.id!, 'id');
      const { expand: _expand, ...requests } = params as Record<string, unknown>;
      const after = await saveFeatures(w, row.id, parseData(row), requests as Requests);
      return after.features;
    },
  ),
];
