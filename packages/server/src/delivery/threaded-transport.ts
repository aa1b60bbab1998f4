import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DestinationRules } from '../domain/addresses.js';
import { recordedHeaders } from '../domain/delivery-headers.js';
import type { Logger } from '../observability/logger.js';
import {
  HttpTransport,
  signedRequest,
  type HttpRequest,
  type HttpResult,
} from './http-transport.js';
import type { OutgoingDelivery, Transport, TransportResult } from './transport.js';

/** What the sender thread starts with. */
export interface SenderThreadData {
  /** Where deliveries may go (`--destination-policy`, `--destination-allowlist`). */
  rules: DestinationRules;
  /** Most requests in flight to one endpoint; more wait in the thread. */
  endpointConcurrency: number;
}

/** A signed request for the sender thread: its number, the endpoint, the request. */
export type Outgoing = [number, string, HttpRequest];

/** Main thread to sender thread: requests to send, or close. */
export type ToSender = { type: 'send'; batch: Outgoing[] } | { type: 'close' };

/** Sender thread to main thread: results by request number, or closed. */
export type FromSender =
  { type: 'results'; batch: Array<[number, HttpResult]> } | { type: 'closed' };

/**
 * The sender thread's script. Compiled, it sits next to this file; when this file runs from the
 * TypeScript sources (the test suite), the build's copy in dist/ is used (`npm test` builds first).
 */
function senderThreadFile(): string {
  const here = fileURLToPath(new URL('./sender-thread.js', import.meta.url));
  if (existsSync(here)) return here;
  return here.replace(/([\\/])src([\\/]delivery[\\/])/, '$1dist$2');
}

interface InHand {
  request: HttpRequest;
  resolve: (r: TransportResult) => void;
}

/**
 * HttpTransport on a thread of its own. Sending (undici, sockets, parsing responses) took about a
 * third of the main thread's time during a drain, while the second core sat mostly idle; here the
 * main thread claims, renders, signs and records, and the sender thread talks HTTP. Requests
 * posted in one turn of the event loop cross as one message, and results come back the same way.
 *
 * Requests are signed when handed to the thread; one waits there at most until two rounds of the
 * endpoint's requests ahead of it have ended (each bounded by the delivery timeout), well inside
 * the 5 minutes receivers tolerate.
 *
 * Should the thread fail, the requests it had in hand are sent again from the main thread
 * (at least once: a receiver may see one of them twice) and everything after goes out from the
 * main thread, as with `--sender-thread off`.
 */
export class ThreadedHttpTransport implements Transport {
  readonly #rules: DestinationRules;
  readonly #log: Logger | undefined;
  readonly #worker: Worker;
  readonly #inHand = new Map<number, InHand>();
  #outbox: Outgoing[] = [];
  #next = 0;
  #fallback: HttpTransport | null = null;
  #closing = false;
  readonly #closed: Promise<void>;

  /**
   * Twice the endpoint's limit waits in the thread, so that it always has the next request at
   * hand: without them, each request's successor had to come from the main thread, and while the
   * main thread wrote outcomes or claimed, an endpoint's requests in flight ran down to none (a
   * quarter of the time in a drain, with both threads often idle). Draining 50,000 deliveries
   * to one endpoint: none waiting 10.8k/s, as many as the limit 12.3-12.8k/s, twice 13.6k/s,
   * three times 13.9k/s (npm run bench:drain).
   */
  readonly queuesPerEndpoint: number;

  constructor(options: {
    rules: DestinationRules;
    endpointConcurrency: number;
    log?: Logger;
    /** The thread's script (default: sender-thread.js); tests give a missing one. */
    threadFile?: string;
  }) {
    const { endpointConcurrency, log } = options;
    this.#rules = { policy: options.rules.policy, allowlist: [...options.rules.allowlist] };
    this.#log = log;
    this.queuesPerEndpoint = 2 * endpointConcurrency;
    this.#worker = new Worker(options.threadFile ?? senderThreadFile(), {
      workerData: { rules: this.#rules, endpointConcurrency } satisfies SenderThreadData,
      // The thread keeps little alive: the requests in hand (at most the worker's concurrency)
      // and the sockets. V8's default young generation (48 MB) only raised the server's peak
      // RSS: drains peaked at 233-270 MB with it, 218-224 MB with 8 MB, at the same rate
      // (npm run bench:drain). 16 MB halves the thread's scavenges (261 to 133 a drain of 50,000,
      // 354-397 to 189-234 ms of pauses: about 3 µs of CPU a delivery) with no more peak RSS
      // measured (191-202 MB against 197-200); 32 MB cut them to 74 but added 10-15 MB. Should
      // the thread run out of heap anyway, it exits and the main thread takes over.
      resourceLimits: { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 64 },
    });
    this.#worker.unref();
    this.#worker.on('message', (m: FromSender) => {
      if (m.type !== 'results') return;
      for (const [id, result] of m.batch) this.#settle(id, result);
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
    const request = signedRequest(delivery);
    return new Promise((resolve) => {
      const id = ++this.#next;
      this.#inHand.set(id, { request, resolve });
      if (this.#outbox.length === 0) queueMicrotask(() => this.#flush());
      this.#outbox.push([id, delivery.endpointId, request]);
    });
  }

  #settle(id: number, result: HttpResult): void {
    const inHand = this.#inHand.get(id);
    if (!inHand) return;
    this.#inHand.delete(id);
    inHand.resolve({ ...result, requestHeaders: recordedHeaders(inHand.request.headers) });
  }

  #flush(): void {
    const batch = this.#outbox;
    this.#outbox = [];
    if (batch.length === 0 || this.#fallback) return;
    this.#worker.postMessage({ type: 'send', batch } satisfies ToSender);
  }

  /** From now on the main thread sends, starting with what the thread had in hand. */
  #fail(reason: string): void {
    if (this.#fallback || (this.#closing && this.#inHand.size === 0)) return;
    const fallback = new HttpTransport(this.#rules);
    this.#fallback = fallback;
    if (!this.#closing)
      this.#log?.error('sender thread failed; sending from the main thread', { error: reason });
    this.#outbox = [];
    for (const [id, { request }] of [...this.#inHand])
      void fallback.post(request).then((result) => this.#settle(id, result));
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
