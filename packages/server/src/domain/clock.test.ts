import { describe, expect, it } from 'vitest';
import { isManualClock, manualClock, parseDurationMs, scaledClock, systemClock } from './clock.js';

describe('parseDurationMs', () => {
  it('reads units and bare seconds', () => {
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('90')).toBe(90_000);
    expect(parseDurationMs('1.5h')).toBe(5_400_000);
    expect(parseDurationMs('3d')).toBe(259_200_000);
    expect(parseDurationMs(' 10m ')).toBe(600_000);
  });

  it('is null for anything else', () => {
    for (const text of ['', 'soon', '-1s', '3 days', '1w', 'd'])
      expect(parseDurationMs(text)).toBeNull();
  });
});

describe('clocks', () => {
  it('a manual clock moves only when told, and tells its listeners', () => {
    const clock = manualClock(1_000);
    const seen: number[] = [];
    clock.onJump(() => seen.push(clock.now()));
    expect(clock.now()).toBe(1_000);
    clock.advance(500);
    clock.set(5_000);
    expect(seen).toEqual([1_500, 5_000]);
    expect(isManualClock(clock)).toBe(true);
    expect(isManualClock(systemClock)).toBe(false);
    expect(isManualClock(scaledClock(10))).toBe(false);
  });
});
