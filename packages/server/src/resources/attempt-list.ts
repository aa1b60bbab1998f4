import type { Kysely } from 'kysely';
import { findAttempt, listAttempts } from '../storage/repositories/deliveries.js';
import type { Database } from '../storage/schema.js';
import { listOf, pageRequest } from './common.js';
import { renderAttempt } from './render.js';

/**
 * One page of the attempts to deliver one event, or to one endpoint, newest first, as the API
 * lists them: `starting_after` and `ending_before` must name attempts of the same list.
 */
export async function attemptList(
  db: Kysely<Database>,
  of: { eventId: string } | { endpointId: string },
  params: Parameters<typeof pageRequest>[0],
  url: string,
) {
  const page = await pageRequest(
    params,
    async (id) => {
      const a = await findAttempt(db, id);
      if (!a) return undefined;
      const ours = 'eventId' in of ? a.event_id === of.eventId : a.endpoint_id === of.endpointId;
      return ours ? a : undefined;
    },
    'webhook attempt',
  );
  const result = await listAttempts(db, of, page);
  return listOf(url, result, result.rows.map(renderAttempt));
}
