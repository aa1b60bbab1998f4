import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

const stripe = new Stripe('sk_test_receiver_only');

/** One request the receiver got, with the outcome of verifying it. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  event: {
    id: string;
    type: string;
    account?: string;
    livemode: boolean;
    pending_webhooks: number;
    [k: string]: unknown;
  } | null;
  verified: boolean;
  verifyError: string | null;
  at: number;
}

export type Responder = (r: Received) => {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
};

/**
 * A real HTTP receiver on 127.0.0.1: it records every request, verifies `Stripe-Signature` with the
 * official `stripe` package against the secret registered for the path, and answers as told.
 */
export class Receiver {
  readonly received: Received[] = [];
  readonly #secrets = new Map<string, string[]>();
  readonly #responders = new Map<string, Responder>();
  #server: Server | null = null;
  #waiters: Array<() => void> = [];
  port = 0;

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const path = (req.url ?? '/').split('?')[0]!;
        const record: Received = {
          path,
          headers: req.headers,
          body,
          event: null,
          verified: false,
          verifyError: null,
          at: Date.now(),
        };
        const secrets = this.#secrets.get(path) ?? [];
        for (const secret of secrets) {
          try {
            record.event = stripe.webhooks.constructEvent(
              body,
              req.headers['stripe-signature'] as string,
              secret,
            ) as never;
            record.verified = true;
            record.verifyError = null;
            break;
          } catch (e) {
            record.verifyError = (e as Error).message;
          }
        }
        if (!record.event) {
          try {
            record.event = JSON.parse(body) as Received['event'];
          } catch {
            record.event = null;
          }
        }
        this.received.push(record);
        const responder: Responder = this.#responders.get(path) ?? (() => ({ status: 200 }));
        const reply = responder(record);
        const finish = () => {
          res.writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers });
          res.end(reply.body ?? '{"received":true}');
          for (const w of this.#waiters.splice(0)) w();
        };
        if (reply.delayMs) setTimeout(finish, reply.delayMs);
        else finish();
      });
    });
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', () => r()));
    this.port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Verify requests to `path` with these secrets (any may match). */
  expect(path: string, ...secrets: string[]): void {
    this.#secrets.set(path, secrets);
  }

  respond(path: string, responder: Responder): void {
    this.#responders.set(path, responder);
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  /** Waits until `predicate` holds (checked after each request), or fails after `timeoutMs`. */
  async waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'deliveries'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out waiting for ${what}; received ${this.received.length}: ${this.received.map((r) => `${r.path} ${r.event?.type}`).join(', ')}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 50));
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => {
      this.#server?.close(() => r());
      this.#server?.closeAllConnections();
    });
  }
}
