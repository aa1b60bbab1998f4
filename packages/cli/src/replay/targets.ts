/** What routing needs of an event, as `GET /v1/events` returns it. */
export interface RoutedEvent {
  id: string;
  type: string;
  /** The connected account the event comes from; absent or null for the platform's own. */
  account?: string | null;
  livemode: boolean;
}

/** What routing needs of a webhook endpoint, as `GET /v1/webhook_endpoints` returns it. */
export interface RoutedEndpoint {
  id: string;
  status: string;
  enabled_events: string[];
  livemode: boolean;
  /** Set (the platform's Connect application) on `connect=true` endpoints. */
  application: string | null;
}

/** An endpoint and who owns it: the platform (null) or a connected account (listed with Stripe-Account). */
export interface OwnedEndpoint<E extends RoutedEndpoint = RoutedEndpoint> {
  endpoint: E;
  owner: string | null;
}

/** Event types that `*` does not include: Stripe requires choosing them by name. */
const explicitOnly = new Set(['identity.verification_session.redacted']);

const wants = (enabled: readonly string[], type: string) =>
  enabled.includes(type) || (enabled.includes('*') && !explicitOnly.has(type));

/**
 * The enabled endpoints that receive an event under the seed's rules, the server's routing as seen
 * from the API:
 * - the platform's own events go to its `connect=false` endpoints of the same mode;
 * - a connected account's events go to the platform's `connect=true` endpoints: a test endpoint
 *   takes test events, a live one takes live and test events;
 * - an endpoint a connected account owns takes that account's events of its mode;
 * - and the endpoint must have the event's type enabled (`*` for all).
 */
export function endpointsReceiving<E extends RoutedEndpoint>(
  event: RoutedEvent,
  endpoints: readonly OwnedEndpoint<E>[],
): OwnedEndpoint<E>[] {
  const account = event.account ?? null;
  return endpoints.filter(({ endpoint: e, owner }) => {
    if (e.status !== 'enabled' || !wants(e.enabled_events, event.type)) return false;
    if (owner !== null) return owner === account && e.livemode === event.livemode;
    const connect = e.application !== null;
    if (account === null) return !connect && e.livemode === event.livemode;
    return connect && (e.livemode === event.livemode || e.livemode);
  });
}

/** What routing needs of a v2 event destination, as `GET /v2/core/event_destinations` returns it. */
export interface RoutedDestination {
  id: string;
  status: string;
  enabled_events: string[];
  livemode: boolean;
  /** `thin` destinations take v2 events, `snapshot` ones v1 events. */
  event_payload: 'thin' | 'snapshot';
  /** `@self`: the platform's own events; `@accounts`: its connected accounts' events. */
  events_from: string[];
}

/**
 * The enabled event destinations that receive an event: of its payload (v2 events go to thin
 * destinations, v1 events to snapshot ones) and mode, from its scope (`@self` for the platform's
 * own, `@accounts` for a connected account's), with its type enabled.
 */
export function destinationsReceiving<D extends RoutedDestination>(
  event: RoutedEvent & { object: 'event' | 'v2.core.event' },
  destinations: readonly D[],
): D[] {
  const payload = event.object === 'v2.core.event' ? 'thin' : 'snapshot';
  const scope = (event.account ?? null) === null ? '@self' : '@accounts';
  return destinations.filter(
    (d) =>
      d.status === 'enabled' &&
      d.event_payload === payload &&
      d.livemode === event.livemode &&
      d.events_from.includes(scope) &&
      wants(d.enabled_events, event.type),
  );
}
