import type Stripe from 'stripe';
import { minimumDelayDays, weekdays } from '../domain/payout-schedule.js';
import { errors } from '../stripe/errors.js';
import {
  applyMetadata,
  array,
  boolean,
  effect,
  type Field,
  integer,
  metadata,
  type MetadataPatch,
  nullableString,
  object,
  oneOf,
  refused,
  required,
  string,
  expandParam,
} from '../stripe/params.js';
import {
  filesNotModelled,
  japanAddressParams,
  personFields,
  relationshipFields,
} from './person-params.js';
import { addressParams, toAddress } from './shared-params.js';

/**
 * The parameters of `POST /v1/accounts` and `POST /v1/accounts/{id}`, and how each is applied to
 * the account (pure: the representative person and the external account they may create are
 * resources/accounts.ts's). Every parameter Stripe takes is applied and reads back, or refused
 * with `parameter_not_supported` naming it and why.
 */
type Params = Record<string, unknown>;

/** The tests that check what does not read back where it was sent. */
const EXPRESS_TEST =
  'creates an Express account with individual, settings and external_account: every field reads back, the representative is a Person';
const COMPANY_TEST =
  'company fields and tos_acceptance on a Custom account; its representative completes it';
const WEEKLY_TEST = 'weekly runs on the anchor weekday, or on each of weekly_payout_days';
const MONTHLY_TEST = 'monthly runs on the anchor day, on the last day of shorter months';

const declaration = object({ date: integer(), ip: string(), user_agent: nullableString() });

/** `{card_payments: {requested: true}, ...}`: capability names as Stripe spells them. */
function capabilitiesParam(): Field<Record<string, { requested?: boolean }>, false> {
  const entry = object({ requested: boolean() });
  return {
    required: false,
    parse(value, param) {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw errors.parameterInvalid(param, `Invalid object: ${param} must be an object`);
      const out: Record<string, { requested?: boolean }> = {};
      for (const [name, v] of Object.entries(value)) {
        if (!/^[a-z][a-z0-9_]{0,63}$/.test(name))
          throw errors.parameterUnknown(`${param}[${name}]`);
        out[name] = entry.parse(v, `${param}[${name}]`);
      }
      return out;
    },
  };
}

/**
 * A statement descriptor as Stripe checks it: `min` to `max` characters, at least one letter, none
 * of `< > \ ' " *`. An empty value unsets it.
 */
