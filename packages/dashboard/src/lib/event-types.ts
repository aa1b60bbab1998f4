// Every event type `enabled_events` accepts besides `*`: the server's own list, bundled at build time.
export { thinEventTypes, webhookEventTypes } from '../../../server/src/domain/event-types.js';
