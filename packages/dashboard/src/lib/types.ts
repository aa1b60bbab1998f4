/** The API objects the dashboard reads, as far as it reads them. */
export interface List<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
}

export interface Platform {
  id: string;
  object: 'account';
  business_profile?: { name?: string | null } | null;
  settings?: { dashboard?: { display_name?: string | null } | null } | null;
  email?: string | null;
}

export interface Endpoint {
  id: string;
  url: string;
  status: 'enabled' | 'disabled' | string;
  description: string | null;
  enabled_events: string[];
  api_version: string | null;
  /** Set for Connect endpoints ("Events from: Connected accounts"). */
  application: string | null;
  livemode: boolean;
  created: number;
  secret?: string;
}

export interface EndpointStats {
  webhook_endpoint: string;
  minutes: number;
  attempts: number;
  failed: number;
  failure_rate: number | null;
  failing_since: number | null;
  buckets?: Array<{ minute: number; succeeded: number; failed: number }>;
}

export type DeliveryStatus = 'delivered' | 'pending' | 'retrying' | 'failed' | 'none';

export interface StripeEvent {
  id: string;
  object: 'event';
  type: string;
  account?: string;
  livemode: boolean;
  created: number;
  api_version: string | null;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null } | null;
  data: { object: Record<string, unknown> & { id?: string; object?: string } };
  delivery_status?: DeliveryStatus;
}

/** A v2 (thin) event as Switchboard's event routes return it (`GET /v2/core/events/{id}`'s shape). */
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
  related_object: { id: string; type: string; url: string } | null;
  data?: Record<string, unknown>;
  changes?: Record<string, unknown>;
  delivery_status?: DeliveryStatus;
}

/** A v1 event or a v2 (thin) one: Switchboard's own event routes return either. */
export type AnyEvent = StripeEvent | ThinEvent;

/** A v2 event destination, listed with `include[0]=webhook_endpoint.url`. */
export interface EventDestination {
  id: string;
  name: string;
  description?: string | null;
  status: 'enabled' | 'disabled' | string;
  type: string;
  event_payload: 'thin' | 'snapshot';
  events_from: string[];
  enabled_events: string[];
  livemode: boolean;
  webhook_endpoint?: { url?: string | null } | null;
}

/** A v2 list (`next_page_url` instead of `has_more`). */
export interface V2List<T> {
  data: T[];
  next_page_url: string | null;
}

export interface Attempt {
  id: string;
  created: number;
  delivery: string;
  event: string;
  webhook_endpoint: string;
  url: string | null;
  outcome: 'succeeded' | 'failed' | string;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  response_body: string | null;
  request_headers: Record<string, string>;
  next_attempt: number | null;
  /** What chaos delivery did to this attempt (the endpoint's chaos settings), or null. */
  chaos: string | null;
}

/** An attempt as the live stream sends it. */
export interface StreamedAttempt extends Attempt {
  event_type: string;
  account: string | null;
  livemode: boolean;
}

export interface StreamedEvent {
  id: string;
  object: string;
  type: string;
  account: string | null;
  livemode: boolean;
  created: number;
}

export interface Delivery {
  id: string;
  event: string;
  webhook_endpoint: string;
  status: 'pending' | 'succeeded' | 'failed' | string;
  resend: boolean;
  attempts: number;
  last_status_code: number | null;
  next_attempt: number | null;
  created: number;
  /** Where it went (Switchboard's event deliveries route). */
  endpoint_kind?: 'webhook_endpoint' | 'listen_session' | 'event_destination' | null;
  /** The endpoint's description; a listen session's is the CLI's device name. */
  endpoint_description?: string | null;
}

/** A webhook endpoint's chaos delivery settings (`/v1/switchboard/webhook_endpoints/{id}/chaos`). */
export interface Chaos {
  enabled: boolean;
  livemode: boolean;
  duplicate_percent: number;
  fail_first_attempt_percent: number;
  delay_percent: number;
  delay_seconds: number;
  reorder_window_seconds: number;
  summary: string;
}

export interface ConnectedAccount {
  id: string;
  type?: string | null;
  email?: string | null;
  country?: string | null;
  created?: number;
  charges_enabled?: boolean;
  payouts_enabled?: boolean;
  details_submitted?: boolean;
  business_profile?: { name?: string | null; url?: string | null } | null;
  requirements?: { currently_due?: string[]; disabled_reason?: string | null } | null;
  metadata?: Record<string, string>;
  controller?: {
    requirement_collection?: string;
    stripe_dashboard?: { type?: string } | null;
  } | null;
}

/** The platform's Connect settings (`/v1/switchboard/connect_settings`). */
export interface ConnectSettings {
  object: 'connect_settings';
  /** The Connect application: the `client_id` of the platform's OAuth links. */
  application: string;
  /** Where `/oauth/authorize` may return to; the first is the default. */
  redirect_uris: string[];
}

export interface Sandbox {
  id: string;
  name: string;
  secret_key: string | null;
  publishable_key: string | null;
  created: number;
}

export interface PublishableKey {
  object: 'publishable_key';
  livemode: boolean;
  key: string | null;
}
