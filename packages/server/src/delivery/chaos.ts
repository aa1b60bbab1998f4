import { parseChaos, planAttempt, type ChaosPlan } from '../domain/chaos.js';
import type { Clock } from '../domain/clock.js';
import { isSuccess } from '../domain/outcome.js';
import type { ClaimedDelivery } from './queue.js';
import type { EndpointRow } from '../storage/repositories/endpoints.js';
import type { OutgoingDelivery, Transport, TransportResult } from './transport.js';

/** The chaos part of a delivery for `endpoint` (undefined: none, as for nearly every endpoint). */
export function chaosOf(
  endpoint: EndpointRow,
  claim: Pick<ClaimedDelivery, 'id' | 'attempts' | 'one_shot'>,
): OutgoingDelivery['chaos'] {
  const settings = endpoint.chaos ? parseChaos(endpoint.chaos) : null;
  if (!settings) return undefined;
  return {
    settings,
    deliveryId: claim.id,
    attempt: claim.attempts + 1,
    retries: claim.one_shot === 0,
    liveEndpoint: endpoint.livemode === 1,
  };
}

/** A delivery the transport gives back unsent: the worker keeps it pending, with no attempt. */
const givenBack: TransportResult = {
  result: { kind: 'deferred' },
  durationMs: 0,
  responseBody: null,
  requestHeaders: '{}',
};

interface Held {
  delivery: OutgoingDelivery;
  plan: ChaosPlan;
  notes: string[];
  resolve(result: TransportResult): void;
}

/**
 * Chaos delivery, in one place: a transport around the real one (HTTP, in its sender thread) that
 * does what an endpoint's chaos settings say (domain/chaos.ts) to the deliveries that carry them
 * and hands every other delivery straight through. Each attempt it touches says in the attempt
 * log what it did.
 *
 * - fail the first attempt: answered here, unsent, as a failure; the worker schedules the retry;
 * - delay: held on the server clock (so `--clock-speed` and a manual clock move it) before sending;
 * - reorder: deliveries to the endpoint that arrive within the window are held until it closes,
 *   then sent one at a time, newest first, each after the previous one's answer;
 * - duplicate: a delivery that succeeded is sent once more, signed again.
 *
 * A held delivery keeps its place among the endpoint's concurrent deliveries while it waits. Held
 * deliveries are given back unsent when the server stops (`release`), and held again after a
 * restart. With several worker processes each keeps its own reorder windows.
 */
export class ChaosTransport implements Transport {
  readonly queuesPerEndpoint: number | undefined;
  /** Open reorder windows, by endpoint. */
  readonly #windows = new Map<string, Held[]>();
  /** Ends every wait at once (false: given back). */
  readonly #waits = new Set<() => void>();
  #released = false;

  constructor(
    private readonly inner: Transport,
    private readonly options: { clock: Clock; allowLive: boolean },
  ) {
    this.queuesPerEndpoint = inner.queuesPerEndpoint;
  }

  async send(d: OutgoingDelivery): Promise<TransportResult> {
    const c = d.chaos;
    // Chaos on a live endpoint applies only where the server allows it (--live-chaos): the API
    // refuses the settings otherwise, and this covers a server restarted without the option.
    if (!c || (c.liveEndpoint && !this.options.allowLive)) return this.inner.send(d);
    const plan = planAttempt(c.settings, c);
    if (plan.fail) {
      const error = 'chaos: the first attempt failed on purpose (not sent); a retry follows';
      return { ...givenBack, result: { kind: 'network-error', error }, chaos: error };
    }
    const notes: string[] = [];
    if (plan.delayMs > 0) {
      if (!(await this.#wait(plan.delayMs))) return givenBack;
      notes.push(`held ${plan.delayMs / 1000} s before sending`);
    }
    if (plan.reorderMs > 0) return this.#hold(d, plan, notes);
    return this.#post(d, plan, notes);
  }

  /** Gives back every held delivery unsent (shutdown: they are sent after the restart). */
  release(): void {
    this.#released = true;
    for (const stop of [...this.#waits]) stop();
  }

  async close(): Promise<void> {
    this.release();
    await this.inner.close();
  }

  async #post(d: OutgoingDelivery, plan: ChaosPlan, notes: string[]): Promise<TransportResult> {
    const sent = await this.inner.send(d);
    if (plan.duplicate && sent.result.kind !== 'deferred' && isSuccess(sent.result)) {
      const again = await this.inner.send(d);
      const answer =
        again.result.kind === 'response'
          ? `answered ${again.result.statusCode}`
          : again.result.kind === 'network-error'
            ? `failed: ${again.result.error}`
            : 'was not sent';
      notes.push(`sent twice; the duplicate ${answer}`);
    }
    return notes.length > 0 ? { ...sent, chaos: `chaos: ${notes.join('; ')}` } : sent;
  }

  /** Adds the delivery to its endpoint's reorder window, opening one if none is open. */
  #hold(d: OutgoingDelivery, plan: ChaosPlan, notes: string[]): Promise<TransportResult> {
    return new Promise((resolve) => {
      let window = this.#windows.get(d.endpointId);
      if (!window) {
        window = [];
        this.#windows.set(d.endpointId, window);
        void this.#closeWindow(d.endpointId, window, plan.reorderMs);
      }
      window.push({ delivery: d, plan, notes, resolve });
    });
  }

  async #closeWindow(endpointId: string, window: Held[], ms: number): Promise<void> {
    const sending = await this.#wait(ms);
    this.#windows.delete(endpointId);
    const n = window.length;
    // Newest first, one at a time: with two or more in the window the receiver sees them reversed.
    for (const [k, held] of [...window].reverse().entries()) {
      if (!sending || this.#released) {
        held.resolve(givenBack);
        continue;
      }
      held.notes.push(
        n === 1
          ? `held ${ms / 1000} s in a reorder window; nothing else arrived`
          : `held ${ms / 1000} s in a reorder window; sent ${k + 1} of ${n}, arrived ${n - k} of ${n}`,
      );
      // Transports answer failures as data; should one throw, the rest of the window still goes.
      held.resolve(await this.#post(held.delivery, held.plan, held.notes).catch(() => givenBack));
    }
  }

  /** Waits `ms` of the server's clock; false when released first. */
  #wait(ms: number): Promise<boolean> {
    if (this.#released) return Promise.resolve(false);
    const { clock } = this.options;
    const until = clock.now() + ms;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const end = (done: boolean) => {
        clearTimeout(timer);
        unsubscribe();
        this.#waits.delete(stop);
        resolve(done);
      };
      const stop = () => end(false);
      const check = () => {
        const left = until - clock.now();
        if (left <= 0) return end(true);
        clearTimeout(timer);
        timer = setTimeout(check, Math.max(1, clock.realDelay(left)));
      };
      const unsubscribe = clock.onJump(check);
      this.#waits.add(stop);
      check();
    });
  }
}
