import type { Config } from '../config/schema.js';
import type { Clock } from '../domain/clock.js';
import { STRIPE_HEADERS } from '../domain/delivery-headers.js';
import { eventJson, thinNotificationJson } from '../domain/event-body.js';
import { newId } from '../domain/ids.js';
import { decide } from '../domain/outcome.js';
import { activeSecrets } from '../domain/signing-secrets.js';
import type { Logger } from '../observability/logger.js';
import type { SwitchboardMetrics } from '../observability/switchboard-metrics.js';
import type { EndpointRow } from '../storage/repositories/endpoints.js';
import type { EventRow } from '../storage/repositories/events.js';
import { chaosOf } from './chaos.js';
import { OutcomeWriter } from './outcome-writer.js';
import type { ClaimedDelivery, DeliveryQueue } from './queue.js';
import type { Transport } from './transport.js';
import { policyOf, type WorkerMode, type WorkerPolicy } from './worker-mode.js';

export interface WorkerOptions {
  /** The worker's id: the owner of the leases its queue takes. */
  id: string;
  queue: DeliveryQueue;
  /** How this worker shares the database with other processes (chosen in main.ts). */
  mode: WorkerMode;
  clock: Clock;
  config: Config;
  log: Logger;
  /**
   * How deliveries reach each kind of endpoint. The worker claims deliveries only for the kinds it
   * has a transport for (and cancels deliveries to deleted or disabled endpoints of any kind).
   */
  transports: Partial<Record<string, Transport>>;
  /** Most deliveries claimed in one query. */
  batchSize?: number;
  metrics?: Pick<SwitchboardMetrics, 'attempts' | 'attemptDuration'>;
  /** The listen sessions connected to this process (see ClaimRequest), when it has a listen hub. */
  listenSessions?: () => readonly string[];
}

/** Slots freed within this many ms are claimed together (WorkerPolicy.claimWhenFreed). */
const CLAIM_GATHER_MS = 5;

/** A deferred delivery (a listen session away) is looked at again after this long on the clock. */
const DEFER_MS = 5_000;

/** What one claim query did: how many of how many asked for. */
interface ClaimRound {
  claimed: number;
  limit: number;
}

/** A delivery ready to send, with what decides its fate. */
interface Job {
  claim: ClaimedDelivery;
  event: EventRow;
  endpoint: EndpointRow;
}

/** A new random worker id (main.ts gives it to the worker and its queue). */
export const newWorkerId = (): string => newId('wrk', 12);

/**
 * The delivery worker: claims due deliveries, signs them as Stripe does, sends them through the
 * endpoint's transport, and records each attempt's outcome (delivered, retry at T, exhausted).
 */
export class DeliveryWorker {
  readonly id: string;
  readonly #o: WorkerOptions;
  readonly #queue: DeliveryQueue;
  readonly #policy: WorkerPolicy;
  readonly #writer: OutcomeWriter;
  readonly #maxInFlight: number;
  readonly #batch: number;
  readonly #leaseMs: number;
  /** In flight per endpoint, and those claimed but waiting for a free slot. */
  readonly #active = new Map<string, number>();
  /** Deliveries handed to the transport at once, by endpoint in flight (see queuesPerEndpoint). */
  readonly #slots = new Map<string, number>();
  /** The most slots any endpoint gets: what a single-process claim tops each endpoint up to. */
  readonly #maxSlots: number;
  readonly #waiting = new Map<string, Job[]>();
  /**
   * The deliveries this worker holds, by id with their endpoint: claimed and not yet given back,
   * that is until their outcome is written (or their lease released).
   */
  readonly #held = new Map<string, string>();
  readonly #kinds: string[];
  /** The last claim got fewer deliveries than it asked for. */
  #short = false;
  #soon: NodeJS.Timeout | null = null;
  #inFlight = 0;
  /** Of those, the requests the transports have out (at most the limit per endpoint). */
  #sending = 0;
  #stopping = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #woken = false;
  /** When the worker's last sleep with nothing in flight was to end (Date.now() ms), or null. */
  #sleepUntil: number | null = null;
  /** Something other than new deliveries of another process woke the worker since it slept. */
  #wokenHere = false;
  #renewTimer: NodeJS.Timeout | null = null;
  #unsubscribeClock: (() => void) | null = null;
  #idle = new Set<() => void>();

