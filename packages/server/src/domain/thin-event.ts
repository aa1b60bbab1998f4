// The shape of a v2 (thin) event: what the server stores and serves, and what the dashboard reads.

export interface RelatedObject {
  id: string;
  type: string;
  /** A path beginning with one `/`, as the SDK requires. */
  url: string;
}

/** The full v2 event, as `GET /v2/core/events/{id}` returns it. */
export interface ThinEvent {
  id: string;
  object: 'v2.core.event';
  type: string;
  livemode: boolean;
  created: string;
  context: string | null;
  reason: {
    type: 'request';
    request: { id: string | null; idempotency_key: string | null };
  } | null;
  related_object: RelatedObject | null;
  data?: Record<string, unknown>;
  changes?: Record<string, unknown>;
}
