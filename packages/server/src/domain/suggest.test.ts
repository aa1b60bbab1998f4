import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance, suggestions } from './suggest.js';
import { webhookEventTypes } from './event-types.js';

describe('suggestions for a mistyped event type', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps as one edit each', () => {
    expect(editDistance('customer', 'customer')).toBe(0);
    expect(editDistance('custmer', 'customer')).toBe(1);
    expect(editDistance('customerr', 'customer')).toBe(1);
    expect(editDistance('cuztomer', 'customer')).toBe(1);
    expect(editDistance('cusotmer', 'customer')).toBe(1);
    expect(editDistance('abc', 'xyz')).toBe(3);
    expect(editDistance('a', 'abcdefgh', 2)).toBe(3);
  });

  it('suggests the closest event types first', () => {
    expect(suggestions('customer.craeted', webhookEventTypes)[0]).toBe('customer.created');
    expect(suggestions('payout.faild', webhookEventTypes)[0]).toBe('payout.failed');
    expect(suggestions('Account.Updated', webhookEventTypes)).toContain('account.updated');
  });

  it('falls back to the types of the same group, then to nothing', () => {
    const payout = suggestions('payout.exploded', webhookEventTypes);
    expect(payout.length).toBeGreaterThan(0);
    expect(payout.every((t) => t.startsWith('payout.'))).toBe(true);
    expect(suggestions('zzzz.qqqq', webhookEventTypes)).toEqual([]);
  });

  it('reads as a sentence', () => {
    expect(didYouMean('payout.faild', ['payout.failed'])).toBe(' Did you mean payout.failed?');
    expect(didYouMean('a.b', ['a.c', 'a.d'])).toBe(' Did you mean a.c or a.d?');
    expect(didYouMean('zzz', ['a.c'])).toBe('');
  });
});
