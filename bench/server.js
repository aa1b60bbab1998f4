// Runs `switchboard serve` as its own process (so its memory can be measured) and samples its
// resident set size from /proc while it runs.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setInterval, clearInterval, setTimeout, clearTimeout } from 'node:timers';

const bin = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));

/** `VmRSS` / `VmHWM` (peak resident set) of a process, in MB; null once it has exited. */
function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/**
 * Starts the server and resolves once it prints its URL. `stop()` sends SIGTERM (the server
 * finishes deliveries in flight and closes the database) and resolves with the peak RSS in MB.
 */
export async function startServer({ db, testKey, liveKey, roles, extraArgs = [], nodeArgs = [] }) {
  const args = [
    ...nodeArgs,
    bin,
    'serve',
    '--port',
    '0',
    '--db',
    db,
    '--test-key',
    testKey,
    '--live-key',
    liveKey,
    '--roles',
    roles,
    '--log-level',
    'warn',
    ...extraArgs,
  ];
  const startedMs = Date.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // Never leave a server behind when the bench dies.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  let stderr = '';
  child.stderr.on('data', (c) => {
    stderr += c;
    // Warnings and errors still reach the terminal: a bench that hides failures is lying.
    process.stderr.write(`[server] ${c}`);
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const onData = (c) => {
      out += c;
      const m = /ready at (http:\/\/\S+)/.exec(out);
      if (m) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`server exited (${code}) before it was ready:\n${stderr}`)),
    );
  });

  let peakRssMb = 0;
  let windowPeakMb = 0;
  const sample = () => {
    const m = memoryOf(child.pid);
    if (!m) return;
    peakRssMb = Math.max(peakRssMb, m.rssMb, m.hwmMb);
    windowPeakMb = Math.max(windowPeakMb, m.rssMb);
  };
  const sampler = setInterval(sample, 100);
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

  return {
    url,
    pid: child.pid,
    startedMs,
    /** The largest RSS sampled since the last call (sampled every 100 ms), in MB. */
    takeWindowPeakMb() {
      sample();
      const peak = windowPeakMb;
      windowPeakMb = 0;
      return peak;
    },
    async stop() {
      sample();
      clearInterval(sampler);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const { code, signal } = await exited;
      clearTimeout(timer);
      process.off('exit', orphanGuard);
      if (code !== 0)
        throw new Error(`server exited with ${code ?? signal}:\n${stderr.slice(-2000)}`);
      return { peakRssMb };
    },
  };
}
