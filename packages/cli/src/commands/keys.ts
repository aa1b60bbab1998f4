import { Command } from 'commander';
import { call, CliError, type Connection } from '../api/client.js';
import {
  addConnectionOptions,
  resolveConnection,
  type ConnectionFlags,
} from '../config/connection.js';
import { configPath, storedKey, storeKey } from '../config/credentials.js';
import { action, formatTime, printJson, printTable } from '../output.js';
import { parseDuration } from '../time.js';

interface WireKey {
  id: string;
  type: 'secret' | 'restricted';
  livemode: boolean;
  created: number;
  expires_at: number | null;
  redacted_secret: string;
  current: boolean;
  secret?: string;
}

/** The longest overlap the server takes (7 days), as Stripe's Dashboard offers. */
const MAX_OVERLAP_S = 7 * 86_400;

async function listKeys(conn: Connection): Promise<WireKey[]> {
  return (await call<{ data: WireKey[] }>(conn, 'GET', '/v1/switchboard/api_keys')).data;
}

/** `--json`, given after the subcommand or before it (where `keys` itself takes it). */
const wantsJson = (cmd: Command) => Boolean(cmd.optsWithGlobals<{ json?: boolean }>().json);

/** `keys list`, `keys roll`, `keys revoke`: the platform's keys through the API, as its owner. */
function manageCommands(keys: Command): void {
  const list = new Command('list').description(
    "List the platform's secret and restricted keys of this mode, redacted (the one in use marked *).",
  );
  addConnectionOptions(list)
    .option('--json', 'print JSON')
    .action(
      action('keys list', async (flags: ConnectionFlags, cmd: Command) => {
        const rows = await listKeys(resolveConnection(flags));
        if (wantsJson(cmd)) return printJson(rows);
        printTable(
          ['ID', 'TYPE', 'KEY', 'CREATED', 'EXPIRES'],
          rows.map((k) => [
            `${k.current ? '*' : ' '}${k.id}`,
            k.type,
            k.redacted_secret,
            formatTime(k.created),
            k.expires_at === null ? '-' : formatTime(k.expires_at),
          ]),
        );
      }),
    );

  const roll = new Command('roll')
    .description(
      'Replace a key with a new one, printed once; the old key works on for --expires-in (default: it stops now).',
    )
    .argument('[id]', 'the key (key_...; default: the key this command uses)')
    .option(
      '--expires-in <duration>',
      'how long the old key keeps working: 0 (default), 1h, 24h, 3d, 7d',
    );
  addConnectionOptions(roll)
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Rolling the key this command uses (the one \`switchboard login\` stored) stores the new key in its
place. A live key is shown only now: the server keeps its hash.

Examples:
  switchboard keys roll --expires-in 24h
  switchboard keys roll key_1AbC... --live`,
    )
    .action(
      action(
        'keys roll',
        async (
          id: string | undefined,
          flags: ConnectionFlags & { expiresIn?: string },
          cmd: Command,
        ) => {
          const conn = resolveConnection(flags);
          const expiresIn = flags.expiresIn ? parseDuration(flags.expiresIn, '--expires-in') : 0;
          if (expiresIn > MAX_OVERLAP_S)
            throw new CliError('--expires-in: at most 7d (604800 seconds)');
          const current = (await listKeys(conn)).find((k) => k.current);
          const target = id ?? current?.id;
          if (!target) throw new CliError('no key to roll: name one (`switchboard keys list`)');
          const rolled = await call<WireKey>(
            conn,
            'POST',
            `/v1/switchboard/api_keys/${encodeURIComponent(target)}/roll`,
            { params: { expires_in: expiresIn } },
          );
          // The stored key was the one rolled: keep the CLI working with its successor.
          const path = configPath();
          const mode = conn.livemode ? 'live' : 'test';
          const replaced =
            current?.id === target && storedKey(path, conn.apiBase, mode) === conn.apiKey;
          if (replaced) storeKey(path, conn.apiBase, rolled.secret!, undefined);
          if (wantsJson(cmd)) return printJson(rolled);
          process.stdout.write(
            [
              `Rolled ${target}: new ${rolled.type} key ${rolled.id}`,
              `  ${rolled.secret}   (${rolled.livemode ? 'shown only now: it is stored hashed' : 'keep it secret'})`,
              expiresIn === 0
                ? `  The old key stopped working now.`
                : `  The old key works for another ${flags.expiresIn} (\`switchboard keys list\` shows until when).`,
              ...(replaced ? [`  Stored for ${conn.apiBase} in place of the old key.`] : []),
              '',
            ].join('\n'),
          );
        },
      ),
    );

  const revoke = new Command('revoke')
    .description('End a key now (the last secret key of a mode can only be rolled).')
    .argument('<id>', 'the key (key_..., from `switchboard keys list`)');
  addConnectionOptions(revoke)
    .option('--json', 'print JSON')
    .action(
      action('keys revoke', async (id: string, flags: ConnectionFlags, cmd: Command) => {
        const revoked = await call<WireKey>(
          resolveConnection(flags),
          'POST',
          `/v1/switchboard/api_keys/${encodeURIComponent(id)}/revoke`,
        );
        if (wantsJson(cmd)) return printJson(revoked);
        process.stdout.write(
          `Revoked ${revoked.type} key ${revoked.id} (${revoked.redacted_secret}).\n`,
        );
      }),
    );
  keys.addCommand(list).addCommand(roll).addCommand(revoke);
}

