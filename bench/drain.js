// `npm run bench:drain`: the drain phase of `npm run bench` alone, repeated, for trying changes to
// the delivery path. The first run queues N customer.created events for one endpoint into a
// fixture database (API-only server, worker off) and keeps it; each run drains a copy of it with a
// full server into the verifying receiver, then prints one JSON line: delivered/s (first to last
// delivery, as the bench counts it), server and receiver CPU per delivery, the server's peak RSS,
// and the CPU of each server thread with more than 50 ms.
//
// `--db postgres`: the fixture is a database on a throwaway cluster (durable settings) that lives
// as long as the command, copied for each run (CREATE DATABASE ... TEMPLATE); the lines add
// PostgreSQL's CPU per delivery and, with `--pg-stats`, round trips, statements and commits per
// delivery and the statements that took PostgreSQL the most time. `--baseline` alternates each run
// with one of the graphile-worker baseline (bench/baseline.js) draining the same deliveries.
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { startCluster, stopCluster } from '../scripts/pg-cluster.mjs';
import { fillBaselineQueue, startBaselineWorker } from './baseline.js';
import { postgresPids } from './database.js';
import { apiClient, runConcurrent } from './load.js';
import { perSecondAfterFirstSecond, startReceiver } from './receiver-process.js';
import { startServer } from './server.js';

const TEST_KEY = 'sk_test_bench_0123456789';
const LIVE_KEY = 'sk_live_bench_0123456789';
const BASELINE_SECRET = 'whsec_benchbaseline0123456789abcdef';

function parseArgs(argv) {
  const args = {
    events: 50_000,
    runs: 3,
    port: 18555,
    db: 'sqlite',
    baseline: false,
    pgStats: false,
    cpuProf: null,
    nodeArgs: [],
    serverArgs: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--events') args.events = Number(argv[++i]);
    else if (a === '--runs') args.runs = Number(argv[++i]);
    else if (a === '--port') args.port = Number(argv[++i]);
    else if (a === '--db') args.db = argv[++i];
    else if (a === '--baseline') args.baseline = true;
    else if (a === '--pg-stats') args.pgStats = true;
    else if (a === '--cpu-prof') args.cpuProf = argv[++i];
    else if (a === '--node-arg') args.nodeArgs.push(argv[++i]);
    else if (a.startsWith('--node-arg=')) args.nodeArgs.push(a.slice(11));
    else if (a === '--') {
      args.serverArgs = argv.slice(i + 1);
      break;
    } else {
      process.stderr.write(
        'usage: npm run bench:drain -- [--events N] [--runs K] [--port P] [--db sqlite|postgres]\n' +
          '                              [--baseline] [--pg-stats] [-- serve options]\n' +
          '  --events N  queued deliveries (default 50,000); the SQLite fixture is kept per N and port\n' +
          '  --runs K    drains of a fresh copy of the fixture (default 3)\n' +
          '  --port P    the receiver port the fixture endpoint points at (default 18555)\n' +
          '  --db postgres  on a throwaway PostgreSQL cluster (the fixture lives as long as the command)\n' +
          '  --baseline  PostgreSQL: each run is followed by one of the graphile-worker baseline\n' +
          '  --pg-stats  PostgreSQL: round trips, statements, commits and the costliest statements\n' +
          '  --cpu-prof DIR  write V8 CPU profiles of the draining server (every thread) to DIR\n' +
          '  --node-arg FLAG a node flag for the draining server, e.g. --node-arg=--no-opt\n' +
          '  after --    options for `switchboard serve`, e.g. -- --sender-thread off\n',
      );
      process.exit(a === '--help' || a === '-h' ? 0 : 2);
    }
  }
  if (args.db !== 'sqlite' && args.db !== 'postgres') {
    process.stderr.write(`drain: --db is sqlite or postgres, not '${args.db}'\n`);
    process.exit(2);
  }
  if ((args.baseline || args.pgStats) && args.db !== 'postgres') {
    process.stderr.write('drain: --baseline and --pg-stats need --db postgres\n');
    process.exit(2);
  }
  return args;
}

