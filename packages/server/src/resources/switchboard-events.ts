import type { Kysely } from 'kysely';
import { errors } from '../stripe/errors.js';
import { array, listParams, oneOf, range, required, string } from '../stripe/params.js';
import { get, post, type Caller, type Resource } from './route.js';
import { eventDeliveryStatus, eventDeliveryStatuses } from '../domain/delivery-summary.js';
import type { Services } from '../services/context.js';
import { deliveriesForEvent, type DeliveryRow } from '../storage/repositories/deliveries.js';
import {
  deliveriesForEvents,
  listPlatformEvents,
} from '../storage/repositories/delivery-summary.js';
import { findEndpoints } from '../storage/repositories/endpoints.js';
import type { EventRow } from '../storage/repositories/events.js';
import { findEventOf } from '../scope/finders.js';
import { retentionStart } from '../domain/retention.js';
import type { Database } from '../storage/schema.js';
import { attemptList } from './attempt-list.js';
import { listOf, pageRequest } from './common.js';
import { queueResend, requireEvent, resendTarget } from './events.js';
import { eventJson, renderDelivery } from './render.js';

/**
 * An event of the caller's platform in its mode, v1 or v2, within retention: the platform's own or
 * any connected account's (with Stripe-Account, only that account's). Else "No such event".
 */
function requirePlatformEvent(
  db: Kysely<Database>,
  caller: Caller,
  id: string,
  now: number,
  services: Services,
): Promise<EventRow> {
  return requireEvent(
    db,
    caller,
    id,
    { now, days: services.config.eventRetentionDays },
    { anyAccount: caller.accountId === null, objects: ['event', 'v2.core.event'] },
  );
}

/**
 * The event as its API returns it (v1: the event object; v2: the full v2 event, as
 * `GET /v2/core/events/{id}`), with `delivery_status` from its deliveries.
 */
function withDeliveryStatus(row: EventRow, deliveries: readonly DeliveryRow[]) {
  const body =
    row.object === 'v2.core.event'
      ? (JSON.parse(row.data) as object)
      : (JSON.parse(eventJson(row)) as object);
  return { ...body, delivery_status: eventDeliveryStatus(deliveries) };
}

/** What `endpoint_kind` calls each kind of endpoint a delivery went to. */
const endpointKinds: Record<string, string> = {
  webhook: 'webhook_endpoint',
  listen: 'listen_session',
  destination: 'event_destination',
};

/**
 * Events across a whole platform, the platform's own and every connected account's, filtered by
 * delivery status (Switchboard's API: on Stripe, events are listed per account). Each event carries
 * `delivery_status`: `delivered`, `pending`, `failed` or `none` (see domain/delivery-summary.ts).
 */
export const switchboardEvents: Resource = {
  name: 'switchboard_events',
  routes: [
    get(
      '/v1/switchboard/events',
      {
        ...listParams,
        type: string({ maxLength: 200 }),
        types: array(string({ maxLength: 200 }), { max: 20 }),
        account: string({ maxLength: 80 }),
        delivery_status: oneOf(eventDeliveryStatuses),
        object: oneOf(['event', 'v2.core.event'] as const),
        created: range(),
      },
      async ({ db, caller, params, url, now, services }) => {
        if (params.type !== undefined && params.types !== undefined)
          throw errors.parametersExclusive('type', 'types');
        const account = caller.accountId ?? params.account;
        if (
          account !== undefined &&
          account !== 'platform' &&
          account !== 'connected' &&
          !/^acct_[A-Za-z0-9]{1,64}$/.test(account)
        ) {
          throw errors.parameterInvalid(
            'account',
            `Invalid account: must be a connected account id (acct_...), 'platform' or 'connected'.`,
          );
        }
        if (caller.accountId && params.account !== undefined && params.account !== caller.accountId)
          throw errors.invalidRequest(
            'With a Stripe-Account header, only that account’s events are listed: remove the account parameter.',
            'account',
          );
        const page = await pageRequest(params, async (id) => findEventOf(db, caller, id), 'event');
        const result = await listPlatformEvents(
          db,
          {
            platformId: caller.platform.id,
            livemode: caller.livemode,
            account,
            types: params.type !== undefined ? [params.type] : params.types,
            deliveryStatus: params.delivery_status,
            object: params.object ?? 'event',
            created: params.created,
            notBefore: retentionStart(now, services.config.eventRetentionDays),
          },
          page,
        );
        const deliveries = await deliveriesForEvents(
          db,
          result.rows.map((r) => r.id),
        );
        return listOf(
          url,
          result,
          result.rows.map((r) =>
            withDeliveryStatus(
              r,
              deliveries.filter((d) => d.event_id === r.id),
            ),
          ),
        );
      },
      { permission: 'events:read' },
    ),

    /** One event of the platform or any of its connected accounts, without `Stripe-Account`. */
    get(
      '/v1/switchboard/events/:id',
      {},
      async ({ db, caller, path, now, services }) => {
        const row = await requirePlatformEvent(db, caller, path.id!, now, services);
        return withDeliveryStatus(row, await deliveriesForEvents(db, [row.id]));
      },
      { permission: 'events:read' },
    ),

    /** Where the event was owed: one delivery per endpoint, destination or listen session. */
    get(
      '/v1/switchboard/events/:id/deliveries',
      {},
      async ({ db, caller, path, url, now, services }) => {
        const row = await requirePlatformEvent(db, caller, path.id!, now, services);
        const rows = await deliveriesForEvent(db, row.id);
        // Where each went, in words: a listen session has no URL, only the CLI's device name.
        const endpoints = new Map(
          (await findEndpoints(db, [...new Set(rows.map((r) => r.endpoint_id))])).map((e) => [
            e.id,
            e,
          ]),
        );
        return listOf(
          url,
          { rows, hasMore: false },
          rows.map((r) => {
            const endpoint = endpoints.get(r.endpoint_id);
            return {
              ...renderDelivery(r),
              endpoint_kind: endpointKinds[endpoint?.kind ?? ''] ?? null,
              endpoint_description: endpoint?.description ?? null,
            };
          }),
        );
      },
      { permission: 'events:read' },
    ),

    /** Every attempt to send the event, to any endpoint, destination or listen session. */
    get(
      '/v1/switchboard/events/:id/attempts',
      listParams,
      async ({ db, caller, path, params, url, now, services }) => {
        const row = await requirePlatformEvent(db, caller, path.id!, now, services);
        return attemptList(db, { eventId: row.id }, params, url);
      },
      { permission: 'events:read' },
    ),

    /**
     * Resends a v1 or v2 event to one webhook endpoint or event destination (`endpoint`): one
     * attempt, outside the retry schedule, as `POST /v1/events/{id}/retry` does for v1 events.
     * Stripe's API has no resend for v2 events; this one works for both.
     */
    post(
      '/v1/switchboard/events/:id/retry',
      { endpoint: required(string({ maxLength: 80 })) },
      async ({ w, caller, path, params, now, services }) => {
        const row = await requirePlatformEvent(w.db, caller, path.id!, now, services);
        const endpoint = await resendTarget(w.db, caller, row, {
          id: params.endpoint,
          param: 'endpoint',
          destinations: true,
        });
        await queueResend(w, row, endpoint.id);
        return withDeliveryStatus(row, await deliveriesForEvents(w.db, [row.id]));
      },
    ),
  ],
};
