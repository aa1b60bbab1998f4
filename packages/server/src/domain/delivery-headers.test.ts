import { describe, expect, it } from 'vitest';
import { recordedHeaders, sentHeaders, STRIPE_HEADERS } from './delivery-headers.js';

describe('delivery headers as attempts record them', () => {
  const signature = 't=1700000000,v1=' + 'a'.repeat(64) + ',v0=' + 'b'.repeat(64);
  const sent = { ...STRIPE_HEADERS, 'Stripe-Signature': signature };

  it('records only what differs from the headers every delivery carries', () => {
    expect(JSON.parse(recordedHeaders(sent))).toEqual({ 'Stripe-Signature': signature });
    expect(recordedHeaders(sent).length).toBeLessThan(JSON.stringify(sent).length / 2);
  });

  it('reads back every header that was sent, in the order sent', () => {
    const back = sentHeaders(recordedHeaders(sent));
    expect(back).toEqual(sent);
    expect(Object.keys(back)).toEqual(Object.keys(sent));
  });

  it('keeps a standard header whose value was changed', () => {
    const changed = { ...sent, Accept: 'text/plain' };
    expect(JSON.parse(recordedHeaders(changed))).toEqual({
      Accept: 'text/plain',
      'Stripe-Signature': signature,
    });
    expect(sentHeaders(recordedHeaders(changed))).toEqual(changed);
  });

  it('reads a whole set recorded by an older version the same way', () => {
    expect(sentHeaders(JSON.stringify(sent))).toEqual(sent);
  });

  it('reads no headers for an attempt that sent no request', () => {
    expect(sentHeaders('{}')).toEqual({});
  });
});
