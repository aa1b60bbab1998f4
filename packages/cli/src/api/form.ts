/**
 * Stripe's v1 wire format, as stripe-node writes it: nested maps as `a[b]=v`, arrays indexed
 * (`a[0]=x`, `items[0][price]=p`), brackets left unescaped, `null` as an empty value (which unsets
 * a field), `undefined` left out.
 */
export function encodeForm(params: Record<string, unknown>): string {
  const pairs: string[] = [];
  const walk = (key: string, value: unknown): void => {
    if (value === undefined) return;
    if (value === null) {
      pairs.push(`${escapeKey(key)}=`);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(`${key}[${i}]`, v));
    } else if (value instanceof Date) {
      pairs.push(`${escapeKey(key)}=${Math.floor(value.getTime() / 1000)}`);
    } else if (typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(`${key}[${k}]`, v);
    } else {
      pairs.push(`${escapeKey(key)}=${encodeURIComponent(String(value))}`);
    }
  };
  for (const [k, v] of Object.entries(params)) walk(k, v);
  return pairs.join('&');
}

const escapeKey = (key: string): string =>
  encodeURIComponent(key).replace(/%5B/g, '[').replace(/%5D/g, ']');
