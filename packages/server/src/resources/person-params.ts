import type Stripe from 'stripe';
import {
  applyMetadata,
  array,
  boolean,
  effect,
  type Field,
  integer,
  metadata,
  type MetadataPatch,
  nullableObject,
  nullableString,
  object,
  oneOf,
  refused,
  string,
} from '../stripe/params.js';
import { errors } from '../stripe/errors.js';
import { addressParams, providedTest, toAddress } from './shared-params.js';

/**
 * The fields of a person, as `POST /v1/accounts/{id}/persons` takes them and as the account's
 * `individual` does (its representative): each applied and read back on the Person (identity
 * numbers as `*_provided`, which is all Stripe shows of them).
 */
export const japanAddressParams = { ...addressParams, town: nullableString() };

const filesNotModelled = 'identity documents are files, which Switchboard does not model';

export const personFields = {
  first_name: nullableString(),
  last_name: nullableString(),
  first_name_kana: nullableString(),
  first_name_kanji: nullableString(),
  last_name_kana: nullableString(),
  last_name_kanji: nullableString(),
  maiden_name: nullableString(),
  full_name_aliases: array(string()),
  email: nullableString(),
  phone: nullableString(),
  gender: nullableString(),
  dob: nullableObject({
    day: integer({ min: 1, max: 31 }),
    month: integer({ min: 1, max: 12 }),
    year: integer({ min: 1900 }),
  }),
  address: object(addressParams),
  address_kana: object(japanAddressParams),
  address_kanji: object(japanAddressParams),
  registered_address: object(addressParams),
  // Stripe never shows identity numbers: they read back as `*_provided: true`.
  id_number: effect(string(), providedTest),
  id_number_secondary: effect(string(), providedTest),
  ssn_last_4: effect(string({ maxLength: 4 }), providedTest),
  political_exposure: oneOf(['existing', 'none'] as const),
  metadata: metadata(),
  verification: refused(filesNotModelled),
};

/** `percent_ownership` as Stripe shows it: a number from 0 to 100, or null (`''` unsets it). */
function percentOwnership(): Field<number | null, false> {
  return {
    required: false,
    parse(value, param) {
      if (value === null || value === '') return null;
      const n = typeof value === 'number' ? value : Number(value);
      if (typeof value === 'object' || !Number.isFinite(n) || n < 0 || n > 100)
        throw errors.parameterInvalid(param, `Invalid ${param}: must be a number from 0 to 100`);
      return n;
    },
  };
}

/** The relationship of a person to the account (persons); `individual` takes a part of it. */
export const relationshipFields = {
  authorizer: boolean(),
  director: boolean(),
  executive: boolean(),
  legal_guardian: boolean(),
  owner: boolean(),
  percent_ownership: percentOwnership(),
  representative: boolean(),
  title: nullableString(),
};

export { filesNotModelled };

type Params = Record<string, unknown>;

const plain = [
  'first_name',
  'last_name',
  'first_name_kana',
  'first_name_kanji',
  'last_name_kana',
  'last_name_kanji',
  'maiden_name',
  'email',
  'phone',
  'gender',
  'nationality',
  'political_exposure',
] as const;

function japanAddress(current: unknown, given: unknown): Stripe.Person.AddressKana {
  return {
    ...toAddress({}),
    town: null,
    ...(current as object | null),
    ...(given as object),
  } as Stripe.Person.AddressKana;
}

