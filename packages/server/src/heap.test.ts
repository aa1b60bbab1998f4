import { describe, expect, it } from 'vitest';
import { heapGrowthGiven } from './heap.js';

describe('limitHeapGrowth', () => {
  it('leaves the growing factor to a --heap-growing-percent on the node command line', () => {
    expect(heapGrowthGiven(['--heap-growing-percent=0'])).toBe(true);
    expect(heapGrowthGiven(['--enable-source-maps', '--heap_growing_percent=80'])).toBe(true);
    expect(heapGrowthGiven(['--heap-growing-percent'])).toBe(true);
  });

  it('sets it when the command line does not', () => {
    expect(heapGrowthGiven([])).toBe(false);
    expect(heapGrowthGiven(['--max-old-space-size=512', '--heap-growing-percentage=3'])).toBe(
      false,
    );
  });
});
