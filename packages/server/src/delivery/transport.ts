import type { AttemptResult } from '../domain/outcome.js';

/** One request to send: the signed body and its headers. */
export interface OutgoingDelivery {
  deliveryId: string;
  eventId: string;
  endpointId: string;
  url: string | null;
  headers: Record<string, string>;
  body: string;
  /** A v2 thin notification rather than a v1 event. */
  thin: boolean;
  /** Live deliveries may only reach public addresses (or the allowlist). */
  livemode: boolean;
  timeoutMs: number;
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
}

/** How deliveries reach an endpoint: HTTP POST for webhook endpoints, a websocket for listen sessions. */
export interface Transport {
  send(delivery: OutgoingDelivery): Promise<TransportResult>;
  close(): Promise<void>;
}
