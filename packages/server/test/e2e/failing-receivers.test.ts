import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';

const MIN = 60_000;

/** A receiver that misbehaves in one way per path, and counts requests open at once. */
class BadReceiver {
  server!: Server;
  port = 0;
  hits = new Map<string, number>();
  open = new Map<string, number>();
  maxOpen = new Map<string, number>();
  lastAt = new Map<string, number>();

  async start() {
    this.server = createServer((req, res) => this.#handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  url(path: string) {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  #handle(req: IncomingMessage, res: ServerResponse) {
    const path = req.url ?? '/';
    this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
    this.lastAt.set(path, Date.now());
    const open = (this.open.get(path) ?? 0) + 1;
    this.open.set(path, open);
    this.maxOpen.set(path, Math.max(this.maxOpen.get(path) ?? 0, open));
    res.on('close', () => this.open.set(path, (this.open.get(path) ?? 1) - 1));
    req.resume();
    req.on('end', () => {
      switch (path) {
        case '/500':
          return void res.writeHead(500).end('oops');
        case '/503-retry-after':
          return void res.writeHead(503, { 'Retry-After': '7200' }).end();
        case '/429':
          return void res.writeHead(429, { 'Retry-After': '1800' }).end();
        case '/410':
          return void res.writeHead(410).end('gone');
        case '/302':
          return void res.writeHead(302, { Location: this.url('/ok') }).end();
        case '/reset':
          return void req.socket.destroy();
        case '/close':
          return void req.socket.end();
        case '/slow-body': {
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.write('a');
          const t = setInterval(() => res.write('.'), 200);
          res.on('close', () => clearInterval(t));
          return;
        }
        case '/hang':
          return; // never answers
        default:
          return void res.writeHead(200).end('ok');
      }
    });
  }

  async close() {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

interface Attempt {
  outcome: string;
  status_code: number | null;
  error: string | null;
  created: number;
  next_attempt: number | null;
}

/**
 * Receivers that fail in every common way: each failure follows the retry schedule, Retry-After is
 * honoured within bounds, and no failing endpoint holds up another's deliveries.
 */
describe('failing receivers', () => {
  let server: TestServer;
  let bad: BadReceiver;
  let stripe: Stripe;
  const paths = [
    '/500',
    '/503-retry-after',
    '/429',
    '/410',
    '/302',
    '/reset',
    '/close',
    '/slow-body',
  ];
  const endpoints = new Map<string, string>();

  beforeAll(async () => {
    server = await startTestServer({
      manualClock: true,
      config: { deliveryTimeoutMs: '1s', endpointConcurrency: '4', retryAfterMaxMs: '1h' },
    });
    bad = await new BadReceiver().start();
    stripe = server.stripe(TEST_KEY);
  });
  afterAll(async () => {
    await server.close();
    await bad.close();
  });

  async function attemptsOf(endpoint: string): Promise<Attempt[]> {
    const res = await fetch(`${server.url}/v1/webhook_endpoints/${endpoint}/attempts?limit=100`, {
      headers: { Authorization: `Bearer ${TEST_KEY}` },
    });
    return ((await res.json()) as { data: Attempt[] }).data;
  }

  it('records each kind of failure and schedules its retry', async () => {
    for (const p of paths) {
      const we = await stripe.webhookEndpoints.create({
        url: bad.url(p),
        enabled_events: ['customer.created'],
      });
      endpoints.set(p, we.id);
    }
    await stripe.customers.create({ name: 'to failing receivers' });
    const all = await eventually(
      async () => {
        const got = await Promise.all(
          paths.map(async (p) => [p, (await attemptsOf(endpoints.get(p)!))[0]] as const),
        );
        return got.every(([, a]) => a) ? new Map(got as Array<[string, Attempt]>) : undefined;
      },
      15_000,
      'one attempt per endpoint',
    );
    const expectations: Record<string, { status: number | null; error: RegExp }> = {
      '/500': { status: 500, error: /HTTP 500/ },
      '/503-retry-after': { status: 503, error: /HTTP 503/ },
      '/429': { status: 429, error: /HTTP 429/ },
      '/410': { status: 410, error: /HTTP 410/ },
      '/302': { status: 302, error: /HTTP 302/ },
      '/reset': { status: null, error: /^Connection closed before a response$/ },
      '/close': { status: null, error: /^Connection closed before a response$/ },
      '/slow-body': { status: 200, error: /^Timed out/ },
    };
    for (const [p, want] of Object.entries(expectations)) {
      const a = all.get(p)!;
      expect(a.outcome, p).toBe('failed');
      if (p !== '/slow-body') expect(a.status_code, p).toBe(want.status);
      expect(a.error ?? '', p).toMatch(want.error);
      expect(a.next_attempt, p).not.toBeNull();
    }
    // Test mode retries 10 minutes later, unless Retry-After asks for more (bounded by --retry-after-max).
    expect(all.get('/500')!.next_attempt! - all.get('/500')!.created).toBe(600);
    expect(all.get('/429')!.next_attempt! - all.get('/429')!.created).toBe(1800);
    expect(all.get('/503-retry-after')!.next_attempt! - all.get('/503-retry-after')!.created).toBe(
      3600,
    );
    expect(bad.hits.get('/ok') ?? 0).toBe(0);

    server.clock!.advance(10 * MIN);
    await eventually(
      async () => (await attemptsOf(endpoints.get('/500')!)).length === 2 || undefined,
      10_000,
      'the 500 retried',
    );
    expect(await attemptsOf(endpoints.get('/429')!)).toHaveLength(1);
    server.clock!.advance(20 * MIN);
    await eventually(
      async () => (await attemptsOf(endpoints.get('/429')!)).length === 2 || undefined,
      10_000,
      'the 429 retried after Retry-After',
    );
    for (const p of paths) await stripe.webhookEndpoints.del(endpoints.get(p)!);
  });

  it('a hanging receiver holds at most its endpoint’s concurrency and does not delay others', async () => {
    const hang = await stripe.webhookEndpoints.create({
      url: bad.url('/hang'),
      enabled_events: ['customer.created'],
    });
    const ok = await stripe.webhookEndpoints.create({
      url: bad.url('/healthy'),
      enabled_events: ['customer.created'],
    });
    const created: number[] = [];
    for (let i = 0; i < 12; i++) {
      created.push(Date.now());
      await stripe.customers.create({ name: `burst ${i}` });
    }
    await eventually(
      () => (bad.hits.get('/healthy') ?? 0) >= 12 || undefined,
      10_000,
      'the healthy endpoint got all 12',
    );
    // All 12 reached the healthy endpoint while the hanging one was stuck on its first four.
    expect(bad.lastAt.get('/healthy')! - created[11]!).toBeLessThan(1_000);
    expect(bad.maxOpen.get('/hang')).toBeLessThanOrEqual(4);
    expect(bad.maxOpen.get('/hang')).toBeGreaterThan(0);
    await stripe.webhookEndpoints.del(hang.id);
    await stripe.webhookEndpoints.del(ok.id);
  });
});
