import type Stripe from 'stripe';
import {
  anything,
  applyMetadata,
  boolean,
  expandParam,
  integer,
  listParams,
  metadata,
  nullableString,
  object,
  string,
} from '../stripe/params.js';
import { del, get, post, type Caller, type Resource } from './route.js';
import { previousAttributes } from '../domain/event-body.js';
import { newId } from '../domain/ids.js';
import type { WriteContext } from '../services/context.js';
import { emitEvent } from '../services/emit-event.js';
import type { ObjectRow } from '../storage/repositories/objects.js';
import { requireChild } from '../scope/finders.js';
import { platformControls } from './account-model.js';
import { refreshAccount, requireAccount, requireAccountToChange } from './accounts.js';
import { createObject, deleteObject, parseData, saveObject } from './common.js';
import { addressParams, toAddress } from './shared-params.js';

/**
 * Persons of a connected account (`/v1/accounts/{id}/persons`). Their requirements follow what has
 * been provided; `person.*` events are sent only for accounts the platform controls, as the seed says.
 */
const relationshipParams = object({
  authorizer: boolean(),
  director: boolean(),
  executive: boolean(),
  legal_guardian: boolean(),
  owner: boolean(),
  percent_ownership: anything(),
  representative: boolean(),
  title: nullableString(),
});

const personParams = {
  first_name: nullableString(),
  last_name: nullableString(),
  email: nullableString(),
  phone: nullableString(),
  dob: object({
    day: integer({ min: 1, max: 31 }),
    month: integer({ min: 1, max: 12 }),
    year: integer({ min: 1900 }),
  }),
  address: object(addressParams),
  id_number: string(),
  ssn_last_4: string({ maxLength: 4 }),
  nationality: nullableString(),
  political_exposure: anything(),
  relationship: relationshipParams,
  metadata: metadata(),
  verification: anything(),
  documents: anything(),
  additional_tos_acceptances: anything(),
  first_name_kana: anything(),
  first_name_kanji: anything(),
  last_name_kana: anything(),
  last_name_kanji: anything(),
  gender: nullableString(),
  maiden_name: nullableString(),
  full_name_aliases: anything(),
  registered_address: anything(),
  us_cfpb_data: anything(),
  person_token: string(),
  ...expandParam,
};

