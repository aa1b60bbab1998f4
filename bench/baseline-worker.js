// The PostgreSQL baseline's sender, in a process of its own (as `switchboard serve` is): what a Node
// + PostgreSQL team builds in a day with graphile-worker. One task, `deliver`, renders the job's
// event, signs it and POSTs it with the worker's own HttpTransport (an undici Agent; signed as the
// worker signs: fresh timestamp, v1 and the test-mode v0 decoy), and fails the job on anything but
// a 2xx (graphile-worker retries it). graphile-worker runs with the batching its performance page
// recommends (https://worker.graphile.org/docs/performance): a local queue of 500 jobs fetched at
// once, and job completions batched.
//
//   node bench/baseline-worker.js   (env BASELINE_DB, BASELINE_SECRET, BASELINE_CONCURRENCY)
//
// Prints `ready` once the runner has started; SIGTERM stops it gracefully.
import { Logger, run } from 'graphile-worker';
import { HttpTransport } from '../packages/server/dist/delivery/http-transport.js';

/** The headers the delivery worker sends (as bench/load.js's raw ceiling does). */
const STRIPE_HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-cache',
  'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
  Accept: '*/*; q=0.5, application/xml',
};

const secret = process.env.BASELINE_SECRET;
const concurrency = Number(process.env.BASELINE_CONCURRENCY ?? 32);
const transport = new HttpTransport();
// Warnings and errors only (a failed job logs one), on stderr, which the bench shows.
const logger = new Logger(() => (level, message) => {
  if (level === 'warning' || level === 'error') process.stderr.write(`${level}: ${message}\n`);
});

const runner = await run({
  connectionString: process.env.BASELINE_DB,
  concurrency,
  maxPoolSize: concurrency + 1,
  noHandleSignals: true,
  pollInterval: 1_000,
  logger,
  preset: {
    worker: {
      localQueue: { size: 500 },
      completeJobBatchDelay: 0,
      failJobBatchDelay: 0,
    },
  },
  taskList: {
    /** payload: { url, endpoint, event } (the event object as the API returns it). */
    async deliver(payload) {
      const body = JSON.stringify(payload.event, null, 2);
      const sent = await transport.send({
        deliveryId: 'dlv_baseline',
        eventId: payload.event.id,
        endpointId: payload.endpoint,
        url: payload.url,
        headers: STRIPE_HEADERS,
        body,
        signing: { secrets: [secret], decoyKey: `v0:${payload.endpoint}` },
        timeoutMs: 30_000,
      });
      const r = sent.result;
      if (r.kind !== 'response' || r.statusCode < 200 || r.statusCode >= 300)
        throw new Error(`delivery failed: ${r.kind === 'response' ? r.statusCode : r.error}`);
    },
  },
});
process.stdout.write('ready\n');

process.once('SIGTERM', () => {
  void runner
    .stop()
    .then(() => transport.close())
    .then(() => process.exit(0));
});
