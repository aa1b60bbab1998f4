import { currencyOfCountry } from '../domain/currencies.js';
import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import {
  effect,
  expandParam,
  httpUrl,
  object,
  oneOf,
  onlyValues,
  required,
  string,
} from '../stripe/params.js';

/** The test that follows an account link through onboarding (test/e2e/account-links.test.ts). */
const onboardingTest =
  'completes an Express account with test data, emits its events, and returns to return_url';
const collects = 'the onboarding page collects the requirements currently due';
import { post, type Resource } from './route.js';
import { randomToken } from '../domain/ids.js';
import { publicBaseUrl, type WriteContext } from '../services/context.js';
import type { ObjectRow } from '../storage/repositories/objects.js';
import { onboardingCapabilities } from './account-model.js';
import {
  applyAccountParams,
  requireAccountToChange,
  updateConnectedAccount,
  type AccountInternal,
} from './accounts.js';
import {
  createObject,
  findObjectToChange,
  parseData,
  parseInternal,
  saveObject,
} from './common.js';
import { addExternalAccount } from './external-accounts.js';

/**
 * An account link is good for this long (seconds), as on Stripe; so is a login link, which on
 * Stripe "expires a brief period after you retrieve it" (the Express Dashboard guide).
 */
export const LINK_LIFETIME_S = 300;

/** Where the link leads, and how far the user got: opened once, then used (or expired). */
export interface AccountLinkInternal {
  account: string;
  type: 'account_onboarding' | 'account_update';
  refresh_url: string | null;
  return_url: string | null;
  state: 'new' | 'opened' | 'used';
}

/**
 * Stripe's test values for what onboarding asks (the test-mode date of birth 1901-01-01 and the
 * address `address_full_match` verify at once), by field without its `individual.`/`company.`.
 */
const TEST_VALUES: Record<string, string | number> = {
  'address.city': 'South San Francisco',
  'address.line1': 'address_full_match',
  'address.postal_code': '94080',
  'address.state': 'CA',
  'dob.day': 1,
  'dob.month': 1,
  'dob.year': 1901,
  email: 'jenny.rosen@example.com',
  first_name: 'Jenny',
  last_name: 'Rosen',
  phone: '0000000000',
  ssn_last_4: '0000',
  name: 'Switchboard Test Company',
  tax_id: '000000000',
  mcc: '5734',
  url: 'https://accessible.stripe.com',
};

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = target;
  for (const key of path.slice(0, -1)) {
    cur[key] ??= {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

/**
 * The update parameters that provide every field in `due` with a test value, as a user filling in
 * Stripe's onboarding form would. The representative of a company is given as `individual`, which
 * is how this server tracks person fields. `external_account` is not a parameter here.
 */
export function onboardingParams(
  due: readonly string[],
  now: number,
  ip: string,
): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const field of due) {
    const [section, ...rest] = field.split('.');
    const key = rest.join('.');
    if (field === 'business_type') params.business_type = 'individual';
    else if (field === 'tos_acceptance.date') setPath(params, ['tos_acceptance', 'date'], now);
    else if (field === 'tos_acceptance.ip') setPath(params, ['tos_acceptance', 'ip'], ip);
    else if (TEST_VALUES[key] !== undefined) {
      const target = section === 'representative' ? 'individual' : section!;
      setPath(params, [target, ...rest], TEST_VALUES[key]);
    }
  }
  return params;
}

/** The test bank account onboarding adds: `btok_us`, or one in the account's country and currency. */
const testBankAccount = (country: string) =>
  country === 'US'
    ? 'btok_us'
    : {
        object: 'bank_account',
        country,
        currency: currencyOfCountry(country),
        account_number: '000123456789',
      };

/**
 * What the hosted onboarding form does when the user submits it: everything the account is asked
 * for is provided with test values (a bank account first, if one is due), which emits what
 * Stripe would (`account.external_account.created`, `account.updated`, `capability.updated`).
 */
export async function completeOnboarding(
  w: WriteContext,
  accountId: string,
  ip: string,
): Promise<Stripe.Account> {
  const row = await findObjectToChange(w, accountId);
  if (!row || row.type !== 'account' || row.deleted !== 0)
    throw errors.resourceMissing('account', accountId, 'account');
  const before = parseData<Stripe.Account>(row);
  const due = before.requirements?.currently_due ?? [];
  if (due.includes('external_account'))
    await addExternalAccount(
      w,
      row,
      { externalAccount: testBankAccount(before.country ?? 'US') },
      { sync: false },
    );
  const now = Math.floor(w.now / 1000);
  // The business type decides which fields are asked for: what is due once it is chosen is
  // filled in the same submission.
  const chosen = applyAccountParams(
    before,
    parseInternal<AccountInternal>(row),
    onboardingParams(due, now, ip),
  ).account;
  const fields = [...new Set([...due, ...(chosen.requirements?.currently_due ?? [])])];
  const params = onboardingParams(fields, now, ip);
  // An account that requested no capability gets those a platform's Connect settings request
  // by default, as Stripe's hosted onboarding does.
  if (Object.keys(before.capabilities ?? {}).length === 0)
    params.capabilities = Object.fromEntries(
      onboardingCapabilities.map((name) => [name, { requested: true }]),
    );
  return updateConnectedAccount(w, row, params);
}

