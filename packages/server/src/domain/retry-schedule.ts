/**
 * When to try a failed delivery again. Stripe retries live-mode deliveries for up to three days
 * with exponential backoff, and test-mode ones three times over a few hours; neither schedule is
 * published, so both are configurable.
 */
export type RetryPolicy =
  | { kind: 'exponential'; baseMs: number; capMs: number; windowMs: number }
  | { kind: 'fixed'; delaysMs: readonly number[] };

/** Live default: 1 min doubling to a 12 h cap, attempts stop 3 days after the first (15 attempts). */
export const defaultLivePolicy: RetryPolicy = {
  kind: 'exponential',
  baseMs: 60_000,
  capMs: 12 * 3_600_000,
  windowMs: 72 * 3_600_000,
};

/** Test default: 3 retries, 10 min, 1 h and 3 h after the previous attempt (4 h 10 min in all). */
export const defaultTestPolicy: RetryPolicy = {
  kind: 'fixed',
  delaysMs: [600_000, 3_600_000, 10_800_000],
};

/**
 * The time of the next attempt after `attemptsMade` failed attempts, or null when the schedule is
 * exhausted. `firstAttemptAt` anchors the exponential window.
 */
export function nextAttemptAt(
  policy: RetryPolicy,
  attemptsMade: number,
  firstAttemptAt: number,
  now: number,
): number | null {
  if (attemptsMade < 1) return now;
  if (policy.kind === 'fixed') {
    const delay = policy.delaysMs[attemptsMade - 1];
    return delay === undefined ? null : now + delay;
  }
  const delay = Math.min(policy.baseMs * 2 ** (attemptsMade - 1), policy.capMs);
  const at = now + delay;
  return at - firstAttemptAt > policy.windowMs ? null : at;
}

/** The number of attempts a policy allows at most, for docs and tests. */
export function maxAttempts(policy: RetryPolicy): number {
  if (policy.kind === 'fixed') return policy.delaysMs.length + 1;
  let attempts = 1;
  let t = 0;
  for (;;) {
    const next = nextAttemptAt(policy, attempts, 0, t);
    if (next === null) return attempts;
    t = next;
    attempts++;
  }
}

/**
 * A receiver's `Retry-After` (seconds) may push the next attempt later, within bounds: never
 * earlier than the schedule, never later than `maxMs` from now.
 */
export function applyRetryAfter(
  scheduled: number,
  retryAfterMs: number | null,
  now: number,
  maxMs: number,
): number {
  if (retryAfterMs === null || retryAfterMs <= 0) return scheduled;
  return Math.max(scheduled, now + Math.min(retryAfterMs, maxMs));
}
