// `npm run bench:drain`: the drain phase of `npm run bench` alone, repeated, for trying changes to
// the delivery path. The first run queues N customer.created events for one endpoint into a
// fixture database (API-only server, worker off) and keeps it; each run drains a copy of it with a
// full server into the verifying receiver, then prints one JSON line: delivered/s (first to last
// delivery, as the bench counts it), server and receiver CPU per delivery, the server's peak RSS,
// and the CPU of each server thread with more than 50 ms.
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiClient, runConcurrent } from './load.js';
import { perSecondAfterFirstSecond, startReceiver } from './receiver-process.js';
import { startServer } from './server.js';

const TEST_KEY = 'sk_test_bench_0123456789';
const LIVE_KEY = 'sk_live_bench_0123456789';

function parseArgs(argv) {
  const args = {
    events: 50_000,
    runs: 3,
    port: 18555,
    cpuProf: null,
    nodeArgs: [],
    serverArgs: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--events') args.events = Number(argv[++i]);
    else if (a === '--runs') args.runs = Number(argv[++i]);
    else if (a === '--port') args.port = Number(argv[++i]);
    else if (a === '--cpu-prof') args.cpuProf = argv[++i];
    else if (a === '--node-arg') args.nodeArgs.push(argv[++i]);
    else if (a.startsWith('--node-arg=')) args.nodeArgs.push(a.slice(11));
    else if (a === '--') {
      args.serverArgs = argv.slice(i + 1);
      break;
    } else {
      process.stderr.write(
        'usage: npm run bench:drain -- [--events N] [--runs K] [--port P] [-- serve options]\n' +
          '  --events N  queued deliveries (default 50,000); the fixture is kept per N and port\n' +
          '  --runs K    drains of a fresh copy of the fixture (default 3)\n' +
          '  --port P    the receiver port the fixture endpoint points at (default 18555)\n' +
          '  --cpu-prof DIR  write V8 CPU profiles of the draining server (every thread) to DIR\n' +
          '  --node-arg FLAG a node flag for the draining server, e.g. --node-arg=--no-opt\n' +
          '  after --    options for `switchboard serve`, e.g. -- --sender-thread off\n',
      );
      process.exit(a === '--help' || a === '-h' ? 0 : 2);
    }
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

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const fixture = join(tmpdir(), `switchboard-drain-${args.events}-${args.port}`);
  const receiver = await startReceiver({ port: args.port });
  try {
    if (!existsSync(join(fixture, 'secret'))) {
      process.stderr.write(`drain: queueing ${args.events} events into ${fixture}...\n`);
      mkdirSync(fixture, { recursive: true });
      const server = await startServer({
        db: join(fixture, 'bench.db'),
        testKey: TEST_KEY,
        liveKey: LIVE_KEY,
        roles: 'api',
      });
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
      await api.close();
      await server.stop();
      writeFileSync(join(fixture, 'secret'), endpoint.secret);
    }
    const secret = readFileSync(join(fixture, 'secret'), 'utf8');
    receiver.configure({ '/webhook': secret });
    for (let run = 0; run < args.runs; run++) {
      const dir = mkdtempSync(join(tmpdir(), 'switchboard-drain-run-'));
      try {
        for (const f of readdirSync(fixture)) cpSync(join(fixture, f), join(dir, f));
        receiver.reset();
        const receiverBefore = cpuMs(receiver.pid);
        const server = await startServer({
          db: join(dir, 'bench.db'),
          testKey: TEST_KEY,
          liveKey: LIVE_KEY,
          roles: 'api,worker',
          extraArgs: args.serverArgs,
          nodeArgs: [
            ...(args.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', args.cpuProf] : []),
            ...args.nodeArgs,
          ],
        });
        let stats;
        let threads;
        for (;;) {
          stats = await receiver.stats();
          threads = threadsCpu(server.pid);
          if (stats.unique >= args.events) break;
          await sleep(50);
        }
        const serverMs = cpuMs(server.pid);
        const receiverMs = cpuMs(receiver.pid) - receiverBefore;
        const { peakRssMb } = await server.stop();
        const seconds = (stats.lastMs - stats.firstMs) / 1000;
        const busyThreads = Object.entries(threads)
          .filter(([, ms]) => ms > 50)
          .map(([name, ms]) => `${name}=${ms}`);
        process.stdout.write(
          JSON.stringify({
            delivered: stats.unique,
            duplicates: stats.duplicates,
            rejected: stats.rejected,
            per_s: Math.round(stats.unique / seconds),
            per_s_after_1s: Math.round(perSecondAfterFirstSecond(stats) ?? NaN),
            server_cpu_us: Math.round((serverMs * 1000) / args.events),
            receiver_cpu_us: Math.round((receiverMs * 1000) / args.events),
            peak_rss_mb: Math.round(peakRssMb),
            threads_cpu_ms: busyThreads.join(' '),
          }) + '\n',
        );
        if (stats.rejected > 0) throw new Error(`${stats.rejected} deliveries failed verification`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    receiver.close();
  }
}

main().catch((e) => {
  process.stderr.write(`drain failed: ${e.stack ?? e}\n`);
  process.exit(1);
});
