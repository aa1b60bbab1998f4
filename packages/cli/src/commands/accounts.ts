import { Command, Option } from 'commander';
import { call, CliError, listAll } from '../api/client.js';
import {
  addConnectionOptions,
  resolveConnection,
  type ConnectionFlags,
} from '../config/connection.js';
import { action, collect, formatTime, printJson, printTable } from '../output.js';

interface WireAccount {
  id: string;
  type: string | null;
  country: string | null;
  email: string | null;
  created: number;
  charges_enabled: boolean;
  payouts_enabled: boolean;
}

/** `k=v` pairs from repeated `--metadata k=v`. */
function metadataOf(pairs: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new CliError(`--metadata ${p}: expected key=value`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

export function accountsCommand(): Command {
  const accounts = new Command('accounts').description(
    "Create and list the platform's connected accounts.",
  );

  const create = new Command('create')
    .description('Create a connected account.')
    .addOption(
      new Option('--type <type>', 'account type')
        .choices(['custom', 'express', 'standard'])
        .default('custom'),
    )
    .option('--country <code>', 'two-letter country code', 'US')
    .option('--email <email>', "the account's email")
    .option('--metadata <key=value>', 'metadata (repeatable)', collect);
  addConnectionOptions(create);
  create
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
A Standard account also authorizes the platform's application (account.application.authorized).

Examples:
  switchboard accounts create
  switchboard accounts create --type standard --email jenny@example.com`,
    )
    .action(
      action(
        'accounts create',
        async (
          flags: ConnectionFlags & {
            type: string;
            country: string;
            email?: string;
            metadata?: string[];
            json?: boolean;
          },
        ) => {
          const params: Record<string, unknown> = { type: flags.type, country: flags.country };
          if (flags.email) params.email = flags.email;
          if (flags.metadata) params.metadata = metadataOf(flags.metadata);
          if (flags.type !== 'standard')
            params.capabilities = {
              card_payments: { requested: true },
              transfers: { requested: true },
            };
          const conn = resolveConnection(flags);
          const a = await call<WireAccount>(conn, 'POST', '/v1/accounts', { params });
          if (flags.json) return printJson(a);
          process.stdout.write(
            `Created ${a.type} account ${a.id} (${conn.livemode ? 'live' : 'test'} mode).\n` +
              `Act as it with --stripe-account ${a.id}.\n`,
          );
        },
      ),
    );

  const list = new Command('list')
    .description('List connected accounts, newest first.')
    .option('--limit <n>', 'how many at most', '100');
  addConnectionOptions(list);
  list
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  switchboard accounts list --json')
    .action(
      action(
        'accounts list',
        async (flags: ConnectionFlags & { limit: string; json?: boolean }) => {
          const limit = Number(flags.limit);
          if (!Number.isInteger(limit) || limit < 1)
            throw new CliError('--limit must be a positive integer');
          const conn = resolveConnection(flags);
          const rows: WireAccount[] = [];
          for await (const a of listAll<WireAccount>(conn, '/v1/accounts', {}, limit)) rows.push(a);
          if (flags.json) return printJson(rows);
          if (rows.length === 0) return void process.stdout.write('No connected accounts.\n');
          printTable(
            ['ID', 'TYPE', 'COUNTRY', 'CHARGES', 'PAYOUTS', 'CREATED (UTC)', 'EMAIL'],
            rows.map((a) => [
              a.id,
              a.type ?? '-',
              a.country ?? '-',
              a.charges_enabled ? 'enabled' : 'disabled',
              a.payouts_enabled ? 'enabled' : 'disabled',
              formatTime(a.created),
              a.email ?? '',
            ]),
          );
        },
      ),
    );

  return accounts.addCommand(create).addCommand(list);
}
