import { describe, expect, it } from 'vitest';
import { SeqGaps } from './live-feed.js';

describe('SeqGaps', () => {
  it('notes the seqs a poll read past, and forgets each once its row is read', () => {
    const gaps = new SeqGaps();
    gaps.update(10, [11, 14, 15, 17], 0);
    expect(gaps.missing).toEqual([12, 13, 16]);
    // The next poll, from 17, finds 13 and 16 (their transactions committed) and reads 18.
    gaps.update(17, [13, 16, 18], 100);
    expect(gaps.missing).toEqual([12]);
  });

  it('gives up on a seq after a while: a rolled-back transaction never fills it', () => {
    const gaps = new SeqGaps(1_000);
    gaps.update(0, [2], 0);
    gaps.update(2, [3], 900);
    expect(gaps.missing).toEqual([1]);
    gaps.update(3, [], 1_001);
    expect(gaps.missing).toEqual([]);
  });

  it('keeps at most its limit, so a wide jump in a sequence costs nothing', () => {
    const gaps = new SeqGaps(10_000, 5);
    gaps.update(0, [1_000_000], 0);
    expect(gaps.missing).toEqual([1, 2, 3, 4, 5]);
    gaps.clear();
    expect(gaps.missing).toEqual([]);
  });
});
