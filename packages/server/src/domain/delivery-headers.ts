/** Headers Stripe sends with every delivery (captured from real deliveries, stripe-cli issue #909). */
export const STRIPE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-cache',
  'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
  Accept: '*/*; q=0.5, application/xml',
};

/**
 * A sent request's headers as its attempt records them: those that differ from STRIPE_HEADERS,
 * which every delivery carries, so in practice only its `Stripe-Signature`. The whole set took
 * ~330 bytes of an attempt row's ~590.
 */
export function recordedHeaders(headers: Readonly<Record<string, string>>): string {
  const own: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (STRIPE_HEADERS[name] !== value) own[name] = value;
  return JSON.stringify(own);
}

/**
 * The headers an attempt sent, from what it recorded: none when it sent no request (`{}`: a
 * delivery canceled or deferred), otherwise STRIPE_HEADERS and its own. Attempts recorded before
 * the headers were shortened hold the whole set, which reads back the same.
 */
export function sentHeaders(recorded: string): Record<string, string> {
  const own = JSON.parse(recorded) as Record<string, string>;
  return Object.keys(own).length === 0 ? {} : { ...STRIPE_HEADERS, ...own };
}
