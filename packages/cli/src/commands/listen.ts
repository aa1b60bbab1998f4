import { hostname } from 'node:os';
import { Command, Option } from 'commander';
import type WebSocket from 'ws';
import { resolveConnection } from '../config/connection.js';

/**
 * `switchboard listen`: receives the server's events over a websocket and forwards them to local
 * URLs, as `stripe listen` does, speaking the same protocol (see
 * ../shared/reference/stripe-cli-protocol.md). Connect events (with a top-level `account`) go to
 * --forward-connect-to, the others to --forward-to. The server keeps each session's deliveries until
 * they are acknowledged, so after a dropped connection or a server restart the session reconnects
 * and receives what it missed.
 */
export interface ListenOptions {
  forwardTo?: string;
  forwardConnectTo?: string;
  /** Where v2 (thin) events go: the platform's, and (default the same) connected accounts'. */
  forwardThinTo?: string;
  forwardThinConnectTo?: string;
  events?: string;
  thinEvents?: string;
  headers?: string;
  connectHeaders?: string;
  format?: string;
  printSecret?: boolean;
  skipVerify?: boolean;
  loadFromWebhooksApi?: boolean;
  live?: boolean;
  apiKey?: string;
  apiBase: string;
}

interface Session {
  websocket_url: string;
  websocket_id: string;
  websocket_authorized_feature: string;
  secret: string;
  default_version?: string;
}

interface Route {
  url: string;
  events: string[] | null;
  connect: boolean;
}

interface WebhookEvent {
  id: string;
  type: string;
  account?: string;
}

/** A v2 (thin) event: its `context` names the connected account it comes from, if any. */
interface ThinEvent {
  id: string;
  type: string;
  context?: string | null;
}

/**
 * The official CLI's shorthands: `4242` -> http://localhost:4242, `/p` -> http://localhost/p, and
 * `http://` added when missing (`localhost:4242/webhook`).
 */
export function expandUrl(value: string): string {
  // `4242` and `4242/webhook`: a port on localhost.
  if (/^\d+(\/.*)?$/.test(value)) return `http://localhost:${value}`;
  if (value.startsWith('/')) return `http://localhost${value}`;
  if (!/^https?:\/\//.test(value)) return `http://${value}`;
  return value;
}

/** `K:V,K2:V2` -> headers. */
export function parseHeaderList(value: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const part of (value ?? '').split(',')) {
    const colon = part.indexOf(':');
    if (colon > 0) headers[part.slice(0, colon).trim()] = part.slice(colon + 1).trim();
  }
  return headers;
}

const pad = (n: number) => String(n).padStart(2, '0');
function timestamp(d = new Date()): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function sortedJson(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v as object)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sort(value));
}

/** --api-key, SWITCHBOARD_API_KEY, else the key `switchboard login` stored (live with --live). */
function resolveKey(opts: ListenOptions): string {
  return resolveConnection({ apiBase: opts.apiBase, apiKey: opts.apiKey, live: opts.live }).apiKey;
}

async function createSession(
  opts: ListenOptions,
  key: string,
  printOnly: boolean,
): Promise<Session> {
  const form = new URLSearchParams();
  form.append('device_name', hostname());
  const { snapshot, thin } = printOnly ? { snapshot: true, thin: false } : kindsOf(opts);
  if (snapshot) form.append('websocket_features[]', 'webhooks');
  if (thin) form.append('websocket_features[]', 'v2_events');
  if (!printOnly && opts.forwardTo) {
    form.append('forward_to_url', expandUrl(opts.forwardTo));
    form.append('forward_connect_to_url', expandUrl(opts.forwardConnectTo ?? opts.forwardTo));
  }
  if (!printOnly && opts.forwardThinTo) {
    form.append('forward_thin_to_url', expandUrl(opts.forwardThinTo));
    form.append(
      'forward_thin_connect_to_url',
      expandUrl(opts.forwardThinConnectTo ?? opts.forwardThinTo),
    );
  }
  const res = await fetch(`${opts.apiBase}/v1/stripecli/sessions`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${key}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: form,
  });
  const body = (await res.json().catch(() => ({}))) as Session & { error?: { message?: string } };
  if (!res.ok)
    throw new Error(
      `could not start a listen session: ${body.error?.message ?? `HTTP ${res.status}`}`,
    );
  return body;
}

