import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConnection } from './connection.js';
import { configPath, storeKey } from './credentials.js';

const base = 'http://127.0.0.1:12111';
const testKey = 'sk_test_stored_0123456789';
const liveKey = 'sk_live_stored_0123456789';

function home(): NodeJS.ProcessEnv {
  return { XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'sb-config-')) };
}

describe('which key a command uses', () => {
  it('stores keys per server in $XDG_CONFIG_HOME/switchboard/config.json, readable by the owner only', () => {
    const env = home();
    const path = configPath(env);
    expect(path).toBe(join(env.XDG_CONFIG_HOME!, 'switchboard', 'config.json'));
    expect(storeKey(path, base, testKey, 'acct_P')).toBe('test');
    expect(storeKey(path, base, liveKey, 'acct_P')).toBe('live');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      servers: { [base]: { test_key: testKey, live_key: liveKey, platform: 'acct_P' } },
    });
  });

  it('falls back to ~/.config without XDG_CONFIG_HOME', () => {
    expect(configPath({ HOME: '/home/jenny' })).toBe('/home/jenny/.config/switchboard/config.json');
  });

  it('prefers --api-key, then SWITCHBOARD_API_KEY, then the stored key of that server', () => {
    const env = home();
    storeKey(configPath(env), base, testKey, 'acct_P');
    const flag = 'sk_test_flag_0123456789';
    const fromEnv = 'sk_test_env_0123456789';
    expect(
      resolveConnection({ apiKey: flag }, { ...env, SWITCHBOARD_API_KEY: fromEnv }).apiKey,
    ).toBe(flag);
    expect(resolveConnection({}, { ...env, SWITCHBOARD_API_KEY: fromEnv }).apiKey).toBe(fromEnv);
    expect(resolveConnection({}, env)).toMatchObject({
      apiBase: base,
      apiKey: testKey,
      livemode: false,
    });
    expect(resolveConnection({ apiBase: `${base}/` }, env).apiKey).toBe(testKey);
    expect(() => resolveConnection({ apiBase: 'http://127.0.0.1:4000' }, env)).toThrow(
      'no API key for http://127.0.0.1:4000: run `switchboard login --api-base http://127.0.0.1:4000`',
    );
  });

  it('uses the stored live key with --live, and explains when there is none', () => {
    const env = home();
    storeKey(configPath(env), base, testKey, 'acct_P');
    expect(() => resolveConnection({ live: true }, env)).toThrow(
      /no live key stored for http:\/\/127.0.0.1:12111: run `switchboard login/,
    );
    storeKey(configPath(env), base, liveKey, 'acct_P');
    expect(resolveConnection({ live: true }, env)).toMatchObject({
      apiKey: liveKey,
      livemode: true,
    });
    expect(() => resolveConnection({ live: true, apiKey: testKey }, env)).toThrow(
      '--live needs a live key, but the key from --api-key is a test key',
    );
  });

  it('forgets the other mode when a key of another platform is stored', () => {
    const env = home();
    const path = configPath(env);
    storeKey(path, base, liveKey, 'acct_P');
    storeKey(path, base, testKey, 'acct_Q');
    expect(() => resolveConnection({ live: true }, env)).toThrow(/no live key/);
  });

  it('rejects a malformed key, api base or account id in one line', () => {
    const env = home();
    expect(() => resolveConnection({ apiKey: 'pk_test_123456' }, env)).toThrow(
      'is not a secret key',
    );
    expect(() => resolveConnection({ apiKey: testKey, apiBase: 'ftp://x' }, env)).toThrow(
      'only http and https',
    );
    expect(() => resolveConnection({ apiKey: testKey, stripeAccount: 'cus_1' }, env)).toThrow(
      '--stripe-account: "cus_1" is not an account id',
    );
  });

  it('reports a config file that is not JSON', () => {
    const env = home();
    storeKey(configPath(env), base, testKey, 'acct_P');
    writeFileSync(configPath(env), '{oops');
    expect(() => resolveConnection({}, env)).toThrow(/config.json is not valid JSON/);
  });
});