/** CPU ms (user + system) of a process or thread, from /proc. */
function cpuMs(path) {
  try {
    const fields = readFileSync(`/proc/${path}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** CPU ms of each process in `pids`, by pid (one that starts later counts from zero). */
function cpuMsOf(pids) {
  return new Map(pids.map((pid) => [pid, cpuMs(pid)]));
}

function cpuMsSince(before, pids) {
  let sum = 0;
  for (const [pid, ms] of cpuMsOf(pids)) sum += ms - (before.get(pid) ?? 0);
  return sum;
}

function threadsCpu(pid) {
  const out = {};
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      out[`${name}:${tid}`] = cpuMs(`${pid}/task/${tid}`);
    }
  } catch {
    // The process is gone.
  }
  return out;
}

/** Queues the fixture's events through an API-only server on `db`; returns the endpoint's secret. */
async function queueFixture(db, args) {
  process.stderr.write(`drain: queueing ${args.events} events...\n`);
  const server = await startServer({ db, testKey: TEST_KEY, liveKey: LIVE_KEY, roles: 'api' });
  const api = apiClient(server.url, TEST_KEY, 32);
  const endpoint = await api.post('/v1/webhook_endpoints', {
    url: `http://127.0.0.1:${args.port}/webhook`,
    'enabled_events[]': 'customer.created',
  });
  await runConcurrent({
    concurrency: 32,
    total: args.events,
    task: (i) => api.post('/v1/customers', { name: `Drain ${i}`, email: `d${i}@example.com` }),
  });
  const sample = (await api.get('/v1/events?limit=1')).data[0];
  await api.close();
  await server.stop();
  return { secret: endpoint.secret, sample };
}

/** The SQLite fixture, kept in the temporary directory per size and port; a copy per run. */
async function sqliteFixture(args) {
  const fixture = join(tmpdir(), `switchboard-drain-${args.events}-${args.port}`);
  if (!existsSync(join(fixture, 'secret'))) {
    mkdirSync(fixture, { recursive: true });
    const { secret } = await queueFixture(join(fixture, 'bench.db'), args);
    writeFileSync(join(fixture, 'secret'), secret);
  }
  return {
    secret: readFileSync(join(fixture, 'secret'), 'utf8'),
    pids: () => [],
    async copy() {
      const dir = mkdtempSync(join(tmpdir(), 'switchboard-drain-run-'));
      for (const f of readdirSync(fixture)) cpSync(join(fixture, f), join(dir, f));
      return { db: join(dir, 'bench.db'), drop: async () => rmSync(dir, { recursive: true }) };
    },
    stop: async () => {},
  };
}

/**
 * The PostgreSQL fixture: a cluster for this command, a database holding the queued deliveries
 * (and with --baseline one holding graphile-worker's jobs), copied for each run.
 */
async function postgresFixture(args, receiverUrl) {
  const cluster = await startCluster({
    durable: true,
    settings: args.pgStats
      ? ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track=all']
      : [],
  });
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  if (args.pgStats) await admin.query('CREATE EXTENSION pg_stat_statements');
  const urlOf = (name) => {
    const url = new URL(cluster.url);
    url.pathname = `/${name}`;
    return url.toString();
  };
  await admin.query('CREATE DATABASE drain_fixture');
  const { secret, sample } = await queueFixture(urlOf('drain_fixture'), args);
  if (args.baseline) {
    await admin.query('CREATE DATABASE baseline_fixture');
    process.stderr.write(`drain: queueing ${args.events} baseline jobs...\n`);
    await fillBaselineQueue({
      url: urlOf('baseline_fixture'),
      receiverUrl,
      sample,
      warmup: 0,
      burst: args.events,
    });
  }
  let copies = 0;
  return {
    secret,
    pids: () => postgresPids(cluster.dir),
    /** Round trips, statements and commits so far in database `name`, and its costliest statements. */
    async counters(name) {
      // Backends report commits up to a second late.
      await sleep(1_500);
      const commits = await admin.query(
        'SELECT xact_commit::bigint AS n FROM pg_stat_database WHERE datname = $1',
        [name],
      );
      const out = { commits: Number(commits.rows[0].n) };
      if (!args.pgStats) return out;
      const s = await admin.query(
        `SELECT s.query, s.calls::bigint AS calls, s.toplevel, s.total_exec_time AS ms, s.rows::bigint AS rows
         FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1
         ORDER BY s.total_exec_time DESC`,
        [name],
      );
      out.statements = s.rows.reduce((n, r) => n + Number(r.calls), 0);
      out.roundTrips = s.rows.filter((r) => r.toplevel).reduce((n, r) => n + Number(r.calls), 0);
      out.top = s.rows.slice(0, 6).map((r) => ({
        ms: Math.round(r.ms),
        calls: Number(r.calls),
        rows: Number(r.rows),
        query: r.query.replace(/\s+/g, ' ').slice(0, 120),
      }));
      return out;
    },
    async copy(template = 'drain_fixture') {
      const name = `drain_run_${++copies}`;
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
      return {
        name,
        db: urlOf(name),
        drop: () => admin.query(`DROP DATABASE ${name} WITH (FORCE)`),
      };
    },
    async stop() {
      await admin.end();
      stopCluster(cluster.dir);
    },
  };
}

