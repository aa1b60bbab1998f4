// `npm run bench:compare`: API creates on SQLite and on PostgreSQL, back to back in one run, so
// that their ratio is measured on the same machine in the same minutes (issue 23, target 2:
// PostgreSQL at least 0.6 of SQLite). Prints a table, then one JSON line with
// `pg_vs_sqlite_creates` and the raw ceiling measured in the same run.
//
// Each round starts a full server (`--roles api,worker`) on a fresh database, warms it up with
// creates it does not count, then measures `POST /v1/customers` with 32 in flight, each with an
// Idempotency-Key and the headers stripe-node sends, in a sandbox with no endpoints: the API
// creates phase of `npm run bench`. Rounds alternate SQLite and PostgreSQL (the machine's load
// moves within minutes; alternating spreads it over both), and the ratio is of the sums.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSnapshot, cpuUsed } from './cpu.js';
import { benchDatabase } from './database.js';
import { apiClient, rawCeiling, runConcurrent } from './load.js';
import { startReceiver } from './receiver-process.js';
import { startServer } from './server.js';

const TEST_KEY = 'sk_test_bench_0123456789';
const LIVE_KEY = 'sk_live_bench_0123456789';
const RAW_SECRET = 'whsec_benchrawceiling0123456789abcdef';
const CONCURRENCY = 32;

function parseArgs(argv) {
  const args = { seconds: 10, warmupSeconds: 3, rounds: 2, rawSeconds: 5, pgStats: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const number = () => {
      const n = Number(argv[++i]);
      if (!(n > 0)) {
        process.stderr.write(`compare: ${a} needs a positive number\n`);
        process.exit(2);
      }
      return n;
    };
    if (a === '--seconds') args.seconds = number();
    else if (a === '--warmup-seconds') args.warmupSeconds = number();
    else if (a === '--rounds') args.rounds = Math.round(number());
    else if (a === '--raw-seconds') args.rawSeconds = number();
    else if (a === '--pg-stats') args.pgStats = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: npm run bench:compare -- [--seconds N] [--warmup-seconds N] [--rounds N]\n' +
          '                                 [--raw-seconds N] [--pg-stats]\n' +
          '  --seconds N         measured seconds of API creates per round (default 10)\n' +
          '  --warmup-seconds N  creates not counted before each round (default 3)\n' +
          '  --rounds N          rounds per backend, alternating SQLite and PostgreSQL (default 2)\n' +
          '  --raw-seconds N     seconds of the raw ceiling, after round 1 (default 5)\n' +
          '  --pg-stats          PostgreSQL: round trips, statements, commits per create\n',
      );
      process.exit(0);
    } else {
      process.stderr.write(`compare: unknown option '${a}' (see --help)\n`);
      process.exit(2);
    }
  }
  return args;
}

const log = (line) => process.stderr.write(`compare: ${line}\n`);

/** One round on one backend: a fresh database and server, warm-up, then the measured creates. */
async function round(kind, args, dir, n) {
  const roundDir = join(dir, `${kind}-${n}`);
  mkdirSync(roundDir);
  const database = await benchDatabase(kind, roundDir, { statements: args.pgStats });
  let server = null;
  try {
    server = await startServer({
      db: database.url,
      testKey: TEST_KEY,
      liveKey: LIVE_KEY,
      roles: 'api,worker',
    });
    const admin = apiClient(server.url, TEST_KEY, 1);
    const sandbox = await admin.post('/v1/switchboard/sandboxes', { name: 'compare' });
    await admin.close();
    const api = apiClient(server.url, sandbox.secret_key, CONCURRENCY);
    const create = (what) => (i) =>
      api.post('/v1/customers', { name: `${what} ${i}`, email: `${what}${i}@example.com` });
    const warm = await runConcurrent({
      concurrency: CONCURRENCY,
      seconds: args.warmupSeconds,
      task: create('warm'),
    });
    if (warm.failed > 0) throw new Error(`${kind} warm-up: ${warm.firstError.message}`);
    const postgres = database.kind === 'postgres';
    const pids = () => ({
      server: server.pid,
      bench: process.pid,
      ...(postgres ? { postgres: database.pids() } : {}),
    });
    const counters = postgres && args.pgStats ? () => database.counters(database.url) : null;
    const pgBefore = counters ? await counters() : null;
    const before = cpuSnapshot(pids());
    const run = await runConcurrent({
      concurrency: CONCURRENCY,
      seconds: args.seconds,
      task: create('api'),
    });
    const cpu = cpuUsed(before, cpuSnapshot(pids()));
    const pgAfter = counters ? await counters() : null;
    if (run.failed > 0)
      throw new Error(`${kind}: ${run.failed} creates failed: ${run.firstError.message}`);
    const sample = (await api.get('/v1/events?limit=1')).data[0];
    await api.close();
    const perCreate = (v) => (v === null ? null : v / run.ok);
    return {
      kind,
      count: run.ok,
      perSecond: run.ok / run.seconds,
      cpu,
      serverUsPerCreate: ((cpu.server * cpu.seconds) / run.ok) * 1e6,
      postgresUsPerCreate: postgres ? ((cpu.postgres * cpu.seconds) / run.ok) * 1e6 : null,
      pg: pgBefore
        ? {
            roundTrips: perCreate(pgAfter.roundTrips - pgBefore.roundTrips),
            statements: perCreate(pgAfter.statements - pgBefore.statements),
            commits: perCreate(pgAfter.commits - pgBefore.commits),
          }
        : null,
      sample,
    };
  } finally {
    if (server) await server.stop().catch((e) => log(`server stop: ${e.message}`));
    await database.stop().catch((e) => log(`could not stop the database: ${e.message}`));
  }
}

