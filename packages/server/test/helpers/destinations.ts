import type Stripe from 'stripe';

/**
 * A thin event destination (`type: webhook_endpoint`) at `url` for `types`, created with the
 * official SDK; it takes the platform's own events (`@self`) unless `eventsFrom` says otherwise.
 */
export function thinDestination(
  stripe: Stripe,
  url: string,
  types: string[],
  options: { name?: string; eventsFrom?: string[] } = {},
): Promise<Stripe.V2.Core.EventDestination> {
  return stripe.v2.core.eventDestinations.create({
    name: options.name ?? 'thin events',
    type: 'webhook_endpoint',
    event_payload: 'thin',
    events_from: options.eventsFrom ?? ['@self'],
    enabled_events: types,
    webhook_endpoint: { url },
  });
}