/** Applies person parameters (already parsed) to a person, without its requirements. */
export function applyPersonFields(p: Stripe.Person, params: Params): Stripe.Person {
  const next: Stripe.Person = { ...p };
  const out = next as unknown as Record<string, unknown>;
  for (const k of plain) if (params[k] !== undefined) out[k] = params[k];
  if (params.full_name_aliases !== undefined)
    next.full_name_aliases = params.full_name_aliases as string[];
  if (params.dob !== undefined)
    next.dob =
      params.dob === null
        ? { day: null, month: null, year: null }
        : ({ ...p.dob, ...(params.dob as object) } as Stripe.Person.Dob);
  if (params.address)
    next.address = toAddress({
      ...(p.address ?? {}),
      ...(params.address as object),
    }) as Stripe.Address;
  if (params.registered_address)
    next.registered_address = toAddress({
      ...(p.registered_address ?? {}),
      ...(params.registered_address as object),
    }) as Stripe.Address;
  if (params.address_kana) next.address_kana = japanAddress(p.address_kana, params.address_kana);
  if (params.address_kanji)
    next.address_kanji = japanAddress(p.address_kanji, params.address_kanji);
  if (params.id_number !== undefined) next.id_number_provided = true;
  if (params.id_number_secondary !== undefined) next.id_number_secondary_provided = true;
  if (params.ssn_last_4 !== undefined) next.ssn_last_4_provided = true;
  if (params.relationship) {
    next.relationship = {
      ...p.relationship,
      ...(params.relationship as object),
    } as Stripe.Person.Relationship;
  }
  if (params.additional_tos_acceptances) {
    const account = (params.additional_tos_acceptances as { account?: object }).account;
    next.additional_tos_acceptances = {
      account: { ...p.additional_tos_acceptances?.account, ...account },
    } as Stripe.Person.AdditionalTosAcceptances;
  }
  next.metadata = applyMetadata(p.metadata ?? {}, params.metadata as MetadataPatch | undefined);
  return next;
}

/** What a representative gives for Stripe to verify them (the account's `representative.*`). */
export const representativeFields = [
  'first_name',
  'last_name',
  'dob.day',
  'dob.month',
  'dob.year',
  'address.line1',
  'address.city',
  'address.postal_code',
  'address.state',
  'email',
  'phone',
  'ssn_last_4',
];

/** Whether the person has given `field` (`dob.day`, `ssn_last_4`, ...). */
export function personHas(p: Stripe.Person, field: string): boolean {
  if (field === 'ssn_last_4') return p.ssn_last_4_provided === true;
  if (field === 'id_number') return p.id_number_provided === true;
  const [a, b] = field.split('.');
  const v = (p as unknown as Record<string, unknown>)[a!];
  const value = b ? (v as Record<string, unknown> | null)?.[b] : v;
  return value !== null && value !== undefined && value !== '';
}

/** A person's requirements: a representative must give everything Stripe verifies; others their names. */
export function withRequirements(p: Stripe.Person): Stripe.Person {
  const needed = p.relationship?.representative
    ? representativeFields
    : ['first_name', 'last_name'];
  const due = needed.filter((f) => !personHas(p, f));
  const req = {
    alternatives: [],
    currently_due: due,
    errors: [],
    eventually_due: due,
    past_due: [],
    pending_verification: [],
  };
  return {
    ...p,
    requirements: req,
    verification: {
      ...p.verification,
      status: due.length === 0 ? 'verified' : 'unverified',
    } as Stripe.Person.Verification,
  };
}

/** A new person of `account`, as Stripe renders one before anything is known about it. */
export function blankPerson(id: string, account: string, created: number): Stripe.Person {
  return {
    id,
    object: 'person',
    account,
    additional_tos_acceptances: { account: { date: null, ip: null, user_agent: null } },
    address: toAddress({}) as Stripe.Address,
    created,
    dob: { day: null, month: null, year: null },
    email: null,
    first_name: null,
    future_requirements: {
      alternatives: [],
      currently_due: [],
      errors: [],
      eventually_due: [],
      past_due: [],
      pending_verification: [],
    },
    id_number_provided: false,
    last_name: null,
    metadata: {},
    phone: null,
    relationship: {
      authorizer: null,
      director: false,
      executive: false,
      legal_guardian: null,
      owner: false,
      percent_ownership: null,
      representative: false,
      title: null,
    },
    requirements: null,
    ssn_last_4_provided: false,
    verification: {
      additional_document: { back: null, details: null, details_code: null, front: null },
      details: null,
      details_code: null,
      document: { back: null, details: null, details_code: null, front: null },
      status: 'unverified',
    },
  } as unknown as Stripe.Person;
}

export type { MetadataPatch };
