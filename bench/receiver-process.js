// The receiver (receiver.js) in its own process, and the bench's side of its IPC channel.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { now } from './load.js';

/**
 * Starts the receiver (on `port`, or any free one) and resolves once it listens; `ask` sends a message
 * and waits for the typed answer.
 */
export async function startReceiver({ port: fixedPort = 0 } = {}) {
  const child = fork(fileURLToPath(new URL('./receiver.js', import.meta.url)), [], {
    env: { ...process.env, RECEIVER_PORT: String(fixedPort) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { port } = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`receiver exited (${code})`)));
  });
  const ask = (message) =>
    new Promise((resolve) => {
      const onMessage = (m) => {
        if (m.type !== message.type) return;
        child.off('message', onMessage);
        resolve(m);
      };
      child.on('message', onMessage);
      child.send(message);
    });
  return {
    pid: child.pid,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    configure: (secrets) => child.send({ type: 'configure', secrets }),
    reset: () => child.send({ type: 'reset' }),
    stats: (latencies = false) => ask({ type: 'stats', latencies }),
    /** Receiver clock minus ours, from the round trip with the smallest delay. */
    async clockOffsetMs() {
      let best = { rtt: Infinity, offset: 0 };
      for (let i = 0; i < 20; i++) {
        const t0 = now();
        const { t } = await ask({ type: 'clock' });
        const t1 = now();
        if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: t - (t0 + t1) / 2 };
      }
      return best.offset;
    },
    close: () => child.kill('SIGTERM'),
  };
}

/**
 * Deliveries per second after the first second of deliveries, from the receiver's counts per
 * 250 ms (null when the deliveries took less than two seconds): a drain's rate once the server has
 * warmed up, next to the rate from first to last delivery, which includes the warm-up.
 */
export function perSecondAfterFirstSecond(stats) {
  const seconds = (stats.lastMs - stats.firstMs) / 1000 - 1;
  if (!(seconds >= 1)) return null;
  const after = stats.quarters.slice(4).reduce((sum, n) => sum + (n ?? 0), 0);
  return after / seconds;
}
