/**
 * Time for everything that schedules: retries, auto-disable, balance availability. Times are unix
 * milliseconds. A clock can run faster than real time (`serve --clock-speed N`) or be moved by hand
 * in tests, so three days of retries can run in a second.
 */
export interface Clock {
  now(): number;
  /** Real milliseconds to wait until `clockMs` of this clock have passed. */
  realDelay(clockMs: number): number;
  /** Called when the clock jumps (a manual clock advanced), so sleepers can look again. */
  onJump(listener: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  realDelay: (ms) => ms,
  onJump: () => () => {},
};

/** Runs `speed` times faster than real time, starting from the real time at creation. */
export function scaledClock(speed: number, start = Date.now()): Clock {
  if (speed === 1) return systemClock;
  return {
    now: () => start + (Date.now() - start) * speed,
    realDelay: (ms) => ms / speed,
    onJump: () => () => {},
  };
}

export interface ManualClock extends Clock {
  set(ms: number): void;
  advance(ms: number): void;
}

/**
 * A clock that moves only when told; waits are capped so the worker re-checks often. Real time
 * still passes for network timeouts.
 */
export function manualClock(start = Date.now()): ManualClock {
  let current = start;
  const listeners = new Set<() => void>();
  const jump = () => listeners.forEach((l) => l());
  return {
    now: () => current,
    realDelay: () => 1_000,
    onJump(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(ms) {
      current = ms;
      jump();
    },
    advance(ms) {
      current += ms;
      jump();
    },
  };
}

/** Whether `clock` moves only when told (`serve --clock manual`, or a test's clock). */
export function isManualClock(clock: Clock): clock is ManualClock {
  return 'advance' in clock && 'set' in clock;
}

export const seconds = (ms: number): number => Math.floor(ms / 1000);

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `250ms`, `30s`, `5m`, `12h`, `3d`, or a bare number of seconds, in ms; null when it is none. */
export function parseDurationMs(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) return null;
  return Math.round(Number(match[1]) * units[match[2] ?? 's']!);
}
