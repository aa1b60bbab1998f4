import { Option, type Command } from 'commander';
import { CliError, DEFAULT_API_BASE, type Connection } from '../api/client.js';
import { configPath, keyMode, normalizeApiBase, storedKey } from './credentials.js';

/** The flags every command that calls the API takes. */
export interface ConnectionFlags {
  apiBase?: string;
  apiKey?: string;
  live?: boolean;
  stripeAccount?: string;
  apiVersion?: string;
}

export function addConnectionOptions(
  cmd: Command,
  extra: { stripeAccount?: boolean } = {},
): Command {
  cmd
    .option(
      '--api-base <url>',
      `the Switchboard server [env SWITCHBOARD_API_BASE] (default: ${DEFAULT_API_BASE})`,
    )
    .option(
      '--api-key <key>',
      'secret key to use instead of the one `switchboard login` stored [env SWITCHBOARD_API_KEY]',
    )
    .option('--live', "use the server's live key stored by `switchboard login` (live mode)");
  if (extra.stripeAccount) {
    cmd.addOption(
      new Option(
        '--stripe-account <acct>',
        'act as this connected account (Stripe-Account header)',
      ),
    );
  }
  return cmd;
}

export interface ResolvedConnection extends Connection {
  livemode: boolean;
}

/**
 * The server and key a command uses. Key order: --api-key, SWITCHBOARD_API_KEY, then the key
 * `switchboard login` stored for this server (its live key with --live).
 */
export function resolveConnection(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedConnection {
  const apiBase = normalizeApiBase(flags.apiBase ?? env.SWITCHBOARD_API_BASE ?? DEFAULT_API_BASE);
  const wanted = flags.live ? 'live' : 'test';
  let key: string | undefined;
  let from: string | undefined;
  if (flags.apiKey) [key, from] = [flags.apiKey, '--api-key'];
  else if (env.SWITCHBOARD_API_KEY) [key, from] = [env.SWITCHBOARD_API_KEY, 'SWITCHBOARD_API_KEY'];

  if (key !== undefined) {
    const mode = keyMode(key);
    if (!mode)
      throw new CliError(
        `the key from ${from} is not a secret key (expected sk_test_..., sk_live_..., rk_test_... or rk_live_...)`,
      );
    if (flags.live && mode !== 'live')
      throw new CliError(`--live needs a live key, but the key from ${from} is a test key`);
  } else {
    key = storedKey(configPath(env), apiBase, wanted);
    if (!key) {
      throw new CliError(
        wanted === 'live'
          ? `no live key stored for ${apiBase}: run \`switchboard login --api-base ${apiBase}\` with the live key (the server prints it once, when it first starts), or pass --api-key`
          : `no API key for ${apiBase}: run \`switchboard login --api-base ${apiBase}\` (\`switchboard keys\` shows the test key), or pass --api-key / set SWITCHBOARD_API_KEY`,
      );
    }
  }
  if (flags.stripeAccount !== undefined && !/^acct_[A-Za-z0-9]+$/.test(flags.stripeAccount))
    throw new CliError(
      `--stripe-account: ${JSON.stringify(flags.stripeAccount)} is not an account id (acct_...)`,
    );
  return {
    apiBase,
    apiKey: key,
    livemode: keyMode(key) === 'live',
    ...(flags.stripeAccount ? { stripeAccount: flags.stripeAccount } : {}),
    ...(flags.apiVersion ? { apiVersion: flags.apiVersion } : {}),
  };
}
