import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script shared with .ci/run and the benchmarks
import { restartCluster, startCluster, stopCluster } from '../../../../scripts/pg-cluster.mjs';
import { backend, createPgDatabase } from '../helpers/database.js';
import { freePort, spawnServer, spawnWorker, type ServerProcess } from '../helpers/process.js';
import { Receiver } from '../helpers/receiver.js';

const KEY = 'sk_test_pg_restart_000001';

/**
 * PostgreSQL restarted mid-load (its own throwaway cluster: the shared one serves other files):
 * the API answers Stripe-style 500s while the database is away, API and worker processes reconnect
 * and carry on, and every event the API accepted is delivered.
 */
describe.runIf(backend === 'postgres')('PostgreSQL restarted under load', () => {
  let cluster: { url: string; dir: string };
  let receiver: Receiver;
  const procs: Array<Omit<ServerProcess, 'url'>> = [];

  beforeAll(async () => {
    cluster = (await startCluster()) as { url: string; dir: string };
    receiver = await new Receiver().start();
  }, 60_000);
  afterAll(async () => {
    for (const p of procs) {
      if (p.child.exitCode === null) p.child.kill('SIGKILL');
      await p.exited;
    }
    await receiver?.close();
    if (cluster) stopCluster(cluster.dir);
  });

  it('loses nothing accepted: API and workers reconnect and deliver everything', async () => {
    const db = await createPgDatabase(cluster.url);
    const port = await freePort();
    // A claim committed just as the connection was cut never reaches its worker: that delivery
    // waits for its lease to end. A short lease keeps the test short (the default is 60 s).
    const common = [
      ...['--db', db.url, '--test-key', KEY, '--log-level', 'error'],
      ...['--delivery-lease', '5s'],
    ];
    const api = await spawnServer(['--roles', 'api', '--port', String(port), ...common]);
    procs.push(api);
    procs.push(await spawnWorker(common), await spawnWorker(common));
    const stripe = new Stripe(KEY, {
      host: '127.0.0.1',
      port,
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    const we = await stripe.webhookEndpoints.create({
      url: receiver.url('/restart'),
      enabled_events: ['customer.created'],
    });
    receiver.expect('/restart', we.secret!);

    const accepted: Array<{ id: string; at: number }> = [];
    const failures: string[] = [];
    let stop = false;
    const load = async () => {
      while (!stop) {
        try {
          const c = await stripe.customers.create({ name: 'during restart' });
          accepted.push({ id: c.id, at: Date.now() });
        } catch (e) {
          const err = e as { statusCode?: number; raw?: { type?: string }; message?: string };
          failures.push(`${err.statusCode} ${err.raw?.type ?? err.message}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    // Counts, not time windows: the machine may be slow, but the API must carry on.
    const until = async (done: () => boolean, what: string) => {
      const deadline = Date.now() + 30_000;
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const loops = Array.from({ length: 4 }, load);
    await until(() => accepted.length > 20, '20 creates before the restart');
    const before = accepted.length;
    await restartCluster(cluster.dir);
    const restarted = Date.now();
    const afterRestart = () => accepted.filter((a) => a.at > restarted).length;
    await until(() => afterRestart() > 20, '20 creates after the restart');
    stop = true;
    await Promise.all(loops);

    const after = afterRestart();
    console.log(
      [...new Set(failures)].slice(0, 5),
      `restart under load: ${before} accepted before, ${after} after the restart, ${failures.length} refused while away`,
    );
    for (const p of procs) expect(p.child.exitCode, p.stderr.join('')).toBeNull();
    expect(before).toBeGreaterThan(20);
    expect(after).toBeGreaterThan(20);
    // While the database is away the API answers as Stripe does when it fails: 500 api_error.
    expect(failures.every((f) => f === '500 api_error')).toBe(true);

    const delivered = () =>
      new Set(
        receiver.at('/restart').map((r) => (r.event!.data as { object: { id: string } }).object.id),
      );
    await receiver.waitFor(
      () => accepted.every((a) => delivered().has(a.id)),
      30_000,
      'every accepted event',
    );
    expect(receiver.at('/restart').every((r) => r.verified)).toBe(true);
    for (const p of procs) expect(p.child.exitCode, p.stderr.join('')).toBeNull();
  }, 90_000);
});
