import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Cidr } from '../domain/addresses.js';
import type { Logger } from '../observability/logger.js';
import { HttpTransport } from './http-transport.js';
import type { OutgoingDelivery, Transport, TransportResult } from './transport.js';

/** What the sender thread starts with. */
export interface SenderThreadData {
  allowlist: Cidr[];
  /** Most requests in flight to one endpoint; more wait in the thread. */
  endpointConcurrency: number;
}

/** Main thread to sender thread: deliveries to send (by request number), or close. */
export type ToSender =
  { type: 'send'; batch: Array<[number, OutgoingDelivery]> } | { type: 'close' };

/** Sender thread to main thread: results by request number, or closed. */
export type FromSender =
  { type: 'results'; batch: Array<[number, TransportResult]> } | { type: 'closed' };

/**
 * The sender thread's script. Compiled, it sits next to this file; when this file runs from the
 * TypeScript sources (the test suite), the build's copy in dist/ is used (`npm test` builds first).
 */
function senderThreadFile(): string {
  const here = fileURLToPath(new URL('./sender-thread.js', import.meta.url));
  if (existsSync(here)) return here;
  return here.replace(/([\\/])src([\\/]delivery[\\/])/, '$1dist$2');
}

/**
 * HttpTransport on a thread of its own. Sending (undici, sockets, parsing responses) took about a
 * third of the main thread's time during a drain, while the second core sat mostly idle; here the
 * main thread claims, signs and records, and the sender thread talks HTTP. Requests posted in one
 * turn of the event loop cross as one message, and results come back the same way.
 *
 * Should the thread fail, the deliveries it had in hand are sent again from the main thread
 * (at least once: a receiver may see one of them twice) and everything after goes out from the
 * main thread, as with `--sender-thread off`.
 */
export class ThreadedHttpTransport implements Transport {
  readonly #allowlist: Cidr[];
  readonly #log: Logger | undefined;
  readonly #worker: Worker;
  readonly #pending = new Map<
    number,
    { delivery: OutgoingDelivery; resolve: (r: TransportResult) => void }
  >();
  #outbox: Array<[number, OutgoingDelivery]> = [];
  #next = 0;
  #fallback: HttpTransport | null = null;
  #closing = false;
  readonly #closed: Promise<void>;

  /**
   * Twice the endpoint's limit waits in the thread, so that it always has the next delivery at
   * hand: without them, each request's successor had to come from the main thread, and while the
   * main thread wrote outcomes or claimed, an endpoint's requests in flight ran down to none (a
   * quarter of the time in a drain, with both threads often idle). Draining 50,000 deliveries
   * to one endpoint: none waiting 10.8k/s, as many as the limit 12.3-12.8k/s, twice 13.6k/s,
   * three times 13.9k/s (bench/exp drain runs, before signing moved to this thread).
   */
  readonly queuesPerEndpoint: number;

  constructor(options: {
    allowlist: readonly Cidr[];
    endpointConcurrency: number;
    log?: Logger;
    /** The thread's script (default: sender-thread.js); tests give a missing one. */
    threadFile?: string;
  }) {
    const { endpointConcurrency, log } = options;
    this.#allowlist = [...options.allowlist];
    this.#log = log;
    this.queuesPerEndpoint = 2 * endpointConcurrency;
    this.#worker = new Worker(options.threadFile ?? senderThreadFile(), {
      workerData: { allowlist: this.#allowlist, endpointConcurrency } satisfies SenderThreadData,
    });
    this.#worker.unref();
    this.#worker.on('message', (m: FromSender) => {
      if (m.type !== 'results') return;
      for (const [id, result] of m.batch) {
        const waiting = this.#pending.get(id);
        this.#pending.delete(id);
        waiting?.resolve(result);
      }
    });
    this.#worker.on('error', (e) => this.#fail(e.message));
    this.#closed = new Promise((resolve) =>
      this.#worker.once('exit', () => {
        this.#fail('the sender thread exited');
        resolve();
      }),
    );
  }

  send(delivery: OutgoingDelivery): Promise<TransportResult> {
    if (this.#fallback) return this.#fallback.send(delivery);
    return new Promise((resolve) => {
      const id = ++this.#next;
      this.#pending.set(id, { delivery, resolve });
      if (this.#outbox.length === 0) queueMicrotask(() => this.#flush());
      this.#outbox.push([id, delivery]);
    });
  }

  #flush(): void {
    const batch = this.#outbox;
    this.#outbox = [];
    if (batch.length === 0 || this.#fallback) return;
    this.#worker.postMessage({ type: 'send', batch } satisfies ToSender);
  }

  /** From now on the main thread sends, starting with what the thread had in hand. */
  #fail(reason: string): void {
    if (this.#fallback || (this.#closing && this.#pending.size === 0)) return;
    this.#fallback = new HttpTransport(this.#allowlist);
    if (!this.#closing)
      this.#log?.error('sender thread failed; sending from the main thread', { error: reason });
    const inHand = [...this.#pending.values()];
    this.#pending.clear();
    this.#outbox = [];
    for (const { delivery, resolve } of inHand) void this.#fallback.send(delivery).then(resolve);
  }

  async close(): Promise<void> {
    this.#closing = true;
    if (!this.#fallback) {
      this.#worker.postMessage({ type: 'close' } satisfies ToSender);
      const timer = setTimeout(() => void this.#worker.terminate(), 5_000);
      await this.#closed;
      clearTimeout(timer);
    }
    await this.#fallback?.close();
  }
}
