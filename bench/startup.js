// `node bench/startup.js [--runs N] [--root DIR]`: how long `switchboard serve` takes from spawn to
// its first answered API request (GET /v1/customers on a fresh SQLite database), and its resident
// set size then. --root measures another checkout's build (to compare before and after a change).
// Prints the median and the spread of N runs (default 15), one after the other.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(name);
  return i === -1 ? fallback : argv[i + 1];
};
const runs = Number(opt('--runs', '15'));
const root = resolve(opt('--root', fileURLToPath(new URL('..', import.meta.url))));
const bin = join(root, 'packages/cli/dist/bin.js');
const KEY = 'sk_test_startup_0123456789';

function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)[1]) / 1024;
}

async function once() {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-startup-'));
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      bin,
      'serve',
      '--port',
      '0',
      '--db',
      join(dir, 'sb.db'),
      '--test-key',
      KEY,
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const url = await new Promise((ok, fail) => {
      let out = '';
      child.stdout.on('data', (c) => {
        out += c;
        const m = /ready at (http:\/\/\S+)/.exec(out);
        if (m) ok(m[1]);
      });
      child.once('exit', (code) => fail(new Error(`serve exited with ${code}: ${out}`)));
    });
    const res = await fetch(`${url}/v1/customers`, { headers: { Authorization: `Bearer ${KEY}` } });
    if (res.status !== 200) throw new Error(`GET /v1/customers answered ${res.status}`);
    await res.arrayBuffer();
    return { ms: performance.now() - started, rss: rssMb(child.pid) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((ok) => (child.exitCode !== null ? ok() : child.once('exit', ok)));
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (let i = 0; i < runs; i++) results.push(await once());
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = results.map((r) => r.ms);
const rss = results.map((r) => r.rss);
console.log(`${root}: ${runs} runs`);
console.log(
  `  spawn to first answer: median ${median(ms).toFixed(0)} ms (min ${Math.min(...ms).toFixed(0)}, max ${Math.max(...ms).toFixed(0)})`,
);
console.log(
  `  RSS after it: median ${median(rss).toFixed(1)} MB (min ${Math.min(...rss).toFixed(1)}, max ${Math.max(...rss).toFixed(1)})`,
);
