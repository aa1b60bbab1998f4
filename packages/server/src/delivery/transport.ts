import type { AttemptOf, ChaosSettings } from '../domain/chaos.js';
import type { AttemptResult } from '../domain/outcome.js';
import type { Signing } from './signing.js';

/** One request to send: the signed body and its headers. */
export interface OutgoingDelivery {
  deliveryId: string;
  eventId: string;
  endpointId: string;
  url: string | null;
  /** Every header but `Stripe-Signature`, which the transport adds as it sends (signing.ts). */
  headers: Record<string, string>;
  body: string;
  signing: Signing;
  /** A v2 thin notification rather than a v1 event. */
  thin: boolean;
  /**
   * The endpoint's mode (not the event's: a live Connect endpoint also gets test events): a
   * live endpoint may only reach public addresses (or the allowlist), whatever the policy.
   */
  livemode: boolean;
  timeoutMs: number;
  /** The endpoint's chaos delivery settings, for this attempt (delivery/chaos.ts); mostly absent. */
  chaos?: (AttemptOf & { settings: ChaosSettings; liveEndpoint: boolean }) | undefined;
}

/** What came back, for the attempt log. */
export interface TransportResult {
  /**
   * `deferred`: the endpoint cannot take it now (a listen session that is not connected); the
   * delivery waits without counting an attempt.
   */
  result: AttemptResult | { kind: 'deferred' };
  durationMs: number;
  responseBody: string | null;
  /**
   * The headers sent, as the attempt log records them (recordedHeaders: those beyond the ones
   * every delivery carries, so the signature); '{}' if nothing was sent.
   */
  requestHeaders: string;
  /** Why a request got no answer, in full (addresses, system messages): for the server's log only. */
  detail?: string;
  /** What chaos delivery did to the attempt, for the attempt log (delivery/chaos.ts). */
  chaos?: string | undefined;
}

/** How deliveries reach an endpoint: HTTP POST for webhook endpoints, a websocket for listen sessions. */
export interface Transport {
  send(delivery: OutgoingDelivery): Promise<TransportResult>;
  /**
   * How many deliveries per endpoint this transport takes beyond the endpoint's concurrency limit.
   * It keeps the limit itself: those wait in the transport and go out as the endpoint's earlier
   * requests end, with no round through the worker (the sender thread). 0 when absent.
   */
  readonly queuesPerEndpoint?: number;
  close(): Promise<void>;
}
