import type { Dedupe, DedupeStore } from './dedupe.js';
import {
  createCore,
  defaultOnError,
  resolveSecrets,
  toDedupe,
  type SecretsSource,
  type WebhookHandler,
} from './handler-core.js';
import type { EventHandler } from './handler.js';
import { toEventNotification, type EventNotification, type V2Event } from './notification.js';
import type { EventClient } from './thin-client.js';

/** What a thin-event handler gets beside the notification. */
export interface NotificationContext {
  /** The notification's `context` (`acct_...`), or undefined for your own account's events. */
  context: string | undefined;
  livemode: boolean;
  /** Fetches the full event (needs `client`). */
  fetchEvent(): Promise<V2Event>;
  /** Fetches the related object (needs `client`); null when there is none. */
  fetchRelatedObject<T = Record<string, unknown>>(): Promise<T | null>;
}

export interface NotificationHandlerOptions {
  /** The event destination's signing secret (`whsec_...`). */
  secret?: string;
  /** Several secrets during a roll, or a function read on every delivery. */
  secrets?: SecretsSource;
  /** Seconds a signature stays valid; 0 turns the age check off. Default 300. */
  tolerance?: number;
  /** Used by `context.fetchEvent()` and `context.fetchRelatedObject()`. */
  client?: EventClient;
  /** Handlers by event type, e.g. `'v2.core.account[requirements].updated'`. */
  on?: Record<string, EventHandler<EventNotification, NotificationContext>>;
  onUnhandled?: EventHandler<EventNotification, NotificationContext>;
  /** Take only notifications of this mode; others are acknowledged. */
  livemode?: boolean;
  dedupe?: DedupeStore | Dedupe<EventNotification> | false;
  onError?: (error: unknown, notification: EventNotification | undefined) => void;
  now?: () => number;
}

/**
 * A webhook handler for thin (v2) event notifications, answering as `createWebhookHandler` does.
 * Handlers get the notification and a context that fetches the full event and related object.
 */
export function createNotificationHandler(
  options: NotificationHandlerOptions,
): WebhookHandler<EventNotification> {
  const secrets = resolveSecrets(options);
  const now = options.now ?? Date.now;
  const noClient = () =>
    Promise.reject(new Error('Pass `client: createEventClient({ apiKey })` to fetch thin events.'));
  return createCore<EventNotification, NotificationContext>({
    secrets,
    tolerance: options.tolerance,
    parse: (text) => toEventNotification(text),
    context(notification) {
      const { client } = options;
      return {
        context: notification.context ? String(notification.context) : undefined,
        livemode: notification.livemode,
        fetchEvent: client ? () => client.fetchEvent(notification) : noClient,
        fetchRelatedObject: client ? <T>() => client.fetchRelatedObject<T>(notification) : noClient,
      };
    },
    route: (notification) => options.on?.[notification.type],
    onUnhandled: options.onUnhandled,
    livemode: options.livemode,
    onSkipped: undefined,
    dedupe: toDedupe(options.dedupe, now),
    onError: options.onError ?? defaultOnError,
    now,
  });
}
