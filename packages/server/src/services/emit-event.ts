import { renderEventData } from '../domain/event-body.js';
import { newId } from '../domain/ids.js';
import { endpointsFor } from '../domain/routing.js';
import { insertDeliveries } from '../storage/repositories/deliveries.js';
import { insertEvent } from '../storage/repositories/events.js';
import type { WriteContext } from './context.js';
import { routingEndpoints } from './routing-cache.js';

export interface EmitInput {
  type: string;
  /** `data.object`: the resource as it is after the change. */
  object: Record<string, unknown> & { id?: string };
  previousAttributes?: Record<string, unknown> | null | undefined;
  /** The connected account the event comes from; defaults to the one the request acts as. */
  account?: string | null | undefined;
  livemode?: boolean | undefined;
  /**
   * Send it to this one endpoint only, once, instead of routing it (a test event sent from the
   * dashboard, as Stripe's "Send test webhook" does).
   */
  onlyTo?: string | undefined;
}

/**
 * Records a v1 event and, in the same transaction, one pending delivery per endpoint the seed's
 * routing rules select: nothing is accepted that is not queued.
 */
export async function emitEvent(w: WriteContext, input: EmitInput): Promise<string> {
  const id = newId('evt');
  const account = input.account === undefined ? w.accountId : input.account;
  const livemode = input.livemode ?? w.livemode;
  const endpoints = input.onlyTo ? [] : await routingEndpoints(w);
  const targets = endpointsFor(
    {
      id: id as never,
      platformId: w.platform.id as never,
      account: account as never,
      livemode,
      type: input.type,
      object: 'event',
    },
    endpoints,
  );
  await insertEvent(w.db, {
    id,
    platform_id: w.platform.id,
    account_id: account,
    livemode: livemode ? 1 : 0,
    type: input.type,
    object: 'event',
    api_version: w.platform.default_api_version,
    created: Math.floor(w.now / 1000),
    created_ms: w.now,
    data: renderEventData(input.object, input.previousAttributes ?? undefined),
    request_id: w.request.id,
    idempotency_key: w.request.idempotency_key,
    // Listen sessions are not webhook endpoints: Stripe's count covers endpoints only.
    pending_webhooks: targets.filter((t) => t.kind !== 'listen').length,
    object_id: typeof input.object.id === 'string' ? input.object.id : null,
  });
  await queueDeliveries(w, id, input.onlyTo ? [input.onlyTo] : targets.map((t) => t.id), {
    oneShot: input.onlyTo !== undefined,
  });
  w.afterCommit.push(() => w.services.eventCreated?.(input.type));
  return id;
}

/**
 * Queues one pending delivery of an event per endpoint, due now, in the caller's transaction, and
 * wakes the workers once it commits. A one-shot delivery (a manual resend) is tried once.
 */
export async function queueDeliveries(
  w: WriteContext,
  eventId: string,
  endpointIds: readonly string[],
  options: { oneShot?: boolean } = {},
): Promise<void> {
  if (endpointIds.length === 0) return;
  await insertDeliveries(
    w.db,
    endpointIds.map((endpointId) => ({
      id: newId('dlv'),
      event_id: eventId,
      endpoint_id: endpointId,
      platform_id: w.platform.id,
      status: 'pending',
      one_shot: options.oneShot ? 1 : 0,
      attempts: 0,
      first_attempt_ms: null,
      next_attempt_ms: w.now,
      lease_until_ms: null,
      lease_owner: null,
      last_status_code: null,
      last_error: null,
      created_ms: w.now,
      updated_ms: w.now,
    })),
  );
  w.afterCommit.push(() => w.services.deliveriesQueued(endpointIds));
}
