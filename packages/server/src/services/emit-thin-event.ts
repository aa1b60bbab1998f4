import { newId } from '../domain/ids.js';
import type { RelatedObject, ThinEvent } from '../domain/thin-event.js';
import { endpointsFor } from '../domain/routing.js';
import { insertEvent } from '../storage/repositories/events.js';
import type { WriteContext } from './context.js';
import { queueDeliveries } from './emit-event.js';
import { routingEndpoints } from './routing-cache.js';

export interface ThinEventInput {
  type: string;
  relatedObject: RelatedObject | null;
  /** The account the event comes from (`context`); null for the platform's own. */
  context: string | null;
  data?: Record<string, unknown> | undefined;
  changes?: Record<string, unknown> | undefined;
  /** Deliver only to this destination (a ping). */
  onlyTo?: string | undefined;
}

/**
 * Records a v2 (thin) event and its deliveries in the caller's transaction. Thin events go to
 * thin event destinations and to listen sessions that asked for v2 events; `events_from` decides
 * the scope: `@self` for context-less events, `@accounts` for events with a context.
 */
export async function emitThinEvent(w: WriteContext, input: ThinEventInput): Promise<ThinEvent> {
  const id = newId(w.livemode ? 'evt' : 'evt_test', 40);
  const event: ThinEvent = {
    id,
    object: 'v2.core.event',
    type: input.type,
    livemode: w.livemode,
    created: new Date(w.now).toISOString(),
    context: input.context,
    reason: w.request.id
      ? {
          type: 'request',
          request: { id: w.request.id, idempotency_key: w.request.idempotency_key },
        }
      : null,
    related_object: input.relatedObject,
    ...(input.data ? { data: input.data } : {}),
    ...(input.changes ? { changes: input.changes } : {}),
  };
  const endpoints = await routingEndpoints(w);
  // A ping goes to its destination whatever it subscribes to; other events follow the routing rules.
  const targets = input.onlyTo
    ? endpoints.filter((e) => e.id === input.onlyTo && e.status === 'enabled')
    : endpointsFor(
        {
          id: id as never,
          platformId: w.platform.id as never,
          account: input.context as never,
          livemode: w.livemode,
          type: input.type,
          object: 'v2.core.event',
        },
        endpoints,
      );
  await insertEvent(w.db, {
    id,
    platform_id: w.platform.id,
    account_id: input.context,
    livemode: w.livemode ? 1 : 0,
    type: input.type,
    object: 'v2.core.event',
    api_version: null,
    created: Math.floor(w.now / 1000),
    created_ms: w.now,
    data: JSON.stringify(event),
    request_id: w.request.id,
    idempotency_key: w.request.idempotency_key,
    pending_webhooks: 0,
    object_id: input.relatedObject?.id ?? null,
  });
  await queueDeliveries(
    w,
    id,
    targets.map((t) => t.id),
  );
  w.afterCommit.push(() => w.services.eventCreated?.(input.type));
  return event;
}
