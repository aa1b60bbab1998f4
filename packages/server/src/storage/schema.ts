import type { Generated } from 'kysely';

/**
 * Tables, as Kysely sees them. Booleans are 0/1 integers and JSON is text, the same on SQLite and
 * PostgreSQL, so that no code outside storage/dialects/ needs to know which one it talks to.
 * Times ending in `_ms` are unix milliseconds; `created` is unix seconds, as Stripe's.
 */
export interface Database {
  platforms: PlatformsTable;
  api_keys: ApiKeysTable;
  objects: ObjectsTable;
  events: EventsTable;
  event_pending: EventPendingTable;
  endpoints: EndpointsTable;
  deliveries: DeliveriesTable;
  attempts: AttemptsTable;
  idempotency_keys: IdempotencyKeysTable;
  scheduled_tasks: ScheduledTasksTable;
  listen_secrets: ListenSecretsTable;
  file_contents: FileContentsTable;
}

/** An uploaded file's bytes (the file object is in `objects` under the same id). */
export interface FileContentsTable {
  id: string;
  content: Buffer;
}

export interface PlatformsTable {
  seq: Generated<number>;
  id: string;
  /** Set for a sandbox: the platform it belongs to. */
  parent_id: string | null;
  name: string;
  application_id: string;
  application_name: string;
  default_api_version: string;
  created: number;
  /** The URIs its Connect OAuth flow may return to (JSON array; the first is the default). */
  redirect_uris: Generated<string>;
}

export interface ApiKeysTable {
  seq: Generated<number>;
  id: string;
  platform_id: string;
  livemode: number;
  /** `secret` (sk_), `restricted` (rk_), or `refresh` (an OAuth refresh token, not an API key). */
  kind: string;
  /** SHA-256 of the key: the only form in which live keys are kept. */
  token_hash: string;
  /** Test keys only, so `switchboard keys` can show them again. */
  token: string | null;
  last4: string;
  created: number;
  revoked: number;
  /** The connected account the key acts as (an OAuth access token); null for platform keys. */
  account_id: string | null;
  /** Clock ms after which the key stops working (a secret key rolled with an overlap). */
  expires_ms: number | null;
  /** A restricted key's permissions, as a JSON array (`["events:read"]`); null for other keys. */
  permissions: string | null;
  /** An OAuth token's scope: `read_only` or `read_write` (null: issued before scopes, read_write). */
  oauth_scope: string | null;
}

export interface ObjectsTable {
  seq: Generated<number>;
  id: string;
  platform_id: string;
  /** The connected account the object lives in; null for the platform's own objects. */
  account_id: string | null;
  livemode: number;
  /** Stripe's `object` value: customer, account, payout, ... */
  type: string;
  /** The object as the API renders it (JSON). */
  data: string;
  /** State the API does not render (JSON), e.g. whether an account deauthorized the platform. */
  internal: string;
  /** For child objects (persons, external accounts): the id of the parent. */
  parent_id: string | null;
  created: number;
  deleted: number;
}

export interface EventsTable {
  seq: Generated<number>;
  id: string;
  platform_id: string;
  account_id: string | null;
  livemode: number;
  type: string;
  /** `event` (v1 snapshot) or `v2.core.event` (thin). */
  object: string;
  api_version: string | null;
  created: number;
  created_ms: number;
  /**
   * v1: the `data` member, pretty-printed and indented as it sits in the event body.
   * v2: the full event JSON.
   */
  data: string;
  request_id: string | null;
  idempotency_key: string | null;
  /** The id of `data.object` (v1) or `related_object` (v2), for filtering. */
  object_id: string | null;
}

/**
 * An event's `pending_webhooks`: the endpoints that have not yet answered 2xx. A row for each event
 * that had endpoints to deliver to (none: 0), counted down to 0.
 * Apart from the event's row (which holds its ~1 KB of data) so that counting a delivery down
 * writes a narrow row: in the events row these updates were ~30% of the WAL a drain wrote.
 */
export interface EventPendingTable {
  event_id: string;
  pending: number;
}

export interface EndpointsTable {
  seq: Generated<number>;
  id: string;
  platform_id: string;
  /** Set when a connected account owns the endpoint (created with Stripe-Account). */
  account_id: string | null;
  livemode: number;
  /** `webhook`, `listen` or `destination`. */
  kind: string;
  url: string | null;
  connect: number;
  api_version: string | null;
  description: string | null;
  enabled_events: string;
  metadata: string;
  status: string;
  disabled_reason: string | null;
  secret: string;
  /** Rolled secrets still valid for signing: JSON `[{secret, expires_ms}]`. */
  previous_secrets: string;
  application: string | null;
  created: number;
  /** Start of the current failure streak. */
  failing_since_ms: number | null;
  warned_at_ms: number | null;
  /** Kind-specific settings (JSON): listen session details, destination options. */
  config: string;
  deleted: number;
  /** A webhook endpoint's chaos delivery settings (JSON, domain/chaos.ts); null: off. */
  chaos: string | null;
}

export interface DeliveriesTable {
  seq: Generated<number>;
  id: string;
  event_id: string;
  endpoint_id: string;
  platform_id: string;
  /** `pending`, `succeeded` or `failed`. */
  status: string;
  /** 1 for a manual resend: one attempt, no retries, not counted in pending_webhooks. */
  one_shot: number;
  attempts: number;
  first_attempt_ms: number | null;
  next_attempt_ms: number | null;
  /** Real-time lease of the worker delivering it now; expired leases are claimed again. */
  lease_until_ms: number | null;
  lease_owner: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_ms: number;
  updated_ms: number;
}

export interface AttemptsTable {
  seq: Generated<number>;
  id: string;
  delivery_id: string;
  event_id: string;
  endpoint_id: string;
  platform_id: string;
  url: string | null;
  started_ms: number;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  response_body: string | null;
  request_headers: string;
  /** `succeeded` or `failed`. */
  outcome: string;
  next_attempt_ms: number | null;
  /** What chaos delivery did to this attempt, in words; null: nothing. */
  chaos: string | null;
}

export interface IdempotencyKeysTable {
  platform_id: string;
  /** The connected account the request acted as, or '' for the platform itself. */
  account_scope: string;
  livemode: number;
  key: string;
  request_hash: string;
  status_code: number;
  response_body: string;
  created_ms: number;
}

export interface ScheduledTasksTable {
  seq: Generated<number>;
  id: string;
  platform_id: string;
  /** What to do: the name a handler registered (e.g. `balance.release`, `payout.arrive`). */
  kind: string;
  payload: string;
  /** Clock milliseconds. */
  due_ms: number;
  /** `pending` or `done`. */
  status: string;
  lease_until_ms: number | null;
  created_ms: number;
}

export interface ListenSecretsTable {
  platform_id: string;
  livemode: number;
  secret: string;
}
