import { Command } from 'commander';
import { call } from '../api/client.js';
import {
  addConnectionOptions,
  resolveConnection,
  type ConnectionFlags,
} from '../config/connection.js';
import { action, formatTime, printJson, printTable } from '../output.js';

interface WireSandbox {
  id: string;
  name: string;
  created: number;
  secret_key: string | null;
}

export function sandboxesCommand(): Command {
  const sandboxes = new Command('sandboxes').description(
    'Create and list sandboxes: isolated test environments with their own key, accounts, events and endpoints.',
  );

  const create = new Command('create')
    .description('Create a sandbox; prints its test secret key.')
    .option('--name <name>', 'a name for it', 'Sandbox');
  addConnectionOptions(create);
  create
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Use the sandbox's key with --api-key (or SWITCHBOARD_API_KEY). Its endpoints receive only its own
events: define separate endpoints in each sandbox.

Example:
  switchboard sandboxes create --name staging`,
    )
    .action(
      action(
        'sandboxes create',
        async (flags: ConnectionFlags & { name: string; json?: boolean }) => {
          const conn = resolveConnection(flags);
          const s = await call<WireSandbox>(conn, 'POST', '/v1/switchboard/sandboxes', {
            params: { name: flags.name },
          });
          if (flags.json) return printJson(s);
          process.stdout.write(
            `Created sandbox ${s.id} "${s.name}".\n  Test secret key: ${s.secret_key}\n`,
          );
        },
      ),
    );

  const list = new Command('list').description(
    "List the platform's sandboxes with their test keys.",
  );
  addConnectionOptions(list);
  list
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  switchboard sandboxes list')
    .action(
      action('sandboxes list', async (flags: ConnectionFlags & { json?: boolean }) => {
        const conn = resolveConnection(flags);
        const page = await call<{ data: WireSandbox[] }>(conn, 'GET', '/v1/switchboard/sandboxes');
        if (flags.json) return printJson(page.data);
        if (page.data.length === 0) return void process.stdout.write('No sandboxes.\n');
        printTable(
          ['ID', 'NAME', 'CREATED (UTC)', 'TEST SECRET KEY'],
          page.data.map((s) => [s.id, s.name, formatTime(s.created), s.secret_key ?? '-']),
        );
      }),
    );

  return sandboxes.addCommand(create).addCommand(list);
}
