import { errors } from '../api/errors.js';
import { array, listParams, oneOf, string } from '../api/params.js';
import { get, type Resource } from '../api/route.js';
import { eventDeliveryStatus, eventDeliveryStatuses } from '../domain/delivery-summary.js';
import {
  deliveriesForEvents,
  listPlatformEvents,
} from '../storage/repositories/delivery-summary.js';
import { findEvent } from '../storage/repositories/events.js';
import { listOf, pageRequest } from './common.js';
import { eventJson } from './render.js';

const DAY = 86_400;
const retentionStart = (now: number, days: number) => Math.floor(now / 1000) - days * DAY;

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
        const page = await pageRequest(
          params,
          async (id) => {
            const row = await findEvent(db, id);
            return row && row.platform_id === caller.platform.id ? row : undefined;
          },
          'event',
        );
        const result = await listPlatformEvents(
          db,
          {
            platformId: caller.platform.id,
            livemode: caller.livemode,
            account,
            types: params.type !== undefined ? [params.type] : params.types,
            deliveryStatus: params.delivery_status,
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
          result.rows.map((r) => ({
            ...(JSON.parse(eventJson(r)) as object),
            delivery_status: eventDeliveryStatus(deliveries.filter((d) => d.event_id === r.id)),
          })),
        );
      },
      { restricted: 'read' },
    ),

    /** One event of the platform or any of its connected accounts, without `Stripe-Account`. */
    get(
      '/v1/switchboard/events/:id',
      {},
      async ({ db, caller, path, now, services }) => {
        const row = await findEvent(db, path.id!);
        if (
          !row ||
          row.object !== 'event' ||
          row.platform_id !== caller.platform.id ||
          row.livemode !== (caller.livemode ? 1 : 0) ||
          (caller.accountId !== null && row.account_id !== caller.accountId) ||
          Number(row.created) < retentionStart(now, services.config.eventRetentionDays)
        ) {
          throw errors.resourceMissing('event', path.id!);
        }
        const deliveries = await deliveriesForEvents(db, [row.id]);
        return {
          ...(JSON.parse(eventJson(row)) as object),
          delivery_status: eventDeliveryStatus(deliveries),
        };
      },
      { restricted: 'read' },
    ),
  ],
};
