import { Command } from 'commander';
import { call, CliError, listAll } from '../api/client.js';
import {
  addConnectionOptions,
  resolveConnection,
  type ConnectionFlags,
} from '../config/connection.js';
import { action, collectList, printJson, printTable } from '../output.js';
import { parseDuration } from '../time.js';

export interface WireEndpoint {
  id: string;
  url: string;
  enabled_events: string[];
  status: 'enabled' | 'disabled';
  livemode: boolean;
  /** The platform's Connect application for `connect=true` endpoints; null otherwise. */
  application: string | null;
  description: string | null;
  secret?: string;
}

const scopeOf = (e: WireEndpoint) => (e.application ? 'connected accounts' : 'your account');

function printEndpoint(verb: string, e: WireEndpoint): void {
  const lines = [
    `${verb} webhook endpoint ${e.id} (${e.livemode ? 'live' : 'test'} mode, ${scopeOf(e)}, ${e.status})`,
    `  url:    ${e.url}`,
    `  events: ${e.enabled_events.join(', ')}`,
  ];
  if (e.secret)
    lines.push(`  signing secret: ${e.secret}   (keep it secret; \`roll-secret\` replaces it)`);
  process.stdout.write(lines.join('\n') + '\n');
}

interface WriteFlags extends ConnectionFlags {
  url?: string;
  events?: string[];
  connect?: boolean;
  description?: string;
  apiVersion?: string;
  json?: boolean;
}

