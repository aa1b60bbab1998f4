import { errors } from '../stripe/errors.js';
import {
  array,
  boolean,
  effect,
  expandParam,
  listParams,
  range,
  string,
} from '../stripe/params.js';

const filtersTest = 'filters events by type with wildcards, types[] and created';
import { get, post, RawJson, type Caller, type Resource } from './route.js';
import { retentionStart } from '../domain/retention.js';
import { scopeAndModeMatch } from '../domain/routing.js';
import type { WriteContext } from '../services/context.js';
import { queueDeliveries } from '../services/emit-event.js';
import { toRoutable } from '../services/routing-cache.js';
import type { EndpointRow } from '../storage/repositories/endpoints.js';
import { deliveriesForEvent } from '../storage/repositories/deliveries.js';
import { listEvents, type EventRow } from '../storage/repositories/events.js';
import {
  findEventOf,
  findResendTarget,
  listenSessionsOf,
  requireEvent as requireScopedEvent,
  type EventReach,
} from '../scope/finders.js';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { attemptList } from './attempt-list.js';
import { listOf, pageRequest } from './common.js';
import { eventJson, renderDelivery } from './render.js';

/**
 * The events a caller sees: its platform's own (or, acting as a connected account, that
 * account's), v1 events, in its mode, within retention. Anything else is "No such event", as on
 * Stripe. `scope` widens or moves that: another `account` (null: the platform's own),
 * `anyAccount` (the platform's and every connected account's, for Switchboard's platform-wide
 * routes), other `objects` (`v2.core.event`) — within what the caller's scope reaches
 * (scope/finders.ts eventAccounts: an OAuth token, only its account's).
 */
export function requireEvent(
  db: Kysely<Database>,
  caller: Caller,
  id: string,
  window: { now: number; days: number },
  scope: { account?: string | null; anyAccount?: boolean; objects?: readonly string[] } = {},
): Promise<EventRow> {
  const reach: EventReach = scope.anyAccount
    ? { kind: 'platform-wide' }
    : scope.account !== undefined
      ? { kind: 'account', account: scope.account }
      : { kind: 'own' };
  return requireScopedEvent(db, caller, id, {
    notBefore: retentionStart(window.now, window.days),
    reach,
    objects: scope.objects,
  });
}

/**
 * Where a resend of `event` may go: a webhook endpoint of the caller's platform (or, with
 * `destinations`, an event destination) that receives events of the event's scope and mode, and
 * of its kind (v2 thin events go to thin destinations only, v1 events to the others). Any other
 * id is refused, naming the parameter it came in.
 */
export async function resendTarget(
  db: Kysely<Database>,
  caller: Caller,
  event: EventRow,
  target: { id: string; param: string; destinations: boolean },
): Promise<EndpointRow> {
  const kinds = target.destinations ? ['webhook', 'destination'] : ['webhook'];
  const what = target.destinations ? 'webhook endpoint or event destination' : 'webhook endpoint';
  const endpoint = await findResendTarget(db, caller, target.id);
  if (!endpoint || !kinds.includes(endpoint.kind))
    throw errors.resourceMissing(what, target.id, target.param);
  const routable = toRoutable(endpoint);
  const thin = event.object === 'v2.core.event';
  const fits = routable.payload === 'both' || thin === (routable.payload === 'thin');
  if (!fits) {
    throw errors.invalidRequest(
      `Event ${event.id} is a ${thin ? 'v2 (thin)' : 'v1 (snapshot)'} event: ${endpoint.id} takes ${thin ? 'v1 snapshot events only' : 'v2 thin events only'}.`,
      target.param,
    );
  }
  const scoped = scopeAndModeMatch(
    {
      id: event.id as never,
      platformId: event.platform_id as never,
      account: event.account_id as never,
      livemode: event.livemode === 1,
      type: event.type,
      object: thin ? 'v2.core.event' : 'event',
    },
    routable,
  );
  if (!scoped) {
    throw errors.invalidRequest(
      `Event ${event.id} cannot be sent to ${what} ${endpoint.id}: the ${endpoint.kind === 'destination' ? 'destination' : 'endpoint'} does not receive events of this ${event.account_id ? 'connected account' : 'account'} in ${event.livemode ? 'live' : 'test'} mode.`,
      target.param,
    );
  }
  return endpoint;
}

