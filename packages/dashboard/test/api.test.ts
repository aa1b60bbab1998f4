import { describe, expect, it } from 'vitest';
import { encodeForm } from '../src/lib/api.js';

describe('encodeForm', () => {
  it('encodes nested objects and arrays as Stripe expects, leaving out undefined members', () => {
    const body = encodeForm({
      url: 'https://example.com/hook?a=1',
      enabled_events: ['customer.created', 'payout.failed'],
      connect: true,
      description: undefined,
      metadata: { nickname: 'main & co' },
      capabilities: { transfers: { requested: true } },
    }).join('&');
    expect([...new URLSearchParams(body)]).toEqual([
      ['url', 'https://example.com/hook?a=1'],
      ['enabled_events[0]', 'customer.created'],
      ['enabled_events[1]', 'payout.failed'],
      ['connect', 'true'],
      ['metadata[nickname]', 'main & co'],
      ['capabilities[transfers][requested]', 'true'],
    ]);
  });

  it('sends null as an empty value, which unsets a field', () => {
    expect(encodeForm({ description: null })).toEqual(['description=']);
  });
});
