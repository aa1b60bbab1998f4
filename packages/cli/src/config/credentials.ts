import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from '../api/client.js';

/** What `switchboard login` remembers for one server: a test key, a live key, or both. */
export interface ServerEntry {
  test_key?: string;
  live_key?: string;
  /** The platform the keys belong to (`GET /v1/account` at login). */
  platform?: string;
}

export interface ConfigFile {
  servers: Record<string, ServerEntry>;
}

export type KeyMode = 'test' | 'live';

/** `$XDG_CONFIG_HOME/switchboard/config.json`, else `~/.config/switchboard/config.json`. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'switchboard', 'config.json');
}

/** `sk_test_...` / `rk_test_...` are test keys, `sk_live_...` / `rk_live_...` live ones. */
export function keyMode(key: string): KeyMode | null {
  const m = /^(?:sk|rk)_(test|live)_[A-Za-z0-9_]{4,}$/.exec(key);
  return m ? (m[1] as KeyMode) : null;
}

/** The form servers are stored under: scheme, host and port (and path), no trailing slash. */
export function normalizeApiBase(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(
      `invalid --api-base ${JSON.stringify(text)}: expected a URL such as http://127.0.0.1:12111`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError(`invalid --api-base ${text}: only http and https are supported`);
  if (url.search || url.hash)
    throw new CliError(`invalid --api-base ${text}: it must not have a query or fragment`);
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

export function readConfig(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { servers: {} };
    throw new CliError(`cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as Partial<ConfigFile>;
    return { servers: parsed.servers && typeof parsed.servers === 'object' ? parsed.servers : {} };
  } catch {
    throw new CliError(
      `${path} is not valid JSON; fix or delete it, then run \`switchboard login\``,
    );
  }
}

/** Writes the file readable by its owner only (0600), in a directory only the owner can enter. */
export function writeConfig(path: string, config: ConfigFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export function storeKey(
  path: string,
  apiBase: string,
  key: string,
  platform: string | undefined,
): KeyMode {
  const mode = keyMode(key);
  if (!mode)
    throw new CliError(
      'not a secret key: expected sk_test_..., sk_live_..., rk_test_... or rk_live_...',
    );
  const config = readConfig(path);
  const entry = { ...config.servers[apiBase] };
  // A key for another platform replaces both: a test key of one platform and a live key of another
  // would make --live silently switch platforms.
  if (platform && entry.platform && entry.platform !== platform) {
    delete entry.test_key;
    delete entry.live_key;
  }
  entry[mode === 'live' ? 'live_key' : 'test_key'] = key;
  if (platform) entry.platform = platform;
  config.servers[apiBase] = entry;
  writeConfig(path, config);
  return mode;
}

export function storedKey(path: string, apiBase: string, mode: KeyMode): string | undefined {
  const entry = readConfig(path).servers[apiBase];
  return mode === 'live' ? entry?.live_key : entry?.test_key;
}
