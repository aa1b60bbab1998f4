import type Stripe from 'stripe';
export { eventJson } from '../domain/event-body.js';
import { sentHeaders } from '../domain/delivery-headers.js';
import type { AttemptRow, DeliveryRow } from '../storage/repositories/deliveries.js';
import type { EndpointRow } from '../storage/repositories/endpoints.js';

export function renderEndpoint(row: EndpointRow, secret?: string): Stripe.WebhookEndpoint {
  const endpoint: Stripe.WebhookEndpoint = {
    id: row.id,
    object: 'webhook_endpoint',
    api_version: row.api_version,
    application: row.application,
    created: Number(row.created),
    description: row.description,
    enabled_events: JSON.parse(row.enabled_events) as string[],
    livemode: row.livemode === 1,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    status: row.status,
    url: row.url ?? '',
  };
  if (secret !== undefined) endpoint.secret = secret;
  return endpoint;
}

/** One attempt to deliver an event to an endpoint: Switchboard's attempt log (not a Stripe object). */
export function renderAttempt(row: AttemptRow) {
  return {
    id: row.id,
    object: 'webhook_attempt' as const,
    created: Math.floor(Number(row.started_ms) / 1000),
    delivery: row.delivery_id,
    event: row.event_id,
    webhook_endpoint: row.endpoint_id,
    url: row.url,
    outcome: row.outcome,
    status_code: row.status_code,
    duration_ms: row.duration_ms,
    error: row.error,
    response_body: row.response_body,
    request_headers: sentHeaders(row.request_headers),
    next_attempt:
      row.next_attempt_ms === null ? null : Math.floor(Number(row.next_attempt_ms) / 1000),
    /** What chaos delivery did to this attempt (the endpoint's chaos settings), or null. */
    chaos: row.chaos ?? null,
  };
}

/** One event owed to one endpoint, with where it stands. */
export function renderDelivery(row: DeliveryRow) {
  return {
    id: row.id,
    object: 'webhook_delivery' as const,
    created: Math.floor(Number(row.created_ms) / 1000),
    event: row.event_id,
    webhook_endpoint: row.endpoint_id,
    status: row.status,
    resend: row.one_shot === 1,
    attempts: row.attempts,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    next_attempt:
      row.status === 'pending' && row.next_attempt_ms !== null
        ? Math.floor(Number(row.next_attempt_ms) / 1000)
        : null,
  };
}