/**
 * Which events the session asks for: v2 (thin) events when a thin forward URL is given, v1
 * (snapshot) events unless only thin ones are forwarded.
 */
function kindsOf(opts: ListenOptions): { snapshot: boolean; thin: boolean } {
  const thin = Boolean(opts.forwardThinTo || opts.forwardThinConnectTo);
  const snapshot = !thin || Boolean(opts.forwardTo || opts.forwardConnectTo);
  return { snapshot, thin };
}

async function webhooksApiRoutes(opts: ListenOptions, key: string): Promise<Route[]> {
  if (!opts.forwardTo)
    throw new Error('--load-from-webhooks-api needs --forward-to (its host receives the paths)');
  const res = await fetch(`${opts.apiBase}/v1/webhook_endpoints?limit=30`, {
    headers: { Authorization: `Bearer ${key}` },
  });
  const body = (await res.json()) as {
    data?: Array<{
      url: string;
      enabled_events: string[];
      status: string;
      application: string | null;
    }>;
    error?: { message: string };
  };
  if (!res.ok || !body.data)
    throw new Error(`could not read webhook endpoints: ${body.error?.message ?? res.status}`);
  const base = new URL(expandUrl(opts.forwardTo));
  const connectBase = new URL(expandUrl(opts.forwardConnectTo ?? opts.forwardTo));
  return body.data
    .filter((e) => e.status !== 'disabled')
    .map((e) => {
      const u = new URL(e.url);
      const connect = Boolean(e.application);
      const target = new URL(`${u.pathname}${u.search}`, connect ? connectBase : base);
      return {
        url: target.toString(),
        events: e.enabled_events.includes('*') ? null : e.enabled_events,
        connect,
      };
    });
}

/** `a, b` -> ['a', 'b']; null (every type) when not given. */
function typeList(value: string | undefined): string[] | null {
  return value
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : null;
}

/**
 * The platform's events to `to`; connected accounts' to `connectTo`, which defaults to `to` (and
 * either alone is enough).
 */
function forwardRoutes(to: string | undefined, connectTo: string | undefined): Route[] {
  const routes: Route[] = [];
  if (to) routes.push({ url: expandUrl(to), events: null, connect: false });
  if (to || connectTo)
    routes.push({ url: expandUrl(connectTo ?? to!), events: null, connect: true });
  return routes;
}

function wanted(filter: string[] | null, type: string): boolean {
  return filter === null || filter.includes('*') || filter.includes(type);
}

