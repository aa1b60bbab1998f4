/** What dedupe needs of an event: its id. */
export interface Identified {
  id: string;
}

/** What a claim found: process it now, it was already processed, or another delivery holds it. */
export type ClaimResult = 'claimed' | 'processed' | 'processing';

/**
 * Where processed event ids are remembered. Implementations must make `claim` atomic: of two
 * deliveries of one event arriving together, exactly one gets `claimed`.
 *
 * Times are Unix milliseconds, passed in so that stores hold no clock of their own.
 */
export interface DedupeStore {
  /**
   * Claims `key` until `leaseUntil`. Answers `claimed` when the key is new, or its previous claim
   * lapsed (the process died mid-handler) or its retention ended; otherwise what holds it.
   */
  claim(key: string, now: number, leaseUntil: number): ClaimResult | Promise<ClaimResult>;
  /** Marks a claimed key processed and keeps it until `retainUntil`. */
  complete(key: string, retainUntil: number): void | Promise<void>;
  /** Gives a claim back after a failed handler, so the sender's retry processes the event. */
  release(key: string): void | Promise<void>;
  /** Forgets keys whose lease or retention ended before `now`; returns how many went. */
  prune?(now: number): number | Promise<number>;
}

export interface DedupeOptions<E extends Identified = Identified> {
  store: DedupeStore;
  /**
   * The key of an event; default its `id`. Stripe rarely creates two events for one change: key on
   * `${event.type}:${data.object.id}` to fold those too (but `balance` objects have no id).
   */
  key?: (event: E) => string;
  /** How long a claim lasts if its handler never finishes (a crashed process). Default 60 s. */
  leaseMs?: number;
  /**
   * How long a processed id is remembered. Default 30 days: Stripe retries for up to 3 days, and
   * `stripe events resend` / `POST /v1/events/:id/retry` reach back 30 days.
   */
  retainMs?: number;
  /** Unix ms; default `Date.now`. */
  now?: () => number;
}

/** What `Dedupe.run` did. */
export type DedupeOutcome<T> =
  { status: 'processed'; value: T } | { status: 'duplicate' } | { status: 'in_progress' };

export interface Dedupe<E extends Identified = Identified> {
  /**
   * Runs `fn` once per event key: a duplicate resolves `duplicate` without calling it, a delivery
   * that races a running one resolves `in_progress`. If `fn` throws, the claim is released and the
   * error rethrown, so the next delivery runs it again.
   */
  run<T>(event: E, fn: () => T | Promise<T>): Promise<DedupeOutcome<T>>;
  readonly store: DedupeStore;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function createDedupe<E extends Identified = Identified>(
  options: DedupeOptions<E>,
): Dedupe<E> {
  const { store } = options;
  const key = options.key ?? ((event: E) => event.id);
  const leaseMs = options.leaseMs ?? 60_000;
  const retainMs = options.retainMs ?? 30 * DAY_MS;
  const now = options.now ?? Date.now;
  return {
    store,
    async run<T>(event: E, fn: () => T | Promise<T>): Promise<DedupeOutcome<T>> {
      const k = key(event);
      const t = now();
      const claim = await store.claim(k, t, t + leaseMs);
      if (claim === 'processed') return { status: 'duplicate' };
      if (claim === 'processing') return { status: 'in_progress' };
      let value: T;
      try {
        value = await fn();
      } catch (error) {
        await store.release(k);
        throw error;
      }
      await store.complete(k, now() + retainMs);
      return { status: 'processed', value };
    },
  };
}

interface MemoryEntry {
  state: 'processing' | 'processed';
  until: number;
}

/**
 * A {@link DedupeStore} in this process's memory: right for one process and for tests. It forgets
 * on restart and is not shared between processes; use a durable store (e.g.
 * `createSqliteDedupeStore`) for those.
 */
export class MemoryDedupeStore implements DedupeStore {
  private readonly entries = new Map<string, MemoryEntry>();
  private readonly maxEntries: number;

  /** @param options.maxEntries oldest keys are dropped beyond this many (default 100 000). */
  constructor(options: { maxEntries?: number } = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  claim(key: string, now: number, leaseUntil: number): ClaimResult {
    const entry = this.entries.get(key);
    if (entry && entry.until > now) return entry.state;
    this.entries.delete(key);
    this.entries.set(key, { state: 'processing', until: leaseUntil });
    if (this.entries.size > this.maxEntries) this.prune(now);
    // Still too many: drop in insertion order (a Map iterates oldest first).
    for (const k of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(k);
    }
    return 'claimed';
  }

  complete(key: string, retainUntil: number): void {
    this.entries.set(key, { state: 'processed', until: retainUntil });
  }

  release(key: string): void {
    if (this.entries.get(key)?.state === 'processing') this.entries.delete(key);
  }

  prune(now: number): number {
    let removed = 0;
    for (const [k, entry] of this.entries) {
      if (entry.until <= now) {
        this.entries.delete(k);
        removed++;
      }
    }
    return removed;
  }

  get size(): number {
    return this.entries.size;
  }
}