export function endpointsCommand(): Command {
  const endpoints = new Command('endpoints').description(
    'Manage webhook endpoints: where events are sent, for which scope and event types.',
  );

  const create = new Command('create')
    .description('Create a webhook endpoint; prints its signing secret.')
    .requiredOption('--url <url>', 'where events are POSTed')
    .requiredOption(
      '--events <types>',
      "event types to send, comma-separated or repeated ('*' for all)",
      collectList,
    )
    .option('--connect', "receive connected accounts' events (the Connected accounts scope)")
    .option('--description <text>', 'a description')
    .option('--api-version <version>', 'render events in this API version');
  addConnectionOptions(create, { stripeAccount: true });
  create
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Without --connect the endpoint receives the platform's own events ("Your account"); with --connect
it receives events from connected accounts, which carry a top-level "account". A test-mode endpoint
receives test events; a live one (--live) receives live events, and with --connect test events too.

Examples:
  switchboard endpoints create --url https://example.com/webhook --events customer.created,payout.failed
  switchboard endpoints create --url http://localhost:4242/connect --events '*' --connect`,
    )
    .action(
      action('endpoints create', async (flags: WriteFlags) => {
        const conn = resolveConnection({ ...flags, apiVersion: undefined });
        const params: Record<string, unknown> = {
          url: flags.url,
          enabled_events: flags.events,
        };
        if (flags.connect) params.connect = true;
        if (flags.description !== undefined) params.description = flags.description;
        if (flags.apiVersion !== undefined) params.api_version = flags.apiVersion;
        const e = await call<WireEndpoint>(conn, 'POST', '/v1/webhook_endpoints', { params });
        if (flags.json) return printJson(e);
        printEndpoint('Created', e);
      }),
    );

  const list = new Command('list').description('List webhook endpoints (of this mode).');
  addConnectionOptions(list, { stripeAccount: true });
  list
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  switchboard endpoints list --live')
    .action(
      action('endpoints list', async (flags: ConnectionFlags & { json?: boolean }) => {
        const conn = resolveConnection(flags);
        const rows: WireEndpoint[] = [];
        for await (const e of listAll<WireEndpoint>(conn, '/v1/webhook_endpoints')) rows.push(e);
        if (flags.json) return printJson(rows);
        if (rows.length === 0) return void process.stdout.write('No webhook endpoints.\n');
        printTable(
          ['ID', 'SCOPE', 'STATUS', 'EVENTS', 'URL'],
          rows.map((e) => [e.id, scopeOf(e), e.status, e.enabled_events.join(','), e.url]),
        );
      }),
    );

  const update = new Command('update')
    .description("Change an endpoint's url, events or description, or disable/enable it.")
    .argument('<endpoint>', 'the endpoint id (we_...)')
    .option('--url <url>', 'new url')
    .option('--events <types>', 'new event types (replace the list)', collectList)
    .option('--description <text>', 'new description')
    .option('--disable', 'stop sending events to it')
    .option('--enable', 'send events to it again');
  addConnectionOptions(update, { stripeAccount: true });
  update
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      "\nExamples:\n  switchboard endpoints update we_123 --events '*'\n  switchboard endpoints update we_123 --disable",
    )
    .action(
      action(
        'endpoints update',
        async (id: string, flags: WriteFlags & { disable?: boolean; enable?: boolean }) => {
          if (flags.disable && flags.enable)
            throw new CliError('--disable and --enable are exclusive');
          const params: Record<string, unknown> = {};
          if (flags.url !== undefined) params.url = flags.url;
          if (flags.events !== undefined) params.enabled_events = flags.events;
          if (flags.description !== undefined) params.description = flags.description;
          if (flags.disable) params.disabled = true;
          if (flags.enable) params.disabled = false;
          if (Object.keys(params).length === 0)
            throw new CliError(
              'nothing to change: give --url, --events, --description, --disable or --enable',
            );
          const conn = resolveConnection(flags);
          const e = await call<WireEndpoint>(
            conn,
            'POST',
            `/v1/webhook_endpoints/${encodeURIComponent(id)}`,
            {
              params,
            },
          );
          if (flags.json) return printJson(e);
          printEndpoint('Updated', e);
        },
      ),
    );

  const del = new Command('delete')
    .description('Delete a webhook endpoint.')
    .argument('<endpoint>', 'the endpoint id (we_...)');
  addConnectionOptions(del, { stripeAccount: true });
  del
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  switchboard endpoints delete we_123')
    .action(
      action(
        'endpoints delete',
        async (id: string, flags: ConnectionFlags & { json?: boolean }) => {
          const conn = resolveConnection(flags);
          const res = await call(conn, 'DELETE', `/v1/webhook_endpoints/${encodeURIComponent(id)}`);
          if (flags.json) return printJson(res);
          process.stdout.write(`Deleted webhook endpoint ${id}.\n`);
        },
      ),
    );

  const roll = new Command('roll-secret')
    .description(
      'Replace the signing secret; the old one can keep signing for a while so receivers can switch.',
    )
    .argument('<endpoint>', 'the endpoint id (we_...)')
    .option(
      '--expires-in <duration>',
      'how long the previous secret keeps signing too: 0 (now) to 24h, e.g. 30m, 2h, 3600',
      '0',
    );
  addConnectionOptions(roll, { stripeAccount: true });
  roll
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  switchboard endpoints roll-secret we_123 --expires-in 24h')
    .action(
      action(
        'endpoints roll-secret',
        async (id: string, flags: ConnectionFlags & { expiresIn: string; json?: boolean }) => {
          const seconds = parseDuration(flags.expiresIn, '--expires-in');
          if (seconds > 86_400) throw new CliError('--expires-in: at most 24h (86400 seconds)');
          const conn = resolveConnection(flags);
          const e = await call<WireEndpoint>(
            conn,
            'POST',
            `/v1/webhook_endpoints/${encodeURIComponent(id)}/roll_secret`,
            { params: { previous_secret_expires_in: seconds } },
          );
          if (flags.json) return printJson(e);
          process.stdout.write(`New signing secret for ${e.id}: ${e.secret}\n`);
          process.stdout.write(
            seconds > 0
              ? `The previous secret keeps signing for ${seconds} s as well.\n`
              : 'The previous secret no longer signs.\n',
          );
        },
      ),
    );

  return endpoints
    .addCommand(create)
    .addCommand(list)
    .addCommand(update)
    .addCommand(del)
    .addCommand(roll);
}