const representativeFields = [
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

function has(p: Stripe.Person, field: string): boolean {
  if (field === 'ssn_last_4') return p.ssn_last_4_provided === true;
  const [a, b] = field.split('.');
  const v = (p as unknown as Record<string, unknown>)[a!];
  const value = b ? (v as Record<string, unknown> | null)?.[b] : v;
  return value !== null && value !== undefined && value !== '';
}

/** A person's requirements: a representative must give everything Stripe verifies; others their names. */
function withRequirements(p: Stripe.Person): Stripe.Person {
  const needed = p.relationship?.representative
    ? representativeFields
    : ['first_name', 'last_name'];
  const due = needed.filter((f) => !has(p, f));
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

function apply(p: Stripe.Person, params: Record<string, unknown>): Stripe.Person {
  const next: Stripe.Person = { ...p };
  for (const k of [
    'first_name',
    'last_name',
    'email',
    'phone',
    'nationality',
    'gender',
    'maiden_name',
  ] as const) {
    if (params[k] !== undefined) (next as unknown as Record<string, unknown>)[k] = params[k];
  }
  if (params.dob) next.dob = { ...p.dob, ...(params.dob as object) } as Stripe.Person.Dob;
  if (params.address)
    next.address = toAddress({
      ...(p.address ?? {}),
      ...(params.address as object),
    }) as Stripe.Address;
  if (params.id_number !== undefined) next.id_number_provided = true;
  if (params.ssn_last_4 !== undefined) next.ssn_last_4_provided = true;
  if (params.relationship)
    next.relationship = {
      ...p.relationship,
      ...(params.relationship as object),
    } as Stripe.Person.Relationship;
  next.metadata = applyMetadata(p.metadata ?? {}, params.metadata as never);
  return withRequirements(next);
}

/**
 * The account whose persons a request manages. Acting as another connected account
 * (Stripe-Account) with a platform key acts for the platform, as for accounts themselves, so that
 * fixtures that create an account and then its persons run with `trigger --stripe-account`.
 */
function accountFor(db: WriteContext['db'], caller: Caller, id: string): Promise<ObjectRow> {
  return requireAccount(db, caller, id, 'id');
}

/**
 * accountFor in a write that changes the account's persons: the account row is locked until the
 * write commits (requireAccountToChange), so that the writes to one account's persons, and what
 * syncRepresentative derives from them, go one at a time.
 */
function accountToChange(w: WriteContext, caller: Caller, id: string): Promise<ObjectRow> {
  return requireAccountToChange(w, caller, id);
}

/** A person of the account (locked until the write commits, in a write). */
function requirePerson(
  db: WriteContext['db'],
  caller: Caller,
  account: ObjectRow,
  id: string,
  lock?: WriteContext,
): Promise<ObjectRow> {
  return requireChild(db, caller, account, ['person'], id, { label: 'person', lock });
}

async function emitPersonEvent(
  w: WriteContext,
  accountRow: ObjectRow,
  type: string,
  person: Stripe.Person,
  previous?: Record<string, unknown> | null,
) {
  if (!platformControls(parseData<Stripe.Account>(accountRow))) return;
  await emitEvent(w, {
    type,
    object: person as never,
    previousAttributes: previous ?? undefined,
    account: accountRow.id,
    livemode: accountRow.livemode === 1,
  });
}

/** What the account's own requirements learn from its representative. */
async function syncRepresentative(w: WriteContext, accountId: string): Promise<void> {
  const rows = await w.db
    .selectFrom('objects')
    .selectAll()
    .where('parent_id', '=', accountId)
    .where('type', '=', 'person')
    .where('deleted', '=', 0)
    .execute();
  const fields = new Set<string>();
  for (const r of rows) {
    const p = parseData<Stripe.Person>(r);
    if (!p.relationship?.representative) continue;
    for (const f of representativeFields) if (has(p, f)) fields.add(`representative.${f}`);
  }
  await refreshAccount(w, accountId, (internal) => ({
    internal: {
      ...internal,
      person_fields: [
        ...new Set([
          ...(internal.person_fields ?? []).filter((f) => !f.startsWith('representative.')),
          ...fields,
        ]),
      ],
    },
  }));
}

export const persons: Resource = {
  name: 'persons',
  routes: [
    post('/v1/accounts/:id/persons', personParams, async ({ w, caller, path, params }) => {
      const accountRow = await accountToChange(w, caller, path.id!);
      const { data } = await createObject<Stripe.Person>(w, {
        type: 'person',
        id: newId('person', 24),
        accountId: null,
        parentId: accountRow.id,
        data: (id, created) =>
          apply(
            {
              id,
              object: 'person',
              account: accountRow.id,
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
            } as unknown as Stripe.Person,
            params,
          ),
      });
      await emitPersonEvent(w, accountRow, 'person.created', data);
      await syncRepresentative(w, accountRow.id);
      return data;
    }),

    get('/v1/accounts/:id/persons/:child', expandParam, async ({ db, caller, path }) => {
      const accountRow = await accountFor(db, caller, path.id!);
      return parseData(await requirePerson(db, caller, accountRow, path.child!));
    }),

    post('/v1/accounts/:id/persons/:child', personParams, async ({ w, caller, path, params }) => {
      const accountRow = await accountToChange(w, caller, path.id!);
      const row = await requirePerson(w.db, caller, accountRow, path.child!, w);
      const before = parseData<Stripe.Person>(row);
      const after = apply(before, params);
      await saveObject(w.db, row.id, after);
      const previous = previousAttributes(before as never, after as never);
      if (previous) await emitPersonEvent(w, accountRow, 'person.updated', after, previous);
      await syncRepresentative(w, accountRow.id);
      return after;
    }),

    del('/v1/accounts/:id/persons/:child', {}, async ({ w, caller, path }) => {
      const accountRow = await accountToChange(w, caller, path.id!);
      const row = await requirePerson(w.db, caller, accountRow, path.child!, w);
      await deleteObject(w.db, row.id);
      await emitPersonEvent(w, accountRow, 'person.deleted', parseData(row));
      await syncRepresentative(w, accountRow.id);
      return { id: row.id, object: 'person', deleted: true } satisfies Stripe.DeletedPerson;
    }),

    get(
      '/v1/accounts/:id/persons',
      {
        ...listParams,
        relationship: object({
          representative: boolean(),
          owner: boolean(),
          director: boolean(),
          executive: boolean(),
          legal_guardian: boolean(),
          authorizer: boolean(),
        }),
      },
      async ({ db, caller, path, params, url }) => {
        const accountRow = await accountFor(db, caller, path.id!);
        const rows = await db
          .selectFrom('objects')
          .selectAll()
          .where('parent_id', '=', accountRow.id)
          .where('type', '=', 'person')
          .where('deleted', '=', 0)
          .orderBy('seq', 'desc')
          .execute();
        const wanted = Object.entries(params.relationship ?? {}).filter(([, v]) => v !== undefined);
        const people = rows
          .map((r) => parseData<Stripe.Person>(r))
          .filter((p) =>
            wanted.every(
              ([k, v]) =>
                Boolean((p.relationship as unknown as Record<string, unknown>)?.[k]) === v,
            ),
          );
        const limit = params.limit ?? 10;
        return {
          object: 'list',
          data: people.slice(0, limit),
          has_more: people.length > limit,
          url,
        };
      },
    ),
  ],
};
