import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
// The timers of node:timers, not the global ones a test may fake (vi.useFakeTimers(),
// jest.useFakeTimers()): a timeout must not wait for a fake clock that never moves.
import { clearTimeout, setTimeout } from 'node:timers';
import { constructEvent, type EventObjectMap, type TypedEvent } from '@switchboard/sdk';

/** The event a delivery of `T` carries: typed for the event types the SDK knows. */
export type EventFor<T extends string> = T extends keyof EventObjectMap
  ? TypedEvent<T, EventObjectMap[T]>
  : TypedEvent<string, unknown>;

/** One verified request Switchboard sent to a kit endpoint: one attempt to deliver an event. */
export interface Delivery<E = TypedEvent<string, unknown>> {
  /** The event, parsed after its `Stripe-Signature` was verified with the endpoint's secret. */
  event: E;
  endpoint: { id: string; url: string };
  /** 1 for the first attempt to deliver this event to this endpoint, 2 for the first retry, ... */
  attempt: number;
  /** The request's headers (lower-case names). */
  headers: Record<string, string>;
  /** The raw body, as signed. */
  payload: string;
  receivedAt: Date;
  /** The HTTP status the endpoint answered. */
  status: number;
}

/** How a kit endpoint answers: a status (200 when it returns nothing), or throwing for a 500. */
export type Respond = (
  delivery: Omit<Delivery, 'status'>,
) => number | void | Promise<number | void>;

interface Route {
  id: string;
  url: string;
  secret: string;
  respond: Respond;
}

export interface Match {
  /** An event type, `prefix.*`, or `*`. */
  type: string;
  /** A connected account's id, null for the platform's own events, undefined for any. */
  account?: string | null | undefined;
  endpoint?: string | undefined;
}

interface Waiter {
  match: Match;
  resolve(delivery: Delivery): void;
  reject(error: Error): void;
}

function matches(d: Delivery, m: Match): boolean {
  const type = d.event.type;
  const typeOk =
    m.type === '*' ||
    (m.type.endsWith('.*') ? type.startsWith(m.type.slice(0, -1)) : type === m.type);
  const account = d.event.account ?? null;
  return (
    typeOk &&
    (m.account === undefined || m.account === account) &&
    (m.endpoint === undefined || m.endpoint === d.endpoint.id)
  );
}

function describe(m: Match): string {
  const account =
    m.account === undefined ? '' : m.account === null ? ' (your account)' : ` (${m.account})`;
  return `${m.type}${account}${m.endpoint ? ` to ${m.endpoint}` : ''}`;
}

/**
 * The kit's webhook receiver, in the test process: one HTTP server on 127.0.0.1 for every kit
 * endpoint (a path each). It verifies each request with the endpoint's secret, answers as the
 * endpoint's `respond` says, and keeps the deliveries for `next` to hand out, each once, in the
 * order they arrived.
 */
export class Receiver {
  readonly #server: Server;
  readonly #routes = new Map<string, Route>();
  readonly #attempts = new Map<string, number>();
  #unclaimed: Delivery[] = [];
  #waiters = new Set<Waiter>();
  /** The latest deliveries and refusals, to say what did arrive when a wait times out. */
  #recent: string[] = [];
  #port = 0;

  constructor() {
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => resolve());
    });
    this.#port = (this.#server.address() as AddressInfo).port;
    // A wait for a delivery holds the process with its timer; an idle receiver does not.
    this.#server.unref();
  }

  /** A new path on this receiver, for an endpoint about to be registered. */
  newUrl(): string {
    return `http://127.0.0.1:${this.#port}/endpoint-${this.#routes.size + 1}-${Date.now().toString(36)}`;
  }

  add(route: Route): void {
    this.#routes.set(new URL(route.url).pathname, route);
  }

  next(match: Match, timeoutMs: number): Promise<Delivery> {
    const i = this.#unclaimed.findIndex((d) => matches(d, match));
    if (i !== -1) return Promise.resolve(this.#unclaimed.splice(i, 1)[0]!);
    return new Promise<Delivery>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        const seen = this.#recent.length > 0 ? this.#recent.join(', ') : 'nothing';
        reject(
          new Error(
            `No delivery of ${describe(match)} within ${timeoutMs} ms. Received lately: ${seen}.`,
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (d) => {
          clearTimeout(timer);
          resolve(d);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.#waiters.add(waiter);
    });
  }

  /** Forgets every endpoint and delivery (the server's database was reset); waits fail. */
  clear(reason: string): void {
    this.#routes.clear();
    this.#attempts.clear();
    this.#unclaimed = [];
    this.#recent = [];
    for (const w of this.#waiters) w.reject(new Error(reason));
    this.#waiters.clear();
  }

  async close(): Promise<void> {
    this.clear('the Switchboard was closed');
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #note(text: string): void {
    this.#recent.push(text);
    if (this.#recent.length > 10) this.#recent.shift();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const payload = Buffer.concat(chunks).toString('utf8');
    const route = this.#routes.get((req.url ?? '/').split('?')[0]!);
    if (!route) return void res.writeHead(404).end();
    let event: TypedEvent<string, unknown>;
    try {
      event = constructEvent<TypedEvent<string, unknown>>(
        payload,
        req.headers['stripe-signature'] ?? '',
        route.secret,
      );
    } catch (e) {
      this.#note(`a request to ${route.id} that failed verification (${(e as Error).message})`);
      return void res.writeHead(400, { 'Content-Type': 'text/plain' }).end((e as Error).message);
    }
    const key = `${route.id} ${event.id}`;
    const attempt = (this.#attempts.get(key) ?? 0) + 1;
    this.#attempts.set(key, attempt);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers))
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const received = {
      event,
      endpoint: { id: route.id, url: route.url },
      attempt,
      headers,
      payload,
      receivedAt: new Date(),
    };
    let status: number;
    try {
      status = (await route.respond(received)) ?? 200;
    } catch {
      status = 500;
    }
    // Kept before the answer goes out: once Switchboard has recorded the outcome (an advance of
    // the clock returned), `next` finds the delivery.
    this.#deliver({ ...received, status });
    res.writeHead(status, { 'Content-Type': 'application/json' }).end('{"received":true}');
  }

  #deliver(delivery: Delivery): void {
    const account = delivery.event.account ? ` ${delivery.event.account}` : '';
    this.#note(
      `${delivery.event.type}${account} (attempt ${delivery.attempt}, ${delivery.status})`,
    );
    for (const w of this.#waiters) {
      if (matches(delivery, w.match)) {
        this.#waiters.delete(w);
        w.resolve(delivery);
        return;
      }
    }
    this.#unclaimed.push(delivery);
  }
}
