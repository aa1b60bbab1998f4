import type { Api } from './api';
import type { EventDestination, V2List } from './types';

/**
 * The v2 event destinations of the signed-in key's account and mode, with their URLs (the first
 * 100). A key that may not read them (a restricted key) lists none rather than failing the page.
 */
export async function listDestinations(api: Api): Promise<EventDestination[]> {
  try {
    const list = await api.get<V2List<EventDestination>>('/v2/core/event_destinations', {
      limit: 100,
      include: ['webhook_endpoint.url'],
    });
    return list.data;
  } catch {
    return [];
  }
}
