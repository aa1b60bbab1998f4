// The sink: a webhook receiver in its own process that verifies every signature, as a real
// receiver would, and keeps the counts and latencies the report needs. The bench talks to it over
// the fork IPC channel: {configure}, {reset}, {stats}, {clock}.
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Buffer } from 'node:buffer';
import { verifyHeader } from '@switchboard/sdk';

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
const now = () => performance.timeOrigin + performance.now();

/** Secret by path: `/webhook` gets Switchboard's deliveries, `/raw` the raw-ceiling requests. */
let secrets = new Map();
let stats = fresh();

function fresh() {
  return {
    received: 0,
    bytes: 0,
    verified: 0,
    rejected: 0,
    firstMs: null,
    lastMs: null,
    // Verified deliveries per 250 ms since the first: how fast a drain gets up to speed.
    quarters: [],
    ids: new Set(),
    duplicates: 0,
    latencies: [],
    rejections: [],
    // Events created to warm a new server up before the measured burst (metadata.bench_warmup):
    // counted apart, and not in any figure above.
    warmup: { count: 0, bytes: 0, firstMs: null, lastMs: null },
  };
}

function handle(path, headers, body) {
  const done = () => {
    const t = now();
    stats.firstMs ??= t;
    stats.lastMs = t;
    const quarter = Math.floor((t - stats.firstMs) / 250);
    stats.quarters[quarter] = (stats.quarters[quarter] ?? 0) + 1;
    return t;
  };
  stats.received++;
  stats.bytes += Buffer.byteLength(body);
  const secret = secrets.get(path);
  try {
    if (!secret) throw new Error(`no secret configured for ${path}`);
    verifyHeader(body, headers['stripe-signature'], secret);
  } catch (e) {
    stats.rejected++;
    if (stats.rejections.length < 5) stats.rejections.push(`${path}: ${e.message}`);
    done();
    return 400;
  }
  stats.verified++;
  // Parsed as any receiver would (constructEvent does the same), to count duplicates and latency:
  // the raw ceiling's requests too (each has an event id of its own), so that the receiver does
  // the same work for a raw request as for a delivery.
  const event = JSON.parse(body);
  if (event.data?.object?.metadata?.bench_warmup) {
    const t = now();
    stats.warmup.count++;
    stats.warmup.bytes += Buffer.byteLength(body);
    stats.warmup.firstMs ??= t;
    stats.warmup.lastMs = t;
    return 200;
  }
  if (stats.ids.has(event.id)) stats.duplicates++;
  else stats.ids.add(event.id);
  const sentAt = Number(event.data?.object?.metadata?.bench_t);
  const t = done();
  if (sentAt > 0) stats.latencies.push(t - sentAt);
  return 200;
}

const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const path = (req.url ?? '/').split('?')[0];
    const status = handle(path, req.headers, Buffer.concat(chunks).toString('utf8'));
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(status === 200 ? '{"received":true}' : '{"error":"signature"}');
  });
});

process.on('message', (m) => {
  if (m.type === 'configure') secrets = new Map(Object.entries(m.secrets));
  else if (m.type === 'reset') stats = fresh();
  else if (m.type === 'clock') process.send({ type: 'clock', t: now() });
  else if (m.type === 'stats') {
    const { ids, latencies, ...rest } = stats;
    process.send({
      type: 'stats',
      ...rest,
      unique: ids.size,
      latencies: m.latencies ? latencies : [],
    });
  }
});
process.on('disconnect', () => process.exit(0));

// RECEIVER_PORT: a fixed port (bench/drain.js keeps a fixture whose endpoint points at it).
server.listen(Number(process.env.RECEIVER_PORT ?? 0), '127.0.0.1', () => {
  process.send({ type: 'ready', port: server.address().port });
});
