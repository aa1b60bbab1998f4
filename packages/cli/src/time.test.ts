import { describe, expect, it } from 'vitest';
import { parseDuration, parseTime } from './time.js';

const now = Date.UTC(2026, 10, 24, 12, 0, 0);
const nowS = now / 1000;

describe('times on the command line', () => {
  it('reads durations ago', () => {
    expect(parseTime('2h', '--since', now)).toBe(nowS - 7200);
    expect(parseTime('30m ago', '--since', now)).toBe(nowS - 1800);
    expect(parseTime('3d', '--since', now)).toBe(nowS - 3 * 86_400);
    expect(parseTime('1w', '--since', now)).toBe(nowS - 604_800);
    expect(parseTime('now', '--until', now)).toBe(nowS);
  });

  it('reads ISO dates and date-times, and unix seconds', () => {
    expect(parseTime('2026-11-24', '--since', now)).toBe(Date.UTC(2026, 10, 24) / 1000);
    expect(parseTime('2026-11-24T09:30:00Z', '--since', now)).toBe(
      Date.UTC(2026, 10, 24, 9, 30) / 1000,
    );
    expect(parseTime('2026-11-24T09:30:00+01:00', '--since', now)).toBe(
      Date.UTC(2026, 10, 24, 8, 30) / 1000,
    );
    expect(parseTime('1795528561', '--since', now)).toBe(1795528561);
  });

  it('names the flag and the accepted forms when it cannot read a time', () => {
    expect(() => parseTime('yesterday', '--since', now)).toThrow(
      /--since: cannot read "yesterday" as a time; use an ISO date/,
    );
    expect(() => parseTime('2026-13-45', '--until', now)).toThrow(/--until/);
  });

  it('reads durations for --expires-in and --wait', () => {
    expect(parseDuration('3600', '--expires-in')).toBe(3600);
    expect(parseDuration('2h', '--expires-in')).toBe(7200);
    expect(parseDuration('0', '--wait')).toBe(0);
    expect(() => parseDuration('soon', '--wait')).toThrow(
      '--wait: cannot read "soon" as a duration',
    );
  });
});
