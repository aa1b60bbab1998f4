/**
 * Chaos delivery: per webhook endpoint, opt-in disorder that tests a receiver's assumptions about
 * idempotency and ordering, as production delivery sometimes behaves. Each share is a percentage
 * of deliveries; which deliveries are picked depends only on the delivery's id, so a test that
 * sets a share of 0 or 100 knows exactly what happens. Off (null) by default.
 */
export interface ChaosSettings {
  /** Deliveries that succeed and are then sent a second time (the same event, signed again). */
  duplicate_percent: number;
  /** Deliveries whose first attempt fails on purpose, without being sent: a retry follows. */
  fail_first_attempt_percent: number;
  /** Deliveries held `delay_seconds` (server clock) before their first attempt that is sent. */
  delay_percent: number;
  delay_seconds: number;
  /**
   * Deliveries to the endpoint that arrive within this many seconds of each other are held until
   * the window closes, then sent one at a time, newest first. 0: off.
   */
  reorder_window_seconds: number;
}

export const chaosOff: ChaosSettings = {
  duplicate_percent: 0,
  fail_first_attempt_percent: 0,
  delay_percent: 0,
  delay_seconds: 30,
  reorder_window_seconds: 0,
};

/** Bounds of each setting, as the API checks them. */
export const chaosLimits = {
  percent: { min: 0, max: 100 },
  delay_seconds: { min: 1, max: 3_600 },
  reorder_window_seconds: { min: 0, max: 600 },
} as const;

export function isChaosOff(s: ChaosSettings): boolean {
  return (
    s.duplicate_percent === 0 &&
    s.fail_first_attempt_percent === 0 &&
    s.delay_percent === 0 &&
    s.reorder_window_seconds === 0
  );
}

/** What chaos does to one attempt of one delivery. */
export interface ChaosPlan {
  /** Fail this attempt without sending it (it is the first; a retry follows). */
  fail: boolean;
  /** Hold the attempt this long (server clock ms) before sending it. */
  delayMs: number;
  /** Hold it in the endpoint's reorder window of this many ms (0: none). */
  reorderMs: number;
  /** If it succeeds, send it once more. */
  duplicate: boolean;
}

export interface AttemptOf {
  deliveryId: string;
  /** This attempt's number: 1 for the first. */
  attempt: number;
  /** Whether a failed attempt is retried (a manual resend is not: chaos never fails one). */
  retries: boolean;
}

export function planAttempt(s: ChaosSettings, a: AttemptOf): ChaosPlan {
  const failsFirst = a.retries && picked(s.fail_first_attempt_percent, a.deliveryId, 'fail');
  if (failsFirst && a.attempt === 1)
    return { fail: true, delayMs: 0, reorderMs: 0, duplicate: false };
  // The delay holds a delivery once: before the first attempt that is actually sent.
  const firstSent = failsFirst ? 2 : 1;
  const delayed = a.attempt === firstSent && picked(s.delay_percent, a.deliveryId, 'delay');
  return {
    fail: false,
    delayMs: delayed ? s.delay_seconds * 1000 : 0,
    reorderMs: s.reorder_window_seconds * 1000,
    duplicate: picked(s.duplicate_percent, a.deliveryId, 'duplicate'),
  };
}

/**
 * Whether a delivery falls within `percent` for one kind of chaos: a hash of its id (FNV-1a), so
 * the same delivery gets the same answer on every attempt and in every process.
 */
export function picked(percent: number, deliveryId: string, what: string): boolean {
  if (percent <= 0) return false;
  if (percent >= 100) return true;
  let h = 0x811c9dc5;
  const text = `${what}:${deliveryId}`;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % 100 < percent;
}

/** `duplicate 25%, fail first attempt 10%, delay 5% by 30 s, reorder within 5 s`, or `off`. */
export function describeChaos(s: ChaosSettings): string {
  if (isChaosOff(s)) return 'off';
  const parts: string[] = [];
  if (s.duplicate_percent > 0) parts.push(`duplicate ${s.duplicate_percent}%`);
  if (s.fail_first_attempt_percent > 0)
    parts.push(`fail first attempt ${s.fail_first_attempt_percent}%`);
  if (s.delay_percent > 0) parts.push(`delay ${s.delay_percent}% by ${s.delay_seconds} s`);
  if (s.reorder_window_seconds > 0) parts.push(`reorder within ${s.reorder_window_seconds} s`);
  return parts.join(', ');
}

/** The settings stored on an endpoint (JSON), or null when chaos is off. */
export function parseChaos(stored: string | null): ChaosSettings | null {
  if (stored === null) return null;
  const s = { ...chaosOff, ...(JSON.parse(stored) as Partial<ChaosSettings>) };
  return isChaosOff(s) ? null : s;
}
