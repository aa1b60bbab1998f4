/**
 * The dashboard's only way to the server: the public HTTP API, with the key the user signed in
 * with (`Authorization: Bearer`) and `Stripe-Account` when acting as a connected account.
 */
export type Params = Record<string, unknown>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Stripe's form encoding: `a[b]=1`, `list[0]=x`; undefined members are left out. */
export function encodeForm(params: Params, prefix = ''): string[] {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    const name = prefix ? `${prefix}[${k}]` : k;
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        if (item !== null && typeof item === 'object')
          parts.push(...encodeForm(item as Params, `${name}[${i}]`));
        else
          parts.push(`${encodeURIComponent(`${name}[${i}]`)}=${encodeURIComponent(String(item))}`);
      });
    } else if (v !== null && typeof v === 'object') {
      parts.push(...encodeForm(v as Params, name));
    } else {
      parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(v === null ? '' : String(v))}`);
    }
  }
  return parts;
}

export interface CallOptions {
  /** Act as this connected account (`Stripe-Account`). */
  account?: string | null | undefined;
}

export class Api {
  /** `base` is empty in the browser (same origin); tests in Node pass the server's URL. */
  constructor(
    readonly key: string,
    readonly base = '',
  ) {}

  get<T>(path: string, params: Params = {}, options: CallOptions = {}): Promise<T> {
    const query = encodeForm(params).join('&');
    return this.request<T>('GET', query ? `${path}?${query}` : path, undefined, options);
  }

  post<T>(path: string, params: Params = {}, options: CallOptions = {}): Promise<T> {
    // v2 takes JSON bodies; v1 form-encoded ones, as Stripe's API does.
    if (path.startsWith('/v2/'))
      return this.request<T>('POST', path, JSON.stringify(params), options);
    return this.request<T>('POST', path, encodeForm(params).join('&'), options);
  }

  del<T>(path: string, options: CallOptions = {}): Promise<T> {
    return this.request<T>('DELETE', path, undefined, options);
  }

  async request<T>(
    method: string,
    path: string,
    body: string | undefined,
    options: CallOptions,
  ): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.key}` };
    if (body !== undefined)
      headers['Content-Type'] = path.startsWith('/v2/')
        ? 'application/json'
        : 'application/x-www-form-urlencoded';
    if (options.account) headers['Stripe-Account'] = options.account;
    let res: Response;
    try {
      res = await fetch(this.base + path, { method, headers, body, cache: 'no-store' });
    } catch {
      throw new ApiError(
        0,
        'The Switchboard server cannot be reached. Is `switchboard serve` running?',
      );
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      throw new ApiError(res.status, `Unexpected answer from the server (HTTP ${res.status}).`);
    }
    if (!res.ok) {
      const error = (json as { error?: { message?: string; code?: string; param?: string } } | null)
        ?.error;
      throw new ApiError(
        res.status,
        error?.message ?? `Request failed (HTTP ${res.status}).`,
        error?.code,
        error?.param,
      );
    }
    return json as T;
  }
}

/** A short, human message for any error a call may throw. */
export function messageOf(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
