import type { Kysely } from 'kysely';
import type { Dialect } from '../storage/dialect.js';
import { afterFailure, type HealthPolicy } from '../domain/endpoint-health.js';
import type { DeliveryDecision } from '../domain/outcome.js';
import type { Logger } from '../observability/logger.js';
import type { Database } from '../storage/schema.js';
import type { AttemptRow } from '../storage/repositories/deliveries.js';
import {
  countDeliveredWebhooks,
  deferDeliveries,
  finishDeliveries,
  insertAttempts,
  type DeliveryOutcome,
} from '../storage/repositories/deliveries.js';

/** One finished attempt, waiting to be written. */
export interface FinishedAttempt {
  /** Null when the delivery was deferred without an attempt. */
  attempt: Omit<AttemptRow, 'seq'> | null;
  decision: DeliveryDecision | { kind: 'deferred'; at: number };
  deliveryId: string;
  attemptsMade: number;
  firstAttemptMs: number;
  /** Counts toward the event's pending_webhooks (an automatic delivery to a webhook endpoint). */
  countsPending: boolean;
  /** Whether the endpoint's health is tracked (webhook endpoints and destinations). */
  trackHealth: boolean;
}

/**
 * Writes attempt outcomes in batches: one transaction for many attempts, which is what lets SQLite
 * keep up with thousands of deliveries a second. A crash before a flush loses only the record of
 * attempts in flight; those deliveries are still leased and will be sent again (at-least-once).
 */
