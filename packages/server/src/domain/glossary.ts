/**
 * The vocabulary of Switchboard (docs/architecture.md explains each word):
 *
 * platform          an account that holds API keys; it owns connected accounts, endpoints, events.
 *                   A sandbox is a platform of its own, with a parent, test keys only.
 * connected account an account (`acct_...`) created by or connected to a platform; the platform acts
 *                   as it with `Stripe-Account`.
 * mode              test or live (`livemode`), fixed by the key that made an object.
 * scope             where an event comes from: "your account" (the platform's own resources) or
 *                   "connected accounts" (events with a top-level `account`).
 * event             a record of one change, `evt_...`, immutable once written.
 * endpoint          where events are sent: a webhook endpoint (`we_...`), a CLI listen session,
 *                   or a v2 event destination (`ed_...`).
 * delivery          one event owed to one endpoint, with its state (pending, succeeded, failed).
 * attempt           one HTTP POST (or websocket push) of a delivery, with its outcome.
 */
import type { AccountId, EndpointId, EventId, PlatformId } from './ids.js';

export type Scope = 'account' | 'connect';

export type EndpointKind = 'webhook' | 'listen' | 'destination';
export type EndpointStatus = 'enabled' | 'disabled';

/** What routing needs to know of an event. */
export interface RoutableEvent {
  id: EventId;
  platformId: PlatformId;
  /** The connected account the event comes from; null for the platform's own resources. */
  account: AccountId | null;
  livemode: boolean;
  type: string;
  /** `event` for v1 snapshot events, `v2.core.event` for thin events. */
  object: 'event' | 'v2.core.event';
}

/** What routing needs to know of an endpoint. */
export interface RoutableEndpoint {
  id: EndpointId;
  kind: EndpointKind;
  platformId: PlatformId;
  /** A connected account that owns this endpoint (created with Stripe-Account); usually null. */
  ownerAccount: AccountId | null;
  livemode: boolean;
  /** true: "Connected accounts" scope; false: "Your account". */
  connect: boolean;
  enabledEvents: readonly string[];
  status: EndpointStatus;
  /** Which event objects the endpoint takes: webhook endpoints take v1 (snapshot) events only. */
  payload: 'snapshot' | 'thin' | 'both';
  /** For v2 event destinations: `@self` and/or `@accounts`. */
  eventsFrom: readonly string[];
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';
