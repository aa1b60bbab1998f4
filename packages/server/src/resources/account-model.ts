import { currencyOfCountry } from '../domain/currencies.js';
import type Stripe from 'stripe';
import { errors, type StripeError } from '../stripe/errors.js';
import { minimumDelayDays } from '../domain/payout-schedule.js';

/**
 * A connected account's state as Stripe derives it: who controls it (type or `controller`), what
 * it still has to provide (`requirements`), and what that enables (`charges_enabled`,
 * `payouts_enabled`, capability statuses).
 */
export type AccountType = 'standard' | 'express' | 'custom';

export interface ControllerSpec {
  fees?: { payer?: string } | undefined;
  losses?: { payments?: string } | undefined;
  requirement_collection?: string | undefined;
  stripe_dashboard?: { type?: string } | undefined;
}

export function controllerFor(
  type: AccountType | undefined,
  spec: ControllerSpec | undefined,
): Stripe.Account.Controller {
  const dashboard =
    spec?.stripe_dashboard?.type ??
    (type === 'express' ? 'express' : type === 'custom' ? 'none' : 'full');
  const collection =
    spec?.requirement_collection ??
    (dashboard === 'none' || type === 'custom' ? 'application' : 'stripe');
  const payer =
    spec?.fees?.payer ??
    (type === 'express'
      ? 'application_express'
      : type === 'custom'
        ? 'application_custom'
        : dashboard === 'full'
          ? 'account'
          : 'application');
  const losses =
    spec?.losses?.payments ??
    (dashboard === 'full' && payer === 'account' ? 'stripe' : 'application');
  return {
    fees: { payer: payer as Stripe.Account.Controller.Fees.Payer },
    is_controller: true,
    losses: { payments: losses as Stripe.Account.Controller.Losses.Payments },
    requirement_collection: collection as Stripe.Account.Controller.RequirementCollection,
    stripe_dashboard: { type: dashboard as Stripe.Account.Controller.StripeDashboard.Type },
    type: 'application',
  };
}

export function typeFor(controller: Stripe.Account.Controller): Stripe.Account.Type {
  const dashboard = controller.stripe_dashboard?.type;
  if (dashboard === 'full') return 'standard';
  if (dashboard === 'express') return 'express';
  return 'custom';
}

/** Accounts with Dashboard access (Standard) can deauthorize the platform themselves. */
export const hasDashboardAccess = (a: Stripe.Account): boolean =>
  a.controller?.stripe_dashboard?.type === 'full';

/**
 * Accounts the platform controls (Custom, Express, Standard with platform controls): persons and
 * external-account events are sent for these only.
 */
export const platformControls = (a: Stripe.Account): boolean =>
  a.controller?.requirement_collection === 'application' ||
  a.controller?.stripe_dashboard?.type !== 'full';

/** Where a field of the account lives, to test whether it was provided. */
function provided(a: Stripe.Account, field: string, extra: AccountExtras): boolean {
  const path = field.split('.');
  if (field === 'external_account') return extra.externalAccounts > 0;
  if (field === 'company.tax_id') return a.company?.tax_id_provided === true;
  if (field.startsWith('individual.') || field.startsWith('representative.')) {
    // Both are the representative person's fields (resources/persons.ts).
    const f = field.slice(field.indexOf('.') + 1);
    return (
      extra.personFields.has(`representative.${f}`) || extra.personFields.has(`individual.${f}`)
    );
  }
  return lookup(a, path) != null;
}

