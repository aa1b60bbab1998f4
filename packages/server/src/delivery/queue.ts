import type { AttemptRow, DeliveryOutcome } from '../storage/repositories/deliveries.js';
import type { EndpointRow } from '../storage/repositories/endpoints.js';
import type { EventRow } from '../storage/repositories/events.js';

/**
 * The delivery queue as the worker uses it: the port each backend implements
 * (storage/dialects/{sqlite,postgres}/queue.ts), covered by one conformance suite
 * (test/conformance/delivery-queue.test.ts). A queue is opened for one worker and one way of
 * claiming (QueueOptions): with leases, or, for the one process that delivers from an SQLite file,
 * without.
 */
export interface DeliveryQueue {
  /**
   * Claims up to `limit` due deliveries, each with its event and endpoint as they are now: to
   * endpoints of the `kinds` the worker sends (a listen session only when it is in
   * `listenSessions`, if given), and to deleted or disabled endpoints of any kind, to cancel them.
   * Leaves out `excludeEndpoints` (at their limit here) and the deliveries in `held`.
   */
  claim(request: ClaimRequest): Promise<ClaimedDelivery[]>;
  /** When there is next something to claim (see NextDue). */
  nextDue(request: NextDueRequest): Promise<NextDue>;
  /** Extends the leases of deliveries the worker holds (nothing without leases). */
  renew(ids: readonly string[]): Promise<void>;
  /** Gives deliveries back unsent: any worker may claim them again. */
  release(ids: readonly string[]): Promise<void>;
  /**
   * Gives back every lease, and returns how many: only for the one process using the database,
   * at start, for those a crashed run left.
   */
  releaseAll(): Promise<number>;
  /**
   * Records a batch of finished attempts in one transaction: the attempts, each delivery's new
   * state (giving up its lease), the events' `pending_webhooks`, and the health of endpoints: a
   * success ends a failure streak; for each endpoint that only failed, `onFailure` gets its row,
   * locked, and says what to write. Safe against other workers recording at once (rows are locked
   * in id order), and against a batch written twice (a commit whose answer was lost).
   */
  record(batch: OutcomeBatch, onFailure: FailurePolicy): Promise<void>;
}

export interface QueueOptions {
  /** The worker's id, written on the leases it takes. */
  owner: string;
  /** How long a lease lasts without renewal, in real ms. */
  leaseMs: number;
  /**
   * Claim without leases: only when this worker is the one process that delivers these kinds
   * from the database (the SQLite lock holder). It leaves out the deliveries it holds instead.
   */
  withoutLeases: boolean;
}

/** A claimed delivery with what decides its fate. */
export interface ClaimedDelivery {
  id: string;
  event_id: string;
  endpoint_id: string;
  attempts: number;
  first_attempt_ms: number | null;
  one_shot: number;
  /** Null when the event is gone (the worker cancels the delivery). */
  event: EventRow | null;
  /** Null when the endpoint is gone. */
  endpoint: EndpointRow | null;
}

export interface NextDueRequest {
  /** Real ms: leases ending at or before it have expired. */
  realNow: number;
  kinds: readonly string[];
  /** The listen sessions connected to this process, when it has a listen hub. */
  listenSessions?: readonly string[] | undefined;
  /** Endpoints to leave out (at their limit here: a freed slot wakes the worker for them). */
  excludeEndpoints: readonly string[];
  /**
   * The deliveries this worker holds, by id with their endpoint: claimed and not yet given back,
   * until their outcome is written. Without leases, the queue leaves them out.
   */
  held: ReadonlyMap<string, string>;
}

export interface ClaimRequest extends NextDueRequest {
  /** Clock ms: deliveries due at or before it. */
  now: number;
  limit: number;
  /**
   * The slots this worker takes now, by endpoint: deliveries in flight or waiting for a slot. An
   * attempt that has ended frees its slot before its outcome is written, so this counts fewer
   * than `held`.
   */
  occupied: ReadonlyMap<string, number>;
  /**
   * The most deliveries of one endpoint in flight at once, across every worker. Where several
   * processes deliver (PostgreSQL), the claim never lets workers lease more than that of one
   * endpoint between them (other workers' leases and this worker's `occupied`), unless one
   * worker holds them all (see topUpTo).
   */
  endpointLimit: number;
  /**
   * How many deliveries of one endpoint the worker may hold (in flight, queued in its transport,
   * waiting) when no other worker holds any: the claim tops the endpoint up to it, less
   * `occupied`. The worker never sends more than `endpointLimit` of them at once.
   */
  topUpTo: number;
}

/**
 * When a worker next has something to claim: the earliest due time (clock ms) of a pending
 * delivery nobody holds, and the earliest end of a lease (real ms), after which its delivery may
 * be taken over. Null when there is none.
 */
export interface NextDue {
  due: number | null;
  leaseEnds: number | null;
}

/** A delivery put back in the queue untried (a listen session away), until `next_attempt_ms`. */
export interface Deferral {
  id: string;
  next_attempt_ms: number;
  updated_ms: number;
}

export interface OutcomeBatch {
  /** Clock ms. */
  now: number;
  attempts: Array<Omit<AttemptRow, 'seq'>>;
  finished: DeliveryOutcome[];
  deferred: Deferral[];
  /** Per event, how many more endpoints answered 2xx (its pending_webhooks counts down). */
  delivered: Array<{ eventId: string; n: number }>;
  /** Endpoints with a success in the batch: their failure streak, if any, ends. */
  succeeded: string[];
  /** Endpoints with failures and no success in the batch. */
  failed: string[];
}

/** An endpoint's health as recorded, read locked for `FailurePolicy`. */
export interface EndpointHealthRow {
  id: string;
  status: string;
  url: string | null;
  livemode: number;
  failing_since_ms: number | null;
  warned_at_ms: number | null;
}

/** What to write for an endpoint that failed: its streak, and whether it is now disabled. */
export interface HealthChange {
  failing_since_ms: number | null;
  warned_at_ms: number | null;
  disable: boolean;
}

/** Decides, for an endpoint that failed (its row read locked), what to write; null for nothing. */
export type FailurePolicy = (row: EndpointHealthRow) => HealthChange | null;
