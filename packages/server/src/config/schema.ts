import { parseCidr, type Cidr, type DestinationPolicy } from '../domain/addresses.js';
import { parseDurationMs } from '../domain/clock.js';
import type { RetryPolicy } from '../domain/retry-schedule.js';

/**
 * Every setting of `switchboard serve`, defined once: flag, environment variable, default and
 * description. `serve --help` and docs/config.md are generated from this list.
 */
export interface Config {
  port: number;
  host: string;
  db: string;
  testKey: string | undefined;
  liveKey: string | undefined;
  roles: Array<'api' | 'worker'>;
  clock: 'system' | 'manual';
  clockSpeed: number;
  logLevel: LogLevel;
  logFormat: 'json' | 'pretty';
  deliveryTimeoutMs: number;
  endpointConcurrency: number;
  workerConcurrency: number;
  senderThread: boolean;
  deliveryLeaseMs: number;
  dbPoolSize: number;
  metrics: boolean;
  metricsPort: number | undefined;
  liveRetry: RetryPolicy;
  testRetry: RetryPolicy;
  retryAfterMaxMs: number;
  disableAfterMs: number;
  disableWarnAfterMs: number;
  bodyLimitBytes: number;
  maxEndpoints: number;
  maxEventDestinations: number;
  maxListenSessions: number;
  eventRetentionDays: number;
  publicUrl: string | undefined;
  fundsAvailableAfterMs: number;
  destinationPolicy: DestinationPolicy;
  destinationAllowlist: Cidr[];
  rateLimitPerSecond: number;
  payoutArrivalMs: number;
  liveChaos: boolean;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Option<K extends keyof Config = keyof Config> {
  key: K;
  flag: string;
  env: string;
  /** The default as a user would type it; parsed like any other value. */
  default: string | undefined;
  valueName: string;
  description: string;
  parse(text: string): Config[K];
}

export class ConfigError extends Error {}

/** `--db` as it may be shown (banner, messages): a PostgreSQL URL without its password. */
export function describeDatabase(db: string): string {
  if (!/^postgres(ql)?:\/\//.test(db)) return db;
  try {
    const url = new URL(db);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

/** `250ms`, `30s`, `5m`, `12h`, `9d`, or a bare number of seconds. */
export function parseDuration(text: string): number {
  const ms = parseDurationMs(text);
  if (ms === null)
    throw new ConfigError(`'${text}' is not a duration (examples: 250ms, 30s, 5m, 12h, 9d)`);
  return ms;
}

function positiveInt(name: string) {
  return (text: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1)
      throw new ConfigError(`${name} must be a positive integer, not '${text}'`);
    return n;
  };
}

/** `exponential:1m:12h:72h` (first delay, cap, window) or `fixed:10m,1h,3h` (delays after each failure). */
export function parseRetryPolicy(text: string): RetryPolicy {
  const [kind, rest] = [text.slice(0, text.indexOf(':')), text.slice(text.indexOf(':') + 1)];
  if (kind === 'fixed') {
    const delaysMs = rest === '' ? [] : rest.split(',').map(parseDuration);
    return { kind: 'fixed', delaysMs };
  }
  if (kind === 'exponential') {
    const parts = rest.split(':');
    if (parts.length !== 3)
      throw new ConfigError(
        `'${text}': expected exponential:FIRST:CAP:WINDOW, e.g. exponential:1m:12h:72h`,
      );
    const [baseMs, capMs, windowMs] = parts.map(parseDuration) as [number, number, number];
    return { kind: 'exponential', baseMs, capMs, windowMs };
  }
  throw new ConfigError(
    `'${text}' is not a retry policy (examples: exponential:1m:12h:72h, fixed:10m,1h,3h)`,
  );
}

function secretKey(mode: 'test' | 'live') {
  return (text: string) => {
    if (!new RegExp(`^sk_${mode}_[A-Za-z0-9_]{4,}$`).test(text)) {
      throw new ConfigError(
        `the ${mode} key must look like sk_${mode}_... (letters, digits and _, at least 12 characters)`,
      );
    }
    return text;
  };
}

const opt = <K extends keyof Config>(o: Option<K>): Option<K> => o;

export const options: Option[] = [
  opt({
    key: 'port',
    flag: '--port',
    env: 'SWITCHBOARD_PORT',
    default: '12111',
    valueName: 'port',
    description: 'TCP port of the API (0 picks a free one).',
    parse: (t) => {
      const n = Number(t);
      if (!Number.isInteger(n) || n < 0 || n > 65535)
        throw new ConfigError(`--port must be 0-65535, not '${t}'`);
      return n;
    },
  }),
  opt({
    key: 'host',
    flag: '--host',
    env: 'SWITCHBOARD_HOST',
    default: '127.0.0.1',
    valueName: 'address',
    description:
      'Address to bind. Loopback by default; set 0.0.0.0 only behind a firewall or proxy.',
    parse: (t) => t,
  }),
  opt({
    key: 'db',
    flag: '--db',
    env: 'SWITCHBOARD_DB',
    default: '.switchboard/switchboard.db',
    valueName: 'path|url',
    description:
      'SQLite database file (created with its directory on first start), or a PostgreSQL URL (postgres://user:password@host:5432/dbname) for several processes and machines.',
    parse: (t) => t,
  }),
  opt({
    key: 'dbPoolSize',
    flag: '--db-pool-size',
    env: 'SWITCHBOARD_DB_POOL_SIZE',
    default: '10',
    valueName: 'N',
    description: 'PostgreSQL: most connections this process opens (plus one for LISTEN).',
    parse: positiveInt('--db-pool-size'),
  }),
  opt({
    key: 'testKey',
    flag: '--test-key',
    env: 'SWITCHBOARD_TEST_KEY',
    default: undefined,
    valueName: 'key',
    description:
      "Fix the first platform's test secret key (for scripts and CI). Without it a key is generated on first start.",
    parse: secretKey('test'),
  }),
  opt({
    key: 'liveKey',
    flag: '--live-key',
    env: 'SWITCHBOARD_LIVE_KEY',
    default: undefined,
    valueName: 'key',
    description:
      "Fix the first platform's live secret key. Live keys are stored hashed and shown only once.",
    parse: secretKey('live'),
  }),
  opt({
    key: 'roles',
    flag: '--roles',
    env: 'SWITCHBOARD_ROLES',
    default: 'api,worker',
    valueName: 'list',
    description:
      'What this process runs: api, worker, or both (api,worker). Separate api and worker processes are for PostgreSQL; on SQLite only one process with the worker role may use the database file.',
    parse: (t) => {
      const roles = t
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean);
      for (const r of roles)
        if (r !== 'api' && r !== 'worker')
          throw new ConfigError(`unknown role '${r}' (use api, worker)`);
      if (roles.length === 0) throw new ConfigError('--roles needs at least one of api, worker');
      return [...new Set(roles)] as Array<'api' | 'worker'>;
    },
  }),
  opt({
    key: 'metrics',
    flag: '--metrics',
    env: 'SWITCHBOARD_METRICS',
    default: 'on',
    valueName: 'on|off',
    description:
      'Serve GET /metrics (Prometheus text format, no authentication) on the API port. Keep --host on loopback or filter /metrics at your proxy when it is on.',
    parse: (t) => {
      if (t !== 'on' && t !== 'off') throw new ConfigError(`--metrics is on or off, not '${t}'`);
      return t === 'on';
    },
  }),
  opt({
    key: 'metricsPort',
    flag: '--metrics-port',
    env: 'SWITCHBOARD_METRICS_PORT',
    default: undefined,
    valueName: 'port',
    description:
      'Also serve GET /metrics on this port (bound to --host), e.g. for worker-only processes, which have no API port.',
    parse: (t) => {
      const n = Number(t);
      if (!Number.isInteger(n) || n < 0 || n > 65535)
        throw new ConfigError(`--metrics-port must be 0-65535, not '${t}'`);
      return n;
    },
  }),
  opt({
    key: 'clock',
    flag: '--clock',
    env: 'SWITCHBOARD_CLOCK',
    default: 'system',
    valueName: 'system|manual',
    description:
      'system: the server clock follows real time (sped up by --clock-speed). manual: it stands still until POST /v1/switchboard/clock/advance moves it (what tests use: retries, auto-disable, payouts, funds and link expiry happen exactly when a test says). manual needs one process with both roles.',
    parse: (t) => {
      if (t !== 'system' && t !== 'manual')
        throw new ConfigError(`--clock is system or manual, not '${t}'`);
      return t;
    },
  }),
  opt({
    key: 'clockSpeed',
    flag: '--clock-speed',
    env: 'SWITCHBOARD_CLOCK_SPEED',
    default: '1',
    valueName: 'N',
    description:
      'Run the server clock N times faster: retries, auto-disable and balance availability happen sooner (e.g. 1000 runs 3 days of retries in about 4 minutes).',
    parse: (t) => {
      const n = Number(t);
      if (!(n > 0) || !Number.isFinite(n))
        throw new ConfigError(`--clock-speed must be a positive number, not '${t}'`);
      return n;
    },
  }),
  opt({
    key: 'logLevel',
    flag: '--log-level',
    env: 'SWITCHBOARD_LOG_LEVEL',
    default: 'info',
    valueName: 'level',
    description: 'debug, info, warn, error or silent.',
    parse: (t) => {
      if (!['debug', 'info', 'warn', 'error', 'silent'].includes(t))
        throw new ConfigError(`unknown log level '${t}'`);
      return t as LogLevel;
    },
  }),
  opt({
    key: 'logFormat',
    flag: '--log-format',
    env: 'SWITCHBOARD_LOG_FORMAT',
    default: 'pretty',
    valueName: 'format',
    description: 'pretty (one readable line per entry) or json (one JSON object per line).',
    parse: (t) => {
      if (t !== 'json' && t !== 'pretty')
        throw new ConfigError(`unknown log format '${t}' (use json or pretty)`);
      return t;
    },
  }),
  opt({
    key: 'deliveryTimeoutMs',
    flag: '--delivery-timeout',
    env: 'SWITCHBOARD_DELIVERY_TIMEOUT',
    default: '30s',
    valueName: 'duration',
    description:
      'How long a receiver has to answer a delivery before the attempt counts as failed.',
    parse: parseDuration,
  }),
  opt({
    key: 'endpointConcurrency',
    flag: '--endpoint-concurrency',
    env: 'SWITCHBOARD_ENDPOINT_CONCURRENCY',
    default: '32',
    valueName: 'N',
    description:
      'Most deliveries in flight to one endpoint at once, across all worker processes sharing the database.',
    parse: positiveInt('--endpoint-concurrency'),
  }),
  opt({
    key: 'workerConcurrency',
    flag: '--worker-concurrency',
    env: 'SWITCHBOARD_WORKER_CONCURRENCY',
    default: '256',
    valueName: 'N',
    description: 'Most deliveries in flight in one worker process, over all endpoints.',
    parse: positiveInt('--worker-concurrency'),
  }),
  opt({
    key: 'senderThread',
    flag: '--sender-thread',
    env: 'SWITCHBOARD_SENDER_THREAD',
    default: 'on',
    valueName: 'on|off',
    description:
      "Send webhook deliveries' HTTP requests from a thread of their own, so that sending and the worker's database writes use two cores. off: send from the main thread.",
    parse: (t) => {
      if (t !== 'on' && t !== 'off')
        throw new ConfigError(`--sender-thread is on or off, not '${t}'`);
      return t === 'on';
    },
  }),
  opt({
    key: 'deliveryLeaseMs',
    flag: '--delivery-lease',
    env: 'SWITCHBOARD_DELIVERY_LEASE',
    default: '60s',
    valueName: 'duration',
    description:
      "How long a worker's claim on a delivery lasts; it is renewed while the attempt runs. A worker that dies leaves claims that another worker takes over once they expire.",
    parse: (t) => {
      const ms = parseDuration(t);
      if (ms < 1_000) throw new ConfigError(`--delivery-lease must be at least 1s, not '${t}'`);
      return ms;
    },
  }),
  opt({
    key: 'liveRetry',
    flag: '--live-retry',
    env: 'SWITCHBOARD_LIVE_RETRY',
    default: 'exponential:1m:12h:72h',
    valueName: 'policy',
    description:
      'Retry schedule in live mode: exponential:FIRST:CAP:WINDOW (delays double from FIRST up to CAP; no attempt later than WINDOW after the first) or fixed:D1,D2,...',
    parse: parseRetryPolicy,
  }),
  opt({
    key: 'testRetry',
    flag: '--test-retry',
    env: 'SWITCHBOARD_TEST_RETRY',
    default: 'fixed:10m,1h,3h',
    valueName: 'policy',
    description:
      'Retry schedule in test mode and sandboxes; the default is 3 retries over a few hours.',
    parse: parseRetryPolicy,
  }),
  opt({
    key: 'retryAfterMaxMs',
    flag: '--retry-after-max',
    env: 'SWITCHBOARD_RETRY_AFTER_MAX',
    default: '1h',
    valueName: 'duration',
    description: "A receiver's Retry-After may delay the next attempt by at most this much.",
    parse: parseDuration,
  }),
  opt({
    key: 'disableAfterMs',
    flag: '--disable-after',
    env: 'SWITCHBOARD_DISABLE_AFTER',
    default: '9d',
    valueName: 'duration',
    description:
      'Disable an endpoint that has failed for this long without a single success (Stripe: nine days).',
    parse: parseDuration,
  }),
  opt({
    key: 'disableWarnAfterMs',
    flag: '--disable-warn-after',
    env: 'SWITCHBOARD_DISABLE_WARN_AFTER',
    default: '3d',
    valueName: 'duration',
    description: 'Log a warning (once per failure streak) when an endpoint has failed this long.',
    parse: parseDuration,
  }),
  opt({
    key: 'bodyLimitBytes',
    flag: '--body-limit',
    env: 'SWITCHBOARD_BODY_LIMIT',
    default: '1048576',
    valueName: 'bytes',
    description: 'Largest request body the API accepts.',
    parse: positiveInt('--body-limit'),
  }),
  opt({
    key: 'maxEndpoints',
    flag: '--max-endpoints',
    env: 'SWITCHBOARD_MAX_ENDPOINTS',
    default: '16',
    valueName: 'N',
    description: 'Most webhook endpoints per account and mode (Stripe allows 16).',
    parse: positiveInt('--max-endpoints'),
  }),
  opt({
    key: 'maxEventDestinations',
    flag: '--max-event-destinations',
    env: 'SWITCHBOARD_MAX_EVENT_DESTINATIONS',
    default: '16',
    valueName: 'N',
    description:
      'Most v2 event destinations per platform (or sandbox) and mode, as webhook endpoints: each event is one POST per destination that takes it.',
    parse: positiveInt('--max-event-destinations'),
  }),
  opt({
    key: 'maxListenSessions',
    flag: '--max-listen-sessions',
    env: 'SWITCHBOARD_MAX_LISTEN_SESSIONS',
    default: '32',
    valueName: 'N',
    description:
      'Most listen sessions (stripe listen, switchboard listen) per platform (or sandbox) and mode. At the limit a new session takes the place of the longest-gone disconnected one; with none disconnected for a minute, it is refused. Every session receives every event of its mode.',
    parse: positiveInt('--max-listen-sessions'),
  }),
  opt({
    key: 'eventRetentionDays',
    flag: '--event-retention-days',
    env: 'SWITCHBOARD_EVENT_RETENTION_DAYS',
    default: '30',
    valueName: 'days',
    description:
      'Events older than this are no longer listed or resent (Stripe keeps 30 days); hourly housekeeping deletes them with their deliveries and attempts (an event with a delivery still pending waits for it).',
    parse: positiveInt('--event-retention-days'),
  }),
  opt({
    key: 'fundsAvailableAfterMs',
    flag: '--funds-available-after',
    env: 'SWITCHBOARD_FUNDS_AVAILABLE_AFTER',
    default: '2d',
    valueName: 'duration',
    description:
      'How long charged funds stay pending before they become available (balance.available); pm_card_bypassPending skips the wait.',
    parse: parseDuration,
  }),
  opt({
    key: 'payoutArrivalMs',
    flag: '--payout-arrival',
    env: 'SWITCHBOARD_PAYOUT_ARRIVAL',
    default: '1d',
    valueName: 'duration',
    description:
      'How long after creation a payout arrives (payout.paid, or payout.failed for failing test bank accounts).',
    parse: parseDuration,
  }),
  opt({
    key: 'destinationPolicy',
    flag: '--destination-policy',
    env: 'SWITCHBOARD_DESTINATION_POLICY',
    default: 'any',
    valueName: 'policy',
    description:
      'Which addresses test-mode and sandbox endpoints and event destinations may reach. any (the default, for local development: receivers on localhost); private (public addresses and private networks, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, fc00::/7, but not loopback, link-local or cloud metadata); public (public addresses only: the setting for a server that several platforms share or that others can reach, whose attempt logs would otherwise show the answers of internal services). Live-mode endpoints need a public address whatever the policy. Checked when an endpoint is saved and at every connection; --destination-allowlist opens chosen ranges under every policy.',
    parse: (t) => {
      if (t !== 'any' && t !== 'private' && t !== 'public')
        throw new ConfigError(`--destination-policy is any, private or public, not '${t}'`);
      return t;
    },
  }),
  opt({
    key: 'destinationAllowlist',
    flag: '--destination-allowlist',
    env: 'SWITCHBOARD_DESTINATION_ALLOWLIST',
    default: '',
    valueName: 'cidrs',
    description:
      'Comma-separated addresses or CIDRs that endpoints may reach although --destination-policy (or, for live-mode endpoints, public) does not allow them (e.g. 10.0.0.0/8). Live-mode endpoints need https unless their host is allowlisted.',
    parse: (t) =>
      t
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean)
        .map((c) => {
          const cidr = parseCidr(c);
          if (!cidr) throw new ConfigError(`'${c}' is not an IP address or CIDR`);
          return cidr;
        }),
  }),
  opt({
    key: 'liveChaos',
    flag: '--live-chaos',
    env: 'SWITCHBOARD_LIVE_CHAOS',
    default: 'off',
    valueName: 'on|off',
    description:
      'Allow chaos delivery (duplicates, reordering, delays, failed first attempts: POST /v1/switchboard/webhook_endpoints/{id}/chaos) on live-mode endpoints. off: the API refuses chaos settings on live endpoints, and settings made while it was on are ignored. Test-mode endpoints may always use it.',
    parse: (t) => {
      if (t !== 'on' && t !== 'off') throw new ConfigError(`--live-chaos is on or off, not '${t}'`);
      return t === 'on';
    },
  }),
  opt({
    key: 'rateLimitPerSecond',
    flag: '--rate-limit',
    env: 'SWITCHBOARD_RATE_LIMIT',
    default: '0',
    valueName: 'N',
    description:
      'Most API requests per second per key (bursts up to twice that); over it the API answers 429 rate_limit_error. 0 turns the limit off. Stripe allows 100/s in live mode and 25/s in test mode.',
    parse: (t) => {
      const n = Number(t);
      if (!Number.isInteger(n) || n < 0)
        throw new ConfigError(`--rate-limit must be a whole number, not '${t}'`);
      return n;
    },
  }),
  opt({
    key: 'publicUrl',
    flag: '--public-url',
    env: 'SWITCHBOARD_PUBLIC_URL',
    default: undefined,
    valueName: 'url',
    description:
      'The URL clients reach this server at, if not http://HOST:PORT (used in listen websocket URLs).',
    parse: (t) => t.replace(/\/$/, ''),
  }),
];

/**
 * The startup warning for a server whose test-mode endpoints may reach internal addresses while
 * others can reach it (bound beyond loopback, or behind a public URL); null when there is none.
 */
export function destinationPolicyWarning(config: Config): string | null {
  if (config.destinationPolicy === 'public') return null;
  const loopback = /^(127\.|::1$|localhost$)/.test(config.host) && !config.publicUrl;
  if (loopback) return null;
  const what =
    config.destinationPolicy === 'any'
      ? 'any address this server can reach, loopback and cloud metadata included'
      : 'private networks';
  return `test-mode and sandbox endpoints may reach ${what} (--destination-policy ${config.destinationPolicy}), and their attempt logs show the answers: on a server that several platforms share or that others can reach, set --destination-policy public (SWITCHBOARD_DESTINATION_POLICY=public)`;
}

/**
 * Builds the config from flags (already split by the CLI, keyed like `port`), then environment
 * variables, then defaults. Throws ConfigError naming the bad setting.
 */
export function loadConfig(
  flags: Partial<Record<keyof Config, string>>,
  env: NodeJS.ProcessEnv = process.env,
): Config {
  const config: Partial<Record<keyof Config, unknown>> = {};
  for (const o of options) {
    const text = flags[o.key] ?? env[o.env] ?? o.default;
    try {
      config[o.key] = text === undefined ? undefined : o.parse(text);
    } catch (e) {
      throw new ConfigError(`${o.flag} / ${o.env}: ${(e as Error).message}`);
    }
  }
  return checkCombinations(config as Config);
}

/** Settings that are each valid but not together. */
function checkCombinations(config: Config): Config {
  if (config.clock === 'manual' && config.clockSpeed !== 1)
    throw new ConfigError(
      '--clock manual moves only when advanced: it does not take --clock-speed (leave it at 1)',
    );
  if (config.clock === 'manual' && config.roles.length !== 2)
    throw new ConfigError(
      '--clock manual needs one process with both roles (--roles api,worker): the clock lives in that process',
    );
  return config;
}