function lookup(obj: unknown, path: string[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (cur == null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur === '' ? undefined : cur;
}

export interface AccountExtras {
  externalAccounts: number;
  /** The fields the representative person has given (`representative.first_name`, ...). */
  personFields: Set<string>;
  /** An external account that failed a payout and has not been updated since. */
  externalAccountDisabled?: boolean;
  /** The platform rejected the account (`POST /v1/accounts/:id/reject`), for this reason. */
  rejected?: 'fraud' | 'terms_of_service' | 'other' | undefined;
  /** What a trigger card asked for (AccountTrigger), until the account gives it. */
  triggered?: TriggeredRequirements | undefined;
}

/** Requirements a Connect trigger card added, and what they block meanwhile. */
export interface TriggeredRequirements {
  fields: string[];
  /** null: due by `deadline`, nothing blocked yet (Stripe's "next requirements"). */
  block: 'charges' | 'payouts' | null;
  deadline: number;
}

const individualFields = [
  'individual.address.city',
  'individual.address.line1',
  'individual.address.postal_code',
  'individual.address.state',
  'individual.dob.day',
  'individual.dob.month',
  'individual.dob.year',
  'individual.email',
  'individual.first_name',
  'individual.last_name',
  'individual.phone',
  'individual.ssn_last_4',
];

const companyFields = [
  'company.address.city',
  'company.address.line1',
  'company.address.postal_code',
  'company.address.state',
  'company.name',
  'company.phone',
  'company.tax_id',
  'representative.first_name',
  'representative.last_name',
];

/** What Stripe would still ask this account for, given what it has. */
export function requiredFields(a: Stripe.Account): string[] {
  const fields = [
    'business_profile.mcc',
    'business_profile.url',
    'business_type',
    'external_account',
    'tos_acceptance.date',
    'tos_acceptance.ip',
  ];
  if (a.business_type === 'individual') fields.push(...individualFields);
  else if (a.business_type) fields.push(...companyFields);
  return fields;
}

/**
 * Recomputes requirements, capabilities and the enabled flags, as Stripe derives them: a requested
 * capability is active once nothing is due (inactive until then); `charges_enabled` follows the
 * `card_payments` capability, and `payouts_enabled` needs nothing due, a usable external account
 * and an active `transfers` or `card_payments` capability. So an account that requested no
 * capability (an Express account created without `capabilities`) can neither charge nor pay out.
 */
export function deriveStatus(a: Stripe.Account, extra: AccountExtras): Stripe.Account {
  const due = requiredFields(a).filter((f) => !provided(a, f, extra));
  // A bank account that failed a payout pauses payouts only, as on Stripe: it is due again, but
  // the capabilities (and charges) stay as the rest of the requirements make them.
  const complete = due.length === 0;
  if (extra.externalAccountDisabled && !due.includes('external_account'))
    due.push('external_account');
  const requirements: Stripe.Account.Requirements = {
    alternatives: [],
    current_deadline: null,
    currently_due: due,
    disabled_reason: due.length === 0 ? null : 'requirements.past_due',
    errors: [],
    eventually_due: due,
    past_due: due.filter((f) => f !== 'external_account' || !extra.externalAccountDisabled),
    pending_verification: [],
  };
  const triggered = extra.triggered;
  const asked = (triggered?.fields ?? []).filter((f) => !due.includes(f) && !provided(a, f, extra));
  if (triggered && asked.length > 0) {
    requirements.currently_due = [...due, ...asked];
    if (triggered.block === null) {
      // Due later: by the deadline, nothing disabled meanwhile.
      requirements.eventually_due = [...due, ...asked];
      requirements.current_deadline = triggered.deadline;
    } else {
      // Past due at once; Stripe's docs show eventually_due without them.
      requirements.past_due = [...(requirements.past_due ?? []), ...asked];
      requirements.disabled_reason = 'requirements.past_due';
    }
  }
  const blocked = asked.length > 0 ? (triggered?.block ?? null) : null;
  if (extra.rejected) {
    // Rejected for good: nothing the account provides enables it again.
    const inactive = Object.fromEntries(
      Object.keys(a.capabilities ?? {}).map((n) => [n, 'inactive']),
    );
    return {
      ...a,
      requirements: { ...requirements, disabled_reason: `rejected.${extra.rejected}` },
      capabilities: inactive as Stripe.Account.Capabilities,
      charges_enabled: false,
      payouts_enabled: false,
    };
  }
  const capabilities: Record<string, string> = {};
  for (const name of Object.keys(a.capabilities ?? {}))
    capabilities[name] = complete ? 'active' : 'inactive';
  const canPayOut = capabilities.transfers === 'active' || capabilities.card_payments === 'active';
  // A charge block stops charges only: payouts go on as the rest of the account allows.
  if (blocked === 'charges' && capabilities.card_payments) capabilities.card_payments = 'inactive';
  return {
    ...a,
    requirements,
    capabilities: capabilities as Stripe.Account.Capabilities,
    charges_enabled: capabilities.card_payments === 'active',
    payouts_enabled:
      complete && canPayOut && !extra.externalAccountDisabled && blocked !== 'payouts',
    details_submitted: complete || a.details_submitted,
  };
}

/**
 * The capabilities Stripe's hosted onboarding requests for an account that requested none (an
 * Express account created without `capabilities`), as a platform's default Connect settings do.
 */
export const onboardingCapabilities = ['card_payments', 'transfers'];

const status = (a: Stripe.Account, name: string) =>
  ((a.capabilities ?? {}) as Record<string, string>)[name];

/**
 * Why a direct charge on the account (made with its `Stripe-Account`) is refused, as Stripe
 * refuses it: no `card_payments` capability, or one that is not active. Null when it may charge.
 */
export function chargeRefusal(a: Stripe.Account, livemode: boolean): StripeError | null {
  if (status(a, 'card_payments') === undefined)
    return errors.invalidRequest(
      'You cannot create a charge on a connected account without the `card_payments` capability enabled.',
    );
  if (a.charges_enabled) return null;
  return errors.invalidRequest(
    `This Connect account cannot currently make ${livemode ? 'live' : 'test'} charges. The \`requirements.disabled_reason\` property on the account (/v1/accounts/${a.id}) will provide information about why this account is currently disabled. If you are a customer trying to make a purchase, please contact the owner of this site. Your transaction has not been processed.`,
  );
}

/** Why a transfer (or a destination charge) to the account is refused: no active `transfers`. */
export function transferRefusal(a: Stripe.Account, param: string): StripeError | null {
  // A Standard account (full Dashboard) is a Stripe account of its own: a platform may send it
  // funds before it is onboarded, as Stripe's test mode does (the official CLI's transfer.*).
  if (a.controller?.stripe_dashboard?.type === 'full') return null;
  if (['transfers', 'crypto_transfers', 'legacy_payments'].some((n) => status(a, n) === 'active'))
    return null;
  return errors.invalidRequest(
    'Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments',
    param,
    'insufficient_capabilities_for_transfer',
  );
}

/** Why a payout from the account is refused: payouts are not enabled (or no bank account). */
export function payoutRefusal(a: Stripe.Account): StripeError | null {
  if (a.payouts_enabled) return null;
  const noBank = a.requirements?.currently_due?.includes('external_account');
  return errors.invalidRequest(
    noBank
      ? `Payouts are not allowed: the connected account ${a.id} has no usable bank account or debit card to pay out to (requirements.currently_due lists external_account).`
      : `Payouts have been disabled on the connected account ${a.id}. Check the connected account's status (requirements.disabled_reason, currently_due) to see if any additional information needs to be provided, or if payouts have been disabled for another reason.`,
    undefined,
    'payouts_not_allowed',
  );
}

export function emptyFutureRequirements(): Stripe.Account.FutureRequirements {
  return {
    alternatives: [],
    current_deadline: null,
    currently_due: [],
    disabled_reason: null,
    errors: [],
    eventually_due: [],
    past_due: [],
    pending_verification: [],
  };
}

export function defaultSettings(country: string, custom = false): Stripe.Account.Settings {
  return {
    bacs_debit_payments: {},
    branding: { icon: null, logo: null, primary_color: null, secondary_color: null },
    card_issuing: { tos_acceptance: { date: null, ip: null } },
    card_payments: {
      decline_on: { avs_failure: false, cvc_failure: false },
      statement_descriptor_prefix: null,
      statement_descriptor_prefix_kana: null,
      statement_descriptor_prefix_kanji: null,
    },
    dashboard: { display_name: null, timezone: 'Etc/UTC' },
    invoices: { default_account_tax_ids: null, hosted_payment_method_save: 'offer' },
    payments: {
      statement_descriptor: null,
      statement_descriptor_kana: null,
      statement_descriptor_kanji: null,
    },
    payouts: {
      // Stripe's default: false for Custom accounts, true for the others.
      debit_negative_balances: !custom,
      schedule: { delay_days: minimumDelayDays(country), interval: 'daily' },
      statement_descriptor: null,
    },
    sepa_debit_payments: {},
  } as Stripe.Account.Settings;
}

/** A new connected account as the v1 API renders it, before any parameters are applied. */
export function newV1Account(a: {
  id: string;
  created: number;
  controller: Stripe.Account.Controller;
  country: string;
  type: Stripe.Account.Type;
}): Stripe.Account {
  return {
    id: a.id,
    object: 'account',
    business_profile: {
      annual_revenue: null,
      estimated_worker_count: null,
      mcc: null,
      minority_owned_business_designation: null,
      name: null,
      product_description: null,
      support_address: null,
      support_email: null,
      support_phone: null,
      support_url: null,
      url: null,
    } as Stripe.Account.BusinessProfile,
    business_type: null,
    capabilities: {},
    charges_enabled: false,
    controller: a.controller,
    country: a.country,
    created: a.created,
    default_currency: currencyOfCountry(a.country),
    details_submitted: false,
    email: null,
    external_accounts: {
      object: 'list',
      data: [],
      has_more: false,
      url: `/v1/accounts/${a.id}/external_accounts`,
    },
    future_requirements: emptyFutureRequirements(),
    metadata: {},
    payouts_enabled: false,
    settings: defaultSettings(a.country, a.type === 'custom'),
    tos_acceptance: { date: null, ip: null, user_agent: null },
    type: a.type,
  };
}
