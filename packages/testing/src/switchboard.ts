import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// Not the global timers, which a test may fake (see receiver.ts).
import { clearTimeout, setTimeout } from 'node:timers';
import type { Config } from '@switchboard/server/config';
import type { ChildStart, FromChild, Settings, ToChild } from './protocol.js';
import { Receiver, type Delivery, type EventFor, type Respond } from './receiver.js';

export interface StartOptions {
  /**
   * `manual` (the default): the server's clock stands still until `sb.clock.advance()` moves it.
   * `system`: it follows real time.
   */
  clock?: 'manual' | 'system';
  /** The server's log level (default `warn`); its log lines go to `sb.logs()`. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /**
   * Any other `switchboard serve` setting, by its config key, as it would be typed on the command
   * line: `{ testRetry: 'fixed:1m,5m', endpointConcurrency: '4' }` (docs/config.md lists them).
   * The kit sets the database, port, host, keys and clock itself.
   */
  config?: Partial<Record<keyof Config, string>>;
  /** How long `startSwitchboard` and `reset` wait for the server (default 30 s). */
  startTimeoutMs?: number;
}

export interface EndpointOptions {
  /** Events from connected accounts (`connect: true`) or from your account (the default). */
  connect?: boolean;
  /** `enabled_events` (default `['*']`). */
  events?: string[];
  /** A live-mode endpoint, registered with the live key (default: test mode). */
  livemode?: boolean;
  /** The endpoint's `api_version` (default: the platform's). */
  apiVersion?: string;
  /**
   * How the endpoint answers each delivery: return a status (200 if nothing), or throw for a 500.
   * `(d) => (d.attempt < 3 ? 500 : 200)` fails twice, then accepts the first retry that follows.
   */
  respond?: Respond;
}

export interface NextOptions {
  /** A connected account's id, or null for the platform's own events; any account if absent. */
  account?: string | null;
  /** Real milliseconds to wait (default 10 s). */
  timeout?: number;
}

/** A webhook endpoint registered by the kit, whose receiver runs in the test process. */
export interface KitEndpoint {
  id: string;
  url: string;
  /** The endpoint's signing secret (`whsec_...`). */
  secret: string;
  /** The next verified delivery of `type` to this endpoint (see `sb.webhooks.next`). */
  next<T extends string>(type: T, options?: NextOptions): Promise<Delivery<EventFor<T>>>;
}

/** What `sb.clock.advance` and `sb.clock.now` answer with: the server clock's time. */
export type ClockTime = Date;

export interface Switchboard {
  /** The API's base URL, e.g. `http://127.0.0.1:41234` (`--api-base` for the Stripe CLI). */
  url: string;
  port: number;
  /** The platform's test secret key. */
  secretKey: string;
  /** The platform's live secret key. */
  liveSecretKey: string;
  /** Options for the official `stripe` package: `new Stripe(sb.secretKey, sb.stripeOptions)`. */
  stripeOptions: { host: string; port: number; protocol: 'http' };
  webhooks: {
    /** Registers a webhook endpoint whose receiver (on 127.0.0.1) runs in the test process. */
    endpoint(options?: EndpointOptions): Promise<KitEndpoint>;
    /**
     * The next verified delivery of `type` (an event type, `prefix.*` or `*`) to any kit endpoint,
     * in the order they arrived, each handed out once; waits for it up to `timeout`.
     */
    next<T extends string>(type: T, options?: NextOptions): Promise<Delivery<EventFor<T>>>;
  };
  clock: {
    /**
     * Moves the manual clock forward (`'90s'`, `'10m'`, `'3d'`, or milliseconds) through every
     * retry, payout and expiry due on the way; resolves once all of it has happened, with the
     * clock's new time.
     */
    advance(by: string | number): Promise<ClockTime>;
    now(): Promise<ClockTime>;
  };
  /**
   * A fresh start: a new, empty database (same keys, same port), the clock back at real time, no
   * endpoints, no deliveries kept. Register endpoints again after it.
   */
  reset(): Promise<void>;
  /** Stops the server and its receiver, and deletes its database. */
  close(): Promise<void>;
  /** The server's recent log lines (the last 500). */
  logs(): string[];
}

