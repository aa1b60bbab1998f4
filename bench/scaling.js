// `npm run bench:scaling`: how delivery throughput grows with worker processes on PostgreSQL.
//
// For each worker count (1, 2, 4 by default) on a fresh database of a throwaway PostgreSQL cluster:
//   1. one API process (`--roles api`) queues EVENTS customer.created events for ENDPOINTS endpoints
//      (every event goes to every endpoint), with no worker running;
//   2. N worker processes (`--roles worker`) start and drain the queue into a receiver that takes
//      100 ms to answer each request (a slow platform handler) and verifies every signature;
//   3. delivered/s = deliveries / (last arrival - first arrival).
// Each worker process has at most --worker-concurrency deliveries in flight, so one worker is bound
// by the receiver's latency, not by CPU: the figure shows whether workers add up (target: 4 workers
// at least 3.5 times 1).
// Then the CPU-bound run: the same worker counts, --fast-deliveries deliveries, a receiver that
// answers at once and workers with their default concurrency, so the figure is what the machine's
// cores can deliver (on a 2-core machine shared by the receiver, PostgreSQL and the API process,
// more workers cannot add much; the run says how much they add or cost).
//
//   npm run bench:scaling -- [--workers 1,2,4] [--deliveries 4000] [--endpoints 8]
//                            [--worker-concurrency 16] [--delay-ms 100] [--fast-deliveries 8000]
//                            [--db-url postgres://...]
// (--fast-deliveries 0 skips the CPU-bound run.)
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { availableParallelism, cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { fetch } from 'undici';
import { verifyHeader } from '@switchboard/sdk';
import { freePort, startCluster, stopCluster } from '../scripts/pg-cluster.mjs';
import { postgresPids } from './database.js';

const bin = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));
const KEY = 'sk_test_bench_scaling_0123';
const log = (line) => process.stderr.write(`bench:scaling: ${line}\n`);

function parseArgs(argv) {
  const a = {
    workers: [1, 2, 4],
    deliveries: 4_000,
    endpoints: 8,
    workerConcurrency: 16,
    delayMs: 100,
    fastDeliveries: 8_000,
    dbUrl: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (flag === '--workers') a.workers = value.split(',').map(Number);
    else if (flag === '--deliveries') a.deliveries = Number(value);
    else if (flag === '--endpoints') a.endpoints = Number(value);
    else if (flag === '--worker-concurrency') a.workerConcurrency = Number(value);
    else if (flag === '--delay-ms') a.delayMs = Number(value);
    else if (flag === '--fast-deliveries') a.fastDeliveries = Number(value);
    else if (flag === '--db-url') a.dbUrl = value;
    else {
      process.stderr.write(`bench:scaling: unknown option '${flag}' (see bench/scaling.js)\n`);
      process.exit(2);
    }
  }
  if (a.deliveries % a.endpoints !== 0) a.deliveries -= a.deliveries % a.endpoints;
  if (a.fastDeliveries % a.endpoints !== 0) a.fastDeliveries -= a.fastDeliveries % a.endpoints;
  return a;
}

/** User + system jiffies of a process, or 0 once it has exited. */
function ticks(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function machineBusy() {
  const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = v.map(Number);
  return user + nice + system + irq + softirq + steal;
}

/** CPU seconds used by each group of processes, and by the whole machine. */
function cpuSnapshot(groups) {
  const out = { machine: machineBusy() / 100 };
  for (const [name, pids] of Object.entries(groups))
    out[name] = pids.reduce((sum, pid) => sum + ticks(pid), 0) / 100;
  return out;
}

/**
 * The receiver: answers every request after `delayMs` (settable between runs; 0 answers at once),
 * verifying its signature.
 */
async function startReceiver(delayMs) {
  const secrets = new Map();
  const seen = new Set();
  const stats = {
    received: 0,
    duplicates: 0,
    rejected: 0,
    firstMs: 0,
    lastMs: 0,
    inFlight: 0,
    most: 0,
  };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      stats.inFlight++;
      stats.most = Math.max(stats.most, stats.inFlight);
      const answer = () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const secret = secrets.get(req.url);
        let ok = false;
        try {
          ok = Boolean(secret) && verifyHeader(body, req.headers['stripe-signature'], secret);
        } catch {
          ok = false;
        }
        stats.inFlight--;
        if (!ok) {
          stats.rejected++;
          res.writeHead(400).end();
          return;
        }
        const key = `${req.url} ${JSON.parse(body).id}`;
        const now = Date.now();
        stats.received++;
        if (seen.has(key)) stats.duplicates++;
        seen.add(key);
        if (stats.firstMs === 0) stats.firstMs = now;
        stats.lastMs = now;
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"received":true}');
      };
      if (receiver.delayMs > 0) setTimeout(answer, receiver.delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  const receiver = {
    delayMs,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    expect: (path, secret) => secrets.set(path, secret),
    unique: () => seen.size,
    stats,
    reset() {
      seen.clear();
      Object.assign(stats, {
        received: 0,
        duplicates: 0,
        rejected: 0,
        firstMs: 0,
        lastMs: 0,
        most: 0,
      });
    },
    close: () => new Promise((r) => server.close(r)),
  };
  return receiver;
}

