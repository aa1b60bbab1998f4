import { Command, Option } from 'commander';
// The config schema alone: the server itself loads only when `serve` runs, which keeps every other
// command's start-up short (~150 ms less).
import {
  options as configOptions,
  ConfigError,
  describeDatabase,
  loadConfig,
  type Config,
} from '@switchboard/server/config';
import type { startSwitchboard } from '@switchboard/server';

/** `--test-key` -> `testKey`, for the options commander parsed. */
const camel = (flag: string) =>
  flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function serveCommand(): Command {
  const cmd = new Command('serve').description(
    'Start Switchboard: the Stripe-compatible API and the delivery workers (SQLite under ./.switchboard/ by default).',
  );
  for (const o of configOptions) {
    const option = new Option(`${o.flag} <${o.valueName}>`, `${o.description} [env ${o.env}]`);
    if (o.default !== undefined) option.default(o.default);
    cmd.addOption(option);
  }
  cmd.addHelpText(
    'after',
    `
Keys: on first start a test and a live secret key are generated and printed. The live key is shown
once (it is stored hashed); \`switchboard keys\` shows the test keys again. Keys are never logged.
Publishable keys (pk_test_, pk_live_: for Stripe.js and the mobile SDKs) are public and printed at
every start.

Examples:
  switchboard serve
  switchboard serve --port 4000 --db /var/lib/switchboard/data.db
  SWITCHBOARD_TEST_KEY=sk_test_ci_0123456789 switchboard serve --clock-speed 1000
  switchboard serve --clock manual     # then: curl -u sk_test_...: 127.0.0.1:12111/v1/switchboard/clock/advance -d by=3d`,
  );
  cmd.action(async (opts: Record<string, string>) => {
    const flags: Partial<Record<keyof Config, string>> = {};
    for (const o of configOptions) {
      const value = opts[camel(o.flag)];
      // Only values typed on the command line override the environment.
      if (value !== undefined && cmd.getOptionValueSource(camel(o.flag)) === 'cli')
        flags[o.key] = value;
    }
    let config: Config;
    try {
      config = loadConfig(flags);
    } catch (e) {
      if (e instanceof ConfigError) {
        process.stderr.write(`switchboard serve: ${e.message}\n`);
        process.exit(2);
      }
      throw e;
    }
    const { limitHeapGrowth, startSwitchboard } = await import('@switchboard/server');
    limitHeapGrowth();
    const sb = await startSwitchboard(config);
    printBanner(config, sb);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      sb.services.log.info('shutting down: finishing deliveries in flight', { signal });
      sb.close().then(
        () => process.exit(0),
        (e: unknown) => {
          process.stderr.write(`switchboard: shutdown failed: ${(e as Error).message}\n`);
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
  return cmd;
}

function printBanner(config: Config, sb: Awaited<ReturnType<typeof startSwitchboard>>): void {
  const out: string[] = [];
  const roles = config.roles.join(' + ');
  out.push(
    `Switchboard ${roles} ready${sb.url ? ` at ${sb.url}` : ''}  (database: ${describeDatabase(config.db)})`,
  );
  const { platform } = sb.startup;
  out.push(`Platform ${platform.id} "${platform.name}"`);
  const created = sb.startup.created;
  if (created) {
    out.push(`  Test secret key: ${created.testKey}`);
    if (created.liveKey)
      out.push(`  Live secret key: ${created.liveKey}   (shown only now: it is stored hashed)`);
  } else {
    out.push('  Keys: `switchboard keys` shows the test keys.');
  }
  const pk = sb.startup.publishable;
  if (pk?.test) out.push(`  Test publishable key: ${pk.test}`);
  if (pk?.live) out.push(`  Live publishable key: ${pk.live}`);
  if (config.clockSpeed !== 1) out.push(`Clock runs ${config.clockSpeed}x faster than real time.`);
  if (config.clock === 'manual') {
    out.push(
      `Clock is manual, at ${new Date(sb.services.clock.now()).toISOString()}: it moves only with POST /v1/switchboard/clock/advance (by=3d).`,
    );
  }
  if (sb.url) {
    const u = new URL(sb.url);
    out.push('');
    out.push(
      `stripe-node:  new Stripe(key, { host: '${u.hostname}', port: ${u.port}, protocol: 'http' })`,
    );
    out.push(
      `Stripe CLI:   stripe listen --api-base ${sb.url} --api-key <test key> --all-snapshot --forward-to localhost:4242/webhook --forward-connect-to localhost:4242/connect`,
    );
    out.push(`Dashboard:    ${sb.url}/dashboard`);
    out.push(
      `Connect OAuth: ${sb.url}/oauth/authorize?response_type=code&client_id=${platform.application_id}&scope=read_write`,
    );
  }
  process.stdout.write(out.join('\n') + '\n');
}
