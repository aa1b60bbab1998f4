import { describe, expect, it } from 'vitest';
import { parseForm } from '../../../server/src/api/form.js';
import { encodeForm } from './form.js';

describe('encodeForm', () => {
  it('writes nested maps as a[b]=v and arrays with indexes, brackets unescaped, as stripe-node does', () => {
    expect(
      encodeForm({
        amount: 2000,
        confirm: true,
        payment_method_types: ['card'],
        metadata: { order: '42' },
        items: [{ price: 'price_1', quantity: 2 }],
      }),
    ).toBe(
      'amount=2000&confirm=true&payment_method_types[0]=card&metadata[order]=42&items[0][price]=price_1&items[0][quantity]=2',
    );
  });

  it('percent-encodes values and keys but keeps their brackets', () => {
    expect(encodeForm({ description: 'a&b=c ü', 'we ird': { 'k]': 'v' } })).toBe(
      'description=a%26b%3Dc%20%C3%BC&we%20ird[k]]=v',
    );
  });

  it('sends null as an empty value (unset) and leaves undefined out', () => {
    expect(encodeForm({ description: null, email: undefined, name: 'x' })).toBe(
      'description=&name=x',
    );
  });

  it("round-trips through the server's form parser", () => {
    const params = {
      type: 'custom',
      capabilities: { card_payments: { requested: 'true' }, transfers: { requested: 'true' } },
      enabled_events: ['customer.created', 'v2.core.account[identity].updated'],
      individual: { address: { line1: '510 Townsend St', city: 'San Francisco' } },
      items: [{ price: 'p', tax_rates: ['t1', 't2'] }],
    };
    expect(parseForm(encodeForm(params))).toEqual(params);
  });
});
