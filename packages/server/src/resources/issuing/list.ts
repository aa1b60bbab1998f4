import type { RangeFilter } from '../../storage/repositories/objects.js';
import { effect, listParams, range, string } from '../../stripe/params.js';
import { listVisible } from '../common.js';
import { get, type Route } from '../route.js';

/**
 * `GET` of an Issuing list: newest first, paged, by `created` and by exact matches of members
 * that may sit deeper in the object than the parameter's name (an authorization's `card` is the
 * whole card: `card` narrows by `card.id`). `test` names the test that checks the filters.
 */
export function issuingList(
  path: string,
  list: { type: string; label: string; filters: Record<string, string>; test: string },
): Route {
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
