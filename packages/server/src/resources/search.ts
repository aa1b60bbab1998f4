import { errors } from '../stripe/errors.js';
import { effect, expandParam, integer, required, string } from '../stripe/params.js';
import {
  matchesQuery,
  parseSearchQuery,
  QueryError,
  type SearchFields,
} from '../domain/search-query.js';
import { listOwnObjects } from '../scope/finders.js';
import { parseData } from './common.js';
import { get, type Route } from './route.js';

/**
 * `GET /v1/<resource>/search`: the caller's objects of one type that match a query in Stripe's
 * search query language (domain/search-query.ts), newest first, as a `search_result` paged by
 * `page` (the `next_page` of the page before). Results are read at once: Stripe's search lags
 * writes by up to a minute, a test suite would rather not.
 */

export const searchTest =
  "search: Stripe's query language over charges, customers, payment intents, prices and products, paged with next_page";

/** Objects read per query of the store while a search scans the scope's objects. */
const BATCH = 200;

const cursorOf = (id: string) => Buffer.from(`after:${id}`).toString('base64url');

function afterOf(page: string): string {
  const text = Buffer.from(page, 'base64url').toString();
  if (!text.startsWith('after:')) throw errors.invalidRequest(`Invalid page: ${page}`, 'page');
  return text.slice('after:'.length);
}

/** The search route of a resource: `collection` names it in Stripe's docs (`customers`). */
export function searchRoute(collection: string, type: string, fields: SearchFields): Route {
  const path = `/v1/${collection}/search`;
  return get(
    path,
    {
      query: required(effect(string({ maxLength: 5000 }), searchTest)),
      limit: effect(integer({ min: 1, max: 100 }), searchTest),
      page: effect(string({ maxLength: 5000 }), searchTest),
      ...expandParam,
    },
    async ({ services, caller, params }) => {
      let query;
      try {
        query = parseSearchQuery(params.query, fields, collection);
      } catch (e) {
        if (e instanceof QueryError) throw errors.invalidRequest(e.message, 'query');
        throw e;
      }
      const limit = params.limit ?? 10;
      const after = params.page === undefined ? undefined : afterOf(params.page);
      let skipping = after !== undefined;
      const data: unknown[] = [];
      let hasMore = false;
      let startingAfter: string | undefined;
      // Newest first through the scope's objects, until a page and one more are found.
      scan: for (;;) {
        const batch = await listOwnObjects(
          services.dialect,
          caller,
          { type },
          { limit: BATCH, starting_after: startingAfter },
        );
        for (const row of batch.rows) {
          if (skipping) {
            skipping = row.id !== after;
            continue;
          }
          const object = parseData<{ id: string }>(row);
          if (!matchesQuery(query, object)) continue;
          if (data.length === limit) {
            hasMore = true;
            break scan;
          }
          data.push(object);
        }
        if (!batch.hasMore || batch.rows.length === 0) break;
        startingAfter = batch.rows.at(-1)!.id;
      }
      if (skipping) throw errors.invalidRequest(`Invalid page: ${params.page}`, 'page');
      const last = data.at(-1) as { id: string } | undefined;
      return {
        object: 'search_result',
        data,
        has_more: hasMore,
        next_page: hasMore && last ? cursorOf(last.id) : null,
        url: path,
      };
    },
  );
}
