import type { Kysely } from 'kysely';
import { integer } from '../stripe/params.js';
import { get, type Resource } from './route.js';
import { attemptStats } from '../domain/delivery-summary.js';
import { attemptCountsByMinute } from '../storage/repositories/delivery-summary.js';
import {
  listEndpoints,
  type EndpointQuery,
  type EndpointRow,
} from '../storage/repositories/endpoints.js';
import type { Database } from '../storage/schema.js';
import { requireDestination } from './v2/event-destinations.js';
import { requireEndpoint } from './webhook-endpoints.js';

const minutesParam = { minutes: integer({ min: 1, max: 1440 }) };

function render(
  endpoint: EndpointRow,
  stats: ReturnType<typeof attemptStats>,
  minutes: number,
  withBuckets: boolean,
) {
  return {
    object: 'webhook_endpoint_stats' as const,
    webhook_endpoint: endpoint.id,
    minutes,
    attempts: stats.attempts,
    failed: stats.failed,
    failure_rate: stats.failureRate,
    /** Start of the endpoint's current failure streak (unix seconds), or null. */
    failing_since:
      endpoint.failing_since_ms === null
        ? null
        : Math.floor(Number(endpoint.failing_since_ms) / 1000),
    ...(withBuckets
      ? {
          buckets: stats.buckets.map((b) => ({
            minute: b.minute / 1000,
            succeeded: b.succeeded,
            failed: b.failed,
          })),
        }
      : {}),
  };
}

/** One endpoint's (or event destination's) attempts over the last `minutes`, minute by minute. */
async function statsOf(db: Kysely<Database>, endpoint: EndpointRow, minutes: number, now: number) {
  const since = (Math.floor(now / 60_000) - minutes + 1) * 60_000;
  const counts = await attemptCountsByMinute(db, [endpoint.id], since);
  return render(endpoint, attemptStats(counts, now, minutes), minutes, true);
}

/**
 * The counts and failure rate over the last `minutes` of each endpoint (or destination) a query
 * lists, at most `limit` of them, as a list.
 */
async function statsList(
  db: Kysely<Database>,
  query: EndpointQuery,
  limit: number,
  minutes: number,
  now: number,
  url: string,
) {
  const { rows } = await listEndpoints(db, query, { limit });
  const since = (Math.floor(now / 60_000) - minutes + 1) * 60_000;
  const counts = await attemptCountsByMinute(
    db,
    rows.map((r) => r.id),
    since,
  );
  const data = rows.map((r) =>
    render(
      r,
      attemptStats(
        counts.filter((c) => c.endpoint_id === r.id),
        now,
        minutes,
      ),
      minutes,
      false,
    ),
  );
  return { object: 'list', data, has_more: false, url };
}

/**
 * Delivery attempts per endpoint over the last `minutes` (60 by default) on the server's clock:
 * counts, failure rate and, for one endpoint, one bucket per minute (Switchboard's API, for the
 * dashboard's endpoint list and chart).
 */
export const webhookEndpointStats: Resource = {
  name: 'webhook_endpoint_stats',
  routes: [
    get(
      '/v1/switchboard/webhook_endpoints/:id/stats',
      minutesParam,
      async ({ db, caller, path, params, now }) =>
        statsOf(db, await requireEndpoint(db, caller, path.id!), params.minutes ?? 60, now),
      { permission: 'webhook_endpoints:read' },
    ),
    get(
      '/v1/switchboard/event_destinations/:id/stats',
      minutesParam,
      async ({ db, caller, path, params, now }) =>
        statsOf(db, await requireDestination(db, caller, path.id!), params.minutes ?? 60, now),
      { permission: 'webhook_endpoints:read' },
    ),
    get(
      '/v1/switchboard/webhook_endpoint_stats',
      minutesParam,
      async ({ db, caller, params, now, url, services }) =>
        statsList(
          db,
          {
            platformId: caller.platform.id,
            livemode: caller.livemode,
            accountId: caller.accountId,
            kind: 'webhook',
          },
          services.config.maxEndpoints,
          params.minutes ?? 60,
          now,
          url,
        ),
      { permission: 'webhook_endpoints:read' },
    ),
    // The caller's event destinations, as /v2/core/event_destinations lists them.
    get(
      '/v1/switchboard/event_destination_stats',
      minutesParam,
      async ({ db, caller, params, now, url, services }) =>
        statsList(
          db,
          {
            platformId: caller.platform.id,
            livemode: caller.livemode,
            accountId: caller.accountId,
            kind: 'destination',
          },
          services.config.maxEventDestinations,
          params.minutes ?? 60,
          now,
          url,
        ),
      { permission: 'webhook_endpoints:read' },
    ),
  ],
};
