import { call, type Connection } from './client.js';

/** A v2 event destination, as `/v2/core/event_destinations` returns it. */
export interface WireDestination {
  id: string;
  object: 'v2.core.event_destination';
  name: string;
  description: string;
  status: 'enabled' | 'disabled';
  enabled_events: string[];
  livemode: boolean;
  /** `thin` destinations take v2 events, `snapshot` ones v1 events. */
  event_payload: 'thin' | 'snapshot';
  /** `@self`: the platform's own events; `@accounts`: its connected accounts' events. */
  events_from: string[];
  /** The url and signing secret, when asked for with `include`. */
  webhook_endpoint: { url: string | null; signing_secret: string | null };
}

/** Event destinations have `ed_` ids (webhook endpoints `we_`). */
export const isDestination = (id: string) => id.startsWith('ed_');

/** Every event destination of the platform in this mode (the v2 list pages by `next_page_url`). */
export async function listDestinations(conn: Connection): Promise<WireDestination[]> {
  const all: WireDestination[] = [];
  let path: string | null = '/v2/core/event_destinations?limit=100&include[0]=webhook_endpoint.url';
  while (path) {
    const page: { data: WireDestination[]; next_page_url: string | null } = await call(
      conn,
      'GET',
      path,
    );
    all.push(...page.data);
    path = page.next_page_url;
  }
  return all;
}
