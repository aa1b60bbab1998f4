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
 * New events and attempts, read from the database by position (seq), so the stream sees rows written
 * by any process: a worker in another process records attempts the API process never hears of.
 * One poller serves every open stream of this process and runs only while one is open.
 * Reading by seq assumes rows commit in seq order, as on SQLite (one writer). Where transactions can
 * commit out of order (PostgreSQL), a row may be skipped: the stream is a nudge, and the pages reload
 * what they show from the API when it speaks, so a skipped row shows at the next message.
 */
export class LiveFeed {
  readonly #subscribers = new Set<FeedSubscriber>();
  #position: FeedPosition | null = null;
  #starting: Promise<FeedPosition> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #ticking = false;

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
        eventsAfter(this.db, position.events, BATCH),
        attemptsAfter(this.db, position.attempts, BATCH),
      ]);
      for (const e of events) this.#dispatch(e, 'event', renderFeedEvent(e));
      for (const a of attempts) this.#dispatch(a, 'attempt', renderFeedAttempt(a));
      if (events.length > 0) position.events = Number(events[events.length - 1]!.seq);
      if (attempts.length > 0) position.attempts = Number(attempts[attempts.length - 1]!.seq);
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
