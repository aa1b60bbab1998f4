import type { Dedupe, DedupeStore } from './dedupe.js';
import { messages } from './errors.js';
import type { Event, EventLike } from './events.js';
import { InvalidPayloadError, parseJsonObject } from './payload.js';
import {
  createCore,
  defaultOnError,
  resolveSecrets,
  toDedupe,
  type SecretsSource,
  type WebhookHandler,
} from './handler-core.js';

/** Where an event comes from: the platform itself, or one of its connected accounts. */
export type Scope = 'platform' | 'connect';

/** What a handler gets beside the event. */
export interface EventContext {
  /** `connect` when the event carries `account` (a connected account's event), else `platform`. */
  scope: Scope;
  /** The connected account (`acct_...`) the event belongs to, or undefined for platform events. */
  account: string | undefined;
  /**
   * Request options for the official `stripe` package that act as the account owning
   * `data.object`: `{ stripeAccount: 'acct_...' }` for a connected account's event, `{}` for the
   * platform's. Pass them when you retrieve or change the event's object:
   * `stripe.customers.retrieve(event.data.object.id, {}, ctx.requestOptions)`.
   */
  requestOptions: { stripeAccount?: string };
  /** The event's mode. A live Connect endpoint also receives test events. */
  livemode: boolean;
}

export type EventHandler<Ev, C = EventContext> = (event: Ev, context: C) => unknown;

/** One handler per event type, `data.object` typed by the type. */
export type EventHandlers<E extends EventLike = Event> = {
  [K in E['type']]?: EventHandler<Extract<E, { type: K }>>;
};

export interface WebhookHandlerOptions<E extends EventLike = Event> {
  /** The endpoint's signing secret (`whsec_...`). */
  secret?: string;
  /**
   * Several secrets, during a roll: a delivery verifies if it matches any. A function is read on
   * every delivery, so secrets can change without a restart.
   */
  secrets?: SecretsSource;
  /** Seconds a signature stays valid; 0 turns the age check off. Default 300, as Stripe's SDKs. */
  tolerance?: number;
  /** Handlers for events of either scope. */
  on?: EventHandlers<E>;
  /** Handlers for the platform's own events only (no `account`); tried before `on`. */
  platform?: EventHandlers<E>;
  /** Handlers for connected accounts' events only (with `account`); tried before `on`. */
  connect?: EventHandlers<E>;
  /** Runs for a verified event no handler took; it is acknowledged with 200 either way. */
  onUnhandled?: EventHandler<E>;
  /**
   * Take only events of this mode. Production Connect endpoints receive test events too: set this
   * to `true` there and test events are acknowledged (200, outcome `skipped`) without running any
   * handler. Default: take both.
   */
  livemode?: boolean;
  /** Runs for each event skipped for its mode. */
  onSkipped?: EventHandler<E>;
  /**
   * Run each event once: a store (e.g. `new MemoryDedupeStore()`, `createSqliteDedupeStore(db)`)
   * or a `createDedupe(...)` result. Duplicates are acknowledged without running the handler.
   */
  dedupe?: DedupeStore | Dedupe<E> | false;
  /** Called when a handler throws (the answer is then 500, so the sender retries). Default: console.error. */
  onError?: (error: unknown, event: E | undefined) => void;
  /** Unix ms; default `Date.now`. For tests. */
  now?: () => number;
}

function eventContext(event: EventLike): EventContext {
  const account =
    typeof event.account === 'string' && event.account !== '' ? event.account : undefined;
  return {
    scope: account ? 'connect' : 'platform',
    account,
    requestOptions: account ? { stripeAccount: account } : {},
    livemode: event.livemode,
  };
}

function parseSnapshotEvent<E extends EventLike>(text: string): E {
  const record = parseJsonObject(text);
  if (record.object === 'v2.core.event') throw new InvalidPayloadError(messages.thinEvent);
  if (typeof record.livemode !== 'boolean' || typeof record.created !== 'number') {
    throw new InvalidPayloadError('The body is not an event: it needs `livemode` and `created`.');
  }
  return record as unknown as E;
}

/**
 * A webhook handler for snapshot events: verifies the `Stripe-Signature`, parses the event, routes
 * it by scope and type, and says what to answer: 400 for a bad signature or body, 200 once the
 * handler succeeded (or no handler wanted the event), 500 if the handler threw so the sender
 * retries, 409 while another delivery of the same event is running (with `dedupe`).
 *
 * Give it to an adapter (`toNodeListener`, `expressWebhook`, `fastifyWebhook`, `toFetchHandler`),
 * or call `handle(rawBody, header)` yourself.
 *
 * @typeParam E - the event union; default this package's {@link Event}. Pass `Stripe.Event` to
 * use the official `stripe` package's types.
 */
export function createWebhookHandler<E extends EventLike = Event>(
  options: WebhookHandlerOptions<E>,
): WebhookHandler<E> {
  const secrets = resolveSecrets(options);
  const now = options.now ?? Date.now;
  type Handler = EventHandler<E> | undefined;
  const lookup = (map: EventHandlers<E> | undefined, type: string): Handler =>
    map ? ((map as Record<string, Handler>)[type] ?? undefined) : undefined;
  return createCore<E, EventContext>({
    secrets,
    tolerance: options.tolerance,
    parse: parseSnapshotEvent<E>,
    context: eventContext,
    route(event, context) {
      const scoped = context.scope === 'connect' ? options.connect : options.platform;
      return lookup(scoped, event.type) ?? lookup(options.on, event.type);
    },
    onUnhandled: options.onUnhandled,
    livemode: options.livemode,
    onSkipped: options.onSkipped,
    dedupe: toDedupe(options.dedupe, now),
    onError: options.onError ?? defaultOnError,
    now,
  });
}
