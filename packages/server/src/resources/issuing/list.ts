import type { RangeFilter } from '../../storage/repositories/objects.js';
import { effect, expandParam, listParams, range, string } from '../../stripe/params.js';
import { listVisible, parseData, requireObject } from '../common.js';
import { get, type Route } from '../route.js';

interface IssuingList {
  type: string;
  label: string;
  filters: Record<string, string>;
  test: string;
}

/** The reads of an Issuing collection: its list (issuingList) and the retrieve of one. */
export function issuingReads(path: string, list: IssuingList): Route[] {
  return [
    issuingList(path, list),
    get(`${path}/:id`, expandParam, async ({ db, caller, path: at }) =>
      parseData(await requireObject(db, caller, list.type, at.id!, list.label)),
    ),
  ];
}

/**
 * `GET` of an Issuing list: newest first, paged, by `created` and by exact matches of members
 * that may sit deeper in the object than the parameter's name (an authorization's `card` is the
 * whole card: `card` narrows by `card.id`). `test` names the test that checks the filters.
 */
export function issuingList(path: string, list: IssuingList): Route {
  const shape = Object.fromEntries(
    Object.keys(list.filters).map((name) => [name, effect(string(), list.test)]),
  );
  return get(
    path,
    { ...listParams, created: effect(range(), list.test), ...shape },
    async ({ services, caller, params, url }) => {
      const values = params as Record<string, unknown>;
      const matches = Object.fromEntries(
        Object.entries(list.filters)
          .filter(([name]) => typeof values[name] === 'string' && values[name] !== '')
          .map(([name, member]) => [member, values[name]]),
      );
      return listVisible(
        services.dialect,
        caller,
        url,
        { type: list.type, matches, created: values.created as RangeFilter | undefined },
        params,
        list.label,
      );
    },
  );
}
