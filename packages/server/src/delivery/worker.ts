import type { Config } from '../config/schema.js';
import type { Clock } from '../domain/clock.js';
import { STRIPE_HEADERS } from '../domain/delivery-headers.js';
import { eventJson, thinNotificationJson } from '../domain/event-body.js';
import { newId } from '../domain/ids.js';
import { decide } from '../domain/outcome.js';
import { activeSecrets } from '../domain/signing-secrets.js';
import type { Logger } from '../observability/logger.js';
import type { SwitchboardMetrics } from '../observability/switchboard-metrics.js';
import type { ClaimedDelivery, Dialect } from '../storage/dialect.js';
import { releaseAllLeases, releaseLeases } from '../storage/repositories/deliveries.js';
import { findEndpoints, type EndpointRow } from '../storage/repositories/endpoints.js';
import { findEvents, type EventRow } from '../storage/repositories/events.js';
import { chaosOf } from './chaos.js';
import { OutcomeWriter } from './outcome-writer.js';
import type { Transport } from './transport.js';

export interface WorkerOptions {
  dialect: Dialect;
  clock: Clock;
  config: Config;
  log: Logger;
  /**
   * How deliveries reach each kind of endpoint. The worker claims deliveries only for the kinds it
   * has a transport for (and cancels deliveries to deleted or disabled endpoints of any kind).
   */
  transports: Partial<Record<string, Transport>>;
  /** Most deliveries in flight in this process (default: config.workerConcurrency). */
  maxInFlight?: number;
  /** Most deliveries claimed in one query. */
  batchSize?: number;
  metrics?: Pick<SwitchboardMetrics, 'attempts' | 'attemptDuration'>;
  /** The listen sessions connected to this process (see ClaimArgs), when it has a listen hub. */
  listenSessions?: () => readonly string[];
  /** Release every lease at start: only when no other process delivers from this database. */
  releaseLeasesAtStart?: boolean;
  /**
   * Claim without leases (ClaimArgs.heldIds): only when this process holds the database's
   * delivery lock (Dialect.lockDeliveries), so that no other process claims these kinds.
   */
  claimsWithoutLeases?: boolean;
}

/** With several processes, slots freed within this many ms are claimed together. */
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

/**
 * The delivery worker: claims due deliveries, signs them as Stripe does, sends them through the
 * endpoint's transport, and records each attempt's outcome (delivered, retry at T, exhausted).
 */
export class DeliveryWorker {
  readonly id = newId('wrk', 12);
  readonly #o: WorkerOptions;
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
  readonly #withoutLeases: boolean;
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
  #renewTimer: NodeJS.Timeout | null = null;
  #unsubscribeClock: (() => void) | null = null;
  #idle = new Set<() => void>();