/** Queues one resend of an event to one endpoint: a single attempt, outside the retry schedule. */
export async function queueResend(
  w: WriteContext,
  event: EventRow,
  endpointId: string,
): Promise<void> {
  await queueDeliveries(w, event.id, [endpointId], { oneShot: true });
}

export const events: Resource = {
  name: 'events',
  routes: [
    get(
      '/v1/events',
      {
        ...listParams,
        type: effect(string({ maxLength: 200 }), filtersTest),
        types: effect(array(string({ maxLength: 200 }), { max: 20 }), filtersTest),
        created: effect(range(), filtersTest),
        delivery_success: effect(boolean(), 'lowers pending_webhooks as endpoints answer 2xx'),
      },
      async ({ db, caller, params, url, now, services }) => {
        if (params.type !== undefined && params.types !== undefined)
          throw errors.parametersExclusive('type', 'types');
        const window = { now, days: services.config.eventRetentionDays };
        const page = await pageRequest(
          params,
          async (id) => {
            const row = await findEventOf(db, caller, id);
            return row && row.account_id === caller.accountId ? row : undefined;
          },
          'event',
        );
        const result = await listEvents(
          db,
          {
            platformId: caller.platform.id,
            livemode: caller.livemode,
            accountId: caller.accountId,
            object: 'event',
            types: params.type !== undefined ? [params.type] : params.types,
            created: params.created,
            deliverySuccess: params.delivery_success,
            notBefore: retentionStart(window.now, window.days),
          },
          page,
        );
        return listOf(
          url,
          result,
          result.rows.map((r) => JSON.parse(eventJson(r)) as unknown),
        );
      },
      { permission: 'events:read' },
    ),

    get(
      '/v1/events/:id',
      expandParam,
      async ({ db, caller, path, now, services }) =>
        new RawJson(
          eventJson(
            await requireEvent(db, caller, path.id!, {
              now,
              days: services.config.eventRetentionDays,
            }),
          ),
        ),
      { permission: 'events:read' },
    ),

    /** Resends an event to one endpoint (`stripe events resend EVT --webhook-endpoint we_...`). */
    post(
      '/v1/events/:id/retry',
      { webhook_endpoint: string(), account: string(), for_stripecli: boolean(), ...expandParam },
      async ({ w, caller, path, params, now, services }) => {
        const accountId = caller.accountId ?? params.account ?? null;
        const event = await requireEvent(
          w.db,
          caller,
          path.id!,
          { now, days: services.config.eventRetentionDays },
          { account: accountId },
        );
        if (params.webhook_endpoint === undefined) {
          if (params.for_stripecli) {
            // `stripe events resend EVT` without an endpoint: send it to this mode's listen sessions.
            const sessions = await listenSessionsOf(w.db, caller);
            for (const s of sessions) await queueResend(w, event, s.id);
            return new RawJson(eventJson(event));
          }
          throw errors.parameterMissing('webhook_endpoint');
        }
        const endpoint = await resendTarget(w.db, caller, event, {
          id: params.webhook_endpoint,
          param: 'webhook_endpoint',
          destinations: false,
        });
        await queueResend(w, event, endpoint.id);
        return new RawJson(eventJson(event));
      },
    ),

    get(
      '/v1/events/:id/attempts',
      listParams,
      async ({ db, caller, path, params, url, now, services }) => {
        const event = await requireEvent(db, caller, path.id!, {
          now,
          days: services.config.eventRetentionDays,
        });
        return attemptList(db, { eventId: event.id }, params, url);
      },
      { permission: 'events:read' },
    ),

    get(
      '/v1/events/:id/deliveries',
      {},
      async ({ db, caller, path, url, now, services }) => {
        const event = await requireEvent(db, caller, path.id!, {
          now,
          days: services.config.eventRetentionDays,
        });
        const rows = await deliveriesForEvent(db, event.id);
        return listOf(url, { rows, hasMore: false }, rows.map(renderDelivery));
      },
      { permission: 'events:read' },
    ),
  ],
};
