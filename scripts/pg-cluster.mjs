#!/usr/bin/env node
// A throwaway PostgreSQL cluster in a temporary directory, for tests, CI and benchmarks:
// initdb + pg_ctl, listening on 127.0.0.1 (a free port) and a socket in its own directory only,
// trust authentication for the superuser `postgres`. As root, the cluster runs as the OS user
// `postgres` (initdb refuses root).
//
//   node scripts/pg-cluster.mjs start [--dir DIR] [--durable]   prints `URL DIR` and leaves it running
//   node scripts/pg-cluster.mjs stop DIR                          stops it and removes DIR
//
// Importable: startCluster(), stopCluster(), restartCluster() (async).
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Finds initdb and pg_ctl: on PATH, or in Debian's versioned directory. */
export function pgBinDir() {
  const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  if (onPath.status === 0 && onPath.stdout.trim()) return null;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], 'bin') : undefined;
}

/** Whether PostgreSQL's server binaries are installed. */
export function pgAvailable() {
  return pgBinDir() !== undefined;
}

function bin(name) {
  const dir = pgBinDir();
  if (dir === undefined)
    throw new Error('PostgreSQL is not installed (apt-get install postgresql gives initdb/pg_ctl)');
  return dir === null ? name : join(dir, name);
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

function command(name, args) {
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', bin(name), ...args]] : [bin(name), args];
}

/**
 * Runs a PostgreSQL binary, as the `postgres` OS user when we are root. Every server start passes
 * `-l`: a server writing to our pipe would keep it open, and we would wait for it forever.
 */
function run(name, args) {
  const [cmd, argv] = command(name, args);
  return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The same, without blocking the event loop (for a restart while the caller keeps working). */
function runAsync(name, args) {
  const [cmd, argv] = command(name, args);
  return new Promise((resolve, reject) =>
    execFile(cmd, argv, { encoding: 'utf8' }, (error, stdout, stderr) =>
      error ? reject(new Error(`${name} failed: ${stderr || error.message}`)) : resolve(stdout),
    ),
  );
}

const logFile = (dir) => join(dir, 'server.log');

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Creates and starts a cluster. `durable: false` (tests) turns fsync off; benchmarks keep the
 * defaults so their figures mean something. `settings`: more `name=value` server settings.
 * Returns { url, dir, port }.
 */
export async function startCluster(options = {}) {
  // Its own directory (the `postgres` user must be able to reach it: not inside a root-only one).
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'switchboard-pg-'));
  mkdirSync(dir, { recursive: true });
  const data = join(dir, 'data');
  if (isRoot()) {
    const pw = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    if (pw.status !== 0)
      throw new Error('running as root needs an OS user `postgres` for the cluster');
    const uid = Number(pw.stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions']);
  const port = options.port ?? (await freePort());
  const settings = [
    `-c listen_addresses=127.0.0.1`,
    `-c port=${port}`,
    `-c unix_socket_directories=${dir}`,
    `-c max_connections=${options.maxConnections ?? 200}`,
    ...(options.durable
      ? []
      : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
    ...(options.settings ?? []).map((s) => `-c ${s}`),
  ].join(' ');
  run('pg_ctl', ['-D', data, '-o', settings, '-l', logFile(dir), '-w', '-t', '60', 'start']);
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, dir, port };
}

/**
 * Restarts the server (fast shutdown: connections are cut, as in a failover), without blocking:
 * resolves once it accepts connections again.
 */
export function restartCluster(dir) {
  return runAsync('pg_ctl', [
    '-D',
    join(dir, 'data'),
    '-l',
    logFile(dir),
    '-m',
    'fast',
    '-w',
    '-t',
    '60',
    'restart',
  ]);
}

export function stopServer(dir) {
  run('pg_ctl', ['-D', join(dir, 'data'), '-m', 'fast', '-w', '-t', '60', 'stop']);
}

export function stopCluster(dir) {
  try {
    if (existsSync(join(dir, 'data', 'postmaster.pid'))) stopServer(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'start') {
    const dirFlag = rest.indexOf('--dir');
    const cluster = await startCluster({
      ...(dirFlag >= 0 ? { dir: rest[dirFlag + 1] } : {}),
      durable: rest.includes('--durable'),
    });
    process.stdout.write(`${cluster.url} ${cluster.dir}\n`);
  } else if (command === 'stop' && rest[0]) {
    stopCluster(rest[0]);
  } else {
    process.stderr.write('usage: pg-cluster.mjs start [--dir DIR] [--durable] | stop DIR\n');
    process.exit(2);
  }
}