function statementDescriptor(min: number, max: number): Field<string | null, false> {
  const inner = nullableString({ maxLength: max });
  return {
    required: false,
    parse(value, param) {
      const s = inner.parse(value, param);
      if (s === null) return null;
      if (s.length < min || !/[A-Za-z]/.test(s) || /[<>\\'"*]/.test(s))
        throw errors.parameterInvalid(
          param,
          `Invalid ${param}: a statement descriptor is ${min} to ${max} characters long, contains at least one letter, and none of < > \\ ' " *.`,
        );
      return s;
    },
  };
}

/** A brand colour: `#` and six hexadecimal digits. */
function hexColor(): Field<string | null, false> {
  const inner = nullableString();
  return {
    required: false,
    parse(value, param) {
      const s = inner.parse(value, param);
      if (s !== null && !/^#[0-9a-fA-F]{6}$/.test(s))
        throw errors.parameterInvalid(param, `Invalid hex color: ${s.slice(0, 20)}`);
      return s;
    },
  };
}

/** `delay_days`: a number of days, or `minimum` (the least the account's country allows). */
function delayDays(): Field<number | 'minimum', false> {
  const days = integer({ min: 0 });
  return {
    required: false,
    parse: (value, param) => (value === 'minimum' ? 'minimum' : days.parse(value, param)),
  };
}

const tosAcceptance = object({ date: integer(), ip: string(), user_agent: nullableString() });

const settingsParams = object({
  bacs_debit_payments: object({ display_name: nullableString() }),
  branding: object({
    icon: refused(`a file id; ${filesNotModelled}`),
    logo: refused(`a file id; ${filesNotModelled}`),
    primary_color: hexColor(),
    secondary_color: hexColor(),
  }),
  card_issuing: object({ tos_acceptance: tosAcceptance }),
  card_payments: object({
    decline_on: object({ avs_failure: boolean(), cvc_failure: boolean() }),
    statement_descriptor_prefix: statementDescriptor(2, 10),
    statement_descriptor_prefix_kana: nullableString({ maxLength: 10 }),
    statement_descriptor_prefix_kanji: nullableString({ maxLength: 10 }),
  }),
  invoices: object({
    default_account_tax_ids: refused('tax ids are not modelled'),
    hosted_payment_method_save: oneOf(['always', 'never', 'offer'] as const),
  }),
  payments: object({
    statement_descriptor: statementDescriptor(5, 22),
    statement_descriptor_kana: nullableString({ maxLength: 22 }),
    statement_descriptor_kanji: nullableString({ maxLength: 22 }),
  }),
  payouts: object({
    debit_negative_balances: boolean(),
    schedule: object({
      delay_days: delayDays(),
      interval: oneOf(['daily', 'manual', 'monthly', 'weekly'] as const),
      // Each needs the interval it belongs to: the schedule's tests check them.
      monthly_anchor: effect(integer({ min: 1, max: 31 }), MONTHLY_TEST),
      monthly_payout_days: effect(array(integer({ min: 1, max: 31 })), MONTHLY_TEST),
      weekly_anchor: effect(oneOf(weekdays), WEEKLY_TEST),
      weekly_payout_days: effect(
        array(oneOf(['monday', 'tuesday', 'wednesday', 'thursday', 'friday'] as const)),
        WEEKLY_TEST,
      ),
    }),
    statement_descriptor: nullableString({ maxLength: 22 }),
  }),
  paypay_payments: refused('PayPay payments are not modelled'),
  sepa_debit_payments: object({ creditor_id: string() }),
  treasury: object({ tos_acceptance: tosAcceptance }),
});

const companyParams = object({
  address: object(addressParams),
  address_kana: object(japanAddressParams),
  address_kanji: object(japanAddressParams),
  directors_provided: boolean(),
  directorship_declaration: declaration,
  executives_provided: boolean(),
  export_license_id: string(),
  export_purpose_code: string(),
  name: nullableString(),
  name_kana: nullableString(),
  name_kanji: nullableString(),
  owners_provided: boolean(),
  ownership_declaration: declaration,
  ownership_exemption_reason: nullableString(),
  phone: nullableString(),
  registration_date: object({
    day: required(integer({ min: 1, max: 31 })),
    month: required(integer({ min: 1, max: 12 })),
    year: required(integer({ min: 1900 })),
  }),
  registration_number: refused(
    'no field of the account shows it and no requirement Switchboard models asks for it',
  ),
  representative_declaration: declaration,
  structure: nullableString(),
  // Shown as tax_id_provided / vat_id_provided, never as themselves.
  tax_id: effect(string(), COMPANY_TEST),
  tax_id_registrar: string(),
  vat_id: effect(string(), COMPANY_TEST),
  verification: refused(filesNotModelled),
  // Newer than the 2023 spec Switchboard renders accounts from: no field shows them yet.
  administrative_address: refused('not rendered by the account schema Switchboard models'),
  physical_address: refused('not rendered by the account schema Switchboard models'),
  principal_place_of_business: refused('not rendered by the account schema Switchboard models'),
});

/** `individual`: the account's representative person (resources/persons.ts keeps it). */
export const individualParams = object({
  ...personFields,
  relationship: object({
    director: relationshipFields.director,
    executive: relationshipFields.executive,
    owner: relationshipFields.owner,
    percent_ownership: relationshipFields.percent_ownership,
    title: relationshipFields.title,
  }),
});

/** A token (`btok_us`, `tok_visa_debit`) or bank account details, as on the external accounts API. */
const externalAccountParam: Field<unknown, false> = {
  required: false,
  parse(value, param) {
    if (typeof value === 'string' && value) return value;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value;
    throw errors.parameterInvalid(
      param,
      `Invalid ${param}: pass a token (btok_us, tok_visa_debit) or bank account details.`,
    );
  },
};

export const updateParams = {
  business_profile: object({
    annual_revenue: object({
      amount: required(integer()),
      currency: required(string({ maxLength: 3 })),
      fiscal_year_end: required(string()),
    }),
    estimated_worker_count: integer({ min: 0 }),
    mcc: nullableString({ maxLength: 4 }),
    minority_owned_business_designation: array(
      oneOf([
        'lgbtqi_owned_business',
        'minority_owned_business',
        'none_of_these_apply',
        'prefer_not_to_answer',
        'women_owned_business',
      ] as const),
    ),
    monthly_estimated_revenue: object({
      amount: required(integer()),
      currency: required(string({ maxLength: 3 })),
    }),
    name: nullableString(),
    product_description: nullableString(),
    specified_commercial_transactions_act_url: nullableString(),
    support_address: object(addressParams),
    support_email: nullableString(),
    support_phone: nullableString(),
    support_url: nullableString(),
    url: nullableString(),
  }),
  business_type: oneOf(['individual', 'company', 'non_profit', 'government_entity'] as const),
  // Requested capabilities read back as their status (`capabilities.transfers: 'inactive'`).
  capabilities: effect(
    capabilitiesParam(),
    'lists, retrieves, requests and unrequests capabilities',
  ),
  company: companyParams,
  // The representative Person: read back there, not on the account.
  individual: effect(individualParams, EXPRESS_TEST),
  default_currency: string({ maxLength: 3 }),
  email: nullableString(),
  metadata: metadata(),
  tos_acceptance: object({
    date: integer(),
    ip: string(),
    user_agent: nullableString(),
    service_agreement: oneOf(['full', 'recipient'] as const),
  }),
  settings: settingsParams,
  external_account: effect(externalAccountParam, EXPRESS_TEST),
  groups: object({ payments_pricing: nullableString() }),
  documents: refused(`documents are files; ${filesNotModelled}`),
  account_token: refused('account tokens are not modelled; send the account fields themselves'),
  ...expandParam,
};

export const createParams = {
  ...updateParams,
  // The older name of external_account, still taken on create.
  bank_account: effect(externalAccountParam, EXPRESS_TEST),
  type: oneOf(['standard', 'express', 'custom'] as const),
  controller: object({
    fees: object({ payer: oneOf(['account', 'application'] as const) }),
    losses: object({ payments: oneOf(['application', 'stripe'] as const) }),
    requirement_collection: oneOf(['application', 'stripe'] as const),
    stripe_dashboard: object({ type: oneOf(['express', 'full', 'none'] as const) }),
  }),
  country: string({ maxLength: 2 }),
};

/** Merges `given` into `current`, member by member; `null` members of `given` unset. */
function merge<T>(current: T | null | undefined, given: object): T {
  return { ...(current ?? {}), ...given } as T;
}

/** The company fields an account shows before any are given. */
export function blankCompany(): Stripe.Account.Company {
  return {
    address: toAddress({})!,
    directors_provided: false,
    executives_provided: false,
    name: null,
    owners_provided: false,
    phone: null,
    tax_id_provided: false,
    verification: {
      document: { back: null, details: null, details_code: null, front: null },
    },
  } as Stripe.Account.Company;
}

function applyCompany(
  current: Stripe.Account.Company | undefined,
  c: Params,
): Stripe.Account.Company {
  const next = merge<Stripe.Account.Company>(current ?? blankCompany(), {});
  const out = next as unknown as Params;
  for (const [k, v] of Object.entries(c)) {
    if (v === undefined) continue;
    if (k === 'tax_id') next.tax_id_provided = true;
    else if (k === 'vat_id') next.vat_id_provided = true;
    else if (k === 'address') next.address = toAddress({ ...next.address, ...(v as object) })!;
    else if (k === 'address_kana' || k === 'address_kanji')
      out[k] = merge({ ...toAddress({}), town: null, ...(out[k] as object | null) }, v as object);
    else if (k.endsWith('_declaration'))
      out[k] = merge(
        { date: null, ip: null, user_agent: null, ...(out[k] as object | null) },
        v as object,
      );
    else out[k] = v;
  }
  return next;
}

function applyBusinessProfile(
  current: Stripe.Account.BusinessProfile | null | undefined,
  bp: Params,
): Stripe.Account.BusinessProfile {
  const next = merge<Stripe.Account.BusinessProfile>(current, {});
  const out = next as unknown as Params;
  for (const [k, v] of Object.entries(bp)) {
    if (v === undefined) continue;
    if (k === 'support_address')
      next.support_address = toAddress({ ...next.support_address, ...(v as object) });
    else if (k === 'annual_revenue' || k === 'monthly_estimated_revenue')
      out[k] = merge(out[k] as object | null, v as object);
    else out[k] = v;
  }
  return next;
}

type Schedule = Stripe.Account.Settings.Payouts.Schedule;

/**
 * The payout schedule after `given`: Stripe's rules (an anchor for weekly and monthly schedules,
 * no `delay_days` with `manual` since API 2015-06-15, never fewer days than the country's minimum);
 * anchors of other intervals are dropped, as Stripe shows only the one that applies.
 */
function applySchedule(current: Schedule, given: Params, country: string): Schedule {
  const param = (k: string) => `settings[payouts][schedule][${k}]`;
  const interval = (given.interval as string | undefined) ?? current.interval;
  if (interval === 'manual' && given.delay_days !== undefined)
    throw errors.invalidRequest(
      'You cannot set `delay_days` on a manual payout schedule: manual payouts always use the minimum.',
      param('delay_days'),
    );
  const minimum = minimumDelayDays(country);
  let delay = current.delay_days;
  if (given.delay_days === 'minimum') delay = minimum;
  else if (typeof given.delay_days === 'number') {
    if (given.delay_days < minimum)
      throw errors.parameterInvalid(
        param('delay_days'),
        `Invalid ${param('delay_days')}: the minimum for accounts in ${country} is ${minimum} days (or pass \`minimum\`).`,
      );
    delay = given.delay_days;
  }
  const next: Schedule = { delay_days: delay, interval };
  const same = interval === current.interval;
  for (const kind of ['weekly', 'monthly'] as const) {
    const anchorKey = `${kind}_anchor` as const;
    const daysKey = `${kind}_payout_days` as const;
    if (interval !== kind) {
      if (given[anchorKey] !== undefined || given[daysKey] !== undefined)
        throw errors.invalidRequest(
          `${anchorKey} and ${daysKey} apply only to a ${kind} schedule (interval=${kind}).`,
          param(given[anchorKey] !== undefined ? anchorKey : daysKey),
        );
      continue;
    }
    // Kept from the current schedule when the interval stays the same.
    const anchor = given[anchorKey] ?? (same ? current[anchorKey] : undefined);
    const days = (given[daysKey] ?? (same ? current[daysKey] : undefined)) as unknown[] | undefined;
    if (!anchor && !days?.length) throw errors.parameterMissing(param(anchorKey));
    const out = next as unknown as Params;
    if (anchor) out[anchorKey] = anchor;
    if (days?.length) out[daysKey] = days;
  }
  return next;
}

function applySettings(
  current: Stripe.Account.Settings,
  given: Params,
  country: string,
): Stripe.Account.Settings {
  const next = { ...current } as unknown as Record<string, Params>;
  for (const [section, values] of Object.entries(given)) {
    if (values === undefined) continue;
    const v = values as Params;
    const was = (next[section] ?? {}) as Params;
    if (section === 'payouts') {
      const payouts = was as unknown as Stripe.Account.Settings.Payouts;
      next.payouts = {
        ...payouts,
        ...(v.debit_negative_balances !== undefined
          ? { debit_negative_balances: v.debit_negative_balances }
          : {}),
        ...(v.statement_descriptor !== undefined
          ? { statement_descriptor: v.statement_descriptor }
          : {}),
        schedule: v.schedule
          ? applySchedule(payouts.schedule, v.schedule as Params, country)
          : payouts.schedule,
      } as unknown as Params;
    } else if (
      section === 'card_payments' ||
      section === 'card_issuing' ||
      section === 'treasury'
    ) {
      const out: Params = { ...was };
      for (const [k, value] of Object.entries(v))
        if (value !== undefined)
          out[k] =
            typeof value === 'object' && value !== null
              ? merge(was[k] as object | null, value)
              : value;
      next[section] = out;
    } else {
      next[section] = merge(was, v);
    }
  }
  return next as unknown as Stripe.Account.Settings;
}

/**
 * Applies the account's own fields (everything but `individual`, `external_account` and
 * `bank_account`, which make objects of their own, and `capabilities`, which accounts.ts applies).
 * Returns the account and whether the payout delay was set (charges then follow it).
 */
export function applyAccountFields(a: Stripe.Account, p: Params): Stripe.Account {
  const next: Stripe.Account = { ...a };
  if (p.business_profile)
    next.business_profile = applyBusinessProfile(a.business_profile, p.business_profile as Params);
  if (p.business_type !== undefined)
    next.business_type = p.business_type as Stripe.Account.BusinessType;
  if (p.email !== undefined) next.email = p.email as string | null;
  if (p.default_currency !== undefined) {
    const currency = String(p.default_currency).toLowerCase();
    if (!/^[a-z]{3}$/.test(currency))
      throw errors.parameterInvalid('default_currency', `Invalid currency: ${currency}`);
    next.default_currency = currency;
  }
  if (p.metadata !== undefined)
    next.metadata = applyMetadata(a.metadata ?? {}, p.metadata as MetadataPatch);
  if (p.tos_acceptance) next.tos_acceptance = merge(a.tos_acceptance, p.tos_acceptance as object);
  if (p.company) next.company = applyCompany(a.company, p.company as Params);
  if (p.groups) next.groups = merge(a.groups, p.groups as object);
  if (p.settings)
    next.settings = applySettings(a.settings!, p.settings as Params, a.country ?? 'US');
  return next;
}