export function keysCommand(): Command {
  const keys = new Command('keys')
    .description(
      "Show the test secret keys and the publishable keys of the server's platforms and sandboxes (live secret keys are shown only at creation); list, roll or revoke a platform's keys through the API.",
    )
    .option(
      '--db <path|url>',
      'SQLite database file or PostgreSQL URL',
      process.env.SWITCHBOARD_DB ?? '.switchboard/switchboard.db',
    )
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Without a subcommand, reads the database (an operator's command). The subcommands call the API
as the platform, with --api-key or the key \`switchboard login\` stored.

Examples:
  switchboard keys
  switchboard keys list --live
  switchboard keys roll --expires-in 24h
  switchboard keys revoke key_1AbC...`,
    )
    .action(async (opts: { db: string; json?: boolean }) => {
      const {
        describeDatabase,
        firstPlatform,
        listPlatforms,
        openStorage,
        publishableKeysOf,
        testKeysOf,
      } = await import('@switchboard/server');
      const dialect = await openStorage(opts.db, { migrate: false }).catch((e: Error) => {
        process.stderr.write(
          `switchboard keys: cannot open ${describeDatabase(opts.db)}: ${e.message}\n`,
        );
        process.exit(1);
      });
      try {
        const first = await firstPlatform(dialect.db);
        if (!first) {
          process.stderr.write(
            `switchboard keys: no platform in ${describeDatabase(opts.db)} yet; start the server once with \`switchboard serve\`.\n`,
          );
          process.exit(1);
        }
        const roots = await listPlatforms(dialect.db, null);
        const rows = [];
        for (const p of roots.reverse()) {
          rows.push({
            platform: p.id,
            name: p.name,
            sandbox: false,
            test_keys: await testKeysOf(dialect.db, p.id),
            publishable_keys: await publishableKeysOf(dialect.db, p.id),
          });
          for (const s of (await listPlatforms(dialect.db, p.id)).reverse()) {
            rows.push({
              platform: s.id,
              name: s.name,
              sandbox: true,
              test_keys: await testKeysOf(dialect.db, s.id),
              publishable_keys: await publishableKeysOf(dialect.db, s.id),
            });
          }
        }
        if (opts.json) {
          process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
          return;
        }
        for (const r of rows) {
          process.stdout.write(
            `${r.sandbox ? '  sandbox ' : 'platform '}${r.platform} "${r.name}"\n`,
          );
          const indent = r.sandbox ? '  ' : '';
          for (const k of r.test_keys) process.stdout.write(`${indent}  test secret key: ${k}\n`);
          const pk = r.publishable_keys;
          if (pk.test) process.stdout.write(`${indent}  test publishable key: ${pk.test}\n`);
          if (pk.live) process.stdout.write(`${indent}  live publishable key: ${pk.live}\n`);
        }
      } finally {
        await dialect.close();
      }
    });
  manageCommands(keys);
  return keys;
}
