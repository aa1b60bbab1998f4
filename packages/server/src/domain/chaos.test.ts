import { describe, expect, it } from 'vitest';
import { chaosOff, describeChaos, parseChaos, picked, planAttempt } from './chaos.js';

const ids = Array.from({ length: 10_000 }, (_, i) => `dlv_${i.toString(36).padStart(8, '0')}`);

describe('chaos delivery plans', () => {
  it('picks about the share asked for, the same deliveries every time', () => {
    for (const percent of [10, 25, 50]) {
      const n = ids.filter((id) => picked(percent, id, 'duplicate')).length;
      expect(Math.abs(n / ids.length - percent / 100)).toBeLessThan(0.03);
    }
    expect(ids.filter((id) => picked(0, id, 'delay'))).toEqual([]);
    expect(ids.filter((id) => picked(100, id, 'delay'))).toHaveLength(ids.length);
    const once = ids.filter((id) => picked(30, id, 'fail'));
    expect(ids.filter((id) => picked(30, id, 'fail'))).toEqual(once);
    // Each kind picks on its own: the same share picks other deliveries for another kind.
    expect(ids.filter((id) => picked(30, id, 'delay'))).not.toEqual(once);
  });

  it('fails only the first attempt of a delivery that is retried, then sends the retry', () => {
    const s = { ...chaosOff, fail_first_attempt_percent: 100 };
    expect(planAttempt(s, { deliveryId: 'dlv_1', attempt: 1, retries: true }).fail).toBe(true);
    expect(planAttempt(s, { deliveryId: 'dlv_1', attempt: 2, retries: true }).fail).toBe(false);
    // A manual resend is tried once: failing it would lose it, so chaos leaves it alone.
    expect(planAttempt(s, { deliveryId: 'dlv_1', attempt: 1, retries: false }).fail).toBe(false);
  });

  it('delays the first attempt that is sent, once', () => {
    const delay = { ...chaosOff, delay_percent: 100, delay_seconds: 30 };
    expect(planAttempt(delay, { deliveryId: 'dlv_1', attempt: 1, retries: true }).delayMs).toBe(
      30_000,
    );
    expect(planAttempt(delay, { deliveryId: 'dlv_1', attempt: 2, retries: true }).delayMs).toBe(0);
    const both = { ...delay, fail_first_attempt_percent: 100 };
    expect(planAttempt(both, { deliveryId: 'dlv_1', attempt: 1, retries: true })).toEqual({
      fail: true,
      delayMs: 0,
      reorderMs: 0,
      duplicate: false,
    });
    expect(planAttempt(both, { deliveryId: 'dlv_1', attempt: 2, retries: true }).delayMs).toBe(
      30_000,
    );
  });

  it('reorders every attempt within the window and duplicates the picked deliveries', () => {
    const s = { ...chaosOff, reorder_window_seconds: 5, duplicate_percent: 100 };
    expect(planAttempt(s, { deliveryId: 'dlv_1', attempt: 3, retries: true })).toEqual({
      fail: false,
      delayMs: 0,
      reorderMs: 5_000,
      duplicate: true,
    });
  });

  it('reads stored settings, treating all-zero as off, and describes them', () => {
    expect(parseChaos(null)).toBeNull();
    expect(parseChaos(JSON.stringify(chaosOff))).toBeNull();
    const s = parseChaos('{"duplicate_percent":25,"delay_percent":5}')!;
    expect(s).toEqual({ ...chaosOff, duplicate_percent: 25, delay_percent: 5 });
    expect(describeChaos(s)).toBe('duplicate 25%, delay 5% by 30 s');
    expect(describeChaos(chaosOff)).toBe('off');
  });
});
