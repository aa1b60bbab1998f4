import { boolean, effect, listParams, range, string, type Field } from '../stripe/params.js';
import type { RangeFilter } from '../storage/repositories/objects.js';
import type { Scope } from '../scope/scope.js';
import { listVisible } from './common.js';
import { get, type Route } from './route.js';
import { listFilterTest } from './shared-params.js';

export interface FilteredList {
  /** The stored objects' type: `refund`, `radar.early_fraud_warning`. */
  type: string;
  /** String members the list may be narrowed to (`charge`, `payment_intent`): exact matches. */
  filters?: string[];
  /** Boolean members the list may be narrowed to (`active`, `expired`): exact matches. */
  flags?: string[];
  /** Numeric members besides `created` the list takes a range of (`arrival_date`). */
  ranges?: string[];
  /** How "No such ..." names the type, when not its `type` (`early fraud warning`). */
  label?: string;
  /** Whose objects the list shows, when not the caller's own (transfers: the platform's). */
  scope?: (caller: Scope) => Scope;
}

/**
 * `GET` of a top-level list with Stripe's paging, `created`, and the exact-match filters, flags
 * and ranges named: `GET /v1/refunds?charge=ch_...`. Every filter is checked by the parameter walk's
 * list-filter test.
 */
export function filteredList(path: string, list: FilteredList): Route {
  const shape: Record<string, Field<unknown, false>> = {
    created: effect(range(), listFilterTest),
  };
  for (const name of list.filters ?? []) shape[name] = effect(string(), listFilterTest);
  for (const name of list.flags ?? []) shape[name] = effect(boolean(), listFilterTest);
  for (const name of list.ranges ?? []) shape[name] = effect(range(), listFilterTest);
  return get(path, { ...listParams, ...shape }, async ({ services, caller, params, url }) => {
    const values = params as Record<string, unknown>;
    const where: Record<string, string> = {};
    for (const name of list.filters ?? []) {
      const value = values[name];
      if (typeof value === 'string' && value !== '') where[name] = value;
    }
    const matches: Record<string, boolean> = {};
    for (const name of list.flags ?? []) {
      const value = values[name];
      if (typeof value === 'boolean') matches[name] = value;
    }
    const ranges: Record<string, RangeFilter> = {};
    for (const name of list.ranges ?? []) {
      const value = values[name] as RangeFilter | undefined;
      if (value) ranges[name] = value;
    }
    return listVisible(
      services.dialect,
      list.scope ? list.scope(caller) : caller,
      url,
      {
        type: list.type,
        where,
        matches,
        created: values.created as RangeFilter | undefined,
        ranges: Object.keys(ranges).length ? ranges : undefined,
      },
      params,
      list.label ?? list.type,
    );
  });
}
