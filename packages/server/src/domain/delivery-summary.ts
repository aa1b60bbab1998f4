/**
 * How an event's deliveries stand, and how an endpoint's attempts went minute by minute: what the
 * dashboard shows. Pure functions over rows the caller loaded.
 */

/**
 * `delivered`: every endpoint's latest delivery succeeded. `failed`: some endpoint's latest delivery
 * failed for good (no attempt left, or canceled). `retrying`: none failed for good, but some
 * endpoint's latest delivery failed an attempt and waits for its retry (the event's page says
 * "Retrying, next attempt ..."). `pending`: some delivery waits for its first attempt, none failing.
 * `none`: no endpoint was owed the event.
 */
export type EventDeliveryStatus = 'delivered' | 'pending' | 'retrying' | 'failed' | 'none';

export const eventDeliveryStatuses: readonly EventDeliveryStatus[] = [
  'delivered',
  'pending',
  'retrying',
  'failed',
  'none',
];

export interface DeliveryState {
  endpoint_id: string;
  seq: number;
  /** `pending`, `succeeded` or `failed`. */
  status: string;
  attempts: number;
}

/** A resend makes a newer delivery to the same endpoint: only the newest one per endpoint counts. */
export function latestPerEndpoint<T extends DeliveryState>(deliveries: readonly T[]): T[] {
  const latest = new Map<string, T>();
  for (const d of deliveries) {
    const seen = latest.get(d.endpoint_id);
    if (!seen || Number(d.seq) > Number(seen.seq)) latest.set(d.endpoint_id, d);
  }
  return [...latest.values()];
}

/** A delivery that failed an attempt and will be tried again. */
export const isRetrying = (d: Pick<DeliveryState, 'status' | 'attempts'>): boolean =>
  d.status === 'pending' && d.attempts > 0;

export function eventDeliveryStatus(deliveries: readonly DeliveryState[]): EventDeliveryStatus {
  const latest = latestPerEndpoint(deliveries);
  if (latest.length === 0) return 'none';
  if (latest.some((d) => d.status === 'failed')) return 'failed';
  if (latest.some(isRetrying)) return 'retrying';
  if (latest.some((d) => d.status === 'pending')) return 'pending';
  return 'delivered';
}

export interface MinuteCount {
  /** Unix milliseconds of the minute's start. */
  minute: number;
  succeeded: number;
  failed: number;
}

export interface AttemptStats {
  /** One entry per minute from `since`, oldest first, zeros included. */
  buckets: MinuteCount[];
  attempts: number;
  failed: number;
  /** failed / attempts, or null when there was no attempt. */
  failureRate: number | null;
}

/**
 * Spreads per-minute counts over a window of `minutes` whole minutes ending with the minute of
 * `now`, so a chart has one bar per minute even when nothing happened.
 */
export function attemptStats(
  counts: readonly { minute: number; outcome: string; n: number }[],
  now: number,
  minutes: number,
): AttemptStats {
  const last = Math.floor(now / 60_000);
  const first = last - minutes + 1;
  const buckets: MinuteCount[] = [];
  for (let m = first; m <= last; m++) buckets.push({ minute: m * 60_000, succeeded: 0, failed: 0 });
  let attempts = 0;
  let failed = 0;
  for (const c of counts) {
    const bucket = buckets[Number(c.minute) - first];
    if (!bucket) continue;
    const n = Number(c.n);
    if (c.outcome === 'succeeded') bucket.succeeded += n;
    else {
      bucket.failed += n;
      failed += n;
    }
    attempts += n;
  }
  return { buckets, attempts, failed, failureRate: attempts === 0 ? null : failed / attempts };
}