export class OutcomeWriter {
  #pending: FinishedAttempt[] = [];
  #flushing: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly storage: Pick<Dialect, 'db' | 'runEach' | 'forUpdate'>,
    private readonly health: HealthPolicy,
    private readonly now: () => number,
    private readonly log: Logger,
    /** Called after each batch is committed, with the ids of its deliveries. */
    private readonly onWritten: (deliveryIds: string[]) => void = () => {},
    private readonly maxBatch = 500,
  ) {}

  add(finished: FinishedAttempt): void {
    this.#pending.push(finished);
    if (this.#pending.length >= this.maxBatch) void this.flush();
    // Outcomes wait up to 10 ms for company: at 1,000 deliveries/s a 2 ms wait meant ~350
    // transactions a second, each ~150 us of the event loop's time; 10 ms makes it ~100.
    else this.#timer ??= setTimeout(() => void this.flush(), 10);
  }

  /** Writes everything added so far; resolves when it is committed. */
  async flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    while (this.#flushing) await this.#flushing;
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#flushing = this.#write(batch)
      .then(() => this.onWritten(batch.map((b) => b.deliveryId)))
      .catch((e: unknown) => {
        // Keep the outcomes to write on the next flush: the deliveries stay leased meanwhile.
        this.#pending.unshift(...batch);
        this.log.error('could not record delivery outcomes; will retry', {
          error: (e as Error).message,
          attempts: batch.length,
        });
        this.#timer ??= setTimeout(() => void this.flush(), 1_000);
      })
      .finally(() => {
        this.#flushing = null;
      });
    await this.#flushing;
  }

  async #write(batch: FinishedAttempt[]): Promise<void> {
    const now = this.now();
    const { runEach } = this.storage;
    await this.storage.db.transaction().execute(async (tx) => {
      await insertAttempts(
        tx,
        batch.flatMap((b) => (b.attempt ? [b.attempt] : [])),
      );
      const deferred: Array<{ id: string; next_attempt_ms: number; updated_ms: number }> = [];
      const finished: DeliveryOutcome[] = [];
      for (const b of batch) {
        const d = b.decision;
        if (d.kind === 'deferred') {
          deferred.push({ id: b.deliveryId, next_attempt_ms: d.at, updated_ms: now });
          continue;
        }
        finished.push({
          id: b.deliveryId,
          status: d.kind === 'delivered' ? 'succeeded' : d.kind === 'retry' ? 'pending' : 'failed',
          attempts: b.attemptsMade,
          first_attempt_ms: b.firstAttemptMs,
          next_attempt_ms: d.kind === 'retry' ? d.at : null,
          last_status_code: b.attempt?.status_code ?? null,
          last_error: b.attempt?.error ?? null,
          updated_ms: now,
        });
      }
      await deferDeliveries(tx, deferred, runEach);
      await finishDeliveries(tx, finished, runEach);
      await this.#updateHealth(tx, batch, now);
      const delivered = new Map<string, number>();
      for (const b of batch) {
        if (b.decision.kind === 'delivered' && b.countsPending && b.attempt) {
          delivered.set(b.attempt.event_id, (delivered.get(b.attempt.event_id) ?? 0) + 1);
        }
      }
      // Events and endpoints are shared by the batches of every worker: rows are locked in id
      // order, so two batches never wait on each other in a cycle (PostgreSQL found deadlocks with
      // 4 worker processes before this), and last, so they are held for the shortest time.
      const counts = [...delivered].map(([id, n]) => ({ id, n }));
      await countDeliveredWebhooks(
        tx,
        counts.sort((a, b) => (a.id < b.id ? -1 : 1)),
        runEach,
      );
    });
  }

  /** A success ends an endpoint's failure streak; failures extend it, warn, and finally disable. */
  async #updateHealth(tx: Kysely<Database>, batch: FinishedAttempt[], now: number): Promise<void> {
    const succeeded = new Set<string>();
    const failed = new Set<string>();
    for (const b of batch) {
      if (!b.trackHealth || !b.attempt || b.decision.kind === 'deferred') continue;
      (b.decision.kind === 'delivered' ? succeeded : failed).add(b.attempt.endpoint_id);
    }
    if (succeeded.size > 0) {
      // Only endpoints in a failure streak are written (and locked): rarely any.
      const failing = await tx
        .selectFrom('endpoints')
        .select('id')
        .where('id', 'in', [...succeeded])
        .where('failing_since_ms', 'is not', null)
        .orderBy('id')
        .execute();
      for (const { id } of failing) {
        await tx
          .updateTable('endpoints')
          .set({ failing_since_ms: null, warned_at_ms: null })
          .where('id', '=', id)
          .execute();
      }
    }
    const onlyFailed = [...failed].filter((id) => !succeeded.has(id));
    if (onlyFailed.length === 0) return;
    // Locked (PostgreSQL), so that a failure streak is extended from the endpoint as it is: a user
    // re-enabling the endpoint meanwhile clears the streak, which an unlocked read would restore.
    const rows = await this.storage
      .forUpdate(
        tx
          .selectFrom('endpoints')
          .select(['id', 'failing_since_ms', 'warned_at_ms', 'status', 'url', 'livemode'])
          .where('id', 'in', onlyFailed)
          .orderBy('id'),
      )
      .execute();
    for (const row of rows) {
      if (row.status !== 'enabled') continue;
      const health = {
        failingSince: row.failing_since_ms === null ? null : Number(row.failing_since_ms),
        warnedAt: row.warned_at_ms === null ? null : Number(row.warned_at_ms),
      };
      const decision = afterFailure(health, now, this.health);
      if (decision.kind === 'disable') {
        this.log.warn(
          'endpoint disabled: it failed without a single success for the whole disable period',
          {
            endpoint: row.id,
            failing_since: new Date(decision.health.failingSince!).toISOString(),
          },
        );
        await tx
          .updateTable('endpoints')
          .set({
            status: 'disabled',
            disabled_reason: 'failing',
            failing_since_ms: decision.health.failingSince,
          })
          .where('id', '=', row.id)
          .execute();
        continue;
      }
      if (decision.kind === 'failing' && decision.warn) {
        this.log.warn('endpoint failing: it will be disabled if it keeps failing', {
          endpoint: row.id,
          failing_since: new Date(decision.health.failingSince!).toISOString(),
          disable_at: new Date(decision.disableAt).toISOString(),
        });
      }
      await tx
        .updateTable('endpoints')
        .set({
          failing_since_ms: decision.health.failingSince,
          warned_at_ms: decision.health.warnedAt,
        })
        .where('id', '=', row.id)
        .execute();
    }
  }
}
