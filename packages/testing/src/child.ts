/**
 * The child process `startSwitchboard` forks: a Switchboard on a SQLite file, with the settings
 * it is given, that tells its parent its URL and restarts on a fresh database when asked (reset).
 * It exits when its parent goes away, so a test run that crashes leaves no server behind.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  createLogger,
  loadConfig,
  startSwitchboard,
  type Config,
  type Switchboard,
} from '@switchboard/server';
import type { ChildStart, FromChild, ToChild } from './protocol.js';

const send = (message: FromChild) => process.send?.(message);
const { settings } = JSON.parse(process.argv[2] ?? '{}') as ChildStart;

let config: Config;
let sb: Switchboard | null = null;

async function start(port: string): Promise<Switchboard> {
  config = loadConfig({ ...settings, port }, {});
  const log = createLogger({
    level: config.logLevel,
    format: config.logFormat,
    write: (line) => process.stderr.write(line),
  });
  return startSwitchboard(config, { log });
}

function removeDatabase(): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(config.db + suffix, { force: true });
}

/** Work that must not overlap (a reset, the close): one at a time. */
let queue: Promise<void> = Promise.resolve();
const serial = (work: () => Promise<void>) => (queue = queue.then(work, work));

process.on('message', (message: ToChild) => {
  if (message.type === 'reset') {
    void serial(async () => {
      const port = String(sb!.port);
      await sb!.close();
      sb = null;
      removeDatabase();
      // The same port: the stripe-node options the tests hold keep working.
      sb = await start(port);
      send({ type: 'ready', url: sb.url!, port: sb.port! });
    }).catch(fail);
  } else if (message.type === 'close') void serial(stop);
});
// The parent is gone (its test run ended, crashed, or never called close()): the temporary
// directory it made for the database goes too.
process.on(
  'disconnect',
  () =>
    void serial(async () => {
      await sb?.close();
      sb = null;
      rmSync(dirname(config.db), { recursive: true, force: true });
      process.exit(0);
    }),
);

async function stop(): Promise<void> {
  await sb?.close();
  sb = null;
  process.exit(0);
}

function fail(e: unknown): void {
  const message: FromChild = { type: 'failed', message: (e as Error).message ?? String(e) };
  // Exit once the message is out (process.send is asynchronous).
  if (process.send) process.send(message, () => process.exit(1));
  else process.exit(1);
}

start(settings.port ?? '0').then((started) => {
  sb = started;
  send({ type: 'ready', url: sb.url!, port: sb.port! });
}, fail);
