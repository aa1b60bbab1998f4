// Kills a loaded Switchboard with SIGKILL at random moments, restarts it each time, and counts
// events accepted (the API answered 200) against events delivered at least once, and duplicates.
//   npm run build && node scripts/crash-loop.js [--kills 20] [--concurrency 8]
// Exits 1 if an accepted event was never delivered.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const kills = arg('kills', 20);
const concurrency = arg('concurrency', 8);
const key = 'sk_test_crash_loop_000000001';
const bin = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'switchboard-crash-loop-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The receiver: verifies each signature, counts deliveries per event and per customer.
let secret = '';
const deliveriesByEvent = new Map();
const customersDelivered = new Set();
let badSignatures = 0;
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const header = req.headers['stripe-signature'] ?? '';
    const t = /t=(\d+)/.exec(header)?.[1];
    const sigs = [...header.matchAll(/v1=([0-9a-f]+)/g)].map((m) => m[1]);
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    if (!sigs.includes(expected)) badSignatures++;
    const event = JSON.parse(body);
    deliveriesByEvent.set(event.id, (deliveriesByEvent.get(event.id) ?? 0) + 1);
    customersDelivered.add(event.data.object.id);
    res.end('ok');
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const receiverUrl = `http://127.0.0.1:${receiver.address().port}/hook`;

const port = await new Promise((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const base = `http://127.0.0.1:${port}`;
const args = [
  'serve',
  '--port',
  String(port),
  '--db',
  join(dir, 'crash.db'),
  '--test-key',
  key,
  '--log-level',
  'error',
];

async function start() {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((r) => child.on('exit', (code, signal) => r(signal ?? code)));
  for (;;) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return { child, exited };
    } catch {
      // not up yet
    }
    await sleep(20);
  }
}

async function api(path, body) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${key}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.json();
}

const accepted = new Set();
let server = await start();
const endpoint = await api('/v1/webhook_endpoints', {
  url: receiverUrl,
  'enabled_events[0]': 'customer.created',
});
secret = endpoint.secret;
const started = Date.now();
for (let k = 1; k <= kills; k++) {
  let stop = false;
  const loops = Array.from({ length: concurrency }, async () => {
    while (!stop) {
      try {
        const c = await api('/v1/customers', { name: `load ${k}` });
        accepted.add(c.id);
      } catch {
        // interrupted by the kill: not accepted
      }
    }
  });
  await sleep(300 + Math.random() * 1200);
  server.child.kill('SIGKILL');
  await server.exited;
  stop = true;
  await Promise.all(loops);
  process.stderr.write(`kill ${k}/${kills}: ${accepted.size} accepted so far\n`);
  server = await start();
}
const deadline = Date.now() + 120_000;
while ([...accepted].some((id) => !customersDelivered.has(id)) && Date.now() < deadline)
  await sleep(100);
server.child.kill('SIGTERM');
await server.exited;
receiver.close();
rmSync(dir, { recursive: true, force: true });

const missing = [...accepted].filter((id) => !customersDelivered.has(id)).length;
const counts = [...deliveriesByEvent.values()];
const duplicates = counts.reduce((n, c) => n + (c - 1), 0);
const figures = {
  kills,
  accepted: accepted.size,
  delivered_at_least_once: accepted.size - missing,
  missing,
  duplicate_deliveries: duplicates,
  events_delivered_twice_or_more: counts.filter((c) => c > 1).length,
  bad_signatures: badSignatures,
  seconds: Math.round((Date.now() - started) / 1000),
};
console.table(figures);
console.log(JSON.stringify(figures));
process.exit(missing === 0 && badSignatures === 0 ? 0 : 1);
