import { currencyOfCountry } from '../domain/currencies.js';
import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import {
  effect,
  expandParam,
  integer,
  nullableString,
  refused,
  object,
  oneOf,
  required,
  string,
} from '../stripe/params.js';
import { get, post, type Resource } from './route.js';
import { newId } from '../domain/ids.js';
import {
  bankTokens,
  brandLabels,
  luhnValid,
  testCardName,
  testCardNumbers,
  testCards,
} from '../domain/test-instruments.js';
import type { WriteContext } from '../services/context.js';
import type { Scope } from '../scope/scope.js';
import type { PlatformRow } from '../storage/repositories/platforms.js';
import {
  createObject,
  parseData,
  parseInternal,
  requireObject,
  requireObjectToChange,
  saveObject,
} from './common.js';

/**
 * Tokens (`/v1/tokens`): a card or a bank account, from raw details (what Stripe.js and the mobile
 * SDKs send with a publishable key) or Stripe's test tokens (`tok_visa`, `btok_us`). A token is
 * used once: to create a payment method (`card[token]`), as an external account, or as a charge's
 * `source` (consumeToken). Tokens belong to the scope that made them: the platform, or the
 * connected account acted as (Stripe-Account).
 */

/** What a token stands for. */
export interface TokenInternal {
  /** A card token: the test card it behaves as (`pm_card_visa`). */
  card?: string;
  /** A bank account token: its details. */
  bank?: BankDetails;
}

export interface BankDetails {
  country: string;
  currency: string;
  account_number: string;
  routing_number: string;
  account_holder_name: string | null;
  account_holder_type: 'individual' | 'company' | null;
  account_type?: 'checking' | 'savings' | 'futsu' | 'toza' | null;
}

/**
 * The card a raw card number is: Stripe's test numbers only, as test mode takes them (live mode
 * too: Switchboard's live mode rehearses production with test cards, never real ones).
 */
export function cardForNumber(number: string, param: string): string {
  const digits = number.replace(/[\s-]/g, '');
  if (!luhnValid(digits))
    throw errors.cardError('Your card number is incorrect.', 'incorrect_number', undefined, {
      param,
    });
  const name = testCardNumbers[digits];
  if (!name)
    throw errors.cardError(
      'Your card was declined. Your request was in test mode, but used a non test (live) card. For a list of valid test cards, visit: https://stripe.com/docs/testing.',
      'card_declined',
      'test_mode_live_card',
      { param },
    );
  return name;
}

/** The year and month a card expires; an expired or impossible date is Stripe's card error. */
export function checkExpiry(
  month: number,
  year: number,
  now: number,
  param: string,
): { exp_month: number; exp_year: number } {
  const fullYear = year < 100 ? 2000 + year : year;
  if (month < 1 || month > 12)
    throw errors.cardError(
      "Your card's expiration month is invalid.",
      'invalid_expiry_month',
      undefined,
      {
        param: `${param}[exp_month]`,
      },
    );
  const today = new Date(now);
  const expired =
    fullYear < today.getUTCFullYear() ||
    (fullYear === today.getUTCFullYear() && month < today.getUTCMonth() + 1);
  if (expired || fullYear > today.getUTCFullYear() + 50)
    throw errors.cardError(
      "Your card's expiration year is invalid.",
      'invalid_expiry_year',
      undefined,
      {
        param: `${param}[exp_year]`,
      },
    );
  return { exp_month: month, exp_year: fullYear };
}

