// The PostgreSQL baseline (`npm run bench -- --db postgres`): the same deliveries as Switchboard's
// drain, queued with graphile-worker's batch `addJobs` in a database of their own on the same
// cluster, and sent by graphile-worker (bench/baseline-worker.js) into the same receiver.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { makeWorkerUtils } from 'graphile-worker';

const workerScript = fileURLToPath(new URL('./baseline-worker.js', import.meta.url));

/** Jobs per addJobs call: one statement each. */
const ADD_BATCH = 1_000;

/**
 * The event `sample` (as the API returns it) with an id of its own of the same length, so that
 * every body has the sample's size; `warmup` marks it as a warm-up event, which the receiver counts
 * apart (as it does Switchboard's).
 */
function eventLike(sample, prefix, i, warmup) {
  const width = sample.id.length - prefix.length;
  const event = JSON.parse(JSON.stringify(sample));
  event.id = `${prefix}${String(i).padStart(width, '0')}`;
  if (warmup) event.data.object.metadata = { ...event.data.object.metadata, bench_warmup: '1' };
  return event;
}

/**
 * Creates graphile-worker's schema in the database at `url` and queues `warmup` warm-up deliveries,
 * then `burst` deliveries of events shaped like `sample`, to `receiverUrl`, in batches of
 * ADD_BATCH. Returns the seconds the burst's addJobs calls took.
 */
export async function fillBaselineQueue({ url, receiverUrl, sample, warmup, burst }) {
  const utils = await makeWorkerUtils({ connectionString: url });
  try {
    await utils.migrate();
    const add = async (count, prefix, isWarmup) => {
      for (let i = 0; i < count; i += ADD_BATCH) {
        const jobs = [];
        for (let j = i; j < Math.min(count, i + ADD_BATCH); j++) {
          jobs.push({
            identifier: 'deliver',
            payload: {
              url: receiverUrl,
              endpoint: 'we_baseline',
              event: eventLike(sample, prefix, j, isWarmup),
            },
          });
        }
        await utils.addJobs(jobs);
      }
    };
    await add(warmup, 'evt_bw', true);
    const started = performance.now();
    await add(burst, 'evt_bl', false);
    return (performance.now() - started) / 1000;
  } finally {
    await utils.release();
  }
}

/** Starts the baseline's sender process; resolves once it runs. `stop()` stops it gracefully. */
export async function startBaselineWorker({ url, secret, concurrency }) {
  const child = spawn(process.execPath, [workerScript], {
    env: {
      ...process.env,
      BASELINE_DB: url,
      BASELINE_SECRET: secret,
      BASELINE_CONCURRENCY: String(concurrency),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  let stderr = '';
  child.stderr.on('data', (c) => {
    stderr += c;
    process.stderr.write(`[baseline] ${c}`);
  });
  await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`baseline worker exited (${code}) before it was ready:\n${stderr}`)),
    );
  });
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      process.off('exit', orphanGuard);
      if (code !== 0)
        throw new Error(`baseline worker exited with ${code}:\n${stderr.slice(-2000)}`);
    },
  };
}
