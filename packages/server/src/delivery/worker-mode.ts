/**
 * How a delivery worker shares its database with other processes: chosen once, in main.ts, from
 * the backend and the process's roles (workerMode), and read by the worker through its policy.
 */
export type WorkerMode = LockHolder | Leased | ListenSessions;

/**
 * SQLite: the one process that sends webhooks from the database file (it holds the file's delivery
 * lock). It claims without leases, keeps each endpoint's limit in memory, lets its transport queue
 * beyond that limit, and claims again as soon as an endpoint or the worker gets room.
 */
export interface LockHolder {
  kind: 'lock-holder';
  /**
   * No other process uses the file (both roles here): leases left by a crashed run (an API
   * process's listen sessions take leases) are released at start.
   */
  alone: boolean;
}

/**
 * PostgreSQL: one of several processes delivering from the database. Leases, renewed while held;
 * the claim keeps each endpoint's limit across every worker; slots freed within a few ms are
 * claimed together, and other workers' freed slots are seen after each batch of outcomes written
 * (or within a second).
 */
export interface Leased {
  kind: 'leased';
}

/**
 * An API-only process: delivers to the listen sessions connected to it (their websockets live
 * here), with leases, as a leased worker does.
 */
export interface ListenSessions {
  kind: 'listen-sessions';
}

/** The mode of the worker of a process with these roles on this backend (null: no worker). */
export function workerMode(
  backend: { deliversAlone: boolean },
  roles: { api: boolean; worker: boolean },
): WorkerMode | null {
  if (roles.worker) {
    return backend.deliversAlone ? { kind: 'lock-holder', alone: roles.api } : { kind: 'leased' };
  }
  return roles.api ? { kind: 'listen-sessions' } : null;
}

/** What a mode means for the worker, in one place. */
export interface WorkerPolicy {
  /** Claims take leases (renewed every third of a lease) rather than leave out what is held. */
  leases: boolean;
  /** Release every lease at start. */
  releaseAllAtStart: boolean;
  /** The transport may queue deliveries beyond an endpoint's limit (its queuesPerEndpoint). */
  queuesBeyondLimit: boolean;
  /**
   * When a slot frees and the endpoint or the worker just got room: claim at once (the only
   * delivering process), or gather the slots freed within a few ms into one claim (a claim is a
   * round trip that takes a lock all workers share).
   */
  claimWhenFreed: 'at-once' | 'gathered';
  /** Due now but nothing claimable: look again after at least this long. */
  idleFloorMs: number;
  /** Most deliveries in flight (null: config.workerConcurrency). */
  maxInFlight: number | null;
}

export function policyOf(mode: WorkerMode): WorkerPolicy {
  switch (mode.kind) {
    case 'lock-holder':
      return {
        leases: false,
        releaseAllAtStart: mode.alone,
        queuesBeyondLimit: true,
        claimWhenFreed: 'at-once',
        // A moment's race: this process leaves out the endpoints at their limit here, and a
        // slot freeing wakes it.
        idleFloorMs: 25,
        maxInFlight: null,
      };
    case 'leased':
    case 'listen-sessions':
      return {
        leases: true,
        releaseAllAtStart: false,
        // A worker alone on an endpoint leases beyond its limit (ClaimRequest.topUpTo) and queues
        // the rest; with other workers on it, the claim keeps them all within the limit.
        queuesBeyondLimit: true,
        claimWhenFreed: 'gathered',
        // Other workers' slots free without telling this one: look again in 1 s rather than poll.
        idleFloorMs: 1_000,
        maxInFlight: mode.kind === 'listen-sessions' ? 64 : null,
      };
  }
}
