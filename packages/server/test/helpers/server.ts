import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import {
  createLogger,
  loadConfig,
  manualClock,
  startSwitchboard,
  type Config,
  type ManualClock,
  type Switchboard,
} from '../../src/main.js';

export const TEST_KEY = 'sk_test_switchboard_e2e_0001';
export const LIVE_KEY = 'sk_live_switchboard_e2e_0001';

export interface TestServer {
  sb: Switchboard;
  url: string;
  port: number;
  clock: ManualClock | null;
  dir: string;
  logs: string[];
  /** The official stripe package, pointed at this server. */
  stripe(key?: string, options?: Stripe.StripeConfig): Stripe;
  close(): Promise<void>;
}

/**
 * Starts a real Switchboard on 127.0.0.1 with a fresh SQLite file, fixed keys and (optionally) a
 * manual clock; logs are captured in memory so tests can read them.
 */
export async function startTestServer(
  options: {
    manualClock?: boolean;
    config?: Partial<Record<keyof Config, string>>;
    db?: string;
  } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-test-'));
  const config = loadConfig(
    {
      port: '0',
      db: options.db ?? join(dir, 'test.db'),
      testKey: TEST_KEY,
      liveKey: LIVE_KEY,
      logLevel: 'info',
      // Live-mode endpoints in tests point at receivers on loopback: allow it explicitly.
      destinationAllowlist: '127.0.0.1/32',
      ...options.config,
    },
    {},
  );
  const logs: string[] = [];
  const clock = options.manualClock ? manualClock(Date.UTC(2026, 10, 24, 12, 0, 0)) : null;
  const sb = await startSwitchboard(config, {
    ...(clock ? { clock } : {}),
    log: createLogger({ level: config.logLevel, format: 'json', write: (l) => void logs.push(l) }),
  });
  const port = sb.port!;
  return {
    sb,
    url: sb.url!,
    port,
    clock,
    dir,
    logs,
    stripe: (key = TEST_KEY, opts = {}) =>
      new Stripe(key, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0, ...opts }),
    async close() {
      await sb.close();
      if (!options.db) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value that is not undefined/false, or fails. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
