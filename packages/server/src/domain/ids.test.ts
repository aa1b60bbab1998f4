import { describe, expect, it } from 'vitest';
import { newId, randomToken } from './ids.js';

describe('ids', () => {
  it('are prefixed, of the asked length, base62, and do not repeat', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const id = newId('evt');
      expect(id).toMatch(/^evt_[0-9A-Za-z]{24}$/);
      ids.add(id);
    }
    expect(ids.size).toBe(20_000);
  });

  it('sort in the order they were created, a millisecond apart or more', async () => {
    const first = newId('wa');
    await new Promise((r) => setTimeout(r, 2));
    const second = newId('wa');
    expect(first < second).toBe(true);
    // The time part is the first 7 characters; the rest stays random.
    expect(second.slice(3, 10) > first.slice(3, 10)).toBe(true);
  });

  it('use every base62 character about equally (no modulo bias)', () => {
    const counts = new Map<string, number>();
    const text = randomToken(62 * 2000);
    for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    for (const n of counts.values()) expect(Math.abs(n - 2000)).toBeLessThan(300);
  });
});
