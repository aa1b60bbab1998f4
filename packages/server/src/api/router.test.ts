import { describe, expect, it } from 'vitest';
import { Router } from './router.js';

describe('Router', () => {
  it('names parameters per route, so routes with other names share a position', () => {
    const r = new Router<string>();
    r.add('GET', '/v1/customers/:id', 'customer');
    r.add('GET', '/v1/customers/:customer/tax_ids/:id', 'tax id');
    expect(r.match('GET', '/v1/customers/cus_1')).toEqual({
      kind: 'found',
      handler: 'customer',
      params: { id: 'cus_1' },
    });
    expect(r.match('GET', '/v1/customers/cus_1/tax_ids/txi_2')).toEqual({
      kind: 'found',
      handler: 'tax id',
      params: { customer: 'cus_1', id: 'txi_2' },
    });
  });

  it('prefers a static segment, and falls back to a parameter when the static path ends nowhere', () => {
    const r = new Router<string>();
    r.add('GET', '/v1/customers/search', 'search');
    r.add('GET', '/v1/customers/:id', 'customer');
    r.add('GET', '/v1/customers/:customer/balance', 'balance');
    expect(r.match('GET', '/v1/customers/search')).toMatchObject({ handler: 'search' });
    expect(r.match('GET', '/v1/customers/search/balance')).toEqual({
      kind: 'found',
      handler: 'balance',
      params: { customer: 'search' },
    });
  });

  it('tells a method not allowed from a path not found, and decodes parameters', () => {
    const r = new Router<string>();
    r.add('POST', '/v1/coupons/:coupon', 'update');
    expect(r.match('GET', '/v1/coupons/x')).toEqual({
      kind: 'method-not-allowed',
      allowed: ['POST'],
    });
    expect(r.match('POST', '/v1/nothing')).toEqual({ kind: 'not-found' });
    expect(r.match('POST', '/v1/coupons/25%25%20off')).toMatchObject({
      params: { coupon: '25% off' },
    });
    expect(r.match('POST', '/v1/coupons/%E0%A4')).toEqual({ kind: 'not-found' });
  });

  it('knows whether a route exists whatever its parameters are called, and refuses one twice', () => {
    const r = new Router<string>();
    r.add('GET', '/v1/customers/:id', 'customer');
    expect(r.has('GET', '/v1/customers/:customer')).toBe(true);
    expect(r.has('POST', '/v1/customers/:customer')).toBe(false);
    expect(r.has('GET', '/v1/customers')).toBe(false);
    expect(() => r.add('GET', '/v1/customers/:customer', 'again')).toThrow(/defined twice/);
  });
});
