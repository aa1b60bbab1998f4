import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backend, createPgDatabase, type TestDatabase } from '../helpers/database.js';
import {
  cliBin,
  freePort,
  spawnServer,
  spawnWorker,
  type ServerProcess,
} from '../helpers/process.js';
import { Receiver } from '../helpers/receiver.js';

const KEY = 'sk_test_workers_e2e_00001';

type Proc = Omit<ServerProcess, 'url'>;

/**
 * Separate API and worker processes on one PostgreSQL database: workers share the queue without
 * taking a delivery twice, an endpoint's concurrency limit holds across them, a worker that dies
 * leaves claims another one retries once the lease ends, and listen sessions (whose websockets live
 * in the API process) are delivered by the API process, not canceled by workers.
 */
describe.runIf(backend === 'postgres')('API and worker processes on PostgreSQL', () => {
  let dir: string;
  let receiver: Receiver;
  const procs: Proc[] = [];
  const dbs: TestDatabase[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-workers-'));
    receiver = await new Receiver().start();
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await p.exited;
    }
    for (const db of dbs.splice(0)) await db.drop();
  });
  afterAll(async () => {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function deployment(extra: string[] = []) {
    const db = await createPgDatabase();
    dbs.push(db);
    const port = await freePort();
    const common = ['--db', db.url, '--test-key', KEY, '--log-level', 'warn', ...extra];
    const api = await spawnServer(['--roles', 'api', '--port', String(port), ...common]);
    procs.push(api);
    const stripe = new Stripe(KEY, { host: '127.0.0.1', port, protocol: 'http' });
    const worker = async (more: string[] = []) => {
      const w = await spawnWorker([...common, ...more]);
      procs.push(w);
      return w;
    };
    return { api, stripe, worker, db };
  }

  it('an api-only process queues; worker processes deliver each event once, an endpoint limit holding across them', async () => {
    const { stripe, worker } = await deployment(['--endpoint-concurrency', '3']);
    const we = await stripe.webhookEndpoints.create({
      url: receiver.url('/split'),
      enabled_events: ['customer.created'],
    });
    receiver.expect('/split', we.secret!);
    let active = 0;
    let most = 0;
    receiver.respond('/split', () => {
      active++;
      most = Math.max(most, active);
      setTimeout(() => active--, 100);
      return { status: 200, delayMs: 100 };
    });
    const created = await Promise.all(
      Array.from({ length: 40 }, (_, i) => stripe.customers.create({ name: `c${i}` })),
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.at('/split')).toHaveLength(0);

    await Promise.all([worker(), worker()]);
    await receiver.waitFor(() => receiver.at('/split').length >= 40, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    const got = receiver.at('/split');
    expect(got.every((r) => r.verified)).toBe(true);
    const objects = got.map((r) => (r.event!.data as { object: { id: string } }).object.id);
    expect(objects.sort()).toEqual(created.map((c) => c.id).sort());
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBe(3);
  });

  it('a worker killed mid-delivery leaves claims that another worker retries after the lease', async () => {
    const { stripe, worker } = await deployment(['--delivery-lease', '2s']);
    const we = await stripe.webhookEndpoints.create({
      url: receiver.url('/killed'),
      enabled_events: ['customer.created'],
    });
    receiver.expect('/killed', we.secret!);
    receiver.respond('/killed', () => ({ status: 200, delayMs: 1_500 }));
    const first = await worker();
    const created = await Promise.all(
      Array.from({ length: 5 }, (_, i) => stripe.customers.create({ name: `k${i}` })),
    );
    await receiver.waitFor(() => receiver.at('/killed').length >= 5, 10_000);
    // Every delivery is in flight (the receiver holds them 1.5 s): the worker dies now.
    first.child.kill('SIGKILL');
    await first.exited;
    const killedAt = Date.now();
    receiver.respond('/killed', () => ({ status: 200 }));
    await worker();
    const delivered = () =>
      new Set(
        receiver
          .at('/killed')
          .filter((r) => r.at > killedAt)
          .map((r) => (r.event!.data as { object: { id: string } }).object.id),
      );
    await receiver.waitFor(() => delivered().size === 5, 15_000, 'the retried deliveries');
    const retriedAt = Math.min(
      ...receiver
        .at('/killed')
        .filter((r) => r.at > killedAt)
        .map((r) => r.at),
    );
    // Not before the 2 s lease of the dead worker ended.
    expect(retriedAt - killedAt).toBeGreaterThanOrEqual(1_000);
    expect([...delivered()].sort()).toEqual(created.map((c) => c.id).sort());
    const events = await stripe.events.list({ type: 'customer.created', limit: 10 });
    await receiver.waitFor(() => true);
    expect(events.data).toHaveLength(5);
  });

  it('delivers to a listen session through the API process while worker processes deliver webhooks', async () => {
    const { api, stripe, worker } = await deployment();
    await worker();
    const listen = spawn(
      process.execPath,
      [
        cliBin,
        'listen',
        '--api-base',
        api.url,
        '--api-key',
        KEY,
        '-f',
        `127.0.0.1:${receiver.port}/listen-split`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const err: string[] = [];
    listen.stderr!.on('data', (d: Buffer) => err.push(d.toString()));
    const exited = new Promise((r) => listen.on('exit', r));
    try {
      const deadline = Date.now() + 15_000;
      let secret: string | undefined;
      while (!(secret = /signing secret is (whsec_\w+)/.exec(err.join(''))?.[1])) {
        if (Date.now() > deadline) throw new Error(`listen did not start: ${err.join('')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      receiver.expect('/listen-split', secret);
      const we = await stripe.webhookEndpoints.create({
        url: receiver.url('/hook-split'),
        enabled_events: ['customer.created'],
      });
      receiver.expect('/hook-split', we.secret!);
      const c = await stripe.customers.create({ name: 'to both' });
      const has = (path: string) =>
        receiver
          .at(path)
          .some(
            (r) => r.verified && (r.event?.data as { object: { id: string } }).object.id === c.id,
          );
      await receiver.waitFor(() => has('/listen-split') && has('/hook-split'), 15_000);
    } finally {
      listen.kill('SIGTERM');
      await exited;
    }
  });

  it('runs tasks the API process schedules in a worker process, woken when they are queued', async () => {
    // Charged funds become available 2 s later: a task the worker's task runner must run on time,
    // though it was asleep (nothing due) when the API process scheduled it.
    const { stripe, worker } = await deployment(['--funds-available-after', '2s']);
    await worker();
    await new Promise((r) => setTimeout(r, 300));
    const we = await stripe.webhookEndpoints.create({
      url: receiver.url('/tasks-split'),
      enabled_events: ['balance.available'],
    });
    receiver.expect('/tasks-split', we.secret!);
    const charged = Date.now();
    await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    await receiver.waitFor(() => receiver.at('/tasks-split').length >= 1, 10_000);
    const got = receiver.at('/tasks-split')[0]!;
    expect(got.verified).toBe(true);
    expect(got.at - charged).toBeGreaterThanOrEqual(1_900);
    expect(got.at - charged).toBeLessThan(6_000);
    const balance = await stripe.balance.retrieve();
    expect(balance.available[0]!.amount).toBeGreaterThan(0);
  });

  it('routes an event created through one API process to an endpoint made or disabled through another at once', async () => {
    // Each process keeps the endpoints it routed by (services/routing-cache.ts) for up to 1 s;
    // a change through another process reaches it by NOTIFY at that change's commit, well before.
    const { stripe, worker, db } = await deployment();
    await worker();
    const port = await freePort();
    const second = await spawnServer([
      ...['--roles', 'api', '--port', String(port), '--db', db.url],
      ...['--test-key', KEY, '--log-level', 'warn'],
    ]);
    procs.push(second);
    const other = new Stripe(KEY, { host: '127.0.0.1', port, protocol: 'http' });
    const pause = () => new Promise((r) => setTimeout(r, 150));
    // Routed with no endpoint: the second process now holds an empty list.
    await other.customers.create({ name: 'before' });
    const we = await stripe.webhookEndpoints.create({
      url: receiver.url('/routing-cache'),
      enabled_events: ['customer.created'],
    });
    receiver.expect('/routing-cache', we.secret!);
    await pause();
    const routed = await other.customers.create({ name: 'routed' });
    await receiver.waitFor(() => receiver.at('/routing-cache').length === 1, 10_000);
    const got = receiver.at('/routing-cache')[0]!;
    expect(got.verified).toBe(true);
    expect((got.event!.data as { object: { id: string } }).object.id).toBe(routed.id);

    await stripe.webhookEndpoints.update(we.id, { disabled: true });
    await pause();
    await other.customers.create({ name: 'after' });
    const events = await other.events.list({ type: 'customer.created', limit: 1 });
    expect(events.data[0]!.pending_webhooks).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.at('/routing-cache')).toHaveLength(1);
  });

  it('a worker process serves /metrics on --metrics-port', async () => {
    const { stripe, worker } = await deployment();
    const metricsPort = await freePort();
    await worker(['--metrics-port', String(metricsPort)]);
    const we = await stripe.webhookEndpoints.create({
      url: receiver.url('/metrics-split'),
      enabled_events: ['customer.created'],
    });
    receiver.expect('/metrics-split', we.secret!);
    await stripe.customers.create({ name: 'counted' });
    await receiver.waitFor(() => receiver.at('/metrics-split').length >= 1);
    let text = '';
    const deadline = Date.now() + 5_000;
    // The count rises when the attempt ends; the queue gauge once its outcome is written.
    while (
      !/switchboard_delivery_attempts_total\{outcome="delivered"\} 1\n/.test(text) ||
      !/\nswitchboard_deliveries_pending 0\n/.test(text)
    ) {
      if (Date.now() > deadline) throw new Error(`no delivered count in:\n${text}`);
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(res.headers.get('content-type')).toContain('text/plain');
      text = await res.text();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(text).toMatch(
      /switchboard_delivery_attempt_duration_seconds_count\{kind="webhook"\} 1\n/,
    );
    expect((await fetch(`http://127.0.0.1:${metricsPort}/v1/customers`)).status).toBe(404);
  });
});
