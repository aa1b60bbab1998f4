import type { RoutableEndpoint, RoutableEvent } from './glossary.js';

/** Event types that `*` does not include: Stripe requires choosing them by name. */
const explicitOnly = new Set(['identity.verification_session.redacted']);

export function enabledEventsMatch(enabled: readonly string[], type: string): boolean {
  for (const e of enabled) {
    if (e === type) return true;
    if (e === '*' && !explicitOnly.has(type)) return true;
  }
  return false;
}

/**
 * Whether an event's scope and mode let it reach an endpoint, by the seed's rules:
 * - the platform's own events go to its `connect=false` endpoints of the same mode;
 * - events from a connected account go to its `connect=true` endpoints; a test endpoint takes only
 *   test events, a live one takes live and test events (a production application can run both);
 * - an endpoint a connected account owns takes that account's events of its mode;
 * - a listen session takes every event of its mode, from both scopes, as `stripe listen` does;
 * - v2 event destinations choose scopes with `events_from`: `@self` for the platform's events
 *   (including v2 events about accounts it manages), `@accounts` for its connected accounts' events.
 */
export function scopeAndModeMatch(event: RoutableEvent, endpoint: RoutableEndpoint): boolean {
  if (endpoint.platformId !== event.platformId) return false;
  if (endpoint.kind === 'listen') return endpoint.livemode === event.livemode;
  if (endpoint.ownerAccount !== null) {
    return event.account === endpoint.ownerAccount && event.livemode === endpoint.livemode;
  }
  if (endpoint.kind === 'destination') {
    if (event.livemode !== endpoint.livemode) return false;
    return event.account === null
      ? endpoint.eventsFrom.includes('@self')
      : endpoint.eventsFrom.includes('@accounts');
  }
  if (event.account === null) return !endpoint.connect && endpoint.livemode === event.livemode;
  return endpoint.connect && (endpoint.livemode === event.livemode || endpoint.livemode);
}

/** Which endpoints an event is delivered to. Disabled endpoints receive nothing. */
export function endpointsFor<E extends RoutableEndpoint>(
  event: RoutableEvent,
  endpoints: readonly E[],
): E[] {
  return endpoints.filter((endpoint) => {
    if (endpoint.status !== 'enabled') return false;
    // v1 webhook endpoints carry snapshot events; thin (v2) events go to thin destinations only.
    const thin = event.object === 'v2.core.event';
    if (endpoint.payload !== 'both' && thin !== (endpoint.payload === 'thin')) return false;
    if (!scopeAndModeMatch(event, endpoint)) return false;
    return enabledEventsMatch(endpoint.enabledEvents, event.type);
  });
}
