// The load generator: API calls shaped like stripe-node's, sent concurrently or at a fixed rate,
// and the raw ceiling (signed POSTs straight to the receiver with the server's own HTTP client).
import { randomUUID } from 'node:crypto';
import { URLSearchParams } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { HttpTransport } from '../packages/server/dist/delivery/http-transport.js';

/** Wall-clock milliseconds with sub-millisecond resolution, comparable with the receiver's. */
export const now = () => performance.timeOrigin + performance.now();

/** The headers stripe-node 23 sends with a POST (it keys every POST with an Idempotency-Key). */
function stripeNodeHeaders(key) {
  return {
    Accept: 'application/json',
    'Content-Type': 'application/x-www-form-urlencoded',
    'User-Agent': 'Stripe/v1 NodeBindings/23.1.0',
    'X-Stripe-Client-User-Agent': JSON.stringify({
      bindings_version: '23.1.0',
      lang: 'node',
      publisher: 'stripe',
      uname: 'bench',
      typescript: 'false',
      platform: process.platform,
    }),
    Authorization: `Bearer ${key}`,
  };
}

/** A form-encoded API client over keep-alive connections. */
export function apiClient(baseUrl, key, connections = 64) {
  const agent = new Agent({ connections, keepAliveTimeout: 30_000, pipelining: 1 });
  const headers = stripeNodeHeaders(key);
  return {
    async post(path, form) {
      const response = await request(baseUrl + path, {
        method: 'POST',
        dispatcher: agent,
        headers: { ...headers, 'Idempotency-Key': `stripe-node-retry-${randomUUID()}` },
        body: new URLSearchParams(form).toString(),
      });
      const text = await response.body.text();
      if (response.statusCode !== 200) {
        throw new Error(`POST ${path} answered ${response.statusCode}: ${text.slice(0, 300)}`);
      }
      return JSON.parse(text);
    },
    async get(path) {
      const response = await request(baseUrl + path, { dispatcher: agent, headers });
      const text = await response.body.text();
      if (response.statusCode !== 200)
        throw new Error(`GET ${path} answered ${response.statusCode}: ${text}`);
      return JSON.parse(text);
    },
    close: () => agent.close(),
  };
}

/**
 * Runs `task(i)` with `concurrency` in flight until `total` tasks ran or `seconds` passed.
 * Returns how many succeeded and failed, and the elapsed seconds.
 */
export async function runConcurrent({ concurrency, total = Infinity, seconds = Infinity, task }) {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let next = 0;
  let ok = 0;
  let failed = 0;
  let firstError = null;
  async function lane() {
    while (next < total && performance.now() < deadline) {
      const i = next++;
      try {
        await task(i);
        ok++;
      } catch (e) {
        failed++;
        firstError ??= e;
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { ok, failed, firstError, seconds: (performance.now() - started) / 1000 };
}

/**
 * Starts `task(i, scheduledMs)` at a fixed rate for `seconds`, without waiting for earlier tasks
 * (an open model: a slow server does not slow the arrivals). `scheduledMs` is when the task was
 * due, so lateness of this process counts against the latency, never in its favour.
 */
export async function runPaced({ rate, seconds, task }) {
  const total = Math.round(rate * seconds);
  const startMs = now() + 5;
  const pending = [];
  let ok = 0;
  let failed = 0;
  let firstError = null;
  let maxLagMs = 0;
  let i = 0;
  while (i < total) {
    const t = now();
    while (i < total && startMs + (i * 1000) / rate <= t) {
      const scheduledMs = startMs + (i * 1000) / rate;
      maxLagMs = Math.max(maxLagMs, t - scheduledMs);
      pending.push(
        task(i, scheduledMs).then(
          () => void ok++,
          (e) => {
            failed++;
            firstError ??= e;
          },
        ),
      );
      i++;
    }
    await sleep(1);
  }
  await Promise.all(pending);
  return { ok, failed, firstError, maxLagMs, seconds: (now() - startMs) / 1000 };
}

/** The headers the delivery worker sends (packages/server/src/delivery/worker.ts). */
const STRIPE_HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-cache',
  'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
  Accept: '*/*; q=0.5, application/xml',
};

/**
 * The raw ceiling: the event's body, each request with an event id of its own (so the receiver
 * parses and counts it exactly as it does a delivery), signed per request exactly as the worker
 * signs (fresh timestamp, v1 plus the test-mode v0 decoy), sent with the worker's own
 * HttpTransport (undici Agent) with `connections` requests in flight, as the worker keeps per
 * endpoint.
 */
export async function rawCeiling({ url, secret, body, eventId, connections, seconds }) {
  const transport = new HttpTransport();
  const statuses = new Map();
  // The id is replaced by one of the same length: every body has the sample's size.
  const at = body.indexOf(JSON.stringify(eventId));
  if (at < 0) throw new Error(`raw ceiling: the body does not hold the event id ${eventId}`);
  const head = body.slice(0, at + 1);
  const tail = body.slice(at + 1 + eventId.length);
  const width = eventId.length - 'evt_raw'.length;
  let sent = 0;
  const result = await runConcurrent({
    concurrency: connections,
    seconds,
    task: async (i) => {
      // The transport signs as it sends (fresh timestamp, v1 and the test-mode v0 decoy), as the
      // worker's transports do.
      const out = await transport.send({
        deliveryId: 'dlv_raw',
        eventId: 'evt_raw',
        endpointId: 'we_raw',
        url,
        headers: STRIPE_HEADERS,
        body: `${head}evt_raw${String(i).padStart(width, '0')}${tail}`,
        signing: { secrets: [secret], decoyKey: 'v0:we_raw' },
        timeoutMs: 30_000,
      });
      sent++;
      const key = out.result.kind === 'response' ? out.result.statusCode : out.result.error;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      if (key !== 200) throw new Error(`raw POST answered ${key}`);
    },
  });
  await transport.close();
  return { ...result, sent, statuses: Object.fromEntries(statuses) };
}
