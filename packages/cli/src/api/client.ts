import { encodeForm } from './form.js';

export const DEFAULT_API_BASE = 'http://127.0.0.1:12111';
/** The API version stripe-node 23 pins; v2 requests must name one. */
export const V2_API_VERSION = '2026-10-28.endive';
const USER_AGENT = 'switchboard-cli/0.1.0';

/** Where and as whom requests go. */
export interface Connection {
  apiBase: string;
  apiKey: string;
  /** Sent as `Stripe-Account` on every request (act as a connected account). */
  stripeAccount?: string;
  /** Sent as `Stripe-Version`. */
  apiVersion?: string;
}

export interface RequestOptions {
  /** v1: form-encoded body (POST) or query (GET, DELETE); v2: JSON body (POST) or query. */
  params?: Record<string, unknown>;
  idempotencyKey?: string;
  headers?: Record<string, string>;
}

export interface ApiResponse {
  status: number;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
}

/** A Stripe-style error answer (`{error: {type, code, message, param}}`) or another non-2xx. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly type: string | null,
    readonly code: string | null,
    readonly body: unknown,
  ) {
    super(message);
  }
}

/** Anything the CLI reports as one line without a stack: bad input, missing keys, refusals. */
export class CliError extends Error {}

export function apiErrorOf(status: number, body: unknown): ApiError {
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  if (error && typeof error === 'object') {
    const message =
      typeof error.message === 'string' && error.message
        ? error.message
        : `${String(error.type ?? 'api_error')} (HTTP ${status})`;
    return new ApiError(
      message,
      status,
      typeof error.type === 'string' ? error.type : null,
      typeof error.code === 'string' ? error.code : null,
      body,
    );
  }
  const text = typeof body === 'string' ? body.trim().slice(0, 200) : JSON.stringify(body);
  return new ApiError(`HTTP ${status}${text ? `: ${text}` : ''}`, status, null, null, body);
}

const isV2 = (path: string) => path.startsWith('/v2/');

/** One API request; answers whatever the server answered (see `call` for the throwing form). */
export async function request(
  conn: Connection,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<ApiResponse> {
  const upper = method.toUpperCase();
  const headers: Record<string, string> = {
    Authorization: `Bearer ${conn.apiKey}`,
    'User-Agent': USER_AGENT,
    Accept: 'application/json',
  };
  if (conn.stripeAccount) headers['Stripe-Account'] = conn.stripeAccount;
  const version = conn.apiVersion ?? (isV2(path) ? V2_API_VERSION : undefined);
  if (version) headers['Stripe-Version'] = version;
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
  Object.assign(headers, options.headers);

  let url = conn.apiBase + path;
  let body: string | undefined;
  const params = options.params ?? {};
  if (upper === 'POST') {
    if (isV2(path)) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(params);
    } else {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = encodeForm(params);
    }
  } else {
    const query = encodeForm(params);
    if (query) url += (url.includes('?') ? '&' : '?') + query;
  }

  let res: Response;
  try {
    res = await fetch(url, { method: upper, headers, body });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (e as Error).message;
    throw new CliError(
      `cannot reach ${conn.apiBase} (${why}); is \`switchboard serve\` running there?`,
    );
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: keep the text, as the Stripe CLI does for fixtures.
  }
  return { status: res.status, body: parsed };
}

/** One API request that must succeed: a non-2xx answer becomes an ApiError. */
export async function call<T = Record<string, unknown>>(
  conn: Connection,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  const res = await request(conn, method, path, options);
  if (res.status < 200 || res.status >= 300) throw apiErrorOf(res.status, res.body);
  return res.body as T;
}

export interface StripeList<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
}

/** Every item of a v1 list, page after page (`starting_after`), up to `max` items. */
export async function* listAll<T extends { id: string }>(
  conn: Connection,
  path: string,
  params: Record<string, unknown> = {},
  max = Infinity,
): AsyncGenerator<T> {
  let seen = 0;
  let after: string | undefined;
  for (;;) {
    const limit = Math.min(100, max - seen);
    if (limit <= 0) return;
    const page = await call<StripeList<T>>(conn, 'GET', path, {
      params: { ...params, limit, ...(after ? { starting_after: after } : {}) },
    });
    for (const item of page.data) {
      yield item;
      seen++;
    }
    if (!page.has_more || page.data.length === 0) return;
    after = page.data[page.data.length - 1]!.id;
  }
}
