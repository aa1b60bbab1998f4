/**
 * The exact bytes of a v1 event, as Stripe writes them: pretty-printed with two spaces, members in
 * Stripe's order (`id, object, account?, api_version, created, data, livemode, pending_webhooks,
 * request, type`). The `data` member is stored pre-rendered, so a delivery costs string joins,
 * not a parse and a stringify; the signature covers these bytes.
 */
export interface EventBodyParts {
  id: string;
  account: string | null;
  apiVersion: string | null;
  created: number;
  /** `data`, rendered by {@link renderEventData}. */
  data: string;
  livemode: boolean;
  pendingWebhooks: number;
  requestId: string | null;
  idempotencyKey: string | null;
  type: string;
}

const str = (s: string | null) => JSON.stringify(s);

/** `{object, previous_attributes?}` pretty-printed and indented to sit one level deep. */
export function renderEventData(object: unknown, previousAttributes?: unknown): string {
  const data =
    previousAttributes === undefined
      ? { object }
      : { object, previous_attributes: previousAttributes };
  return JSON.stringify(data, null, 2).replace(/\n/g, '\n  ');
}

/** The stored form of an event, as storage keeps it (a structural type: domain imports no storage). */
export interface StoredEvent {
  id: string;
  account_id: string | null;
  api_version: string | null;
  created: number;
  data: string;
  livemode: number;
  pending_webhooks: number;
  request_id: string | null;
  idempotency_key: string | null;
  type: string;
}

/** A stored v1 event's body, optionally rendered for an endpoint's pinned API version. */
export function eventJson(row: StoredEvent, apiVersion: string | null = row.api_version): string {
  return renderEventBody({
    id: row.id,
    account: row.account_id,
    apiVersion,
    created: Number(row.created),
    data: row.data,
    livemode: row.livemode === 1,
    pendingWebhooks: row.pending_webhooks,
    requestId: row.request_id,
    idempotencyKey: row.idempotency_key,
    type: row.type,
  });
}

export function renderEventBody(e: EventBodyParts): string {
  return (
    `{\n  "id": ${str(e.id)},\n  "object": "event",\n` +
    (e.account === null ? '' : `  "account": ${str(e.account)},\n`) +
    `  "api_version": ${str(e.apiVersion)},\n  "created": ${e.created},\n  "data": ${e.data},\n` +
    `  "livemode": ${e.livemode},\n  "pending_webhooks": ${e.pendingWebhooks},\n` +
    `  "request": {\n    "id": ${str(e.requestId)},\n    "idempotency_key": ${str(e.idempotencyKey)}\n  },\n` +
    `  "type": ${str(e.type)}\n}`
  );
}

/**
 * `data.previous_attributes` of an `*.updated` event: for each member that changed, its old value
 * (null if it was absent). Nested objects are compared member by member; an array that changed is
 * included whole, as Stripe does.
 */
export function previousAttributes(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[key];
    const b = after[key];
    if (deepEqual(a, b)) continue;
    if (isPlainObject(a) && isPlainObject(b)) {
      out[key] = previousAttributes(a, b) ?? {};
    } else {
      out[key] = a === undefined ? null : a;
    }
  }
  return Object.keys(out).length === 0 ? null : out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) =>
    deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

/**
 * A thin (v2) event notification: the stored event without `data` and `changes`, which only a
 * fetch of the event returns. Compact JSON: the signature covers these exact bytes.
 */
export function thinNotificationJson(storedEvent: string): string {
  const {
    data: _data,
    changes: _changes,
    ...notification
  } = JSON.parse(storedEvent) as Record<string, unknown>;
  return JSON.stringify(notification);
}
