import { thinEventTypes, webhookEventTypes } from '../domain/event-types.js';
import { testEventTypes } from '../domain/test-events.js';
import { get, type Resource } from './route.js';

/**
 * The event types this server knows, for clients that offer them (the dashboard's event pickers
 * and filters), so that they read them over HTTP instead of bundling the server's list:
 * `enabled_events` (what webhook endpoints and snapshot destinations accept besides `*`) and
 * `thin_events` (what thin event destinations accept), and `test_events` (what a webhook endpoint's
 * test event may be: POST /v1/switchboard/webhook_endpoints/{id}/test_event).
 */
export const switchboardEventTypes: Resource = {
  name: 'switchboard_event_types',
  routes: [
    get(
      '/v1/switchboard/event_types',
      {},
      async () => ({
        object: 'event_types' as const,
        enabled_events: webhookEventTypes,
        thin_events: thinEventTypes,
        test_events: testEventTypes,
      }),
      { permission: 'events:read' },
    ),
  ],
};
