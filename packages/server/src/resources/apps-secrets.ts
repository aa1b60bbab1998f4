import type Stripe from 'stripe';
import {
  effect,
  expandParam,
  integer,
  listParams,
  object,
  oneOf,
  required,
  string,
} from '../stripe/params.js';
import { errors } from '../stripe/errors.js';
import { writeDialect, type WriteContext } from '../services/context.js';
import { scheduleTask, type TaskPayload } from '../services/scheduler.js';
import { listOwnObjects } from '../scope/finders.js';
import type { Scope } from '../scope/scope.js';
import type { Dialect } from '../storage/dialect.js';
import { get, post, type Resource } from './route.js';
import {
  createObject,
  deleteObject,
  findObjectToChange,
  listOf,
  parseData,
  parseInternal,
  saveObject,
} from './common.js';
import { futureTime } from './file-links.js';

/**
 * Stripe Apps' Secret Store (`/v1/apps/secrets`): secrets kept per account (the caller's scope)
 * and per secret scope (`account`, or `user` with `scope[user]`), unique by name within it. A
 * create with a name already used replaces that secret's payload and expiry. The payload is kept
 * apart from the object (the `internal` column) and shown by `find` only, as Stripe does; it is
 * never logged (request logs carry no bodies). A secret with `expires_at` is deleted then, on the
 * server's clock.
 */
export const SECRET_TEST =
  'stores a secret per account and scope, finds it with its payload, deletes it by name';
const EXPIRE_TASK = 'apps.secret.expire';
const TYPE = 'apps.secret';

const scopeField = object({ type: required(oneOf(['account', 'user'] as const)), user: string() });
const byScope = effect(required(scopeField), SECRET_TEST);
const byName = effect(required(string({ maxLength: 5000 })), SECRET_TEST);

interface SecretInternal {
  payload: string;
}

/** `scope` as Stripe shows it: a user scope names its user, an account scope does not. */
function scopeOf(scope: { type: string; user?: string | undefined }): Stripe.Apps.Secret.Scope {
  if (scope.type === 'user' && !scope.user) throw errors.parameterMissing('scope[user]');
  if (scope.type === 'account' && scope.user !== undefined)
    throw errors.invalidRequest(
      'scope[user] can only be given with scope[type]=user.',
      'scope[user]',
    );
  return scope.type === 'user'
    ? { type: 'user', user: scope.user! }
    : ({ type: 'account' } as Stripe.Apps.Secret.Scope);
}

/** The exact matches that find the secrets of one secret scope. */
function scopeMatches(scope: Stripe.Apps.Secret.Scope): Record<string, unknown> {
  return scope.type === 'user'
    ? { 'scope.type': 'user', 'scope.user': scope.user }
    : { 'scope.type': 'account' };
}

/** The live secret named `name` in the caller's scope and the secret scope, or undefined. */
async function findSecret(
  dialect: Dialect,
  caller: Scope,
  name: string,
  scope: Stripe.Apps.Secret.Scope,
  nowMs: number,
) {
  const page = await listOwnObjects(
    dialect,
    caller,
    { type: TYPE, matches: { name, ...scopeMatches(scope) } },
    { limit: 1 },
  );
  const row = page.rows[0];
  if (!row) return undefined;
  // Past its expiry, before the task that deletes it has run.
  const secret = parseData<Stripe.Apps.Secret>(row);
  return secret.expires_at !== null && secret.expires_at * 1000 <= nowMs ? undefined : row;
}

const noSuchSecret = (name: string) =>
  errors.invalidRequest(
    `No such secret: '${name}' in this scope.`,
    'name',
    'resource_missing',
    404,
  );

async function expireLater(w: WriteContext, secret: Stripe.Apps.Secret): Promise<void> {
  if (secret.expires_at === null) return;
  await scheduleTask(w, EXPIRE_TASK, secret.expires_at * 1000, {
    livemode: w.livemode,
    accountId: w.accountId,
    secret: secret.id,
    expires_at: secret.expires_at,
  });
}

/** Deletes a secret at its expiry, unless it was replaced with another expiry since. */
async function expire(w: WriteContext, payload: TaskPayload): Promise<void> {
  const row = await findObjectToChange(w, payload.secret as string);
  if (!row || row.deleted) return;
  if (parseData<Stripe.Apps.Secret>(row).expires_at !== payload.expires_at) return;
  await deleteObject(w.db, row.id);
}

/** The same dialect, reading in the write's transaction (SQLite has one writer: this one). */

export const appsSecrets: Resource = {
  name: 'apps.secrets',
  routes: [
    post(
      '/v1/apps/secrets',
      {
        name: required(string({ maxLength: 5000 })),
        payload: effect(required(string({ maxLength: 5000 })), SECRET_TEST),
        scope: required(scopeField),
        expires_at: integer(),
        ...expandParam,
      },
      async ({ w, caller, params }) => {
        const scope = scopeOf(params.scope);
        const expiresAt =
          params.expires_at === undefined
            ? null
            : futureTime(params.expires_at, w.now, 'expires_at');
        const internal: SecretInternal = { payload: params.payload };
        const existing = await findSecret(writeDialect(w), caller, params.name, scope, w.now);
        if (existing) {
          const row = await findObjectToChange(w, existing.id);
          const replaced = { ...parseData<Stripe.Apps.Secret>(row!), expires_at: expiresAt };
          await saveObject(w.db, existing.id, replaced, internal);
          await expireLater(w, replaced);
          return replaced;
        }
        const { data } = await createObject<Stripe.Apps.Secret>(w, {
          type: TYPE,
          prefix: 'appsecret',
          internal,
          data: (id, created) =>
            ({
              id,
              object: TYPE,
              created,
              expires_at: expiresAt,
              livemode: w.livemode,
              name: params.name,
              scope,
            }) as Stripe.Apps.Secret,
        });
        await expireLater(w, data);
        return data;
      },
    ),

    get(
      '/v1/apps/secrets/find',
      { name: byName, scope: byScope, ...expandParam },
      async ({ services, caller, params, now }) => {
        const row = await findSecret(
          services.dialect,
          caller,
          params.name,
          scopeOf(params.scope),
          now,
        );
        if (!row) throw noSuchSecret(params.name);
        return {
          ...parseData<Stripe.Apps.Secret>(row),
          payload: parseInternal<SecretInternal>(row).payload,
        };
      },
    ),

    post(
      '/v1/apps/secrets/delete',
      { name: byName, scope: byScope, ...expandParam },
      async ({ w, caller, params }) => {
        const found = await findSecret(
          writeDialect(w),
          caller,
          params.name,
          scopeOf(params.scope),
          w.now,
        );
        if (!found) throw noSuchSecret(params.name);
        await deleteObject(w.db, found.id);
        return { ...parseData<Stripe.Apps.Secret>(found), deleted: true };
      },
    ),

    get(
      '/v1/apps/secrets',
      { ...listParams, scope: byScope },
      async ({ services, caller, params, url, now }) => {
        const scope = scopeOf(params.scope);
        const page = await listOwnObjects(
          services.dialect,
          caller,
          { type: TYPE, matches: scopeMatches(scope) },
          params,
          'secret',
        );
        const live = page.rows
          .map((r) => parseData<Stripe.Apps.Secret>(r))
          .filter((s) => s.expires_at === null || s.expires_at * 1000 > now);
        return listOf(url, page, live);
      },
    ),
  ],
  tasks: { [EXPIRE_TASK]: expire },
};
