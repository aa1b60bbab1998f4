import { InvalidPayloadError, parseJsonObject } from './payload.js';

/** The object a thin event points at; singletons have no `id`. */
export interface RelatedObject {
  id?: string;
  type: string;
  /** An API path (`/v2/core/accounts/acct_...` or `/v1/...`), relative to the API's base. */
  url: string;
}

/**
 * A thin (v2) event notification as delivered: ids and pointers, no `data`. Fetch the full event
 * and the related object with {@link EventClient}.
 */
export interface EventNotification {
  id: string;
  object: 'v2.core.event';
  type: string;
  livemode: boolean;
  /** ISO 8601. */
  created: string;
  /** The account the event happened in (`acct_...`, or `acct_org/acct_x`); null for your own. */
  context?: string | null;
  related_object?: RelatedObject | null;
  reason?: { type: string; request?: { id: string; idempotency_key: string | null } } | null;
  /** On thin `v1.*` events: the id of the matching snapshot event. */
  snapshot_event?: string;
  [field: string]: unknown;
}

/** A full v2 event, as `GET /v2/core/events/{id}` returns it. */
export interface V2Event extends EventNotification {
  data?: Record<string, unknown>;
  changes?: Record<string, unknown>;
}

export const notificationMessages = {
  v1Event: (async: boolean) =>
    async
      ? 'You passed a webhook payload to stripe.parseEventNotificationAsync, which expects an event notification. Use stripe.webhooks.constructEventAsync instead.'
      : 'You passed a webhook payload to stripe.parseEventNotification, which expects an event notification. Use stripe.webhooks.constructEvent instead.',
  unexpectedObject: (object: unknown) =>
    `Unexpected object type '${String(object)}'. Expected 'v2.core.event' for an event notification.`,
} as const;

/**
 * Checks a verified body is a thin notification, with the messages stripe-node's Node build
 * gives for the wrong kinds (`async` picks the wording of its async variant).
 */
export function toEventNotification(text: string, async = false): EventNotification {
  const record = parseJsonObject(text);
  if (record.object === 'event') throw new InvalidPayloadError(notificationMessages.v1Event(async));
  if (record.object !== 'v2.core.event') {
    throw new InvalidPayloadError(notificationMessages.unexpectedObject(record.object));
  }
  return record as EventNotification;
}
