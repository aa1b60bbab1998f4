import { applyRetryAfter, nextAttemptAt, type RetryPolicy } from './retry-schedule.js';

/** What happened on the wire for one attempt. A failing endpoint is business, not an exception. */
export type AttemptResult =
  | { kind: 'response'; statusCode: number; retryAfterMs: number | null }
  | { kind: 'network-error'; error: string };

/** What to do with the delivery after an attempt. */
export type DeliveryDecision =
  { kind: 'delivered' } | { kind: 'retry'; at: number } | { kind: 'exhausted' };

export function isSuccess(result: AttemptResult): boolean {
  return result.kind === 'response' && result.statusCode >= 200 && result.statusCode < 300;
}

export interface DecideInput {
  result: AttemptResult;
  policy: RetryPolicy;
  /** Attempts made so far, including this one. */
  attemptsMade: number;
  firstAttemptAt: number;
  now: number;
  /** Upper bound on how far a receiver's Retry-After may push the next attempt. */
  retryAfterMaxMs: number;
  /** A one-shot delivery (a manual resend) is never retried. */
  retries: boolean;
}

export function decide(input: DecideInput): DeliveryDecision {
  if (isSuccess(input.result)) return { kind: 'delivered' };
  if (!input.retries) return { kind: 'exhausted' };
  const scheduled = nextAttemptAt(
    input.policy,
    input.attemptsMade,
    input.firstAttemptAt,
    input.now,
  );
  if (scheduled === null) return { kind: 'exhausted' };
  const retryAfter = input.result.kind === 'response' ? input.result.retryAfterMs : null;
  return {
    kind: 'retry',
    at: applyRetryAfter(scheduled, retryAfter, input.now, input.retryAfterMaxMs),
  };
}
