/** Everything the example reads from its environment. */
export interface ConnectServerConfig {
  /** The platform's secret key (`sk_test_...` or `sk_live_...`). */
  secretKey: string;
  /** The connect=true endpoint's signing secret(s); several during a roll. */
  webhookSecrets: string[];
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Host to listen on. */
  host: string;
  /** The API's base URL: Stripe's, or a Switchboard such as http://127.0.0.1:12111. */
  apiBase: string;
  /** The SQLite file holding connected accounts' state and processed event ids. */
  databasePath: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads the configuration from environment variables; names the missing or bad one. */
export function configFromEnv(env: Record<string, string | undefined>): ConnectServerConfig {
  const secretKey = env.STRIPE_SECRET_KEY ?? '';
  if (!/^(sk|rk)_(test|live)_/.test(secretKey)) {
    throw new ConfigError(
      'Set STRIPE_SECRET_KEY to your platform secret key (sk_test_... or sk_live_...).',
    );
  }
  const webhookSecrets = (env.STRIPE_WEBHOOK_SECRET ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (webhookSecrets.length === 0 || !webhookSecrets.every((s) => s.startsWith('whsec_'))) {
    throw new ConfigError(
      'Set STRIPE_WEBHOOK_SECRET to the Connect endpoint signing secret (whsec_...; comma-separated during a roll).',
    );
  }
  const port = Number(env.PORT ?? '4242');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT must be a port number (0-65535), got '${env.PORT}'.`);
  }
  const apiBase = env.STRIPE_API_BASE ?? 'https://api.stripe.com';
  try {
    new URL(apiBase);
  } catch {
    throw new ConfigError(
      `STRIPE_API_BASE must be a URL such as http://127.0.0.1:12111, got '${apiBase}'.`,
    );
  }
  return {
    secretKey,
    webhookSecrets,
    port,
    host: env.HOST ?? '127.0.0.1',
    apiBase,
    databasePath: env.DATABASE_PATH ?? 'connect-server.db',
  };
}