const cores = (cpu) =>
  ['server', 'postgres', 'receiver', 'bench', 'other']
    .filter((k) => cpu[k] !== undefined)
    .map((k) => `${k} ${cpu[k].toFixed(2)}`)
    .join('  ');

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-compare-'));
  const receiver = await startReceiver();
  const rounds = [];
  let raw = null;
  try {
    for (let n = 0; n < args.rounds; n++) {
      for (const kind of ['sqlite', 'postgres']) {
        log(`round ${n + 1}: ${kind}, ${args.seconds} s of creates, ${CONCURRENCY} in flight...`);
        const r = await round(kind, args, dir, n);
        rounds.push(r);
        log(`  ${Math.round(r.perSecond)} creates/s  (cores: ${cores(r.cpu)})`);
      }
      if (n === 0) raw = await rawPhase(receiver, rounds[0].sample, args.rawSeconds);
    }
  } finally {
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
  report(args, rounds, raw);
}

/** The raw ceiling (as `npm run bench` measures it), between the first two rounds and the rest. */
async function rawPhase(receiver, sample, seconds) {
  log(`raw ceiling: ${seconds} s of signed POSTs, 32 in flight...`);
  receiver.configure({ '/raw': RAW_SECRET });
  receiver.reset();
  const before = cpuSnapshot({ receiver: receiver.pid, bench: process.pid });
  const run = await rawCeiling({
    url: receiver.url('/raw'),
    secret: RAW_SECRET,
    body: JSON.stringify(sample, null, 2),
    eventId: sample.id,
    connections: 32,
    seconds,
  });
  const cpu = cpuUsed(before, cpuSnapshot({ receiver: receiver.pid, bench: process.pid }));
  const stats = await receiver.stats();
  if (run.failed > 0 || stats.rejected > 0 || stats.verified !== run.ok)
    throw new Error(
      `raw ceiling: sent ${run.ok}, failed ${run.failed}, verified ${stats.verified}`,
    );
  return { perSecond: run.ok / run.seconds, cpu };
}

function report(args, rounds, raw) {
  const sum = (kind, f) => rounds.filter((r) => r.kind === kind).reduce((s, r) => s + f(r), 0);
  const perSecond = (kind) => sum(kind, (r) => r.count) / sum(kind, (r) => r.count / r.perSecond);
  const sqlite = perSecond('sqlite');
  const postgres = perSecond('postgres');
  const pgRounds = rounds.filter((r) => r.kind === 'postgres');
  const mean = (f) => pgRounds.reduce((s, r) => s + f(r), 0) / pgRounds.length;
  const lines = [
    '',
    `Switchboard API creates, SQLite vs PostgreSQL (${availableParallelism()} x ${cpus()[0]?.model ?? '?'}, node ${process.version})`,
    `raw ceiling (signed POSTs/s, after round 1): ${Math.round(raw.perSecond)}  (cores: ${cores(raw.cpu)})`,
    '',
    'round  backend     creates/s  server us/create  postgres us/create  cores',
  ];
  rounds.forEach((r, i) =>
    lines.push(
      `${String(Math.floor(i / 2) + 1).padStart(5)}  ${r.kind.padEnd(10)}  ${String(Math.round(r.perSecond)).padStart(9)}  ` +
        `${String(Math.round(r.serverUsPerCreate)).padStart(16)}  ${String(r.postgresUsPerCreate === null ? '-' : Math.round(r.postgresUsPerCreate)).padStart(18)}  ${cores(r.cpu)}`,
    ),
  );
  if (pgRounds[0]?.pg)
    lines.push(
      '',
      `PostgreSQL per create: ${mean((r) => r.pg.roundTrips).toFixed(2)} statements sent (round trips as pg_stat_statements counts them), ` +
        `${mean((r) => r.pg.statements).toFixed(2)} statements, ${mean((r) => r.pg.commits).toFixed(3)} commits`,
    );
  const ratio = postgres / sqlite;
  lines.push(
    '',
    `pg_vs_sqlite_creates: ${ratio.toFixed(3)} (target >= 0.6: ${ratio >= 0.6 ? 'ok' : 'MISSED'})`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  const summary = {
    raw_ceiling_per_s: Math.round(raw.perSecond),
    sqlite_creates_per_s: Math.round(sqlite),
    pg_creates_per_s: Math.round(postgres),
    pg_vs_sqlite_creates: Number(ratio.toFixed(3)),
    pg_cpu_us_per_create: Math.round(mean((r) => r.postgresUsPerCreate)),
    other_cores: Number((rounds.reduce((s, r) => s + r.cpu.other, 0) / rounds.length).toFixed(2)),
    rounds: args.rounds,
    ...(pgRounds[0]?.pg
      ? {
          pg_round_trips_per_create: Number(mean((r) => r.pg.roundTrips).toFixed(2)),
          pg_statements_per_create: Number(mean((r) => r.pg.statements).toFixed(2)),
          pg_commits_per_create: Number(mean((r) => r.pg.commits).toFixed(3)),
        }
      : {}),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().catch((e) => {
  process.stderr.write(`compare failed: ${e.stack ?? e}\n`);
  process.exit(1);
});
