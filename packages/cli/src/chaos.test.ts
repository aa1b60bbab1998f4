import { describe, expect, it } from 'vitest';
import { parseChaosSpec } from './chaos.js';

describe('--chaos', () => {
  it('reads each setting as the API parameter it sets', () => {
    expect(parseChaosSpec('duplicate=25%,fail-first=10,delay=5%:2m,reorder=5s')).toEqual({
      duplicate_percent: 25,
      fail_first_attempt_percent: 10,
      delay_percent: 5,
      delay_seconds: 120,
      reorder_window_seconds: 5,
    });
    expect(parseChaosSpec(' delay = 100% ')).toEqual({ delay_percent: 100 });
    expect(parseChaosSpec('reorder=0')).toEqual({ reorder_window_seconds: 0 });
    expect(parseChaosSpec('off')).toBeNull();
  });

  it('refuses what it cannot read, saying what it expects', () => {
    expect(() => parseChaosSpec('duplicate=120%')).toThrow(
      /duplicate=120%: expected a share from 0% to 100%/,
    );
    expect(() => parseChaosSpec('shuffle=5s')).toThrow(
      /unknown setting "shuffle"; expected off, or settings/,
    );
    expect(() => parseChaosSpec('duplicate')).toThrow(/"duplicate": expected off, or settings/);
    expect(() => parseChaosSpec('delay=5%:soon')).toThrow(/--chaos delay: cannot read "soon"/);
  });
});