  constructor(options: WorkerOptions) {
    this.#o = options;
    this.#maxInFlight = options.maxInFlight ?? options.config.workerConcurrency;
    this.#batch = options.batchSize ?? 200;
    this.#withoutLeases = options.claimsWithoutLeases ?? false;
    this.#kinds = Object.keys(options.transports).filter((k) => options.transports[k]);
    this.#maxSlots =
      options.config.endpointConcurrency +
      Math.max(0, ...this.#kinds.map((k) => this.#queuesOf(k)));
    // Leases of deliveries held here (in flight or waiting for a slot) are renewed every third of
    // the lease, so another worker takes them only once this one is gone (or cut off that long).
    this.#leaseMs = options.config.deliveryLeaseMs;
    this.#writer = new OutcomeWriter(
      options.dialect,
      {
        disableAfterMs: options.config.disableAfterMs,
        warnAfterMs: options.config.disableWarnAfterMs,
      },
      () => options.clock.now(),
      options.log,
      // Written outcomes end their leases, which frees slots of endpoints at their limit for every
      // worker: if the last claim came back short, claim again. Without leases, a claim leaves out
      // deliveries held here until their outcome is written: from now on it may take them again
      // (a retry, when it falls due).
      (written) => {
        for (const id of written) this.#held.delete(id);
        if (this.#short && !options.dialect.singleProcess) this.wake();
      },
    );
  }

  async start(): Promise<void> {
    if (this.#o.releaseLeasesAtStart ?? this.#o.dialect.singleProcess) {
      // Only this process delivers from the database: leases left by a crashed run are stale.
      const released = await releaseAllLeases(this.#o.dialect.db);
      if (released > 0)
        this.#o.log.info('released deliveries left in flight by the previous run', {
          deliveries: released,
        });
    }
    this.#unsubscribeClock = this.#o.clock.onJump(() => this.wake());
    if (!this.#withoutLeases) {
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
    await releaseLeases(this.#o.dialect.db, waiting).catch(() => undefined);
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
        await this.#sleep(1_000);
        continue;
      }
      // Fewer than asked for means nothing else was claimable: no need to ask again right away.
      if ((claim.claimed > 0 && claim.claimed === claim.limit) || this.#woken) continue;
      // The database may be away (a restart): then look again in a second, as after a failed claim.
      await this.#sleep(await this.#idleDelay().catch(() => 1_000));
    }
  }

  /**
   * How long to sleep when nothing was claimed: until the next delivery falls due, at most 30 s
   * (a safety poll; new deliveries and freed slots wake the worker sooner).
   */
  async #idleDelay(): Promise<number> {
    if (this.#full()) return 30_000;
    const realNow = Date.now();
    const next = await this.#o.dialect.nextDue({
      realNow,
      kinds: this.#kinds,
      listenSessions: this.#o.listenSessions?.(),
      excludeEndpoints: this.#busyEndpoints(),
      heldIds: this.#withoutLeases ? this.#held : undefined,
    });
    let delay = 30_000;
    if (next.due !== null) {
      // Due now but nothing claimable. With one process (which leaves out the endpoints at their
      // limit here: a slot freeing wakes this worker) that is a moment's race; with others, their
      // slots free without telling us, so look again in 1 s rather than poll the database.
      const floor = this.#o.dialect.singleProcess ? 25 : 1_000;
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

  async #claimAndDispatch(): Promise<ClaimRound> {
    const room = this.#maxInFlight - this.#occupied();
    if (room <= 0) return { claimed: 0, limit: 0 };
    const limit = this.#o.config.endpointConcurrency;
    const busy = this.#busyEndpoints();
    const realNow = Date.now();
    const round = { claimed: 0, limit: Math.min(room, this.#batch) };
    const claims = await this.#o.dialect.claimDue({
      now: this.#o.clock.now(),
      realNow,
      leaseUntil: realNow + this.#leaseMs,
      owner: this.id,
      limit: round.limit,
      kinds: this.#kinds,
      endpointLimit: limit,
      // One process (SQLite): twice what it hands its transport at once, so that a backlogged
      // endpoint is claimed once per that many deliveries, not once per slot (topping up to 128
      // instead of 192 drained 12.4-12.7k/s instead of 13.0-13.6k/s: npm run bench:drain).
      topUpTo: 2 * this.#maxSlots,
      excludeEndpoints: busy,
      heldHere: this.#heldByEndpoint(),
      listenSessions: this.#o.listenSessions?.(),
      heldIds: this.#withoutLeases ? this.#held : undefined,
    });
    this.#short = claims.length < round.limit;
    round.claimed = claims.length;
    if (claims.length === 0) return round;
    // The claim may have read the events already (SQLite without leases).
    const unread = [...new Set(claims.filter((c) => !c.event).map((c) => c.event_id))];
    const [events, endpoints] = await Promise.all([
      unread.length > 0 ? findEvents(this.#o.dialect.db, unread) : [],
      findEndpoints(this.#o.dialect.db, [...new Set(claims.map((c) => c.endpoint_id))]),
    ]);
    const eventById = new Map(events.map((e) => [e.id, e]));
    for (const c of claims) if (c.event) eventById.set(c.event_id, c.event);
    const endpointById = new Map(endpoints.map((e) => [e.id, e]));
    const unsent: string[] = [];
    for (const claim of claims) {
      const event = eventById.get(claim.event_id);
      const endpoint = endpointById.get(claim.endpoint_id);
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
    if (unsent.length > 0) await releaseLeases(this.#o.dialect.db, unsent);
    round.claimed -= unsent.length;
    return round;
  }

  /** The endpoints at their concurrency limit here. */
  #busyEndpoints(): string[] {
    return [...this.#active.keys()].filter((id) => this.#busy(id));
  }

  /** Deliveries in flight or waiting here, by endpoint. */
  #heldByEndpoint(): Map<string, number> {
    const held = new Map(this.#active);
    for (const [id, q] of this.#waiting) held.set(id, (held.get(id) ?? 0) + q.length);
    return held;
  }

  /** At its concurrency limit here, counting the jobs claimed and waiting for a slot. */
  #busy(endpointId: string): boolean {
    const waiting = this.#waiting.get(endpointId)?.length ?? 0;
    return (this.#active.get(endpointId) ?? 0) + waiting >= this.#slotsOf(endpointId);
  }

  /**
   * What the transport of a kind queues per endpoint beyond the limit. Only with one process: with
   * several, the claim never leases more than the limit per endpoint across workers, so a queue
   * would stay empty, and counting it would only make this worker claim for an endpoint that is
   * at its limit.
   */
  #queuesOf(kind: string): number {
    if (!this.#o.dialect.singleProcess) return 0;
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
  #cancel(claim: ClaimedDelivery, endpoint: EndpointRow | undefined): void {
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
    // One process (SQLite): claim again only when this endpoint or the worker just got room.
    // Waking after every attempt ran the claim query once per delivery, each scanning the busy
    // endpoint's whole backlog: a 50,000-event burst to one endpoint drained at 459/s that way.
    // Several (PostgreSQL): a claim is a round trip that takes the claim lock, and counts what this
    // worker holds: gather the slots freed within a few ms into one claim. Claiming for each slot
    // as it freed cost twice the CPU per delivery (bench:scaling: worker 1.33 -> 0.73 ms,
    // PostgreSQL 0.71 -> 0.23 ms); waiting for the outcomes to be written left slots idle.
    if (!this.#o.dialect.singleProcess) this.#wakeSoon();
    else if ((wasBusy && !this.#busy(endpointId)) || (wasFull && !this.#full())) this.wake();
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
      await this.#o.dialect.db
        .updateTable('deliveries')
        .set({ lease_until_ms: Date.now() + this.#leaseMs })
        .where('id', 'in', [...this.#held.keys()])
        .where('lease_owner', '=', this.id)
        .where('status', '=', 'pending')
        .execute();
    } catch (e) {
      this.#o.log.warn('could not renew delivery leases', { error: (e as Error).message });
    }
  }
}
