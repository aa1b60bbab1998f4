import type { Kysely } from 'kysely';
import type { Logger } from '../observability/logger.js';
import { renderAttempt } from '../resources/render.js';
import type { Database } from '../storage/schema.js';
import {
  attemptsAfter,
  eventsAfter,
  feedEnd,
  type FeedAttempt,
  type FeedEvent,
  type FeedPosition,
} from '../storage/repositories/live-feed.js';

/** Who a stream is for: a platform in one mode, optionally one connected account of it. */
export interface FeedSubscriber {
  platformId: string;
  livemode: boolean;
  accountId: string | null;
  push(kind: 'event' | 'attempt', data: object): void;
}

const BATCH = 500;

/**
 * Seqs a poll read past without finding a row: on PostgreSQL a transaction that took a seq and had
 * not committed yet (others with later seqs had). Each is looked for again at every poll until its
 * row shows, or for `keepMs` (a transaction rolled back, or a sequence that skipped, leaves a seq
 * that never fills). At most `max` are kept: a jump wider than that is not a race between writers.
 */
export class SeqGaps {
  readonly #open = new Map<number, number>();

  constructor(
    private readonly keepMs = 10_000,
    private readonly max = 1_000,
  ) {}

  /** The seqs to look for again. */
  get missing(): number[] {
    return [...this.#open.keys()];
  }

  /**
   * After a poll that read `seqs` (ascending) past `position`: the seqs it skipped are noted, and
   * those it found or that waited too long are forgotten.
   */
  update(position: number, seqs: readonly number[], now: number): void {
    let last = position;
    for (const seq of seqs) {
      if (seq <= position) {
        this.#open.delete(seq);
        continue;
      }
      for (let gap = last + 1; gap < seq && this.#open.size < this.max; gap++)
        this.#open.set(gap, now);
      last = seq;
    }
    for (const [seq, since] of this.#open) if (now - since > this.keepMs) this.#open.delete(seq);
  }

  clear(): void {
    this.#open.clear();
  }
}

/**
 * New events and attempts, read from the database by position (seq), so the stream sees rows written
 * by any process: a worker in another process records attempts the API process never hears of.
 * One poller serves every open stream of this process and runs only while one is open.
 * Rows commit in seq order on SQLite (one writer), not on PostgreSQL: a transaction may take a seq
 * and commit after others with later seqs were read. The seqs a poll skips are looked for again at
 * the next polls (SeqGaps), so such a row is sent late, not never.
 */
export class LiveFeed {
  readonly #subscribers = new Set<FeedSubscriber>();
  #position: FeedPosition | null = null;
  #starting: Promise<FeedPosition> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #ticking = false;
  readonly #eventGaps = new SeqGaps();
  readonly #attemptGaps = new SeqGaps();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: Logger,
    private readonly intervalMs = 500,
  ) {}

  get size(): number {
    return this.#subscribers.size;
  }

  /** Starts sending what is written from now on; returns the unsubscribe function. */
  async subscribe(subscriber: FeedSubscriber): Promise<() => void> {
    if (!this.#position) {
      this.#starting ??= feedEnd(this.db);
      this.#position = await this.#starting;
      this.#starting = null;
    }
    this.#subscribers.add(subscriber);
    this.#timer ??= setInterval(() => void this.tick(), this.intervalMs);
    return () => {
      this.#subscribers.delete(subscriber);
      if (this.#subscribers.size === 0) this.#stop();
    };
  }

  /** Reads what was written since the last tick and sends it to the streams it concerns. */
  async tick(): Promise<void> {
    const position = this.#position;
    if (this.#ticking || !position) return;
    this.#ticking = true;
    try {
      const [events, attempts] = await Promise.all([
        eventsAfter(this.db, position.events, BATCH, this.#eventGaps.missing),
        attemptsAfter(this.db, position.attempts, BATCH, this.#attemptGaps.missing),
      ]);
      for (const e of events) this.#dispatch(e, 'event', renderFeedEvent(e));
      for (const a of attempts) this.#dispatch(a, 'attempt', renderFeedAttempt(a));
      const now = Date.now();
      const eventSeqs = events.map((e) => Number(e.seq));
      const attemptSeqs = attempts.map((a) => Number(a.seq));
      this.#eventGaps.update(position.events, eventSeqs, now);
      this.#attemptGaps.update(position.attempts, attemptSeqs, now);
      position.events = Math.max(position.events, ...eventSeqs);
      position.attempts = Math.max(position.attempts, ...attemptSeqs);
    } catch (e) {
      this.log.warn('live feed poll failed', { error: (e as Error).message });
    } finally {
      this.#ticking = false;
    }
  }

  close(): void {
    this.#subscribers.clear();
    this.#stop();
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#position = null;
    this.#eventGaps.clear();
    this.#attemptGaps.clear();
  }

  #dispatch(
    row: { platform_id: string; livemode: number; account_id: string | null },
    kind: 'event' | 'attempt',
    data: object,
  ): void {
    for (const s of this.#subscribers) {
      if (s.platformId !== row.platform_id || s.livemode !== (row.livemode === 1)) continue;
      if (s.accountId !== null && s.accountId !== row.account_id) continue;
      s.push(kind, data);
    }
  }
}

function renderFeedEvent(e: FeedEvent) {
  return {
    id: e.id,
    object: e.object,
    type: e.type,
    account: e.account_id,
    livemode: e.livemode === 1,
    created: Number(e.created),
    pending_webhooks: Number(e.pending_webhooks),
  };
}

function renderFeedAttempt(a: FeedAttempt) {
  return {
    ...renderAttempt(a),
    event_type: a.event_type,
    account: a.account_id,
    livemode: a.livemode === 1,
  };
}
