import type { EventNotification, V2Event } from './notification.js';

/** An error answer of the API, with Stripe's envelope `{error:{type, code, message}}`. */
export class StripeApiError extends Error {
  override name = 'StripeApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly type: string | undefined,
    readonly code: string | undefined,
    readonly requestId: string | undefined,
  ) {
    super(message);
  }
}

export interface EventClientOptions {
  /** A secret key (`sk_...`) of the account that owns the event destination. */
  apiKey: string;
  /** The API's base URL. Default `https://api.stripe.com`; e.g. `http://127.0.0.1:12111` for Switchboard. */
  baseUrl?: string;
  /** Sent as `Stripe-Version`. Default the version stripe-node 23.1.0 pins: `2026-10-28.endive`. */
  apiVersion?: string;
  /** A `fetch` to use; default the global one. */
  fetch?: typeof fetch;
  /** Per-request timeout in ms; default 30 000. */
  timeoutMs?: number;
}

/** Fetches what a thin notification points at, sending the headers stripe-node sends. */
export interface EventClient {
  /** `GET /v2/core/events/{id}` with `Stripe-Context: <context>`. */
  fetchEvent(notification: EventNotification): Promise<V2Event>;
  /** `GET <related_object.url>` with the same context; null (and no request) without one. */
  fetchRelatedObject<T = Record<string, unknown>>(
    notification: EventNotification,
  ): Promise<T | null>;
}

export const DEFAULT_API_VERSION = '2026-10-28.endive';

export function createEventClient(options: EventClientOptions): EventClient {
  if (!options.apiKey) throw new Error('createEventClient needs `apiKey` (sk_...).');
  const base = new URL(options.baseUrl ?? 'https://api.stripe.com');
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;

  async function get<T>(path: string, notification: EventNotification): Promise<T> {
    // As stripe-node: only paths, so an event body can never send the key to another host.
    if (!path.startsWith('/') || path.startsWith('//')) {
      throw new Error(`Request path must be a string beginning with a single "/": ${path}`);
    }
    const headers: Record<string, string> = {
      Authorization: `Bearer ${options.apiKey}`,
      Accept: 'application/json',
      'Stripe-Version': options.apiVersion ?? DEFAULT_API_VERSION,
      'Stripe-Request-Trigger': `event=${notification.id}`,
    };
    if (notification.context) headers['Stripe-Context'] = String(notification.context);
    const response = await doFetch(new URL(path, base), {
      headers,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? {} : JSON.parse(text);
    } catch {
      throw new StripeApiError(
        `Invalid JSON received from the API (HTTP ${response.status}).`,
        response.status,
        undefined,
        undefined,
        response.headers.get('request-id') ?? undefined,
      );
    }
    const error = (body as { error?: { type?: string; code?: string; message?: string } }).error;
    if (!response.ok || error) {
      throw new StripeApiError(
        error?.message ?? `HTTP ${response.status} from GET ${path}`,
        response.status,
        error?.type,
        error?.code,
        response.headers.get('request-id') ?? undefined,
      );
    }
    return body as T;
  }

  return {
    fetchEvent(notification) {
      return get<V2Event>(`/v2/core/events/${encodeURIComponent(notification.id)}`, notification);
    },
    async fetchRelatedObject<T>(notification: EventNotification) {
      if (!notification.related_object) return null;
      return get<T>(notification.related_object.url, notification);
    },
  };
}