  constructor(options: WorkerOptions) {
    this.id = options.id;
    this.#o = options;
    this.#queue = options.queue;
    this.#policy = policyOf(options.mode);
    this.#maxInFlight = Math.min(
      this.#policy.maxInFlight ?? Infinity,
      options.config.workerConcurrency,
    );
    this.#batch = options.batchSize ?? 200;
    this.#kinds = Object.keys(options.transports).filter((k) => options.transports[k]);
    this.#maxSlots =
      options.config.endpointConcurrency +
      Math.max(0, ...this.#kinds.map((k) => this.#queuesOf(k)));
    // Leases of deliveries held here (in flight or waiting for a slot) are renewed every third of
    // the lease, so another worker takes them only once this one is gone (or cut off that long).
    this.#leaseMs = options.config.deliveryLeaseMs;
    this.#writer = new OutcomeWriter(
      this.#queue,
      {
        disableAfterMs: options.config.disableAfterMs,
        warnAfterMs: options.config.disableWarnAfterMs,
      },
      () => options.clock.now(),
      options.log,
      // Written outcomes end their leases, which frees slots of endpoints at their limit for every
      // worker: if the last claim came back short, claim again for those endpoints (unless they
      // are at their limit here). Without leases, a claim leaves out deliveries held here until
      // their outcome is written: from now on it may take them again (a retry, when it falls due).
      (written) => {
        const endpoints = new Set<string>();
        for (const id of written) {
          const endpoint = this.#held.get(id);
          if (endpoint !== undefined) endpoints.add(endpoint);
          this.#held.delete(id);
        }
        if (this.#short && this.#policy.leases && endpoints.size > 0) this.wake([...endpoints]);
      },
    );
  }

