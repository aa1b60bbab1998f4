import { useAsync } from './hooks';
import { useApi } from './session';

/** The event types the server knows, as `GET /v1/switchboard/event_types` lists them. */
export interface EventTypes {
  /** What `enabled_events` accepts besides `*` (webhook endpoints, snapshot destinations). */
  enabled_events: string[];
  /** What thin event destinations accept. */
  thin_events: string[];
  /** What a webhook endpoint's test event may be ("Send test event"). */
  test_events: string[];
}

// One read per key for the whole tab: the list changes only with the server's version.
const loaded = new Map<string, Promise<EventTypes>>();

/** The server's event types (undefined until they arrive): the dashboard bundles no list. */
export function useEventTypes(): EventTypes | undefined {
  const api = useApi();
  return useAsync(() => {
    let types = loaded.get(api.key);
    if (!types) {
      types = api.get<EventTypes>('/v1/switchboard/event_types');
      loaded.set(api.key, types);
      types.catch(() => loaded.delete(api.key));
    }
    return types;
  }, [api.key]).data;
}
