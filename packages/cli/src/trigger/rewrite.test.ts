import { describe, expect, it } from 'vitest';
import type { Fixture } from './fixture.js';
import { applyRewrites } from './rewrite.js';

const fixture: Fixture = {
  _meta: { template_version: 0 },
  fixtures: [
    {
      name: 'payment_intent',
      path: '/v1/payment_intents',
      method: 'post',
      params: {
        amount: 2000,
        currency: 'usd',
        shipping: { name: 'Jenny', address: { city: 'SF' } },
      },
    },
    { name: 'cancel', path: '/v1/payment_intents/${payment_intent:id}/cancel', method: 'post' },
  ],
};

describe('fixture rewrites (--override, --add, --remove, --skip)', () => {
  it('--override replaces a param at any depth, creating maps as needed', () => {
    const out = applyRewrites(fixture, {
      override: ['payment_intent:amount=5000', 'payment_intent:metadata.order=42'],
    });
    expect(out.fixtures[0]!.params).toMatchObject({ amount: '5000', metadata: { order: '42' } });
    expect(fixture.fixtures[0]!.params!.amount).toBe(2000);
  });

  it('--add sets only params the fixture does not have', () => {
    const out = applyRewrites(fixture, {
      add: ['payment_intent:amount=1', 'payment_intent:description=hi', 'cancel:reason=duplicate'],
    });
    expect(out.fixtures[0]!.params).toMatchObject({ amount: 2000, description: 'hi' });
    expect(out.fixtures[1]!.params).toEqual({ reason: 'duplicate' });
  });

  it('--remove drops nested params and ignores missing ones', () => {
    const out = applyRewrites(fixture, {
      remove: ['payment_intent:shipping.address', 'payment_intent:nope.deeper'],
    });
    expect(out.fixtures[0]!.params!.shipping).toEqual({ name: 'Jenny' });
  });

  it('keeps a value containing = whole', () => {
    const out = applyRewrites(fixture, { override: ['payment_intent:description=a=b'] });
    expect(out.fixtures[0]!.params!.description).toBe('a=b');
  });

  it('names the valid steps when a rule names another, or lacks a step or a value', () => {
    expect(() => applyRewrites(fixture, { override: ['charge:amount=1'] })).toThrow(
      '--override charge:amount=1: no step named "charge"; steps: payment_intent, cancel',
    );
    expect(() => applyRewrites(fixture, { add: ['amount=1'] })).toThrow('name the step to change');
    expect(() => applyRewrites(fixture, { override: ['payment_intent:amount'] })).toThrow(
      'give a value',
    );
    expect(() => applyRewrites(fixture, { skip: ['nope'] })).toThrow('--skip nope: no step named');
  });
});
