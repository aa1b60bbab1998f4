import { Command } from 'commander';
import { call, CliError, type Connection } from '../api/client.js';
import {
  addConnectionOptions,
  resolveConnection,
  type ConnectionFlags,
} from '../config/connection.js';
import { action, printJson } from '../output.js';

interface ConnectSettings {
  application: string;
  redirect_uris: string[];
}

const PATH = '/v1/switchboard/connect_settings';

const read = (conn: Connection) => call<ConnectSettings>(conn, 'GET', PATH);

async function write(conn: Connection, uris: string[]): Promise<ConnectSettings> {
  // An empty list is sent as `redirect_uris=`, which empties it.
  return call<ConnectSettings>(conn, 'POST', PATH, {
    params: { redirect_uris: uris.length ? uris : '' },
  });
}

function print(settings: ConnectSettings, json: boolean | undefined): void {
  if (json) return printJson(settings);
  if (settings.redirect_uris.length === 0) {
    process.stdout.write(
      `No redirect URIs registered for ${settings.application}: /oauth/authorize returns only to loopback URLs (http://localhost:PORT/...).\n`,
    );
    return;
  }
  settings.redirect_uris.forEach((u, i) =>
    process.stdout.write(`${u}${i === 0 ? '   (default)' : ''}\n`),
  );
}

/**
 * `switchboard redirect-uris`: the platform's Connect OAuth redirect URIs (its Connect settings),
 * the only places `/oauth/authorize` sends a browser back to.
 */
export function redirectUrisCommand(): Command {
  const cmd = new Command('redirect-uris').description(
    "List, add or remove the platform's Connect OAuth redirect URIs (where /oauth/authorize may send the browser back; the first is the default).",
  );
  const list = new Command('list').description('List the registered redirect URIs.');
  addConnectionOptions(list)
    .option('--json', 'print JSON')
    .action(
      action('redirect-uris list', async (flags: ConnectionFlags & { json?: boolean }) =>
        print(await read(resolveConnection(flags)), flags.json),
      ),
    );
  const add = new Command('add')
    .description('Register a redirect URI (--default puts it first).')
    .argument('<uri>', 'an absolute http or https URL (https in live mode)')
    .option('--default', 'make it the default (the first)');
  addConnectionOptions(add)
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Stripe redirects only to a URI that exactly matches a registered one; an authorize link without
redirect_uri returns to the first. Until one is registered, Switchboard accepts loopback URLs.

Examples:
  switchboard redirect-uris add https://platform.example/oauth/callback
  switchboard redirect-uris add http://localhost:3000/oauth/callback --default`,
    )
    .action(
      action(
        'redirect-uris add',
        async (uri: string, flags: ConnectionFlags & { json?: boolean; default?: boolean }) => {
          const conn = resolveConnection(flags);
          const others = (await read(conn)).redirect_uris.filter((u) => u !== uri);
          print(await write(conn, flags.default ? [uri, ...others] : [...others, uri]), flags.json);
        },
      ),
    );
  const remove = new Command('remove')
    .description('Unregister a redirect URI.')
    .argument('<uri>', 'the URI, exactly as registered');
  addConnectionOptions(remove)
    .option('--json', 'print JSON')
    .action(
      action(
        'redirect-uris remove',
        async (uri: string, flags: ConnectionFlags & { json?: boolean }) => {
          const conn = resolveConnection(flags);
          const current = (await read(conn)).redirect_uris;
          if (!current.includes(uri)) throw new CliError(`${uri} is not registered`);
          print(
            await write(
              conn,
              current.filter((u) => u !== uri),
            ),
            flags.json,
          );
        },
      ),
    );
  return cmd.addCommand(list).addCommand(add).addCommand(remove);
}