/**
 * A single-use link for `account`: an object of `link.type` whose id is its token (a secret: it
 * travels in the URL and acts as a credential until used), at `link.path/<token>` on this server.
 */
async function createLink<T>(
  w: WriteContext,
  account: ObjectRow,
  link: { type: 'account_link' | 'login_link'; prefix: string; path: string },
  data: (url: string, created: number) => T,
  internal: object,
): Promise<T> {
  const token = `${link.prefix}_${randomToken(32)}`;
  const created = await createObject<T>(w, {
    type: link.type,
    id: token,
    accountId: null,
    livemode: account.livemode === 1,
    data: (_id, at) => data(`${link.path}/${token}`, at),
    internal,
  });
  return created.data;
}

/**
 * `POST /v1/account_links`: a single-use link to Stripe-hosted onboarding for a connected account.
 * Here the link leads to a page of this server (`/connect/setup/...`, hosted/onboarding.ts) that
 * fills in the account with test data when the user submits it, then returns to `return_url`; a
 * link opened a second time, used, or older than 5 minutes sends the user to `refresh_url`.
 */
export const accountLinks: Resource = {
  name: 'account_links',
  routes: [
    post(
      '/v1/account_links',
      {
        account: effect(required(string()), onboardingTest),
        type: effect(
          required(oneOf(['account_onboarding', 'account_update'] as const)),
          onboardingTest,
        ),
        refresh_url: effect(httpUrl(), onboardingTest),
        return_url: effect(httpUrl(), onboardingTest),
        // The onboarding page collects what is currently due.
        collect: effect(onlyValues(['currently_due'], collects), onboardingTest),
        collection_options: object({
          fields: effect(onlyValues(['currently_due'], collects), onboardingTest),
          future_requirements: effect(onlyValues(['omit'], collects), onboardingTest),
        }),
        ...expandParam,
      },
      async ({ w, caller, params, services, host }) => {
        // A link onboards or changes the account: the same access as changing it.
        const account = await requireAccountToChange(w, caller, params.account, 'account');
        return createLink<Stripe.AccountLink>(
          w,
          account,
          {
            type: 'account_link',
            prefix: 'acctlink',
            path: `${publicBaseUrl(services, host)}/connect/setup`,
          },
          (url, created) => ({
            object: 'account_link',
            created,
            expires_at: created + LINK_LIFETIME_S,
            url,
          }),
          {
            account: account.id,
            type: params.type,
            refresh_url: params.refresh_url ?? null,
            return_url: params.return_url ?? null,
            state: 'new',
          } satisfies AccountLinkInternal,
        );
      },
    ),
  ],
};

/**
 * Test helper (Switchboard's own): what submitting the hosted onboarding form does, without a
 * browser, for scripts and CI: `POST /v1/test_helpers/accounts/:id/complete_onboarding`.
 */
export const onboardingHelper: Resource = {
  name: 'onboarding_helper',
  routes: [
    post(
      '/v1/test_helpers/accounts/:id/complete_onboarding',
      { ...expandParam },
      async ({ w, caller, path }) => {
        const account = await requireAccountToChange(w, caller, path.id!);
        return completeOnboarding(w, account.id, '127.0.0.1');
      },
    ),
  ],
};

/** Where a login link leads: the Express Dashboard of one account, once, until `expires_at`. */
export interface LoginLinkInternal {
  account: string;
  state: 'new' | 'opened';
  /** Unix seconds; links made before login links expired have none. */
  expires_at?: number;
}

/**
 * `POST /v1/accounts/:id/login_links`: a single-use link that logs the owner of an Express account
 * into their Express Dashboard. Here it leads to a read-only page of this server
 * (`/express/login/...`, hosted/express-dashboard.ts): the account's status, its bank accounts,
 * balance and recent payouts. It works once, within 5 minutes of its creation.
 */
export const loginLinks: Resource = {
  name: 'login_links',
  routes: [
    post(
      '/v1/accounts/:id/login_links',
      { ...expandParam },
      async ({ w, caller, path, services, host }) => {
        const account = await requireAccountToChange(w, caller, path.id!);
        if (parseData<Stripe.Account>(account).controller?.stripe_dashboard?.type !== 'express')
          throw errors.invalidRequest(
            'Login links can only be created for Express accounts (accounts whose dashboard is the Express Dashboard).',
            'account',
          );
        return createLink<Stripe.LoginLink>(
          w,
          account,
          {
            type: 'login_link',
            prefix: 'loginlink',
            path: `${publicBaseUrl(services, host)}/express/login`,
          },
          (url, created) => ({ object: 'login_link', created, url }),
          {
            account: account.id,
            state: 'new',
            expires_at: Math.floor(w.now / 1000) + LINK_LIFETIME_S,
          } satisfies LoginLinkInternal,
        );
      },
    ),
  ],
};

/** Records how far the user got with a link. */
export async function setLinkState(
  w: WriteContext,
  row: ObjectRow,
  state: AccountLinkInternal['state'],
): Promise<void> {
  await saveObject(w.db, row.id, parseData(row), {
    ...parseInternal<AccountLinkInternal | LoginLinkInternal>(row),
    state,
  });
}
