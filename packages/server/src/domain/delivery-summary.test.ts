import { describe, expect, it } from 'vitest';
import { attemptStats, eventDeliveryStatus } from './delivery-summary.js';

const d = (endpoint_id: string, seq: number, status: string, attempts = 0) => ({
  endpoint_id,
  seq,
  status,
  attempts,
});

describe('eventDeliveryStatus', () => {
  it('is none when no endpoint was owed the event', () => {
    expect(eventDeliveryStatus([])).toBe('none');
  });

  it('is delivered only when every endpoint succeeded', () => {
    expect(eventDeliveryStatus([d('we_a', 1, 'succeeded', 1), d('we_b', 2, 'succeeded', 2)])).toBe(
      'delivered',
    );
    expect(eventDeliveryStatus([d('we_a', 1, 'succeeded', 1), d('we_b', 2, 'pending')])).toBe(
      'pending',
    );
  });

  it('says retrying for a delivery that failed an attempt and will be tried again, failed for one that will not', () => {
    expect(eventDeliveryStatus([d('we_a', 1, 'pending', 1), d('we_b', 2, 'pending')])).toBe(
      'retrying',
    );
    expect(eventDeliveryStatus([d('we_a', 1, 'pending', 1), d('we_b', 2, 'succeeded', 1)])).toBe(
      'retrying',
    );
    expect(eventDeliveryStatus([d('we_a', 1, 'failed', 3)])).toBe('failed');
    // Failed for good outweighs a retry to come elsewhere.
    expect(eventDeliveryStatus([d('we_a', 1, 'failed', 4), d('we_b', 2, 'pending', 1)])).toBe(
      'failed',
    );
  });

  it('judges each endpoint by its latest delivery, so a successful resend clears a failure', () => {
    expect(eventDeliveryStatus([d('we_a', 5, 'succeeded', 1), d('we_a', 1, 'failed', 3)])).toBe(
      'delivered',
    );
    expect(eventDeliveryStatus([d('we_a', 1, 'succeeded', 1), d('we_a', 5, 'failed', 1)])).toBe(
      'failed',
    );
  });
});

describe('attemptStats', () => {
  const now = Date.UTC(2026, 0, 1, 12, 30, 45);
  const minute = (ago: number) => Math.floor(now / 60_000) - ago;

  it('has one bucket per minute of the window, oldest first, ending with the current minute', () => {
    const stats = attemptStats([], now, 60);
    expect(stats.buckets).toHaveLength(60);
    expect(stats.buckets[59]!.minute).toBe(Date.UTC(2026, 0, 1, 12, 30));
    expect(stats.buckets[0]!.minute).toBe(Date.UTC(2026, 0, 1, 11, 31));
    expect(stats.failureRate).toBeNull();
  });

  it('adds counts to their minute and computes the failure rate over the window', () => {
    const stats = attemptStats(
      [
        { minute: minute(0), outcome: 'succeeded', n: 3 },
        { minute: minute(0), outcome: 'failed', n: 1 },
        { minute: minute(10), outcome: 'failed', n: 4 },
        { minute: minute(60), outcome: 'failed', n: 100 },
      ],
      now,
      60,
    );
    expect(stats.buckets[59]).toMatchObject({ succeeded: 3, failed: 1 });
    expect(stats.buckets[49]).toMatchObject({ succeeded: 0, failed: 4 });
    expect(stats.attempts).toBe(8);
    expect(stats.failed).toBe(5);
    expect(stats.failureRate).toBeCloseTo(5 / 8);
  });
});
