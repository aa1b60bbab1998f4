// `npm run bench`: measures Switchboard on this machine and prints a table, then one JSON line.
// Phases (docs/benchmarks.md says exactly what each one measures):
//   1. burst: an API-only server queues N customer.created events for one endpoint;
//   2. raw ceiling: signed POSTs straight to the receiver with the worker's own HTTP client;
//   3. PostgreSQL only: the baseline, the same deliveries queued and sent by graphile-worker;
//   4. drain: a full server (api + worker) starts on that database and delivers the queue;
//   5. API creates: concurrent form-encoded POST /v1/customers in a sandbox with no endpoints;
//   6. steady: customers created at a fixed rate (by default half the API creates/s of phase 5),
//      after a warm-up at that rate (reported apart),
//      latency from request to receiver done.
import { Buffer } from 'node:buffer';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { clearInterval, setInterval } from 'node:timers';
import { cpuSnapshot, cpuUsed } from './cpu.js';
import { apiClient, now, rawCeiling, runConcurrent, runPaced } from './load.js';
import { percentile, printReport } from './report.js';
import { perSecondAfterFirstSecond, startReceiver } from './receiver-process.js';
import { fillBaselineQueue, startBaselineWorker } from './baseline.js';
import { benchDatabase } from './database.js';
import { startServer } from './server.js';

const TEST_KEY = 'sk_test_bench_0123456789';
const LIVE_KEY = 'sk_live_bench_0123456789';
const RAW_SECRET = 'whsec_benchrawceiling0123456789abcdef';
const BASELINE_SECRET = 'whsec_benchbaseline0123456789abcdef';
/** The steady phase's rate by default: this share of the API creates/s the same run measured. */
const STEADY_SHARE = 0.5;

function parseArgs(argv) {
  const args = {
    quick: false,
    db: 'sqlite',
    keep: false,
    cpuProf: false,
    burst: null,
    warmup: null,
    steadyRate: 'auto',
    baseline: true,
    pgStats: false,
    nodeArgs: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--keep') args.keep = true;
    else if (a === '--cpu-prof') args.cpuProf = true;
    else if (a === '--burst') args.burst = Number(argv[++i]);
    else if (a === '--warmup') args.warmup = Number(argv[++i]);
    else if (a === '--steady-rate') args.steadyRate = argv[++i];
    else if (a === '--no-baseline') args.baseline = false;
    else if (a === '--pg-stats') args.pgStats = true;
    else if (a === '--node-arg') args.nodeArgs.push(argv[++i]);
    else if (a.startsWith('--node-arg=')) args.nodeArgs.push(a.slice(11));
    else if (a === '--db') args.db = argv[++i];
    else if (a.startsWith('--db=')) args.db = a.slice(5);
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: npm run bench -- [--quick] [--burst N] [--warmup N] [--steady-rate auto|N]\n' +
          '                          [--db sqlite|postgres|URL] [--no-baseline] [--pg-stats] [--keep]\n' +
          '                          [--cpu-prof] [--node-arg FLAG]...\n' +
          '  --quick     a short smoke run (5,000-event burst, 3 s phases)\n' +
          '  --burst N   events in the burst (default 50,000; 5,000 with --quick)\n' +
          '  --warmup N  events delivered ahead of the burst to warm the new server up, not counted\n' +
          '              (default 10,000; 1,000 with --quick; 0 measures the burst from a cold start)\n' +
          '  --steady-rate  creates/s in the steady phase: auto (default) is half the API creates/s\n' +
          '              the same run measured; a number is a fixed rate (1000 before 2026-12)\n' +
          '  --no-baseline  PostgreSQL: skip the graphile-worker baseline\n' +
          '  --pg-stats  PostgreSQL (throwaway cluster): count statements, round trips and commits\n' +
          '              per create and per delivery (pg_stat_statements; costs a little)\n' +
          '  --keep      keep the temporary directory (database, CPU profiles)\n' +
          '  --cpu-prof  write V8 CPU profiles of the server processes into that directory\n' +
          '  --node-arg  a node flag for the server processes, e.g. --node-arg=--heap-growing-percent=0\n',
      );
      process.exit(0);
    } else {
      process.stderr.write(`bench: unknown option '${a}' (see --help)\n`);
      process.exit(2);
    }
  }
  if (args.warmup !== null && !(Number.isInteger(args.warmup) && args.warmup >= 0)) {
    process.stderr.write('bench: --warmup needs a whole number (0 for none)\n');
    process.exit(2);
  }
  if (args.steadyRate !== 'auto') {
    args.steadyRate = Number(args.steadyRate);
    if (!(args.steadyRate > 0)) {
      process.stderr.write('bench: --steady-rate is auto or a positive number of creates/s\n');
      process.exit(2);
    }
  }
  if (args.burst !== null && !(Number.isInteger(args.burst) && args.burst > 0)) {
    process.stderr.write('bench: --burst needs a positive integer\n');
    process.exit(2);
  }
  if (args.db !== 'sqlite' && args.db !== 'postgres' && !/^postgres(ql)?:\/\//.test(args.db)) {
    process.stderr.write(
      `bench: --db is sqlite, postgres or a postgres:// URL, not '${args.db}'\n`,
    );
    process.exit(2);
  }
  return args;
}

