import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script shared with .ci/run and the benchmarks
import * as pgCluster from '../../../../scripts/pg-cluster.mjs';
import { backend, freshDatabase, type TestDatabase } from '../helpers/database.js';
import { freePort, spawnServer, spawnWorker, type ServerProcess } from '../helpers/process.js';
import { startTestServer } from '../helpers/server.js';

const KEY = 'sk_test_probes_0000000001';

async function probe(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

/** Polls `url` until it answers `status` (or fails after `ms`). */
async function until(url: string, status: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await fetch(url).then(
      (r) => r.status,
      () => 0,
    );
    if (got === status) return;
    if (Date.now() > deadline) throw new Error(`${url} answered ${got}, not ${status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('probes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-probes-'));
  const procs: Array<Omit<ServerProcess, 'url'>> = [];
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const p of procs) {
      if (p.child.exitCode === null) p.child.kill('SIGKILL');
      await p.exited;
    }
    for (const d of databases) await d.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are served on the API port without a key', async () => {
    const server = await startTestServer();
    try {
      expect(await probe(`${server.url}/healthz`)).toEqual({ status: 200, body: { status: 'ok' } });
      expect(await probe(`${server.url}/readyz`)).toEqual({
        status: 200,
        body: { status: 'ready', database: 'ok' },
      });
    } finally {
      await server.close();
    }
  });

  it.runIf(backend === 'sqlite')(
    'say unavailable once the SQLite file is deleted under the server, and writes fail instead of vanishing',
    async () => {
      const server = await startTestServer();
      try {
        const stripe = server.stripe();
        await stripe.customers.create({ name: 'before' });
        rmSync(server.db);
        await until(`${server.url}/readyz`, 503);
        expect(await probe(`${server.url}/readyz`)).toEqual({
          status: 503,
          body: { status: 'unavailable', database: 'file_missing' },
        });
        await expect(stripe.customers.create({ name: 'lost?' })).rejects.toMatchObject({
          statusCode: 500,
        });
        // Reads of what the process still holds keep working; liveness stays up.
        expect((await stripe.customers.list()).data.map((c) => c.name)).toEqual(['before']);
        expect((await probe(`${server.url}/healthz`)).status).toBe(200);
        expect(server.logs.some((l) => /database file .* (deleted|replaced)/.test(l))).toBe(true);
      } finally {
        await server.close();
      }
    },
  );

  it('are served by a worker process on its --metrics-port, its only port', async () => {
    const db = await freshDatabase(dir, 'worker');
    databases.push(db);
    const port = await freePort();
    const worker = await spawnWorker([
      ...['--db', db.url, '--test-key', KEY, '--metrics-port', String(port)],
      ...['--log-level', 'error'],
    ]);
    procs.push(worker);
    const base = `http://127.0.0.1:${port}`;
    expect(await probe(`${base}/healthz`)).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await probe(`${base}/readyz`)).toEqual({
      status: 200,
      body: { status: 'ready', database: 'ok' },
    });
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });

  it.runIf(backend === 'postgres')(
    'say unavailable while PostgreSQL is down, and ready once it is back',
    async () => {
      const cluster = (await pgCluster.startCluster()) as { url: string; dir: string };
      try {
        const port = await freePort();
        const api = await spawnServer([
          ...['--roles', 'api', '--port', String(port), '--db', cluster.url],
          ...['--test-key', KEY, '--log-level', 'error'],
        ]);
        procs.push(api);
        await until(`${api.url}/readyz`, 200);
        pgCluster.stopServer(cluster.dir);
        await until(`${api.url}/readyz`, 503);
        expect(await probe(`${api.url}/readyz`)).toEqual({
          status: 503,
          body: { status: 'unavailable', database: 'unreachable' },
        });
        // The process itself is alive: liveness stays 200, so it is not restarted for this.
        expect((await probe(`${api.url}/healthz`)).status).toBe(200);
        await pgCluster.restartCluster(cluster.dir);
        await until(`${api.url}/readyz`, 200, 20_000);
        expect(api.child.exitCode).toBeNull();
      } finally {
        pgCluster.stopCluster(cluster.dir);
      }
    },
    60_000,
  );
});
