import { describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv } from '../src/config.js';

const base = { STRIPE_SECRET_KEY: 'sk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' };

describe('configFromEnv', () => {
  it('defaults to port 4242, Stripe’s API and connect-server.db', () => {
    expect(configFromEnv(base)).toEqual({
      secretKey: 'sk_test_abc',
      webhookSecrets: ['whsec_abc'],
      port: 4242,
      host: '127.0.0.1',
      apiBase: 'https://api.stripe.com',
      databasePath: 'connect-server.db',
    });
  });

  it('takes several webhook secrets, comma-separated, during a roll', () => {
    expect(
      configFromEnv({ ...base, STRIPE_WEBHOOK_SECRET: 'whsec_new, whsec_old' }).webhookSecrets,
    ).toEqual(['whsec_new', 'whsec_old']);
  });

  it('names the missing or bad variable without echoing secrets', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ STRIPE_WEBHOOK_SECRET: 'whsec_abc' }, /STRIPE_SECRET_KEY/],
      [{ ...base, STRIPE_SECRET_KEY: 'pk_test_abc' }, /STRIPE_SECRET_KEY/],
      [{ ...base, STRIPE_WEBHOOK_SECRET: '' }, /STRIPE_WEBHOOK_SECRET/],
      [{ ...base, STRIPE_WEBHOOK_SECRET: 'secret_no_prefix' }, /STRIPE_WEBHOOK_SECRET/],
      [{ ...base, PORT: '70000' }, /PORT must be a port number/],
      [{ ...base, STRIPE_API_BASE: 'not a url' }, /STRIPE_API_BASE must be a URL/],
    ];
    for (const [env, message] of cases) {
      let error: unknown;
      try {
        configFromEnv(env);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toMatch(/secret_no_prefix|sk_test_abc|pk_test_abc/);
    }
  });
});