/** The same card always has the same fingerprint within a platform, as on Stripe. */
export function fingerprint(platform: PlatformRow, what: string): string {
  return createHash('sha256')
    .update(`${platform.id}:${what}`)
    .digest('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 16);
}

/** A card as a token (and a customer's card source) shows it. */
export function cardObject(
  w: Pick<WriteContext, 'platform'>,
  name: string,
  expiry: { exp_month: number; exp_year: number },
  holder: string | null,
  /** Whether a CVC came with the card: Stripe shows `unchecked` until a charge checks it. */
  cvc = true,
): Stripe.Card {
  const card = testCards[name]!;
  return {
    id: newId('card', 24),
    object: 'card',
    address_city: null,
    address_country: null,
    address_line1: null,
    address_line1_check: null,
    address_line2: null,
    address_state: null,
    address_zip: null,
    address_zip_check: null,
    brand: brandLabels[card.brand] ?? card.brand,
    country: card.country,
    cvc_check: cvc ? 'unchecked' : null,
    dynamic_last4: null,
    exp_month: expiry.exp_month,
    exp_year: expiry.exp_year,
    fingerprint: fingerprint(w.platform, name),
    funding: card.funding,
    last4: card.last4,
    metadata: {},
    name: holder,
    tokenization_method: null,
    wallet: null,
  } as unknown as Stripe.Card;
}

/** The test that checks the details that show only as what they make (last4, cvc_check). */
const SHOWN =
  'a token shows what its card or bank details were: last4, cvc_check, the account type';

const cardParams = object({
  number: required(effect(string({ maxLength: 30 }), SHOWN)),
  exp_month: required(integer()),
  exp_year: required(integer()),
  cvc: effect(string({ maxLength: 4 }), SHOWN),
  name: nullableString(),
  currency: refused('debit cards as external accounts in other currencies are not modelled'),
});

const bankParams = object({
  country: required(string({ maxLength: 2 })),
  currency: string({ maxLength: 3 }),
  account_number: required(effect(string({ maxLength: 34 }), SHOWN)),
  routing_number: string({ maxLength: 34 }),
  account_holder_name: nullableString(),
  account_holder_type: oneOf(['individual', 'company'] as const),
  account_type: oneOf(['checking', 'savings', 'futsu', 'toza'] as const),
});

/** A bank account token's `bank_account`, as a token and an external account show it. */
export function bankAccountObject(w: WriteContext, b: BankDetails): Stripe.BankAccount {
  return {
    id: newId('ba', 24),
    object: 'bank_account',
    account_holder_name: b.account_holder_name,
    account_holder_type: b.account_holder_type,
    account_type: b.account_type ?? null,
    bank_name: 'STRIPE TEST BANK',
    country: b.country,
    currency: b.currency,
    fingerprint: fingerprint(w.platform, `${b.routing_number}/${b.account_number}`),
    last4: b.account_number.slice(-4),
    routing_number: b.routing_number,
    status: 'new',
  } as unknown as Stripe.BankAccount;
}

function bankDetails(p: {
  country: string;
  currency?: string | undefined;
  account_number: string;
  routing_number?: string | undefined;
  account_holder_name?: string | null | undefined;
  account_holder_type?: 'individual' | 'company' | undefined;
  account_type?: 'checking' | 'savings' | 'futsu' | 'toza' | undefined;
}): BankDetails {
  const country = p.country.toUpperCase();
  if (country === 'US' && !/^\d{9}$/.test(p.routing_number ?? ''))
    throw errors.parameterInvalid(
      'bank_account[routing_number]',
      'Routing number must have 9 digits',
      'routing_number_invalid',
    );
  return {
    country,
    currency: (p.currency ?? currencyOfCountry(country)).toLowerCase(),
    account_number: p.account_number,
    routing_number: p.routing_number ?? '',
    account_holder_name: p.account_holder_name ?? null,
    account_holder_type: p.account_holder_type ?? null,
    account_type: p.account_type ?? null,
  };
}

/**
 * A token of the scope by id, for the use that consumes it: a test token (`tok_visa`,
 * `btok_us`) stands for its card or bank account each time; a token made with `/v1/tokens` is
 * used once (`token_already_used` after), and only as what it is (a card token as a card).
 */
export async function consumeToken(
  w: WriteContext,
  scope: Scope,
  id: string,
  kind: 'card' | 'bank_account',
  param: string,
): Promise<TokenInternal & { object?: Stripe.Card }> {
  if (kind === 'card') {
    const known = testCardName(id);
    if (known) return { card: known };
  }
  if (kind === 'bank_account' && bankTokens[id]) {
    const t = bankTokens[id]!;
    return {
      bank: {
        country: t.country,
        currency: t.currency,
        account_number: t.accountNumber,
        routing_number: '110000000',
        account_holder_name: null,
        account_holder_type: null,
      },
    };
  }
  const row = await requireObjectToChange(w, scope, 'token', id, 'token', param);
  const token = parseData<Stripe.Token>(row);
  const internal = parseInternal<TokenInternal>(row);
  if (token.used)
    throw errors.invalidRequest(
      `You cannot use a Stripe token more than once: ${id}.`,
      param,
      'token_already_used',
    );
  if (token.type !== kind)
    throw errors.invalidRequest(
      `The token ${id} is a ${token.type.replace('_', ' ')} token: ${param} takes a ${kind.replace('_', ' ')} token.`,
      param,
    );
  await saveObject(w.db, row.id, { ...token, used: true });
  return { ...internal, ...(token.card ? { object: token.card } : {}) };
}

export const tokens: Resource = {
  name: 'tokens',
  routes: [
    post(
      '/v1/tokens',
      {
        card: cardParams,
        bank_account: bankParams,
        customer: refused('card sources on customers are not modelled'),
        ...expandParam,
      },
      async ({ w, params }) => {
        const given = [params.card, params.bank_account].filter((v) => v !== undefined).length;
        if (given !== 1)
          throw errors.invalidRequest(
            'You must supply one of card or bank_account to create a token (Switchboard models card and bank account tokens).',
          );
        if (params.card) {
          const c = params.card;
          const name = cardForNumber(c.number, 'card[number]');
          const expiry = checkExpiry(c.exp_month, c.exp_year, w.now, 'card');
          const { data } = await createObject<Stripe.Token>(w, {
            type: 'token',
            prefix: 'tok',
            data: (id, created) =>
              ({
                id,
                object: 'token',
                card: cardObject(w, name, expiry, c.name ?? null, c.cvc !== undefined),
                client_ip: null,
                created,
                livemode: w.livemode,
                type: 'card',
                used: false,
              }) as Stripe.Token,
            internal: { card: name } satisfies TokenInternal,
          });
          return data;
        }
        const bank = bankDetails(params.bank_account!);
        const { data } = await createObject<Stripe.Token>(w, {
          type: 'token',
          id: newId('btok', 24),
          data: (id, created) =>
            ({
              id,
              object: 'token',
              bank_account: bankAccountObject(w, bank),
              client_ip: null,
              created,
              livemode: w.livemode,
              type: 'bank_account',
              used: false,
            }) as Stripe.Token,
          internal: { bank } satisfies TokenInternal,
        });
        return data;
      },
      { publishable: true },
    ),

    get('/v1/tokens/:id', expandParam, async ({ db, caller, path }) =>
      parseData(await requireObject(db, caller, 'token', path.id!)),
    ),
  ],
};
