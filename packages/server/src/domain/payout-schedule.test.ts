import { describe, expect, it } from 'vitest';
import { isPayoutRun, minimumDelayDays, nextPayoutRun, paysOn } from './payout-schedule.js';

const at = (iso: string) => Date.parse(iso);

describe('payout schedules', () => {
  it('daily runs at the next 00:00 UTC, strictly after the time given', () => {
    const s = { interval: 'daily', delay_days: 2 };
    expect(nextPayoutRun(s, at('2026-11-24T12:00:00Z'))).toBe(at('2026-11-25T00:00:00Z'));
    expect(nextPayoutRun(s, at('2026-11-25T00:00:00Z'))).toBe(at('2026-11-26T00:00:00Z'));
  });

  it('weekly runs on the anchor weekday, or on each of weekly_payout_days', () => {
    // 2026-11-24 is a Tuesday.
    const friday = { interval: 'weekly', delay_days: 2, weekly_anchor: 'friday' };
    expect(nextPayoutRun(friday, at('2026-11-24T12:00:00Z'))).toBe(at('2026-11-27T00:00:00Z'));
    expect(nextPayoutRun(friday, at('2026-11-27T00:00:00Z'))).toBe(at('2026-12-04T00:00:00Z'));
    const twice = { interval: 'weekly', delay_days: 2, weekly_payout_days: ['monday', 'thursday'] };
    expect(nextPayoutRun(twice, at('2026-11-24T12:00:00Z'))).toBe(at('2026-11-26T00:00:00Z'));
    expect(nextPayoutRun(twice, at('2026-11-26T00:00:00Z'))).toBe(at('2026-11-30T00:00:00Z'));
  });

  it('monthly runs on the anchor day, on the last day of shorter months', () => {
    const s = { interval: 'monthly', delay_days: 7, monthly_anchor: 31 };
    expect(nextPayoutRun(s, at('2026-11-24T12:00:00Z'))).toBe(at('2026-11-30T00:00:00Z'));
    expect(nextPayoutRun(s, at('2026-11-30T00:00:00Z'))).toBe(at('2026-12-31T00:00:00Z'));
    expect(nextPayoutRun(s, at('2027-01-31T00:00:00Z'))).toBe(at('2027-02-28T00:00:00Z'));
    const days = { interval: 'monthly', delay_days: 7, monthly_payout_days: [1, 15] };
    expect(nextPayoutRun(days, at('2026-11-24T12:00:00Z'))).toBe(at('2026-12-01T00:00:00Z'));
    expect(nextPayoutRun(days, at('2026-12-01T00:00:00Z'))).toBe(at('2026-12-15T00:00:00Z'));
  });

  it('manual never runs; a run of an older schedule is told apart', () => {
    expect(nextPayoutRun({ interval: 'manual', delay_days: 2 }, 0)).toBeNull();
    const friday = { interval: 'weekly', delay_days: 2, weekly_anchor: 'friday' };
    expect(isPayoutRun(friday, at('2026-11-27T00:00:00Z'))).toBe(true);
    expect(isPayoutRun(friday, at('2026-11-26T00:00:00Z'))).toBe(false);
    expect(isPayoutRun(friday, at('2026-11-27T00:00:01Z'))).toBe(false);
    expect(isPayoutRun({ interval: 'manual', delay_days: 2 }, at('2026-11-27T00:00:00Z'))).toBe(
      false,
    );
    expect(paysOn({ interval: 'weekly', delay_days: 2 }, at('2026-11-27T00:00:00Z'))).toBe(false);
  });

  it('holds funds 2 days at least in the US, 7 elsewhere', () => {
    expect(minimumDelayDays('US')).toBe(2);
    expect(minimumDelayDays('de')).toBe(7);
  });
});