  async start(): Promise<void> {
    if (this.#policy.releaseAllAtStart) {
      // Only this process uses the database: leases left by a crashed run are stale.
      const released = await this.#queue.releaseAll();
      if (released > 0)
        this.#o.log.info('released deliveries left in flight by the previous run', {
          deliveries: released,
        });
    }
    this.#unsubscribeClock = this.#o.clock.onJump(() => this.wake());
    if (this.#policy.leases) {
      this.#renewTimer = setInterval(() => void this.#renewLeases(), this.#leaseMs / 3);
      this.#renewTimer.unref();
    }
    this.#loop = this.#run();
  }

  #wakeSoon(): void {
    if (this.#soon) return;
    this.#soon = setTimeout(() => {
      this.#soon = null;
      this.wake();
    }, CLAIM_GATHER_MS);
  }

  /**
   * New deliveries were queued (for `endpointIds`, when the caller knows them), or time moved:
   * look again now.
   */
  wake(endpointIds?: readonly string[]): void {
    this.#wokenHere = true;
    this.#wakeUp(endpointIds);
  }

  /**
   * Another process queued deliveries (its NOTIFY): claim now. If none is left for this worker
   * (another claimed them), it sleeps on until its last sleep was to end rather than ask when the
   * next delivery falls due: new deliveries due now do not move that, and with several workers
   * every one of them asked, after every event (two workers: two next-due lookups an event).
   */
  queuedElsewhere(): void {
    this.#wakeUp();
  }

  #wakeUp(endpointIds?: readonly string[]): void {
    // An endpoint at its limit here gets its new deliveries claimed when a slot frees (#finished
    // wakes then). Claiming now would only scan past its backlog: at 1,000 events/s that scan, once
    // per event, is what tipped a busy endpoint into an ever longer queue.
    if (endpointIds && endpointIds.length > 0 && endpointIds.every((id) => this.#busy(id))) return;
    this.#woken = true;
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Stops claiming, lets attempts in flight finish, writes their outcomes. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.wake();
    await this.#loop;
    const waiting = [...this.#waiting.values()].flat().map((j) => j.claim.id);
    this.#waiting.clear();
    for (const id of waiting) this.#held.delete(id);
    while (this.#inFlight > 0) await new Promise<void>((r) => this.#idle.add(r));
    await this.#writer.flush();
    await this.#queue.release(waiting).catch(() => undefined);
    if (this.#renewTimer) clearInterval(this.#renewTimer);
    if (this.#soon) clearTimeout(this.#soon);
    this.#unsubscribeClock?.();
  }

  /** Resolves when nothing is in flight here and outcomes are written (for tests). */
  async drain(): Promise<void> {
    while (this.#inFlight > 0 || this.#waiting.size > 0)
      await new Promise<void>((r) => this.#idle.add(r));
    await this.#writer.flush();
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      this.#woken = false;
      let claim: ClaimRound;
      try {
        claim = await this.#claimAndDispatch();
      } catch (e) {
        this.#o.log.error('claiming deliveries failed; retrying', { error: (e as Error).message });
        this.#sleepUntil = null;
        await this.#sleep(1_000);
        continue;
      }
      // Fewer than asked for means nothing else was claimable: no need to ask again right away.
      if ((claim.claimed > 0 && claim.claimed === claim.limit) || this.#woken) continue;
      const left = this.#sleepUntil === null ? 0 : this.#sleepUntil - Date.now();
      const keep = !this.#wokenHere && this.#inFlight === 0 && left > 0;
      this.#wokenHere = false;
      // The database may be away (a restart): then look again in a second, as after a failed claim.
      const delay = keep ? left : await this.#idleDelay().catch(() => 1_000);
      this.#sleepUntil = this.#inFlight === 0 ? Date.now() + delay : null;
      await this.#sleep(delay);
    }
  }

  /**
   * How long to sleep when nothing was claimed: until the next delivery falls due, at most 30 s
   * (a safety poll; new deliveries and freed slots wake the worker sooner).
   */
  async #idleDelay(): Promise<number> {
    if (this.#full() || this.#nothingToSend()) return 30_000;
    // With leases (PostgreSQL) the floor bounds the delay anyway: while attempts are in flight
    // (each new delivery queued, and each slot freed at a limit, wakes this worker), look again
    // after it rather than ask when the next delivery falls due. That query walks the free
    // deliveries past the busy endpoints, and with events arriving one by one it ran after
    // nearly every claim.
    if (this.#policy.leases && this.#inFlight > 0) return this.#policy.idleFloorMs;
    const realNow = Date.now();
    const next = await this.#queue.nextDue({
      realNow,
      kinds: this.#kinds,
      listenSessions: this.#o.listenSessions?.(),
      excludeEndpoints: this.#busyEndpoints(),
      held: this.#held,
    });
    let delay = 30_000;
    if (next.due !== null) {
      const floor = this.#policy.idleFloorMs;
      delay = Math.max(this.#o.clock.realDelay(next.due - this.#o.clock.now()), floor);
    }
    // A lease ending (a worker that died) makes its delivery claimable again.
    if (next.leaseEnds !== null) delay = Math.min(delay, Math.max(next.leaseEnds - realNow, 25));
    return Math.min(delay, 30_000);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = null;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        // Resume after the I/O already waiting: under load the requests read in this turn of the
        // event loop queue their deliveries first, and one claim takes them all (at 1,000 events/s
        // a claim per event cost ~20% of the server's CPU).
        setImmediate(resolve);
      };
      if (this.#woken) this.wake();
    });
  }

  /**
   * Sends only to listen sessions, and none is connected to this process: nothing here to claim.
   * (Deliveries to deleted or disabled endpoints, which any claim cancels, are left to the
   * processes that send webhooks.) An API-only process claimed on every event it created: on
   * PostgreSQL a claim and a next-due lookup each, the claim's lock shared with every worker. A
   * session connecting wakes the worker.
   */
  #nothingToSend(): boolean {
    return (
      this.#kinds.length === 1 &&
      this.#kinds[0] === 'listen' &&
      this.#o.listenSessions !== undefined &&
      this.#o.listenSessions().length === 0
    );
  }

  async #claimAndDispatch(): Promise<ClaimRound> {
    const room = this.#maxInFlight - this.#occupied();
    if (room <= 0 || this.#nothingToSend()) return { claimed: 0, limit: 0 };
    const round = { claimed: 0, limit: Math.min(room, this.#batch) };
    const claims = await this.#queue.claim({
      now: this.#o.clock.now(),
      realNow: Date.now(),
      limit: round.limit,
      kinds: this.#kinds,
      endpointLimit: this.#o.config.endpointConcurrency,
      // Without leases: twice what the worker hands its transport at once, so that a backlogged
      // endpoint is claimed once per that many deliveries, not once per slot (topping up to 128
      // instead of 192 drained 12.4-12.7k/s instead of 13.0-13.6k/s: npm run bench:drain).
      topUpTo: 2 * this.#maxSlots,
      excludeEndpoints: this.#busyEndpoints(),
      held: this.#held,
      occupied: this.#occupiedByEndpoint(),
      listenSessions: this.#o.listenSessions?.(),
    });
    this.#short = claims.length < round.limit;
    round.claimed = claims.length;
    if (claims.length === 0) return round;
    const unsent: string[] = [];
    for (const claim of claims) {
      const { event, endpoint } = claim;
      this.#held.set(claim.id, claim.endpoint_id);
      if (!event || !endpoint || endpoint.deleted || endpoint.status !== 'enabled') {
        this.#cancel(claim, endpoint);
        continue;
      }
      if (!this.#o.transports[endpoint.kind]) {
        // Not ours to send (the claim filters by kind; this covers a kind changed meanwhile).
        this.#held.delete(claim.id);
        unsent.push(claim.id);
        continue;
      }
      this.#enqueue({ claim, event, endpoint });
    }
    if (unsent.length > 0) await this.#queue.release(unsent);
    round.claimed -= unsent.length;
    return round;
  }

  /** The endpoints at their concurrency limit here. */
  #busyEndpoints(): string[] {
    return [...this.#active.keys()].filter((id) => this.#busy(id));
  }

  /** Deliveries in flight or waiting for a slot here, by endpoint. */
  #occupiedByEndpoint(): Map<string, number> {
    const occupied = new Map(this.#active);
    for (const [id, q] of this.#waiting) occupied.set(id, (occupied.get(id) ?? 0) + q.length);
    return occupied;
  }

  /** At its concurrency limit here, counting the jobs claimed and waiting for a slot. */
  #busy(endpointId: string): boolean {
    const waiting = this.#waiting.get(endpointId)?.length ?? 0;
    return (this.#active.get(endpointId) ?? 0) + waiting >= this.#slotsOf(endpointId);
  }

  /** What the transport of a kind queues per endpoint beyond the limit (WorkerPolicy). */
  #queuesOf(kind: string): number {
    if (!this.#policy.queuesBeyondLimit) return 0;
    return this.#o.transports[kind]?.queuesPerEndpoint ?? 0;
  }

  #slotsOf(endpointId: string): number {
    return this.#slots.get(endpointId) ?? this.#o.config.endpointConcurrency;
  }

  #full(): boolean {
    return this.#occupied() >= this.#maxInFlight;
  }

  /**
   * What counts against `maxInFlight` (--worker-concurrency): the deliveries in flight and those
   * waiting here. When a transport queues beyond each endpoint's limit, only the requests it has
   * in flight count (at most the limit per endpoint): the rest wait, in the transport or here,
   * only for endpoints at their limit, so they never keep another endpoint's requests from going
   * out. They stay bounded: at most maxInFlight / limit endpoints are at their limit, each holding
   * what a claim tops it up to.
   */
  #occupied(): number {
    if (this.#maxSlots === this.#o.config.endpointConcurrency)
      return this.#inFlight + this.#waitingCount();
    return this.#sending;
  }

  #waitingCount(): number {
    let n = 0;
    for (const q of this.#waiting.values()) n += q.length;
    return n;
  }

  /** Retries stop when the endpoint was disabled or deleted (as on Stripe). */
  #cancel(claim: ClaimedDelivery, endpoint: EndpointRow | null): void {
    const now = this.#o.clock.now();
    this.#writer.add({
      attempt: {
        id: newId('wa', 24),
        delivery_id: claim.id,
        event_id: claim.event_id,
        endpoint_id: claim.endpoint_id,
        platform_id: endpoint?.platform_id ?? '',
        url: endpoint?.url ?? null,
        started_ms: now,
        duration_ms: 0,
        status_code: null,
        error:
          !endpoint || endpoint.deleted
            ? 'endpoint deleted: delivery canceled'
            : 'endpoint disabled: delivery canceled',
        response_body: null,
        request_headers: '{}',
        outcome: 'failed',
        next_attempt_ms: null,
        chaos: null,
      },
      decision: { kind: 'exhausted' },
      deliveryId: claim.id,
      attemptsMade: claim.attempts,
      firstAttemptMs: claim.first_attempt_ms ?? now,
      countsPending: false,
      trackHealth: false,
    });
    this.#o.metrics?.attempts.inc({ outcome: 'canceled' });
  }

  #enqueue(job: Job): void {
    const id = job.endpoint.id;
    const active = this.#active.get(id) ?? 0;
    if (active === 0) {
      this.#slots.set(id, this.#o.config.endpointConcurrency + this.#queuesOf(job.endpoint.kind));
    }
    if (active < this.#slotsOf(id)) {
      this.#active.set(id, active + 1);
      this.#inFlight++;
      if (active < this.#o.config.endpointConcurrency) this.#sending++;
      void this.#attempt(job).finally(() => this.#finished(id));
      return;
    }
    const queue = this.#waiting.get(id) ?? [];
    queue.push(job);
    this.#waiting.set(id, queue);
  }

  #finished(endpointId: string): void {
    const wasBusy = this.#busy(endpointId);
    const wasFull = this.#full();
    this.#inFlight--;
    const left = (this.#active.get(endpointId) ?? 1) - 1;
    // Beyond the limit the transport had one waiting, which takes the freed request's place.
    if (left < this.#o.config.endpointConcurrency) this.#sending--;
    if (left === 0) {
      this.#active.delete(endpointId);
      this.#slots.delete(endpointId);
    } else this.#active.set(endpointId, left);
    const queue = this.#waiting.get(endpointId);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.#waiting.delete(endpointId);
    if (next && !this.#stopping) this.#enqueue(next);
    else if (next) this.#held.delete(next.claim.id);
    // At once: claim again only when this endpoint or the worker just got room. Waking after
    // every attempt ran the claim query once per delivery, each scanning the busy endpoint's whole
    // backlog: a 50,000-event burst to one endpoint drained at 459/s that way (SQLite).
    // Gathered: a claim is a round trip that takes the claim lock, and counts what this worker
    // holds: gather the slots freed within a few ms into one claim. Claiming for each slot as it
    // freed cost twice the CPU per delivery (bench:scaling: worker 1.33 -> 0.73 ms, PostgreSQL
    // 0.71 -> 0.23 ms); waiting for the outcomes to be written left slots idle.
    if ((wasBusy && !this.#busy(endpointId)) || (wasFull && !this.#full())) {
      if (this.#policy.claimWhenFreed === 'gathered') this.#wakeSoon();
      else this.wake();
    }
    if (this.#inFlight === 0 && this.#waiting.size === 0) {
      for (const resolve of this.#idle) resolve();
      this.#idle.clear();
    }
  }

  /** Renders the body, hands it to the endpoint's transport (which signs as it sends), decides. */
  async #attempt({ claim, event, endpoint }: Job): Promise<void> {
    const { clock, config, log } = this.#o;
    const transport = this.#o.transports[endpoint.kind]!;
    const thin = event.object === 'v2.core.event';
    const body = thin
      ? thinNotificationJson(event.data)
      : eventJson(event, endpoint.api_version ?? event.api_version);
    const startedMs = clock.now();
    const sent = await transport.send({
      deliveryId: claim.id,
      eventId: event.id,
      endpointId: endpoint.id,
      url: endpoint.url,
      headers: STRIPE_HEADERS,
      body,
      // The transport signs as it sends (signing.ts).
      signing: {
        secrets: activeSecrets(endpoint.secret, endpoint.previous_secrets, clock.now()),
        decoyKey: event.livemode === 0 ? `v0:${endpoint.id}` : null,
      },
      thin,
      // The endpoint's mode holds it to its destination policy (a live Connect endpoint also gets
      // test events, which must not go out unguarded).
      livemode: endpoint.livemode === 1,
      timeoutMs: config.deliveryTimeoutMs,
      chaos: chaosOf(endpoint, claim),
    });
    const now = clock.now();
    if (sent.result.kind === 'deferred') {
      this.#writer.add({
        attempt: null,
        decision: { kind: 'deferred', at: now + DEFER_MS },
        deliveryId: claim.id,
        attemptsMade: claim.attempts,
        firstAttemptMs: claim.first_attempt_ms ?? startedMs,
        countsPending: false,
        trackHealth: false,
      });
      this.#o.metrics?.attempts.inc({ outcome: 'deferred' });
      return;
    }
    const result = sent.result;
    const attemptsMade = claim.attempts + 1;
    const firstAttemptMs =
      claim.first_attempt_ms === null ? startedMs : Number(claim.first_attempt_ms);
    const decision = decide({
      result,
      policy: event.livemode === 1 ? config.liveRetry : config.testRetry,
      attemptsMade,
      firstAttemptAt: firstAttemptMs,
      now,
      retryAfterMaxMs: config.retryAfterMaxMs,
      retries: claim.one_shot === 0 && endpoint.kind !== 'listen',
    });
    const statusCode = result.kind === 'response' ? result.statusCode : null;
    const error =
      result.kind === 'network-error'
        ? result.error
        : decision.kind === 'delivered'
          ? null
          : `HTTP ${result.statusCode}`;
    this.#writer.add({
      attempt: {
        id: newId('wa', 24),
        delivery_id: claim.id,
        event_id: event.id,
        endpoint_id: endpoint.id,
        platform_id: endpoint.platform_id,
        url: endpoint.url,
        started_ms: startedMs,
        duration_ms: sent.durationMs,
        status_code: statusCode,
        error,
        response_body: sent.responseBody,
        request_headers: sent.requestHeaders,
        outcome: decision.kind === 'delivered' ? 'succeeded' : 'failed',
        next_attempt_ms: decision.kind === 'retry' ? decision.at : null,
        chaos: sent.chaos ?? null,
      },
      decision,
      deliveryId: claim.id,
      attemptsMade,
      firstAttemptMs,
      countsPending: claim.one_shot === 0 && endpoint.kind !== 'listen',
      trackHealth: endpoint.kind !== 'listen',
    });
    this.#o.metrics?.attempts.inc({ outcome: decision.kind });
    this.#o.metrics?.attemptDuration.observe({ kind: endpoint.kind }, sent.durationMs / 1000);
    // The attempt log keeps a coarse error; the full one (addresses, ports) is for this log only.
    if (sent.detail && log.enabled('debug'))
      log.debug('delivery.connection_error', {
        delivery: claim.id,
        endpoint: endpoint.id,
        detail: sent.detail,
      });
    if (log.enabled('info')) {
      log.info('delivery.attempted', {
        event: event.id,
        type: event.type,
        endpoint: endpoint.id,
        delivery: claim.id,
        attempt: attemptsMade,
        status: statusCode ?? undefined,
        error: error ?? undefined,
        duration_ms: sent.durationMs,
        outcome: decision.kind,
        next_attempt: decision.kind === 'retry' ? new Date(decision.at).toISOString() : undefined,
        chaos: sent.chaos,
      });
    }
  }

  async #renewLeases(): Promise<void> {
    if (this.#held.size === 0) return;
    try {
      await this.#queue.renew([...this.#held.keys()]);
    } catch (e) {
      this.#o.log.warn('could not renew delivery leases', { error: (e as Error).message });
    }
  }
}