/** `switchboard serve` as a process; resolves when its banner says it is ready. */
async function serve(args) {
  const child = spawn(process.execPath, [bin, 'serve', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  let out = '';
  let err = '';
  child.stderr.on('data', (c) => {
    err += c;
    process.stderr.write(`[switchboard] ${c}`);
  });
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (c) => {
      out += c;
      if (/ready/.test(out)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}):\n${err}`)));
  });
  child.stdout.resume();
  return {
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      process.off('exit', orphanGuard);
    },
  };
}

async function api(port, method, path, form) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${KEY}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: form ? new globalThis.URLSearchParams(form).toString() : undefined,
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** `run`: the deliveries, the receiver's delay and the workers' concurrency (null: their default). */
async function runOnce(a, run, adminUrl, clusterDir, receiver, workers) {
  const name = `bench_scaling_${workers}w_${Date.now()}`;
  receiver.delayMs = run.delayMs;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const common = ['--db', url.toString(), '--test-key', KEY, '--log-level', 'warn'];
  const port = await freePort();
  const procs = [];
  try {
    procs.push(await serve(['--roles', 'api', '--port', String(port), ...common]));
    for (let i = 0; i < a.endpoints; i++) {
      const path = `/${run.name}/w${workers}/e${i}`;
      const we = await api(port, 'POST', '/v1/webhook_endpoints', {
        url: receiver.url(path),
        'enabled_events[]': 'customer.created',
      });
      receiver.expect(path, we.secret);
    }
    const events = run.deliveries / a.endpoints;
    log(`${workers} worker(s): queueing ${events} events x ${a.endpoints} endpoints...`);
    for (let i = 0; i < events; i += 16) {
      await Promise.all(
        Array.from({ length: Math.min(16, events - i) }, (_, j) =>
          api(port, 'POST', '/v1/customers', { name: `Scaling ${i + j}` }),
        ),
      );
    }
    receiver.reset();
    log(`${workers} worker(s): draining ${run.deliveries} deliveries (${run.name})...`);
    const started = Date.now();
    const workerArgs = [
      ...['--roles', 'worker', ...common],
      ...(run.workerConcurrency ? ['--worker-concurrency', String(run.workerConcurrency)] : []),
    ];
    const pg0 = clusterDir ? postgresPids(clusterDir) : [];
    const before = cpuSnapshot({ api: [procs[0].pid], postgres: pg0, bench: [process.pid] });
    const spawned = await Promise.all(Array.from({ length: workers }, () => serve(workerArgs)));
    procs.push(...spawned);
    // Worker CPU from when they are ready: their start-up (~0.3 s each) is not delivery work.
    const workersReady = cpuSnapshot({ workers: spawned.map((p) => p.pid) }).workers;
    const deadline = Date.now() + 300_000;
    while (receiver.unique() < run.deliveries) {
      if (Date.now() > deadline) throw new Error(`only ${receiver.unique()} delivered in 300 s`);
      await sleep(50);
    }
    const after = cpuSnapshot({
      api: [procs[0].pid],
      postgres: [...new Set([...pg0, ...(clusterDir ? postgresPids(clusterDir) : [])])],
      bench: [process.pid],
      workers: spawned.map((p) => p.pid),
    });
    const wall = (Date.now() - started) / 1000;
    const cores = (name) => (after[name] - (before[name] ?? workersReady)) / wall;
    const cpu = {
      workers: cores('workers'),
      postgres: cores('postgres'),
      api: cores('api'),
      receiver: cores('bench'),
    };
    cpu.other = Math.max(0, cores('machine') - Object.values(cpu).reduce((x, y) => x + y, 0));
    const s = receiver.stats;
    if (s.rejected > 0) throw new Error(`${s.rejected} deliveries failed verification`);
    const seconds = (s.lastMs - s.firstMs) / 1000;
    return {
      workers,
      deliveries: receiver.unique(),
      duplicates: s.duplicates,
      seconds,
      perSecond: receiver.unique() / seconds,
      fromStartSeconds: (s.lastMs - started) / 1000,
      mostInFlight: s.most,
      cpu,
      workerCpuMsPerDelivery: ((after.workers - workersReady) * 1000) / receiver.unique(),
      postgresCpuMsPerDelivery: ((after.postgres - before.postgres) * 1000) / receiver.unique(),
    };
  } finally {
    for (const p of procs.reverse()) await p.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

/** The table of one run, in the shape of docs/benchmarks.md. */
function table(results) {
  const base = results[0].perSecond;
  return [
    '| worker processes | delivered/s | vs 1 worker | drain (first to last) | duplicates | CPU cores: workers / postgres / api / receiver / other | CPU ms per delivery: workers / postgres |',
    '| ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.workers} | ${r.perSecond.toFixed(0)} | ${(r.perSecond / base).toFixed(2)}x | ${r.seconds.toFixed(2)} s | ${r.duplicates} | ${[r.cpu.workers, r.cpu.postgres, r.cpu.api, r.cpu.receiver, r.cpu.other].map((c) => c.toFixed(2)).join(' / ')} | ${r.workerCpuMsPerDelivery.toFixed(2)} / ${r.postgresCpuMsPerDelivery.toFixed(2)} |`,
    ),
  ];
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const cluster = a.dbUrl ? null : await startCluster({ durable: true });
  const adminUrl = a.dbUrl ?? cluster.url;
  const receiver = await startReceiver(a.delayMs);
  const runs = [
    {
      name: 'latency-bound',
      deliveries: a.deliveries,
      delayMs: a.delayMs,
      workerConcurrency: a.workerConcurrency,
    },
    ...(a.fastDeliveries > 0
      ? [{ name: 'cpu-bound', deliveries: a.fastDeliveries, delayMs: 0, workerConcurrency: null }]
      : []),
  ];
  const results = {};
  try {
    for (const run of runs) {
      results[run.name] = [];
      for (const workers of a.workers)
        results[run.name].push(await runOnce(a, run, adminUrl, cluster?.dir, receiver, workers));
    }
  } finally {
    await receiver.close();
    if (cluster) stopCluster(cluster.dir);
  }
  const slow = results['latency-bound'];
  const most = slow[slow.length - 1];
  const lines = [
    '',
    `Scaling: ${a.deliveries} deliveries to ${a.endpoints} endpoints, receiver answers in ${a.delayMs} ms,`,
    `${a.workerConcurrency} deliveries in flight per worker process, one API process, PostgreSQL ${cluster ? '(throwaway cluster, durable settings)' : adminUrl.replace(/:[^:@/]*@/, ':***@')}`,
    `Machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}`,
    '',
    ...table(slow),
    '',
    `${most.workers} workers / 1: ${(most.perSecond / slow[0].perSecond).toFixed(2)}x (target with 4 workers: at least 3.5x)`,
  ];
  const fast = results['cpu-bound'];
  if (fast)
    lines.push(
      '',
      `CPU-bound: ${a.fastDeliveries} deliveries to ${a.endpoints} endpoints, receiver answers at once, workers at their default concurrency`,
      '',
      ...table(fast),
    );
  process.stdout.write(lines.join('\n') + '\n\n');
  process.stdout.write(
    JSON.stringify({
      scaling: slow,
      scaling_vs_1: Number((most.perSecond / slow[0].perSecond).toFixed(3)),
      ...(fast
        ? {
            cpu_bound: fast,
            cpu_bound_delivered_per_s: Object.fromEntries(
              fast.map((r) => [r.workers, Math.round(r.perSecond)]),
            ),
          }
        : {}),
      options: a,
    }) + '\n',
  );
}

main().catch((e) => {
  process.stderr.write(`bench:scaling failed: ${e.stack ?? e}\n`);
  process.exit(1);
});
