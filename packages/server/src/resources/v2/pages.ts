import { errors } from '../../stripe/errors.js';

/**
 * v2 lists: `{data, next_page_url, previous_page_url}`. The SDK follows `next_page_url` exactly as
 * given, so it carries every filter and an opaque page token (the last row's position).
 */
export interface V2List<T> {
  data: T[];
  next_page_url: string | null;
  previous_page_url: string | null;
}

export function decodePage(token: string | undefined): number | undefined {
  if (token === undefined) return undefined;
  const seq = Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(seq) || seq < 0)
    throw errors.parameterInvalid('page', `Invalid page: ${token.slice(0, 40)}`);
  return seq;
}

const encodePage = (seq: number) => Buffer.from(String(seq)).toString('base64url');

/** Serialises filters as the SDK does: indexed arrays, raw brackets. */
function query(params: Record<string, unknown>): string {
  const parts: string[] = [];
  const add = (key: string, value: unknown) => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) value.forEach((v, i) => add(`${key}[${i}]`, v));
    else if (typeof value === 'object')
      for (const [k, v] of Object.entries(value)) add(`${key}[${k}]`, v);
    else
      parts.push(
        `${key}=${encodeURIComponent(String(value)).replace(/%5B/g, '[').replace(/%5D/g, ']')}`,
      );
  };
  for (const [k, v] of Object.entries(params)) add(k, v);
  return parts.join('&');
}

export function v2List<T>(
  path: string,
  rows: Array<{ seq: number }>,
  hasMore: boolean,
  data: T[],
  filters: Record<string, unknown>,
): V2List<T> {
  const last = rows[rows.length - 1];
  return {
    data,
    next_page_url:
      hasMore && last
        ? `${path}?${query({ ...filters, page: encodePage(Number(last.seq)) })}`
        : null,
    previous_page_url: null,
  };
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/** `created[gte]` as an ISO time or unix seconds (the SDK sends either). */
export function toSeconds(value: string | undefined, param: string): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw errors.parameterInvalid(param, `Invalid timestamp: ${value.slice(0, 40)}`);
  return Math.floor(ms / 1000);
}