/** Waits for `count` deliveries at the receiver; returns its stats and the process's threads. */
async function waitFor(receiver, count, pid) {
  for (;;) {
    const stats = await receiver.stats();
    const threads = threadsCpu(pid);
    if (stats.unique >= count) return { stats, threads };
    await sleep(50);
  }
}

/** One drain of a copy of the fixture by `start()` (a server, or the baseline's worker). */
async function drainOnce({ kind, args, fixture, receiver, start, template }) {
  const copy = await fixture.copy(template);
  try {
    receiver.reset();
    const receiverBefore = cpuMs(receiver.pid);
    const pgBefore = cpuMsOf(fixture.pids());
    const proc = await start(copy.db);
    const { stats, threads } = await waitFor(receiver, args.events, proc.pid);
    const procMs = cpuMs(proc.pid);
    const pgMs = cpuMsSince(pgBefore, fixture.pids());
    const receiverMs = cpuMs(receiver.pid) - receiverBefore;
    const { peakRssMb } = (await proc.stop()) ?? {};
    const counts = fixture.counters ? await fixture.counters(copy.name) : null;
    const seconds = (stats.lastMs - stats.firstMs) / 1000;
    const per = (x) => (x / args.events).toFixed(2);
    const line = {
      kind,
      delivered: stats.unique,
      duplicates: stats.duplicates,
      rejected: stats.rejected,
      per_s: Math.round(stats.unique / seconds),
      per_s_after_1s: Math.round(perSecondAfterFirstSecond(stats) ?? NaN),
      [kind === 'baseline' ? 'baseline_cpu_us' : 'server_cpu_us']: Math.round(
        (procMs * 1000) / args.events,
      ),
      receiver_cpu_us: Math.round((receiverMs * 1000) / args.events),
      ...(args.db === 'postgres'
        ? { postgres_cpu_us: Math.round((pgMs * 1000) / args.events) }
        : {}),
      ...(counts
        ? {
            // (Of the whole run, start-up included, in a database new for the run.)
            commits: per(counts.commits),
            ...(counts.statements !== undefined
              ? {
                  round_trips: per(counts.roundTrips),
                  statements: per(counts.statements),
                  top: counts.top,
                }
              : {}),
          }
        : {}),
      ...(peakRssMb ? { peak_rss_mb: Math.round(peakRssMb) } : {}),
      threads_cpu_ms: Object.entries(threads)
        .filter(([, ms]) => ms > 50)
        .map(([name, ms]) => `${name}=${ms}`)
        .join(' '),
    };
    process.stdout.write(JSON.stringify(line) + '\n');
    if (stats.rejected > 0) throw new Error(`${stats.rejected} deliveries failed verification`);
  } finally {
    await copy.drop();
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const receiver = await startReceiver({ port: args.port });
  const fixture =
    args.db === 'postgres'
      ? await postgresFixture(args, `http://127.0.0.1:${args.port}/baseline`)
      : await sqliteFixture(args);
  try {
    receiver.configure({ '/webhook': fixture.secret, '/baseline': BASELINE_SECRET });
    for (let run = 0; run < args.runs; run++) {
      await drainOnce({
        kind: 'switchboard',
        args,
        fixture,
        receiver,
        start: (db) =>
          startServer({
            db,
            testKey: TEST_KEY,
            liveKey: LIVE_KEY,
            roles: 'api,worker',
            extraArgs: args.serverArgs,
            nodeArgs: [
              ...(args.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', args.cpuProf] : []),
              ...args.nodeArgs,
            ],
          }),
      });
      if (args.baseline) {
        await drainOnce({
          kind: 'baseline',
          args,
          fixture,
          receiver,
          template: 'baseline_fixture',
          start: (db) => startBaselineWorker({ url: db, secret: BASELINE_SECRET, concurrency: 32 }),
        });
      }
    }
  } finally {
    receiver.close();
    await fixture.stop();
  }
}

main().catch((e) => {
  process.stderr.write(`drain failed: ${e.stack ?? e}\n`);
  process.exit(1);
});
