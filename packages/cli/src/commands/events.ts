import { Command } from 'commander';
import { call, CliError, listAll } from '../api/client.js';
import {
  addConnectionOptions,
  resolveConnection,
  type ConnectionFlags,
} from '../config/connection.js';
import { action, collectList, formatTime, printJson, printTable } from '../output.js';
import { parseTime } from '../time.js';

interface WireEvent {
  id: string;
  type: string;
  created: number;
  account?: string | null;
  livemode: boolean;
  pending_webhooks: number;
}

interface ListFlags extends ConnectionFlags {
  type?: string[];
  since?: string;
  until?: string;
  failedOnly?: boolean;
  limit: string;
  json?: boolean;
}

export function eventsCommand(): Command {
  const events = new Command('events').description('List, show and resend events.');

  const list = new Command('list')
    .description(
      "List recent events, newest first (the platform's own, or a connected account's with --stripe-account).",
    )
    .option(
      '--type <type>',
      'only events of these types (repeatable, or comma-separated)',
      collectList,
    )
    .option(
      '--since <time>',
      'created at or after: ISO date, unix seconds or a duration ago (2h, 3d)',
    )
    .option('--until <time>', 'created at or before (same forms)')
    .option('--failed-only', 'only events with a delivery that has not succeeded')
    .option('--limit <n>', 'how many events at most', '10');
  addConnectionOptions(list, { stripeAccount: true });
  list
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Examples:
  switchboard events list
  switchboard events list --type payout.failed --since 1d --stripe-account acct_1Nv0FGQ9RKHgCVdK
  switchboard events list --failed-only --json`,
    )
    .action(
      action('events list', async (flags: ListFlags) => {
        const conn = resolveConnection(flags);
        const limit = Number(flags.limit);
        if (!Number.isInteger(limit) || limit < 1)
          throw new CliError('--limit must be a positive integer');
        const rows: WireEvent[] = [];
        for await (const e of listAll<WireEvent>(conn, '/v1/events', eventFilters(flags), limit))
          rows.push(e);
        if (flags.json) return printJson(rows);
        if (rows.length === 0) return void process.stdout.write('No events.\n');
        printTable(
          ['ID', 'TYPE', 'ACCOUNT', 'CREATED (UTC)', 'PENDING'],
          rows.map((e) => [
            e.id,
            e.type,
            e.account ?? '-',
            formatTime(e.created),
            String(e.pending_webhooks),
          ]),
        );
      }),
    );

  const retrieve = new Command('retrieve')
    .description('Show one event as JSON.')
    .argument('<event>', 'the event id (evt_...)');
  addConnectionOptions(retrieve, { stripeAccount: true });
  retrieve
    .addHelpText('after', '\nExample:\n  switchboard events retrieve evt_1NG8Du2eZvKYlo2CUI79vXWy')
    .action(
      action('events retrieve', async (id: string, flags: ConnectionFlags) => {
        const conn = resolveConnection(flags);
        printJson(await call(conn, 'GET', `/v1/events/${encodeURIComponent(id)}`));
      }),
    );

  const resend = new Command('resend')
    .description(
      'Send an event again to one webhook endpoint (a single attempt, outside the retry schedule).',
    )
    .argument('<event>', 'the event id (evt_...)')
    .requiredOption('--webhook-endpoint <we>', 'the endpoint to send it to (we_...)');
  addConnectionOptions(resend, { stripeAccount: true });
  resend
    .option('--json', 'print the event as JSON')
    .addHelpText(
      'after',
      `
A connected account's event is resent with --stripe-account set to that account.

Example:
  switchboard events resend evt_1NG8Du2eZvKYlo2CUI79vXWy --webhook-endpoint we_1Mr5jULkdIwHu7ix`,
    )
    .action(
      action(
        'events resend',
        async (
          id: string,
          flags: ConnectionFlags & { webhookEndpoint: string; json?: boolean },
        ) => {
          const conn = resolveConnection(flags);
          const event = await call<WireEvent>(
            conn,
            'POST',
            `/v1/events/${encodeURIComponent(id)}/retry`,
            {
              params: { webhook_endpoint: flags.webhookEndpoint },
            },
          );
          if (flags.json) return printJson(event);
          process.stdout.write(
            `Resending ${event.type} ${event.id} to ${flags.webhookEndpoint}.\n`,
          );
        },
      ),
    );

  return events.addCommand(list).addCommand(retrieve).addCommand(resend);
}

/** `GET /v1/events` parameters for the shared filters of `events list` and `replay`. */
export function eventFilters(flags: {
  type?: string[];
  since?: string;
  until?: string;
  failedOnly?: boolean;
}): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  const types = flags.type ?? [];
  if (types.length === 1) params.type = types[0];
  else if (types.length > 1) params.types = types;
  const created: Record<string, number> = {};
  if (flags.since !== undefined) created.gte = parseTime(flags.since, '--since');
  if (flags.until !== undefined) created.lte = parseTime(flags.until, '--until');
  if (Object.keys(created).length) params.created = created;
  if (flags.failedOnly) params.delivery_success = false;
  return params;
}
