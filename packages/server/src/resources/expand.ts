import type { Kysely } from 'kysely';
import { catalogue } from '../stripe/catalogue.js';
import { errors, StripeError } from '../stripe/errors.js';
import type { Database } from '../storage/schema.js';
import { requireAccount } from '../scope/finders.js';
import { platformView } from '../scope/scope.js';
import { parseData, requireObject } from './common.js';
import type { Caller } from './route.js';

/** Stripe expands at most four levels (`data.customer.default_source`, ...). */
const MAX_DEPTH = 4;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Applies `expand[]` to an answer, as Stripe does for every operation: each path names an id
 * field (`customer`, `transfer_data.destination`; `data.customer` in a list) that becomes the
 * object it names, as the caller may see it. A path the object cannot expand is refused as
 * Stripe refuses it; one Switchboard cannot (an object it does not store, a block only `expand`
 * shows) is refused with parameter_not_supported.
 */
export async function expandAnswer(
  db: Kysely<Database>,
  caller: Caller,
  answer: unknown,
  paths: string[],
): Promise<unknown> {
  for (const [i, path] of paths.entries()) {
    const segments = path.split('.');
    if (segments.length > MAX_DEPTH) {
      throw errors.invalidRequest(
        `You cannot expand more than ${MAX_DEPTH} levels of a property. Property: ${path}`,
        `expand[${i}]`,
      );
    }
    await expandIn(db, caller, answer, segments, path, `expand[${i}]`);
  }
  return answer;
}

async function expandIn(
  db: Kysely<Database>,
  caller: Caller,
  holder: unknown,
  segments: string[],
  path: string,
  param: string,
): Promise<void> {
  if (segments.length === 0 || !isObject(holder)) return;
  if (holder.object === 'list' || holder.object === 'search_result') {
    if (segments[0] !== 'data') throw cannotExpand(path, param);
    for (const item of holder.data as unknown[])
      await expandIn(db, caller, item, segments.slice(1), path, param);
    return;
  }
  const schema =
    holder.deleted === true ? `deleted_${String(holder.object)}` : String(holder.object);
  const table = catalogue().expandable[schema] ?? {};
  // The longest prefix that is an expandable field: `transfer_data.destination` is one step.
  for (let n = segments.length; n > 0; n--) {
    const field = segments.slice(0, n).join('.');
    const targets = table[field];
    if (targets === undefined) continue;
    if (targets.length === 0) {
      throw errors.parameterNotSupported(param, `Switchboard does not show ${schema}.${field}`);
    }
    const parent = segments
      .slice(0, n - 1)
      .reduce<unknown>((o, k) => (isObject(o) ? o[k] : undefined), holder);
    const key = segments[n - 1]!;
    if (!isObject(parent)) return;
    let value = parent[key];
    if (typeof value === 'string') {
      const found = await findExpansion(db, caller, targets, value);
      if (!found) {
        throw errors.parameterNotSupported(
          param,
          `${schema}.${field} names '${value}', which Switchboard does not hold`,
        );
      }
      parent[key] = value = found;
    }
    await expandIn(db, caller, value, segments.slice(n), path, param);
    return;
  }
  throw cannotExpand(path, param);
}

/**
 * The object an id names, as the caller may read it: its own objects, and the platform's
 * connected accounts (a transfer's `destination`); undefined when it reaches none.
 */
async function findExpansion(
  db: Kysely<Database>,
  caller: Caller,
  types: string[],
  id: string,
): Promise<unknown> {
  for (const type of types) {
    try {
      const row =
        type === 'account'
          ? await requireAccount(db, platformView(caller), id, 'read')
          : await requireObject(db, caller, type, id);
      return parseData(row);
    } catch (e) {
      if (!(e instanceof StripeError)) throw e;
    }
  }
  return undefined;
}

const cannotExpand = (path: string, param: string) =>
  errors.invalidRequest(`This property cannot be expanded (${path}).`, param);