const DEFAULT_NEXT_TIMEOUT_MS = 10_000;
const MAX_LOG_LINES = 500;
/** Set by the kit; refused in `config`. */
const OWN_SETTINGS = ['db', 'port', 'host', 'testKey', 'liveKey', 'clock', 'logLevel'];

const randomKey = (mode: 'test' | 'live') =>
  `sk_${mode}_kit${randomBytes(18)
    .toString('base64url')
    .replace(/[^A-Za-z0-9]/g, '0')}`;

/**
 * Starts Switchboard for a test file: a server in a child process on a temporary SQLite database
 * and a free port of 127.0.0.1, with a manual clock unless told otherwise. Close it when done
 * (`afterAll(() => sb.close())`).
 */
export async function startSwitchboard(options: StartOptions = {}): Promise<Switchboard> {
  for (const key of Object.keys(options.config ?? {}))
    if (OWN_SETTINGS.includes(key))
      throw new Error(`startSwitchboard: config.${key} is set by the kit and cannot be changed`);
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-testing-'));
  const secretKey = randomKey('test');
  const liveSecretKey = randomKey('live');
  const settings: Settings = {
    ...(options.config as Settings | undefined),
    db: join(dir, 'switchboard.db'),
    host: '127.0.0.1',
    testKey: secretKey,
    liveKey: liveSecretKey,
    clock: options.clock ?? 'manual',
    logLevel: options.logLevel ?? 'warn',
    logFormat: options.config?.logFormat ?? 'json',
    // The kit's receivers are on loopback: live-mode endpoints may reach them.
    destinationAllowlist: options.config?.destinationAllowlist ?? '127.0.0.1/32',
  };
  const server = new ServerProcess(settings, options.startTimeoutMs ?? 30_000);
  const receiver = new Receiver();
  try {
    await Promise.all([server.ready(), receiver.start()]);
  } catch (e) {
    await server.stop();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const api = (path: string, form?: Record<string, string | string[]>, key = secretKey) =>
    server.request(path, key, form);

  const webhooks: Switchboard['webhooks'] = {
    async endpoint(o = {}) {
      const url = receiver.newUrl();
      const form: Record<string, string | string[]> = {
        url,
        'enabled_events[]': o.events ?? ['*'],
        connect: String(o.connect ?? false),
        description: 'Registered by @switchboard/testing',
      };
      if (o.apiVersion) form.api_version = o.apiVersion;
      const created = (await api(
        '/v1/webhook_endpoints',
        form,
        o.livemode ? liveSecretKey : secretKey,
      )) as { id: string; secret: string };
      receiver.add({
        id: created.id,
        url,
        secret: created.secret,
        respond: o.respond ?? (() => 200),
      });
      return {
        id: created.id,
        url,
        secret: created.secret,
        next: (type, n = {}) => next(type, n, created.id),
      };
    },
    next: (type, n = {}) => next(type, n),
  };

  function next<T extends string>(
    type: T,
    o: NextOptions,
    endpoint?: string,
  ): Promise<Delivery<EventFor<T>>> {
    return receiver.next(
      { type, account: o.account, endpoint },
      o.timeout ?? DEFAULT_NEXT_TIMEOUT_MS,
    ) as Promise<Delivery<EventFor<T>>>;
  }

  const clockTime = (body: unknown) => new Date((body as { now_ms: number }).now_ms);
  let closed: Promise<void> | null = null;
  return {
    url: server.url,
    port: server.port,
    secretKey,
    liveSecretKey,
    stripeOptions: { host: '127.0.0.1', port: server.port, protocol: 'http' },
    webhooks,
    clock: {
      async advance(by) {
        const text = typeof by === 'number' ? `${Math.round(by)}ms` : by;
        return clockTime(await api('/v1/switchboard/clock/advance', { by: text }));
      },
      async now() {
        return clockTime(await api('/v1/switchboard/clock'));
      },
    },
    async reset() {
      receiver.clear('sb.reset() was called');
      await server.reset();
    },
    close() {
      closed ??= (async () => {
        await receiver.close();
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      })();
      return closed;
    },
    logs: () => [...server.logs],
  };
}

/** The child process running the server, and the HTTP calls the kit makes to it. */
class ServerProcess {
  readonly logs: string[] = [];
  readonly #child: ChildProcess;
  readonly #timeoutMs: number;
  #ready: Promise<FromChild & { type: 'ready' }>;
  #exited: string | null = null;
  url = '';
  port = 0;

  constructor(settings: Settings, timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
    const start: ChildStart = { settings };
    this.#child = fork(new URL('./child.js', import.meta.url), [JSON.stringify(start)], {
      // Not the test runner's flags (loaders, --experimental-vm-modules, inspector).
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    for (const stream of [this.#child.stdout!, this.#child.stderr!]) {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop()!;
        this.logs.push(...lines.filter(Boolean));
        if (this.logs.length > MAX_LOG_LINES) this.logs.splice(0, this.logs.length - MAX_LOG_LINES);
      });
    }
    this.#child.on('exit', (code, signal) => {
      this.#exited = `the Switchboard process exited (${signal ?? `code ${code}`})`;
    });
    this.#ready = this.#nextReady();
  }

  async ready(): Promise<void> {
    this.#hold(true);
    const ready = await this.#ready;
    this.url = ready.url;
    this.port = ready.port;
    this.#hold(false);
  }

  /**
   * Whether the child keeps the test process alive: only while the kit waits for it to start. A
   * test run that never calls close() still ends (the child then exits on its own: 'disconnect').
   */
  #hold(on: boolean): void {
    // The pipes are sockets (stdio: 'pipe').
    const pipes = [this.#child.stdout, this.#child.stderr] as unknown as Socket[];
    for (const h of [this.#child, this.#child.channel, ...pipes]) {
      if (on) h?.ref();
      else h?.unref();
    }
  }

  /** Waits for the child's next `ready`, or its failure. */
  #nextReady(): Promise<FromChild & { type: 'ready' }> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.#child.off('message', onMessage);
        this.#child.off('exit', onExit);
      };
      const fail = (why: string) => {
        done();
        const log = this.logs.slice(-20).join('\n');
        reject(new Error(`Switchboard did not start: ${why}${log ? `\n${log}` : ''}`));
      };
      const onMessage = (m: FromChild) => {
        if (m.type === 'ready') {
          done();
          resolve(m);
        } else fail(m.message);
      };
      const onExit = () => fail(this.#exited ?? 'it exited');
      const timer = setTimeout(() => fail(`no answer in ${this.#timeoutMs} ms`), this.#timeoutMs);
      this.#child.on('message', onMessage);
      this.#child.on('exit', onExit);
    });
  }

  async reset(): Promise<void> {
    this.#alive();
    this.#ready = this.#nextReady();
    this.#send({ type: 'reset' });
    await this.ready();
  }

  async stop(): Promise<void> {
    if (this.#exited !== null || this.#child.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.#child.once('exit', () => r()));
    this.#send({ type: 'close' });
    // It finishes deliveries in flight; a stuck one ends with the process.
    const kill = setTimeout(() => this.#child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(kill);
  }

  /**
   * An API call with a platform key; throws the API's error message. node:http rather than
   * fetch, which tests often stub or intercept (vi.stubGlobal, msw).
   */
  async request(
    path: string,
    key: string,
    form?: Record<string, string | string[]>,
  ): Promise<unknown> {
    this.#alive();
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(form ?? {}))
      for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
    const { status, text } = await new Promise<{ status: number; text: string }>(
      (resolve, reject) => {
        const req = request(
          this.url + path,
          {
            method: form ? 'POST' : 'GET',
            headers: {
              Authorization: `Bearer ${key}`,
              'Content-Type': 'application/x-www-form-urlencoded',
            },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(form ? body.toString() : undefined);
      },
    );
    const json = JSON.parse(text) as { error?: { message: string } };
    if (status >= 400) throw new Error(`${path}: ${json.error?.message ?? `HTTP ${status}`}`);
    return json;
  }

  #send(message: ToChild): void {
    this.#child.send(message);
  }

  #alive(): void {
    if (this.#exited !== null) {
      const log = this.logs.slice(-20).join('\n');
      throw new Error(`${this.#exited}${log ? `\n${log}` : ''}`);
    }
  }
}
