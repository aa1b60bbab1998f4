import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI (`npm test` builds before running tests). */
export const cliBin = fileURLToPath(new URL('../../../cli/dist/bin.js', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  stdout: string[];
  stderr: string[];
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

/** Starts `switchboard serve` with `args`, collecting its output. */
function spawnServe(args: string[], env: NodeJS.ProcessEnv): Omit<ServerProcess, 'url'> {
  const child = spawn(process.execPath, [cliBin, 'serve', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout!.on('data', (d: Buffer) => stdout.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return { child, stdout, stderr, exited };
}

/** Runs `switchboard serve` as a real process and waits until it answers. */
export async function spawnServer(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<ServerProcess> {
  const port = Number(args[args.indexOf('--port') + 1]);
  const { child, stdout, stderr, exited } = spawnServe(args, env);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start: ${stderr.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url, stdout, stderr, exited };
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Runs `switchboard serve --roles worker` (no API port) and waits for its banner. Workers need
 * PostgreSQL: pass its URL with --db.
 */
export async function spawnWorker(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Omit<ServerProcess, 'url'>> {
  const worker = spawnServe(['--roles', 'worker', ...args], env);
  const { child, stdout, stderr } = worker;
  const deadline = Date.now() + 15_000;
  while (!/Switchboard worker ready/.test(stdout.join(''))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`worker did not start: ${stderr.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return worker;
}
