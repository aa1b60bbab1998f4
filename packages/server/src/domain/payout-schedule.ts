/**
 * A connected account's payout schedule (`settings.payouts.schedule`) as time: when its automatic
 * payouts run. A run is at 00:00 UTC on the server clock of a day the schedule pays out on (every
 * day, the weekly anchor's weekday, the monthly anchor's day of the month, or the days listed in
 * `weekly_payout_days` / `monthly_payout_days`), and pays out what is available then.
 */
export interface PayoutSchedule {
  interval: string;
  delay_days: number;
  weekly_anchor?: string | undefined;
  monthly_anchor?: number | undefined;
  weekly_payout_days?: string[] | undefined;
  monthly_payout_days?: number[] | undefined;
}

export const DAY_MS = 86_400_000;

export const weekdays = [
  'sunday',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
] as const;

/**
 * The fewest days charge funds are held (`delay_days: 'minimum'`): 2 in the United States, as
 * Stripe's test mode shows for a new US account, and 7 elsewhere (Stripe's standard for most
 * countries; some have shorter minimums Switchboard does not model).
 */
export function minimumDelayDays(country: string): number {
  return country.toUpperCase() === 'US' ? 2 : 7;
}

/** Whether the schedule pays out on the UTC day that starts at `dayMs`. */
export function paysOn(s: PayoutSchedule, dayMs: number): boolean {
  const date = new Date(dayMs);
  switch (s.interval) {
    case 'daily':
      return true;
    case 'weekly': {
      const days = s.weekly_payout_days ?? (s.weekly_anchor ? [s.weekly_anchor] : []);
      return days.includes(weekdays[date.getUTCDay()]!);
    }
    case 'monthly': {
      // An anchor past the end of a shorter month pays out on its last day, as on Stripe.
      const last = new Date(
        Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0),
      ).getUTCDate();
      const days = s.monthly_payout_days ?? (s.monthly_anchor ? [s.monthly_anchor] : []);
      return days.some((d) => Math.min(d, last) === date.getUTCDate());
    }
    default:
      return false;
  }
}

/** The first automatic payout run strictly after `afterMs`, or null (`manual`: none). */
export function nextPayoutRun(s: PayoutSchedule, afterMs: number): number | null {
  if (s.interval === 'manual') return null;
  let day = Math.floor(afterMs / DAY_MS) * DAY_MS + DAY_MS;
  // Every schedule pays out at least once in 31 days; the bound only guards a malformed one.
  for (let i = 0; i < 366; i++, day += DAY_MS) if (paysOn(s, day)) return day;
  return null;
}

/** Whether `ms` is a run of the schedule (a run scheduled under an older schedule may not be). */
export function isPayoutRun(s: PayoutSchedule, ms: number): boolean {
  return s.interval !== 'manual' && ms % DAY_MS === 0 && paysOn(s, ms);
}