export async function runListen(opts: ListenOptions): Promise<void> {
  // Loaded here rather than at start-up, so that every other command starts ~150 ms sooner.
  const { Agent, request } = await import('undici');
  const { default: WebSocketClient } = await import('ws');
  const key = resolveKey(opts);
  if (opts.live && !key.startsWith('sk_live_') && !key.startsWith('rk_live_')) {
    throw new Error('--live needs a live key (sk_live_...): pass it with --api-key');
  }
  if (opts.printSecret) {
    const session = await createSession(opts, key, true);
    process.stdout.write(`${session.secret}\n`);
    return;
  }
  const tty = Boolean(process.stdout.isTTY);
  const color = (code: number, s: string) => (tty ? `\u001b[${code}m${s}\u001b[0m` : s);
  const eventFilter = typeList(opts.events);
  const headers = parseHeaderList(opts.headers);
  const connectHeaders = { ...headers, ...parseHeaderList(opts.connectHeaders) };
  const routes: Route[] = opts.loadFromWebhooksApi
    ? await webhooksApiRoutes(opts, key)
    : forwardRoutes(opts.forwardTo, opts.forwardConnectTo);
  const thinFilter = typeList(opts.thinEvents);
  const thinRoutes = forwardRoutes(opts.forwardThinTo, opts.forwardThinConnectTo);
  const dispatcher = new Agent({ connect: { rejectUnauthorized: !opts.skipVerify } });

  let session = await createSession(opts, key, false);
  process.stderr.write(
    `${tty ? '> ' : ''}Ready! ${session.default_version ? `You are using Stripe API Version [${session.default_version}]. ` : ''}Your webhook signing secret is ${tty ? color(1, session.secret) : session.secret} (^C to quit)\n`,
  );

  let socket: WebSocket | null = null;
  let stopping = false;
  let retryMs = 1_000;

  const forward = async (
    ws: WebSocket,
    route: Route,
    payload: string,
    eventHeaders: Record<string, string>,
    event: { id: string },
    ids: { webhook_id?: string; webhook_conversation_id?: string },
  ) => {
    const extra = route.connect ? connectHeaders : headers;
    const requestHeaders = { ...eventHeaders, ...extra };
    try {
      const res = await request(route.url, {
        method: 'POST',
        headers: requestHeaders,
        body: payload,
        dispatcher,
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
      });
      const body = await res.body.text();
      process.stdout.write(
        `${timestamp()}  <--  [${color(res.statusCode < 300 ? 32 : 31, String(res.statusCode))}] POST ${route.url} [${event.id}]\n`,
      );
      const responseHeaders: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers).slice(0, 20))
        responseHeaders[k] = Array.isArray(v) ? (v[0] ?? '') : String(v ?? '');
      if (ws.readyState === ws.OPEN) {
        ws.send(
          JSON.stringify({
            type: 'webhook_response',
            forward_url: route.url,
            status: res.statusCode,
            http_headers: responseHeaders,
            body: body.length > 5000 ? `${body.slice(0, 5000)}...` : body,
            request_headers: requestHeaders,
            request_body: payload,
            notification_id: event.id,
            ...ids,
          }),
        );
      }
    } catch (e) {
      process.stdout.write(
        `${timestamp()}            ${color(31, '[ERROR]')} Failed to POST: ${(e as Error).message}\n`,
      );
    }
  };

  /** Prints an event's line (or its JSON with --format json). */
  const show = (event: { id: string; type: string }, connect: boolean) => {
    if (opts.format?.toLowerCase() === 'json') process.stdout.write(`${sortedJson(event)}\n`);
    else
      process.stdout.write(
        `${timestamp()}   --> ${connect ? 'connect ' : ''}${color(1, event.type)} [${event.id}]\n`,
      );
  };

  /** A v2 (thin) event: acked, then forwarded by its context as v1 events are by account. */
  const onThinEvent = (
    ws: WebSocket,
    payload: string,
    httpHeaders: Record<string, string>,
    destinationId: string | undefined,
  ) => {
    let event: ThinEvent;
    try {
      event = JSON.parse(payload) as ThinEvent;
    } catch {
      return;
    }
    // As the official CLI does: the destination id in place of a webhook id, no conversation.
    ws.send(
      JSON.stringify({
        type: 'event_ack',
        event_id: event.id,
        webhook_id: destinationId ?? '',
        webhook_conversation_id: '',
      }),
    );
    if (!wanted(thinFilter, event.type)) return;
    const connect = Boolean(event.context);
    show(event, connect);
    for (const route of thinRoutes) {
      if (route.connect !== connect) continue;
      void forward(ws, route, payload, httpHeaders, event, { webhook_id: destinationId });
    }
  };

  const onMessage = (ws: WebSocket, raw: WebSocket.RawData) => {
    let message: {
      type?: string;
      event_payload?: string;
      payload?: string;
      destination_id?: string;
      http_headers?: Record<string, string>;
      webhook_id?: string;
      webhook_conversation_id?: string;
      endpoint?: { api_version?: string | null };
    };
    try {
      message = JSON.parse(raw.toString()) as typeof message;
    } catch {
      return;
    }
    if (message.type === 'v2_event' && typeof message.payload === 'string')
      return onThinEvent(ws, message.payload, message.http_headers ?? {}, message.destination_id);
    if (message.type !== 'webhook_event' || typeof message.event_payload !== 'string') return;
    let event: WebhookEvent;
    try {
      event = JSON.parse(message.event_payload) as WebhookEvent;
    } catch {
      return;
    }
    const ids = {
      webhook_id: message.webhook_id,
      webhook_conversation_id: message.webhook_conversation_id,
    };
    ws.send(JSON.stringify({ type: 'event_ack', event_id: event.id, ...ids }));
    if (message.endpoint?.api_version != null) return;
    if (!wanted(eventFilter, event.type)) return;
    const connect = Boolean(event.account);
    show(event, connect);
    for (const route of routes) {
      if (route.connect !== connect || !wanted(route.events, event.type)) continue;
      void forward(ws, route, message.event_payload, message.http_headers ?? {}, event, ids);
    }
  };

  const connect = () => {
    if (stopping) return;
    const feature = encodeURIComponent(session.websocket_authorized_feature);
    const ws = new WebSocketClient(
      `${session.websocket_url}?websocket_feature=${feature}`,
      'stripecli-devproxy-v1',
      {
        headers: { 'Websocket-Id': session.websocket_id, 'User-Agent': 'switchboard-cli' },
        handshakeTimeout: 10_000,
      },
    );
    socket = ws;
    ws.on('open', () => {
      retryMs = 1_000;
    });
    ws.on('message', (data) => onMessage(ws, data));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        ws.terminate();
        if (body.includes('Unknown WebSocket ID.')) {
          // The server forgot this session (it expired): start a new one; the secret stays the same.
          createSession(opts, key, false).then(
            (s) => {
              session = s;
              process.stderr.write('Session expired, reconnecting...\n');
            },
            () => undefined,
          );
        }
      });
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      if (socket === ws) socket = null;
      if (stopping) return;
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    });
  };
  connect();

  await new Promise<void>((resolve) => {
    const stop = () => {
      stopping = true;
      const ws = socket;
      if (ws && ws.readyState === ws.OPEN) {
        ws.close(1000, 'Connection Done');
        ws.once('close', () => resolve());
        setTimeout(resolve, 1_000).unref();
      } else {
        resolve();
      }
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await dispatcher.close();
}

export function listenCommand(): Command {
  return new Command('listen')
    .description(
      'Receive events over a websocket and forward them to local URLs, like `stripe listen`.',
    )
    .option(
      '-f, --forward-to <url>',
      'URL for events from your account (e.g. localhost:4242/webhook or 4242)',
    )
    .option(
      '-c, --forward-connect-to <url>',
      'URL for events from connected accounts (defaults to --forward-to)',
    )
    .option('-e, --events <types>', 'comma-separated event types to forward (default: all)')
    .option(
      '--forward-thin-to <url>',
      'URL for v2 (thin) events from your account; the session then receives thin events too',
    )
    .option(
      '--forward-thin-connect-to <url>',
      'URL for thin events from connected accounts (defaults to --forward-thin-to)',
    )
    .option('--thin-events <types>', 'comma-separated thin event types to forward (default: all)')
    .option(
      '-H, --headers <headers>',
      'extra headers for forwarded requests: "Key:Value,Key2:Value2"',
    )
    .option('--connect-headers <headers>', 'extra headers for Connect events only')
    .addOption(
      new Option('--format <format>', 'print each event as raw JSON').choices(['json', 'JSON']),
    )
    .option('--print-secret', 'print the webhook signing secret and exit')
    .option('--skip-verify', 'do not verify TLS certificates of the forward URLs')
    .option(
      '-a, --load-from-webhooks-api',
      "forward to the paths of the platform's registered webhook endpoints",
    )
    .option('--live', 'listen to live-mode events (needs a live key)')
    .option(
      '--api-key <key>',
      'secret key (default: $SWITCHBOARD_API_KEY, else the key `switchboard login` stored)',
    )
    .option(
      '--api-base <url>',
      'Switchboard server',
      process.env.SWITCHBOARD_API_BASE ?? 'http://127.0.0.1:12111',
    )
    .addHelpText(
      'after',
      `
Examples:
  switchboard listen --forward-to localhost:4242/webhook --forward-connect-to localhost:4242/connect
  switchboard listen -e customer.created,account.updated -f 4242
  switchboard listen --forward-thin-to localhost:4242/v2 --thin-events v2.core.account.updated
  switchboard listen --print-secret

With only --forward-thin-to (or --forward-thin-connect-to), the session receives v2 (thin) events
alone; with --forward-to as well, both kinds, each to its own URL. Thin events are signed with the
same secret; receivers verify them with stripe.parseEventNotification.`,
    )
    .action(async (opts: ListenOptions) => {
      await runListen({ ...opts, apiBase: opts.apiBase.replace(/\/$/, '') });
    });
}
