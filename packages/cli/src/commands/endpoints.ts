import { Command, Option } from 'commander';
import { call, CliError, listAll, type Connection } from '../api/client.js';
import { isDestination, listDestinations, type WireDestination } from '../api/destinations.js';
import {
  addConnectionOptions,
  resolveConnection,
  type ConnectionFlags,
} from '../config/connection.js';
import { action, collectList, printJson, printTable } from '../output.js';
import { parseChaosSpec, type WireChaos } from '../chaos.js';
import { parseDuration } from '../time.js';

export interface WireEndpoint {
  id: string;
  object: 'webhook_endpoint';
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

/** A destination's `events_from` in the words of the endpoints' scopes. */
const sourcesOf = (d: WireDestination) =>
  d.events_from
    .map((f) => (f === '@accounts' ? 'connected accounts' : f === '@self' ? 'your account' : f))
    .join(' + ');

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

function printDestination(verb: string, d: WireDestination): void {
  const lines = [
    `${verb} event destination ${d.id} (${d.livemode ? 'live' : 'test'} mode, ${d.event_payload} events from ${sourcesOf(d)}, ${d.status})`,
    `  name:   ${d.name}`,
  ];
  if (d.webhook_endpoint.url) lines.push(`  url:    ${d.webhook_endpoint.url}`);
  lines.push(`  events: ${d.enabled_events.join(', ')}`);
  if (d.webhook_endpoint.signing_secret)
    lines.push(`  signing secret: ${d.webhook_endpoint.signing_secret}   (keep it secret)`);
  process.stdout.write(lines.join('\n') + '\n');
}

/** Event destinations are the platform's: there is no acting as a connected account for them. */
function platformOnly(flags: ConnectionFlags): Connection {
  if (flags.stripeAccount)
    throw new CliError(
      "event destinations belong to the platform: drop --stripe-account (events_from chooses the connected accounts' events)",
    );
  return resolveConnection(flags);
}

const destinationPath = (id: string, action = '') =>
  `/v2/core/event_destinations/${encodeURIComponent(id)}${action}`;
const withUrl = { include: ['webhook_endpoint.url'] };

interface WriteFlags extends ConnectionFlags {
  url?: string;
  events?: string[];
  connect?: boolean;
  description?: string;
  apiVersion?: string;
  destination?: 'thin' | 'snapshot';
  name?: string;
  eventsFrom?: string[];
  json?: boolean;
}

/** `--connect` and `--events-from` as a destination's `events_from`. */
function eventsFrom(flags: WriteFlags): string[] {
  if (flags.connect && flags.eventsFrom)
    throw new CliError(
      '--connect and --events-from are exclusive (--connect is --events-from accounts)',
    );
  const from = flags.eventsFrom ?? (flags.connect ? ['accounts'] : ['self']);
  for (const f of from) {
    if (f !== 'self' && f !== 'accounts')
      throw new CliError(`--events-from: ${JSON.stringify(f)} is not one of self, accounts`);
  }
  return from.map((f) => `@${f}`);
}

async function createDestination(flags: WriteFlags): Promise<void> {
  const conn = platformOnly({ ...flags, apiVersion: undefined });
  const payload = flags.destination!;
  if (flags.apiVersion !== undefined && payload === 'thin')
    throw new CliError('--api-version applies to snapshot destinations only');
  const params: Record<string, unknown> = {
    name: flags.name ?? flags.url,
    type: 'webhook_endpoint',
    event_payload: payload,
    enabled_events: flags.events,
    events_from: eventsFrom(flags),
    webhook_endpoint: { url: flags.url },
    include: ['webhook_endpoint.url', 'webhook_endpoint.signing_secret'],
  };
  if (flags.description !== undefined) params.description = flags.description;
  if (flags.apiVersion !== undefined) params.snapshot_api_version = flags.apiVersion;
  const d = await call<WireDestination>(conn, 'POST', '/v2/core/event_destinations', { params });
  if (flags.json) return printJson(d);
  printDestination('Created', d);
}

export function endpointsCommand(): Command {
  const endpoints = new Command('endpoints').description(
    'Manage webhook endpoints (we_...) and event destinations (ed_...): where events are sent, for which scope and event types.',
  );

  const create = new Command('create')
    .description('Create a webhook endpoint, or an event destination; prints its signing secret.')
    .requiredOption('--url <url>', 'where events are POSTed')
    .requiredOption(
      '--events <types>',
      "event types to send, comma-separated or repeated ('*' for all)",
      collectList,
    )
    .option('--connect', "receive connected accounts' events (the Connected accounts scope)")
    .option('--description <text>', 'a description')
    .option('--api-version <version>', 'render events in this API version')
    .addOption(
      new Option(
        '--destination <payload>',
        'create a v2 event destination instead: thin (v2 events) or snapshot (v1 events)',
      ).choices(['thin', 'snapshot']),
    )
    .option('--name <name>', "the destination's name (default: its url)")
    .option(
      '--events-from <sources>',
      "the destination's sources: self, accounts or both, comma-separated (default: self)",
      collectList,
    );
  addConnectionOptions(create, { stripeAccount: true });
  create
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Without --connect the endpoint receives the platform's own events ("Your account"); with --connect
it receives events from connected accounts, which carry a top-level "account". A test-mode endpoint
receives test events; a live one (--live) receives live events, and with --connect test events too.

With --destination the server creates a v2 event destination (POST /v2/core/event_destinations):
thin destinations receive v2 events (v1.account.updated, v2.core.account...), snapshot ones the v1
events a webhook endpoint would; --events-from self,accounts takes both scopes at once.

Examples:
  switchboard endpoints create --url https://example.com/webhook --events customer.created,payout.failed
  switchboard endpoints create --url http://localhost:4242/connect --events '*' --connect
  switchboard endpoints create --destination thin --url http://localhost:4242/v2 \\
    --events v2.core.account.updated --events-from self,accounts`,
    )
    .action(
      action('endpoints create', async (flags: WriteFlags) => {
        if (flags.destination) return createDestination(flags);
        if (flags.name !== undefined || flags.eventsFrom !== undefined)
          throw new CliError('--name and --events-from are for event destinations (--destination)');
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

  const list = new Command('list').description(
    'List webhook endpoints and event destinations (of this mode).',
  );
  addConnectionOptions(list, { stripeAccount: true });
  list
    .option('--json', 'print JSON (webhook endpoints, then event destinations, each with `object`)')
    .addHelpText(
      'after',
      "\nWith --stripe-account, that connected account's own webhook endpoints (destinations are the platform's).\n\nExample:\n  switchboard endpoints list --live",
    )
    .action(
      action('endpoints list', async (flags: ConnectionFlags & { json?: boolean }) => {
        const conn = resolveConnection(flags);
        const rows: WireEndpoint[] = [];
        for await (const e of listAll<WireEndpoint>(conn, '/v1/webhook_endpoints')) rows.push(e);
        const destinations = flags.stripeAccount ? [] : await listDestinations(conn);
        if (flags.json) return printJson([...rows, ...destinations]);
        if (rows.length === 0 && destinations.length === 0)
          return void process.stdout.write('No webhook endpoints or event destinations.\n');
        if (rows.length > 0) {
          printTable(
            ['ID', 'SCOPE', 'STATUS', 'EVENTS', 'URL'],
            rows.map((e) => [e.id, scopeOf(e), e.status, e.enabled_events.join(','), e.url]),
          );
        }
        if (destinations.length === 0) return;
        if (rows.length > 0) process.stdout.write('\n');
        printTable(
          ['ID', 'PAYLOAD', 'FROM', 'STATUS', 'EVENTS', 'URL'],
          destinations.map((d) => [
            d.id,
            d.event_payload,
            sourcesOf(d),
            d.status,
            d.enabled_events.join(','),
            d.webhook_endpoint.url ?? '',
          ]),
        );
      }),
    );

  const update = new Command('update')
    .description(
      "Change an endpoint's or destination's url, events or description, or disable/enable it.",
    )
    .argument('<endpoint>', 'the endpoint id (we_...) or event destination id (ed_...)')
    .option('--url <url>', 'new url')
    .option('--events <types>', 'new event types (replace the list)', collectList)
    .option('--description <text>', 'new description')
    .option('--name <name>', 'new name (event destinations)')
    .option('--disable', 'stop sending events to it')
    .option('--enable', 'send events to it again')
    .option(
      '--chaos <settings>',
      'chaos delivery (webhook endpoints): off, or duplicate=25%,fail-first=10%,delay=5%:30s,reorder=5s',
    );
  addConnectionOptions(update, { stripeAccount: true });
  update
    .option('--json', 'print JSON (with --chaos: the chaos settings)')
    .addHelpText(
      'after',
      `
Chaos delivery tests a receiver's idempotency and ordering assumptions (off by default; live
endpoints only when the server runs with --live-chaos on). Each share picks deliveries by their id:
  duplicate=P%    a delivery that succeeded is sent again
  fail-first=P%   the first attempt fails unsent; the retry follows the retry schedule
  delay=P%:T      held T (default 30s, server clock) before it is sent
  reorder=T       deliveries arriving within T of each other are sent newest first
Settings left out keep their values; every attempt chaos touches says so in the attempt log.

Examples:
  switchboard endpoints update we_123 --events '*'
  switchboard endpoints update we_123 --disable
  switchboard endpoints update we_123 --chaos duplicate=20%,reorder=5s
  switchboard endpoints update we_123 --chaos off
  switchboard endpoints update ed_test_123 --url http://localhost:4242/v2`,
    )
    .action(
      action(
        'endpoints update',
        async (
          id: string,
          flags: WriteFlags & { disable?: boolean; enable?: boolean; chaos?: string },
        ) => {
          if (flags.disable && flags.enable)
            throw new CliError('--disable and --enable are exclusive');
          const chaos = flags.chaos === undefined ? undefined : parseChaosSpec(flags.chaos);
          const params: Record<string, unknown> = {};
          const destination = isDestination(id);
          if (flags.url !== undefined) {
            if (destination) params.webhook_endpoint = { url: flags.url };
            else params.url = flags.url;
          }
          if (flags.events !== undefined) params.enabled_events = flags.events;
          if (flags.description !== undefined) params.description = flags.description;
          if (flags.name !== undefined) {
            if (!destination) throw new CliError('--name is for event destinations (ed_...)');
            params.name = flags.name;
          }
          const toggle = flags.disable ? 'disable' : flags.enable ? 'enable' : null;
          if (toggle && !destination) params.disabled = toggle === 'disable';
          if (Object.keys(params).length === 0 && !toggle && chaos === undefined)
            throw new CliError(
              'nothing to change: give --url, --events, --description, --disable, --enable or --chaos',
            );
          if (chaos !== undefined && destination)
            throw new CliError('--chaos is for webhook endpoints (we_...)');
          if (!destination) {
            const conn = resolveConnection(flags);
            const path = `/v1/webhook_endpoints/${encodeURIComponent(id)}`;
            const e =
              Object.keys(params).length > 0
                ? await call<WireEndpoint>(conn, 'POST', path, { params })
                : null;
            if (e && !flags.json) printEndpoint('Updated', e);
            if (chaos === undefined) return flags.json ? printJson(e) : undefined;
            const c = await call<WireChaos>(
              conn,
              chaos === null ? 'DELETE' : 'POST',
              `/v1/switchboard${path.slice(3)}/chaos`,
              chaos === null ? {} : { params: chaos },
            );
            if (flags.json) return printJson(c);
            process.stdout.write(`Chaos delivery for ${c.webhook_endpoint}: ${c.summary}\n`);
            return;
          }
          const conn = platformOnly(flags);
          let d: WireDestination | null = null;
          if (Object.keys(params).length > 0)
            d = await call(conn, 'POST', destinationPath(id), {
              params: { ...params, ...withUrl },
            });
          if (toggle)
            d = await call(conn, 'POST', destinationPath(id, `/${toggle}`), { params: withUrl });
          if (flags.json) return printJson(d);
          printDestination('Updated', d!);
        },
      ),
    );

  const del = new Command('delete')
    .description('Delete a webhook endpoint or an event destination.')
    .argument('<endpoint>', 'the endpoint id (we_...) or event destination id (ed_...)');
  addConnectionOptions(del, { stripeAccount: true });
  del
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  switchboard endpoints delete we_123')
    .action(
      action(
        'endpoints delete',
        async (id: string, flags: ConnectionFlags & { json?: boolean }) => {
          const destination = isDestination(id);
          const conn = destination ? platformOnly(flags) : resolveConnection(flags);
          const res = await call(
            conn,
            'DELETE',
            destination ? destinationPath(id) : `/v1/webhook_endpoints/${encodeURIComponent(id)}`,
          );
          if (flags.json) return printJson(res);
          process.stdout.write(
            `Deleted ${destination ? 'event destination' : 'webhook endpoint'} ${id}.\n`,
          );
        },
      ),
    );

  const ping = new Command('ping')
    .description(
      'Send an event destination a v2.core.event_destination.ping event (thin destinations).',
    )
    .argument('<destination>', 'the event destination id (ed_...)');
  addConnectionOptions(ping);
  ping
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  switchboard endpoints ping ed_test_123')
    .action(
      action('endpoints ping', async (id: string, flags: ConnectionFlags & { json?: boolean }) => {
        if (!isDestination(id))
          throw new CliError(
            `${id} is not an event destination (ed_...): webhook endpoints have no ping; \`switchboard trigger\` sends them events`,
          );
        const conn = platformOnly(flags);
        const event = await call<{ id: string }>(conn, 'POST', destinationPath(id, '/ping'));
        if (flags.json) return printJson(event);
        process.stdout.write(
          `Sent ${event.id} (v2.core.event_destination.ping) to ${id}; \`switchboard events retrieve ${event.id}\` shows its delivery.\n`,
        );
      }),
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
          if (isDestination(id))
            throw new CliError(
              "event destinations have no secret roll (Stripe's v2 API has none): create a new destination and delete the old one",
            );
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
    .addCommand(ping)
    .addCommand(roll);
}
