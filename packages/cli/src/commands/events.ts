import { Command } from 'commander';
import { ApiError, call, CliError, listAll, request, type Connection } from '../api/client.js';
import { listThinEvents } from '../api/thin-events.js';
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
  v2?: boolean;
  limit: string;
  json?: boolean;
}

/** v2 (thin) events, newest first: the platform's own, or with --stripe-account that account's. */
async function listThin(conn: Connection, flags: ListFlags, limit: number) {
  const rows = await listThinEvents(conn, eventFilters(flags), limit);
  if (flags.json) return printJson(rows);
  if (rows.length === 0) return void process.stdout.write('No v2 events.\n');
  printTable(
    ['ID', 'TYPE', 'CONTEXT', 'CREATED (UTC)', 'DELIVERY'],
    rows.map((e) => [
      e.id,
      e.type,
      e.context ?? '-',
      formatTime(Math.floor(Date.parse(e.created) / 1000)),
      e.delivery_status,
    ]),
  );
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
    .option('--v2', 'v2 (thin) events, sent to event destinations, instead of v1 events')
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
  switchboard events list --failed-only --json
  switchboard events list --v2 --type 'v2.core.account*'`,
    )
    .action(
      action('events list', async (flags: ListFlags) => {
        const conn = resolveConnection(flags);
        const limit = Number(flags.limit);
        if (!Number.isInteger(limit) || limit < 1)
          throw new CliError('--limit must be a positive integer');
        if (flags.v2) return listThin(conn, flags, limit);
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
    .description('Show one event, v1 or v2, as JSON.')
    .argument('<event>', 'the event id (evt_...)');
  addConnectionOptions(retrieve, { stripeAccount: true });
  retrieve
    .addHelpText('after', '\nExample:\n  switchboard events retrieve evt_1NG8Du2eZvKYlo2CUI79vXWy')
    .action(
      action('events retrieve', async (id: string, flags: ConnectionFlags) => {
        const conn = resolveConnection(flags);
        const path = encodeURIComponent(id);
        try {
          printJson(await call(conn, 'GET', `/v1/events/${path}`));
        } catch (e) {
          // Not a v1 event: perhaps a v2 (thin) one.
          if (!(e instanceof ApiError) || e.status !== 404) throw e;
          const thin = await request(conn, 'GET', `/v2/core/events/${path}`);
          if (thin.status !== 200) throw e;
          printJson(thin.body);
        }
      }),
    );

  const resend = new Command('resend')
    .description(
      'Send an event again to one webhook endpoint or event destination (a single attempt, outside the retry schedule).',
    )
    .argument('<event>', 'the event id (evt_...)')
    .requiredOption(
      '--webhook-endpoint <id>',
      'where to send it: a webhook endpoint (we_...) or an event destination (ed_..., v2 events too)',
    );
  addConnectionOptions(resend, { stripeAccount: true });
  resend
    .option('--json', 'print the event as JSON')
    .addHelpText(
      'after',
      `
A connected account's event is resent with --stripe-account set to that account. An event
destination takes the events of its payload: v2 (thin) events, or v1 events (snapshot).

Examples:
  switchboard events resend evt_1NG8Du2eZvKYlo2CUI79vXWy --webhook-endpoint we_1Mr5jULkdIwHu7ix
  switchboard events resend evt_test_65RN... --webhook-endpoint ed_test_61RN...`,
    )
    .action(
      action(
        'events resend',
        async (
          id: string,
          flags: ConnectionFlags & { webhookEndpoint: string; json?: boolean },
        ) => {
          const conn = resolveConnection(flags);
          const target = flags.webhookEndpoint;
          // Switchboard's resend (Stripe's takes v1 events to webhook endpoints only).
          const event = await call<WireEvent>(
            conn,
            'POST',
            `/v1/switchboard/events/${encodeURIComponent(id)}/retry`,
            { params: { endpoint: target } },
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
