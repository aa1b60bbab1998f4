import { listAll, type Connection } from './client.js';

/** A v2 (thin) event as Switchboard's event list returns it. */
export interface WireThinEvent {
  id: string;
  type: string;
  /** ISO 8601. */
  created: string;
  context: string | null;
  livemode: boolean;
  delivery_status: string;
}

/**
 * v2 (thin) events from Switchboard's event list (Stripe's v2 list has no delivery filter), newest
 * first, at most `max`: the platform's own, or with Stripe-Account that account's. `filters` are
 * those of `GET /v1/events` (eventFilters); `delivery_success: false` keeps the events whose
 * delivery has not succeeded (failed, retrying or pending), as it does for v1 events.
 */
export async function listThinEvents(
  conn: Connection,
  filters: Record<string, unknown>,
  max = Infinity,
): Promise<WireThinEvent[]> {
  const { delivery_success: deliverySuccess, ...rest } = filters;
  const params = {
    ...rest,
    object: 'v2.core.event',
    ...(conn.stripeAccount ? {} : { account: 'platform' }),
  };
  const statuses = deliverySuccess === false ? ['failed', 'retrying', 'pending'] : [undefined];
  const found = new Map<string, WireThinEvent>();
  for (const status of statuses) {
    const query = status ? { ...params, delivery_status: status } : params;
    for await (const e of listAll<WireThinEvent>(conn, '/v1/switchboard/events', query, max))
      found.set(e.id, e);
  }
  return [...found.values()].sort((a, b) => b.created.localeCompare(a.created)).slice(0, max);
}
