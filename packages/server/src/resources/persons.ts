import type Stripe from 'stripe';
import {
  boolean,
  effect,
  expandParam,
  integer,
  listParams,
  nullableString,
  object,
  refused,
  string,
} from '../stripe/params.js';
import { aliasRoutes, del, get, post, type Caller, type Resource, type Route } from './route.js';
import { previousAttributes } from '../domain/event-body.js';
import { newId } from '../domain/ids.js';
import type { WriteContext } from '../services/context.js';
import { emitEvent } from '../services/emit-event.js';
import type { ObjectRow } from '../storage/repositories/objects.js';
import { requireChild } from '../scope/finders.js';
import { platformControls } from './account-model.js';
import {
  refreshAccount,
  representativeRow,
  requireAccount,
  requireAccountToChange,
} from './accounts.js';
import {
  createObject,
  deleteObject,
  findObjectToChange,
  pageOf,
  parseData,
  saveObject,
} from './common.js';
import { listFilterTest } from './shared-params.js';
import {
  applyPersonFields,
  blankPerson,
  filesNotModelled,
  personFields,
  relationshipFields,
  withRequirements,
} from './person-params.js';

/**
 * Persons of a connected account (`/v1/accounts/{id}/persons`). Their requirements follow what has
 * been provided; `person.*` events are sent only for accounts the platform controls, as the seed says.
 */
const personParams = {
  ...personFields,
  nationality: nullableString(),
  relationship: object(relationshipFields),
  additional_tos_acceptances: object({
    account: object({ date: integer(), ip: string(), user_agent: nullableString() }),
  }),
  documents: refused(filesNotModelled),
  us_cfpb_data: refused('self-reported demographic data is not modelled'),
  person_token: refused('person tokens are not modelled'),
  ...expandParam,
};

function apply(p: Stripe.Person, params: Record<string, unknown>): Stripe.Person {
  return withRequirements(applyPersonFields(p, params));
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
 * the account derives from them, go one at a time.
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

/**
 * Creates a person of the account (`person.created`). With `sync` (the default) the account
 * learns what it changes at once (its requirements, `individual`); a caller that changes the
 * account further passes `sync: false` and refreshes it once at the end.
 */
export async function createPerson(
  w: WriteContext,
  accountRow: ObjectRow,
  params: Record<string, unknown>,
  options: { sync?: boolean } = {},
): Promise<Stripe.Person> {
  const { data } = await createObject<Stripe.Person>(w, {
    type: 'person',
    id: newId('person', 24),
    accountId: null,
    parentId: accountRow.id,
    data: (id, created) => apply(blankPerson(id, accountRow.id, created), params),
  });
  await emitPersonEvent(w, accountRow, 'person.created', data);
  if (options.sync !== false) await refreshAccount(w, accountRow.id);
  return data;
}

/** Updates a person of the account (`person.updated` when something changed). */
export async function updatePerson(
  w: WriteContext,
  accountRow: ObjectRow,
  row: ObjectRow,
  params: Record<string, unknown>,
  options: { sync?: boolean } = {},
): Promise<Stripe.Person> {
  const before = parseData<Stripe.Person>(row);
  const after = apply(before, params);
  await saveObject(w.db, row.id, after);
  const previous = previousAttributes(before as never, after as never);
  if (previous) await emitPersonEvent(w, accountRow, 'person.updated', after, previous);
  if (options.sync !== false) await refreshAccount(w, accountRow.id);
  return after;
}

/**
 * The account's `individual` (what `individual[...]` on an account creates or changes): its
 * representative person, listed with its persons, created on first use.
 */
export async function applyIndividual(
  w: WriteContext,
  accountRow: ObjectRow,
  params: Record<string, unknown>,
): Promise<Stripe.Person> {
  const existing = await representativeRow(w, accountRow.id);
  const row = existing ? await findObjectToChange(w, existing.id) : undefined;
  if (row) return updatePerson(w, accountRow, row, params, { sync: false });
  const relationship = { ...(params.relationship as object | undefined), representative: true };
  return createPerson(w, accountRow, { ...params, relationship }, { sync: false });
}

const personRoutes: Route[] = [
  post('/v1/accounts/:id/persons', personParams, async ({ w, caller, path, params }) =>
    createPerson(w, await accountToChange(w, caller, path.id!), params),
  ),

  get('/v1/accounts/:id/persons/:child', expandParam, async ({ db, caller, path }) => {
    const accountRow = await accountFor(db, caller, path.id!);
    return parseData(await requirePerson(db, caller, accountRow, path.child!));
  }),

  post('/v1/accounts/:id/persons/:child', personParams, async ({ w, caller, path, params }) => {
    const accountRow = await accountToChange(w, caller, path.id!);
    const row = await requirePerson(w.db, caller, accountRow, path.child!, w);
    return updatePerson(w, accountRow, row, params);
  }),

  del('/v1/accounts/:id/persons/:child', {}, async ({ w, caller, path }) => {
    const accountRow = await accountToChange(w, caller, path.id!);
    const row = await requirePerson(w.db, caller, accountRow, path.child!, w);
    await deleteObject(w.db, row.id);
    await emitPersonEvent(w, accountRow, 'person.deleted', parseData(row));
    await refreshAccount(w, accountRow.id);
    return { id: row.id, object: 'person', deleted: true } satisfies Stripe.DeletedPerson;
  }),

  get(
    '/v1/accounts/:id/persons',
    {
      ...listParams,
      relationship: effect(
        object({
          representative: boolean(),
          owner: boolean(),
          director: boolean(),
          executive: boolean(),
          legal_guardian: boolean(),
          authorizer: boolean(),
        }),
        listFilterTest,
      ),
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
            ([k, v]) => Boolean((p.relationship as unknown as Record<string, unknown>)?.[k]) === v,
          ),
        );
      return pageOf(people, params, url, 'person');
    },
  ),
];

/** Persons, also under `/v1/accounts/{account}/people`, Stripe's older name for them. */
export const persons: Resource = {
  name: 'persons',
  routes: [...personRoutes, ...aliasRoutes(personRoutes, '/persons', '/people')],
};
