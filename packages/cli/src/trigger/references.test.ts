import { describe, expect, it } from 'vitest';
import { referencesIn, resolveDeep, resolvePath, resolveString } from './references.js';

const ctx = {
  responses: new Map<string, unknown>([
    ['customer', { id: 'cus_123', metadata: { k: 'v' }, balance: 500 }],
    ['list', { data: [{ id: 'first' }, { id: 'second' }] }],
    ['odd', { id: 'a/b c' }],
  ]),
  env: { PRICE: 'price_9' } as NodeJS.ProcessEnv,
  now: () => new Date('2026-11-24T12:00:00.000Z'),
};

describe('fixture references', () => {
  it('finds step, .env and built-in references with their defaults', () => {
    expect(referencesIn('/v1/x/${customer:id}/y/${.env:K|d}${generate-uuid}')).toEqual([
      { text: '${customer:id}', name: 'customer', path: 'id', fallback: null },
      { text: '${.env:K|d}', name: '.env', path: 'K', fallback: 'd' },
      { text: '${generate-uuid}', name: 'generate-uuid', path: null, fallback: null },
    ]);
  });

  it('reads dotted paths of earlier responses, with array indexes', () => {
    expect(resolveString('${customer:metadata.k}', ctx, 's')).toBe('v');
    expect(resolveString('${list:data.1.id}', ctx, 's')).toBe('second');
  });

  it('keeps the type of a value that is the whole string, and writes it inside text', () => {
    expect(resolveString('${customer:balance}', ctx, 's')).toBe(500);
    expect(resolveString('owes ${customer:balance} cents', ctx, 's')).toBe('owes 500 cents');
  });

  it('uses the default when the field is missing, and fails with the step and path otherwise', () => {
    expect(resolveString('${customer:nope|fallback}', ctx, 's')).toBe('fallback');
    expect(() => resolveString('${customer:nope}', ctx, 'step "x"')).toThrow(
      'step "x": ${customer:nope} has no value: the response of step "customer" has no nope',
    );
  });

  it('reads the environment, then the default', () => {
    expect(resolveString('${.env:PRICE}', ctx, 's')).toBe('price_9');
    expect(resolveString('${.env:MISSING|none}', ctx, 's')).toBe('none');
    expect(() => resolveString('${.env:MISSING}', ctx, 's')).toThrow('set MISSING');
  });

  it('gives the time and fresh uuids', () => {
    expect(resolveString('${time-now-RFC3339}', ctx, 's')).toBe('2026-11-24T12:00:00.000Z');
    const a = resolveString('${generate-uuid}', ctx, 's');
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(resolveString('${generate-uuid}', ctx, 's')).not.toBe(a);
  });

  it('percent-encodes values placed in a path', () => {
    expect(resolvePath('/v1/customers/${odd:id}/x', ctx, 's')).toBe('/v1/customers/a%2Fb%20c/x');
  });

  it('resolves params at any depth, arrays included', () => {
    expect(
      resolveDeep({ customer: '${customer:id}', items: [{ c: '${customer:id}' }], n: 1 }, ctx, 's'),
    ).toEqual({ customer: 'cus_123', items: [{ c: 'cus_123' }], n: 1 });
  });
});