async function waitForDeliveries(receiver, count, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await receiver.stats();
    if (stats.unique >= count) return stats;
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: ${stats.unique} of ${count} events arrived within ${timeoutMs / 1000} s`,
      );
    }
    await sleep(100);
  }
}

/**
 * Every delivered event is also recorded as delivered (outcomes are written in batches, so allow
 * them a moment): the API lists no event of the burst with an endpoint still pending.
 */
async function checkRecorded(api, count) {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const pending = await api.get('/v1/events?delivery_success=false&limit=1');
    if (pending.data.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `drain: all ${count} events arrived, but ${pending.data[0].id} is still recorded as pending`,
      );
    }
    await sleep(100);
  }
}

function checkReceiver(stats, what) {
  if (stats.rejected > 0) {
    throw new Error(
      `${what}: ${stats.rejected} requests failed verification: ${stats.rejections.join('; ')}`,
    );
  }
}

const log = (line) => process.stderr.write(`bench: ${line}\n`);

/** What PostgreSQL counted between two `database.counters()` (null without them). */
function countsBetween(before, after) {
  if (!before) return null;
  const minus = (k) => (after[k] === null ? null : after[k] - before[k]);
  return {
    commits: minus('commits'),
    statements: minus('statements'),
    roundTrips: minus('roundTrips'),
  };
}

/**
 * Runs a phase and adds to its result the cores each process (and the rest of the machine) used,
 * and what PostgreSQL counted meanwhile (`counters`, with --pg-stats).
 */
async function phase(pids, work, server, counters = null) {
  server?.takeWindowPeakMb();
  const pgBefore = counters ? await counters() : null;
  const before = cpuSnapshot(pids());
  const result = await work();
  const cpu = cpuUsed(before, cpuSnapshot(pids()));
  const rssMb = server?.takeWindowPeakMb();
  return { ...result, cpu, rssMb, pg: countsBetween(pgBefore, counters ? await counters() : null) };
}

/**
 * Runs a drain: `start()` starts the process that delivers the queue (whose CPU counts from its
 * start), then waits for `count` deliveries of the burst and `warmup` of the warm-up at the
 * receiver. Returns the receiver's stats, the process, its CPU, and PostgreSQL's counts.
 */
async function drainPhase({ receiver, pids, name, start, count, warmup, counters }) {
  receiver.reset();
  const pgBefore = counters ? await counters() : null;
  const before = cpuSnapshot(pids());
  const proc = await start();
  const stats = await waitForDeliveries(receiver, count, 300_000, name);
  if (stats.warmup.count !== warmup)
    throw new Error(`${name}: ${stats.warmup.count} of ${warmup} warm-up events arrived`);
  // The process was not running at the first snapshot: its whole CPU time counts.
  const cpu = cpuUsed({ ...before, procs: { ...before.procs, [name]: 0 } }, cpuSnapshot(pids()));
  checkReceiver(stats, name);
  return { stats, proc, cpu, pgBefore };
}

/** A drain's figures from the receiver's stats. */
function drainFigures(stats, cpu, pg) {
  const { warmup } = stats;
  return {
    count: stats.unique,
    // Every delivery made in the phase (CPU per delivery counts them all).
    deliveries: stats.unique + warmup.count,
    warmup: {
      count: warmup.count,
      seconds: warmup.count > 0 ? (warmup.lastMs - warmup.firstMs) / 1000 : 0,
    },
    duplicates: stats.duplicates,
    firstToLastSeconds: (stats.lastMs - stats.firstMs) / 1000,
    perSecond: stats.unique / ((stats.lastMs - stats.firstMs) / 1000),
    afterFirstSecondPerSecond: perSecondAfterFirstSecond(stats),
    firstQuarters: stats.quarters.slice(0, 4).map((n) => n ?? 0),
    bodyBytes: Math.round((stats.bytes - warmup.bytes) / (stats.received - warmup.count)),
    cpu,
    pg,
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const plan = args.quick
    ? {
        burst: 5_000,
        warmup: 1_000,
        rawSeconds: 3,
        steadySeconds: 3,
        steadyWarmupSeconds: 1,
        apiSeconds: 3,
      }
    : {
        burst: 50_000,
        warmup: 10_000,
        rawSeconds: 10,
        steadySeconds: 15,
        steadyWarmupSeconds: 3,
        apiSeconds: 10,
      };
  plan.steadyRate = args.steadyRate;
  if (args.burst) plan.burst = args.burst;
  if (args.warmup !== null) plan.warmup = args.warmup;
  // The worker's default per-endpoint concurrency (config/schema.ts): the raw client matches it.
  const endpointConcurrency = 32;
  const apiConcurrency = 32;
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
  // sqlite: a file in `dir`; postgres: a throwaway cluster (durable settings); or a given server.
  const database = await benchDatabase(args.db, dir, { statements: args.pgStats });
  const postgres = database.kind === 'postgres';
  const db = database.url;
  const counters = postgres && args.pgStats ? () => database.counters(db) : null;
  const nodeArgs = [
    ...(args.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', dir] : []),
    ...args.nodeArgs,
  ];
  const serverOptions = { db, testKey: TEST_KEY, liveKey: LIVE_KEY, nodeArgs };
  const receiver = await startReceiver();
  let server = null;
  let baseline = null;
  const pids = () => ({
    server: server?.pid ?? -1,
    ...(baseline ? { baseline: baseline.pid } : {}),
    receiver: receiver.pid,
    bench: process.pid,
    ...(postgres ? { postgres: database.pids() } : {}),
  });
  const results = {
    plan,
    machine: { cpus: availableParallelism(), cpu: cpus()[0]?.model ?? '?', node: process.version },
    database: database.describe,
    postgres,
  };
  try {
    results.clockOffsetMs = await receiver.clockOffsetMs();

    // 1. Burst: queue N events with no worker running, so the drain below starts from a full queue.
    server = await startServer({ ...serverOptions, roles: 'api' });
    let api = apiClient(server.url, TEST_KEY, apiConcurrency);
    const endpoint = await api.post('/v1/webhook_endpoints', {
      url: receiver.url('/webhook'),
      'enabled_events[]': 'customer.created',
    });
    receiver.configure({
      '/webhook': endpoint.secret,
      '/raw': RAW_SECRET,
      '/baseline': BASELINE_SECRET,
    });
    // The drain's server is a new process: deliveries queued ahead of the burst warm it up (V8
    // compiles the delivery path as it runs), as the raw ceiling's client is warm (this process
    // ran the same HTTP client for the burst). The receiver counts them apart.
    if (plan.warmup > 0) {
      log(`queueing ${plan.warmup} warm-up events ahead of the burst...`);
      const warmup = await runConcurrent({
        concurrency: apiConcurrency,
        total: plan.warmup,
        task: (i) =>
          api.post('/v1/customers', {
            name: `Warm-up ${i}`,
            email: `warmup${i}@example.com`,
            'metadata[bench_warmup]': '1',
          }),
      });
      if (warmup.failed > 0)
        throw new Error(`warm-up: ${warmup.failed} creates failed: ${warmup.firstError.message}`);
    }
    log(`queueing a burst of ${plan.burst} events (API only, worker off)...`);
    const burst = await phase(
      pids,
      () =>
        runConcurrent({
          concurrency: apiConcurrency,
          total: plan.burst,
          task: (i) =>
            api.post('/v1/customers', { name: `Burst ${i}`, email: `burst${i}@example.com` }),
        }),
      server,
      counters,
    );
    if (burst.failed > 0)
      throw new Error(`burst: ${burst.failed} creates failed: ${burst.firstError.message}`);
    results.burstCreates = {
      count: burst.ok,
      seconds: burst.seconds,
      perSecond: burst.ok / burst.seconds,
      cpu: burst.cpu,
      rssMb: burst.rssMb,
      pg: burst.pg,
    };
    const sample = (await api.get('/v1/events?limit=1')).data[0];
    await api.close();
    results.apiOnlyServer = await server.stop();
    server = null;

    // PostgreSQL: the baseline's queue, the same deliveries in graphile-worker's jobs table.
    let baselineUrl = null;
    if (postgres && args.baseline) {
      baselineUrl = await database.another('graphile_baseline');
      log(
        `baseline: queueing ${plan.warmup} + ${plan.burst} jobs with graphile-worker's addJobs...`,
      );
      const seconds = await fillBaselineQueue({
        url: baselineUrl,
        receiverUrl: receiver.url('/baseline'),
        sample,
        warmup: plan.warmup,
        burst: plan.burst,
      });
      results.baselineQueued = { seconds, perSecond: plan.burst / seconds };
    }

    // 2. Raw ceiling, with the server stopped: the most the client and this receiver can do.
    const body = JSON.stringify(sample, null, 2);
    log(`raw ceiling: ${plan.rawSeconds} s of signed POSTs, ${endpointConcurrency} in flight...`);
    receiver.reset();
    const raw = await phase(pids, () =>
      rawCeiling({
        url: receiver.url('/raw'),
        secret: RAW_SECRET,
        body,
        eventId: sample.id,
        connections: endpointConcurrency,
        seconds: plan.rawSeconds,
      }),
    );
    const rawStats = await receiver.stats();
    checkReceiver(rawStats, 'raw ceiling');
    if (raw.failed > 0)
      throw new Error(`raw ceiling: ${raw.failed} POSTs failed: ${JSON.stringify(raw.statuses)}`);
    if (rawStats.verified !== raw.ok)
      throw new Error(`raw ceiling: sent ${raw.ok}, receiver verified ${rawStats.verified}`);
    if (rawStats.unique !== raw.ok || rawStats.duplicates > 0)
      throw new Error(`raw ceiling: sent ${raw.ok} events, receiver counted ${rawStats.unique}`);
    results.raw = {
      count: raw.ok,
      seconds: raw.seconds,
      perSecond: raw.ok / raw.seconds,
      bodyBytes: Buffer.byteLength(body),
      cpu: raw.cpu,
    };

    // 3. The baseline drains its queue, as Switchboard's drain does next (no server running).
    if (baselineUrl) {
      log(`baseline: graphile-worker delivers ${plan.warmup} warm-up and ${plan.burst} jobs...`);
      const baselineCounters = args.pgStats ? () => database.counters(baselineUrl) : null;
      const run = await drainPhase({
        receiver,
        pids,
        name: 'baseline',
        start: async () =>
          (baseline = await startBaselineWorker({
            url: baselineUrl,
            secret: BASELINE_SECRET,
            concurrency: endpointConcurrency,
          })),
        count: plan.burst,
        warmup: plan.warmup,
        counters: baselineCounters,
      });
      await baseline.stop();
      baseline = null;
      const pg = countsBetween(run.pgBefore, baselineCounters && (await baselineCounters()));
      results.baseline = drainFigures(run.stats, run.cpu, pg);
    }

    // 4. Drain: a full server starts on the database holding the queued burst.
    log(`draining ${plan.warmup} warm-up and ${plan.burst} queued deliveries...`);
    const drain = await drainPhase({
      receiver,
      pids,
      name: 'server',
      start: async () => (server = await startServer({ ...serverOptions, roles: 'api,worker' })),
      count: plan.burst,
      warmup: plan.warmup,
      counters,
    });
    api = apiClient(server.url, TEST_KEY, 4);
    await checkRecorded(api, plan.burst);
    await api.close();
    results.drain = {
      ...drainFigures(
        drain.stats,
        drain.cpu,
        countsBetween(drain.pgBefore, counters && (await counters())),
      ),
      fromStartSeconds: (drain.stats.lastMs - results.clockOffsetMs - server.startedMs) / 1000,
      rssMb: server.takeWindowPeakMb(),
    };

    // 5. API creates: a sandbox has no endpoints, so these measure the API and its writes alone.
    const admin = apiClient(server.url, TEST_KEY, 1);
    const sandbox = await admin.post('/v1/switchboard/sandboxes', { name: 'bench' });
    await admin.close();
    api = apiClient(server.url, sandbox.secret_key, apiConcurrency);
    log(`API creates: ${plan.apiSeconds} s, ${apiConcurrency} in flight...`);
    const creates = await phase(
      pids,
      () =>
        runConcurrent({
          concurrency: apiConcurrency,
          seconds: plan.apiSeconds,
          task: (i) =>
            api.post('/v1/customers', { name: `Api ${i}`, email: `api${i}@example.com` }),
        }),
      server,
      counters,
    );
    if (creates.failed > 0)
      throw new Error(`API creates: ${creates.failed} failed: ${creates.firstError.message}`);
    results.apiCreates = {
      count: creates.ok,
      seconds: creates.seconds,
      perSecond: creates.ok / creates.seconds,
      cpu: creates.cpu,
      rssMb: creates.rssMb,
      pg: creates.pg,
    };
    await api.close();

    // 6. Steady rate: open-model arrivals; latency runs from when a create was due to when the
    // receiver had verified the event, so neither a late client nor a slow API hides any time.
    // By default at half what this machine just did: a fixed rate measures the machine as much.
    const rate =
      plan.steadyRate === 'auto'
        ? Math.max(1, Math.round(STEADY_SHARE * results.apiCreates.perSecond))
        : plan.steadyRate;
    api = apiClient(server.url, TEST_KEY, 256);
    // Creates at `rate` for `seconds`, until each is delivered: the API's answer times (from
    // when each create was due) and the delivery latencies (to when the receiver had verified
    // the event), sorted.
    const paced = async (seconds, label) => {
      receiver.reset();
      const answers = [];
      const run = await runPaced({
        rate,
        seconds,
        task: async (i, scheduledMs) => {
          await api.post('/v1/customers', {
            name: `Steady ${i}`,
            'metadata[bench_t]': scheduledMs.toFixed(3),
          });
          answers.push(now() - scheduledMs);
        },
      });
      if (run.failed > 0)
        throw new Error(`${label}: ${run.failed} creates failed: ${run.firstError.message}`);
      await waitForDeliveries(receiver, run.ok, 60_000, label);
      const stats = await receiver.stats(true);
      checkReceiver(stats, label);
      const sorted = (values) => values.sort((a, b) => a - b);
      return {
        run,
        stats,
        answers: sorted(answers),
        latencies: sorted(stats.latencies.map((l) => l - results.clockOffsetMs)),
      };
    };
    // The steady state: this process has not yet run a create that queues a delivery, nor
    // claimed deliveries one at a time (the drain claimed batches, the API creates had no
    // endpoint). Their first run is slow (code not yet optimized, statements not yet prepared,
    // new connections): a warm-up at the same rate, reported apart, not counted.
    log(`steady: warm-up, ${rate} creates/s for ${plan.steadyWarmupSeconds} s...`);
    const warm = await paced(plan.steadyWarmupSeconds, 'steady warm-up');
    log(`steady: ${rate} creates/s for ${plan.steadySeconds} s...`);
    // How late the server's event loop ran (its /metrics, scraped every second).
    const lag = eventLoopLag(server.url);
    // The phase lasts until the last event is delivered: its CPU and PostgreSQL's counts are
    // those of a create and its delivery, one at a time (not a burst's batches).
    let measured;
    const steady = await phase(
      pids,
      async () => {
        measured = await paced(plan.steadySeconds, 'steady');
        return measured.run;
      },
      server,
      counters,
    );
    const lagMaxMs = await lag.stop();
    const { answers, latencies, stats: steadyStats } = measured;
    results.steady = {
      count: steady.ok,
      rate,
      auto: plan.steadyRate === 'auto',
      cpu: steady.cpu,
      rssMb: steady.rssMb,
      maxClientLagMs: steady.maxLagMs,
      p50: percentile(latencies, 0.5),
      p90: percentile(latencies, 0.9),
      p99: percentile(latencies, 0.99),
      max: latencies[latencies.length - 1],
      answerP50: percentile(answers, 0.5),
      answerP99: percentile(answers, 0.99),
      eventLoopLagMaxMs: lagMaxMs,
      warmup: {
        count: warm.run.ok,
        p99: percentile(warm.latencies, 0.99),
        max: warm.latencies[warm.latencies.length - 1],
      },
      duplicates: steadyStats.duplicates,
      pg: steady.pg,
    };
    await api.close();
    results.fullServer = await server.stop();
    server = null;
  } finally {
    if (server) await server.stop().catch(() => undefined);
    if (baseline) await baseline.stop().catch(() => undefined);
    receiver.close();
    await database.stop().catch((e) => log(`could not stop the database: ${e.message}`));
    if (!args.keep) rmSync(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  }
  printReport(results);
}

/**
 * Scrapes the server's event-loop lag (nodejs_eventloop_lag_max_seconds, since the previous
 * scrape) every second; `stop()` resolves with the largest, in ms (null if none was read).
 */
function eventLoopLag(url) {
  let max = null;
  const scrape = async () => {
    try {
      const text = await (await fetch(`${url}/metrics`)).text();
      const value = /^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text)?.[1];
      if (value !== undefined) max = Math.max(max ?? 0, Number(value) * 1000);
    } catch {
      // A missed scrape only leaves a second out.
    }
  };
  // The first scrape resets the server's window: what came before the phase is not counted.
  let scraping = scrape().then(() => (max = null));
  const timer = setInterval(() => (scraping = scraping.then(scrape)), 1_000);
  return {
    async stop() {
      clearInterval(timer);
      await scraping;
      await scrape();
      return max;
    },
  };
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${e.stack ?? e}\n`);
  process.exit(1);
});
