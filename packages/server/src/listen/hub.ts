import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { recordedHeaders } from '../domain/delivery-headers.js';
import { newId } from '../domain/ids.js';
import { signedHeaders } from '../delivery/signing.js';
import type { OutgoingDelivery, Transport, TransportResult } from '../delivery/transport.js';
import type { Services } from '../services/context.js';
import { endpointsChanged } from '../storage/repositories/endpoints.js';
import { hashWebsocketId } from './session-id.js';

/** How long a session may stay disconnected before it expires (its pending deliveries are dropped). */
const EXPIRE_AFTER_MS = 5 * 60_000;
/** How long to wait for the CLI's `event_ack`. */
const ACK_TIMEOUT_MS = 15_000;

interface Session {
  endpointId: string;
  socket: WebSocket;
  /** The API version `stripe listen --latest` asks for: the platform's (the one Switchboard renders). */
  latestVersion: string;
  /** webhook_id -> resolve(acked) */
  waiting: Map<string, (acked: boolean) => void>;
}

interface SessionRow {
  id: string;
  config: string;
  livemode: number;
  platform_id: string;
  default_api_version: string;
}

/**
 * The server side of the Stripe CLI's listen protocol (`../shared/reference/stripe-cli-protocol.md`):
 * the websocket upgrade authenticated by `Websocket-Id`, `webhook_event` messages with the event
 * bytes and ready-signed headers, `event_ack` as the delivery signal. It is also the transport
 * the delivery worker uses for endpoints of kind `listen`: an event is delivered once the CLI
 * acknowledges it; while a session is disconnected its deliveries wait, and a reconnect (same
 * websocket id) sends them.
 */
export class ListenHub {
  readonly #wss = new WebSocketServer({
    noServer: true,
    maxPayload: 1024 * 1024,
    handleProtocols: (p) => [...p][0] ?? false,
  });
  readonly #sessions = new Map<string, Session>();
  /** Sessions whose connection was logged (at info); their reconnections are logged at debug. */
  readonly #announced = new Set<string>();
  readonly #janitor: NodeJS.Timeout;

  constructor(private readonly services: Services) {
    this.#janitor = setInterval(
      () =>
        void this.#expire()
          .then(() => this.recheck())
          .catch(() => undefined),
      30_000,
    );
    this.#janitor.unref();
  }

  /** The `upgrade` listener for the HTTP server; answers false for other paths. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/v1/stripecli/websocket') return false;
    void this.#accept(req, socket, head);
    return true;
  }

  async #accept(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const id = req.headers['websocket-id'];
    const row =
      typeof id === 'string' && id.startsWith('cliws_')
        ? await this.#find(id).catch(() => undefined)
        : undefined;
    if (!row || !(await this.#keyValid(row).catch(() => false))) {
      // This exact message makes the Stripe CLI start a new session.
      const body = JSON.stringify({ error: { message: 'Unknown WebSocket ID.' } });
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#attach(row, ws));
  }

  /**
   * Whether the key that opened a session still works: a session ends with its key (revoked,
   * rolled past its expiry), and with the connection of the account it was opened for.
   */
  async #keyValid(row: { config: string }): Promise<boolean> {
    const keyId = (JSON.parse(row.config) as { key_id?: string | null }).key_id;
    if (!keyId) return true;
    const key = await this.services.dialect.db
      .selectFrom('api_keys')
      .select(['revoked'])
      .where('id', '=', keyId)
      .executeTakeFirst();
    return key !== undefined && key.revoked === 0;
  }

  /**
   * Ends the sessions whose key no longer works: run after a commit that revoked keys
   * (Services.credentialsRevoked) and on every janitor round (a key revoked by another process).
   */
  async recheck(): Promise<void> {
    const db = this.services.dialect.db;
    for (const [endpointId, session] of this.#sessions) {
      const row = await db
        .selectFrom('endpoints')
        .select(['config', 'deleted'])
        .where('id', '=', endpointId)
        .executeTakeFirst();
      if (row && row.deleted === 0 && (await this.#keyValid(row))) continue;
      this.#sessions.delete(endpointId);
      session.socket.terminate();
      endpointsChanged();
      await db
        .updateTable('endpoints')
        .set({ deleted: 1, status: 'disabled' })
        .where('id', '=', endpointId)
        .execute();
      await this.#endpointsChanged();
      this.services.log.info('listen session ended: its key was revoked', { session: endpointId });
    }
  }

  async #find(websocketId: string): Promise<SessionRow | undefined> {
    return this.services.dialect.db
      .selectFrom('endpoints')
      .innerJoin('platforms', 'platforms.id', 'endpoints.platform_id')
      .select([
        'endpoints.id',
        'endpoints.config',
        'endpoints.livemode',
        'endpoints.platform_id',
        'platforms.default_api_version',
      ])
      .where('endpoints.kind', '=', 'listen')
      .where('endpoints.url', '=', hashWebsocketId(websocketId))
      .where('endpoints.deleted', '=', 0)
      .executeTakeFirst();
  }

  #attach(row: SessionRow, ws: WebSocket): void {
    const previous = this.#sessions.get(row.id);
    if (previous) previous.socket.close(1000, 'Replaced by a new connection');
    const session: Session = {
      endpointId: row.id,
      socket: ws,
      latestVersion: row.default_api_version,
      waiting: new Map(),
    };
    this.#sessions.set(row.id, session);
    ws.on('message', (data, isBinary) => this.#onMessage(session, data, isBinary));
    ws.on('error', () => ws.terminate());
    ws.on('close', (_code, reason) => {
      if (this.#sessions.get(row.id) === session) this.#sessions.delete(row.id);
      for (const resolve of session.waiting.values()) resolve(false);
      session.waiting.clear();
      // The CLI says "Connection Done" when it quits; "Resetting the connection" when it recycles.
      const quit = reason.toString() === 'Connection Done';
      if (quit) this.#announced.delete(row.id);
      void this.#touch(row.id, quit).catch(() => undefined);
    });
    void this.#touch(row.id, false).then(() => this.#sendWaiting(row.id));
    // The Stripe CLI recycles its websocket about once a minute: only a session's first
    // connection here is news.
    const first = !this.#announced.has(row.id);
    this.#announced.add(row.id);
    this.services.log[first ? 'info' : 'debug'](
      first ? 'listen session connected' : 'listen session reconnected',
      { session: row.id, livemode: row.livemode === 1 },
    );
  }

  #onMessage(session: Session, data: RawData, _isBinary: boolean): void {
    let message: { type?: unknown; webhook_id?: unknown; status?: unknown };
    try {
      message = JSON.parse(data.toString()) as typeof message;
    } catch {
      return; // Not JSON: ignored, as the CLI ignores what it cannot read.
    }
    if (!message || typeof message !== 'object') return;
    if (message.type === 'event_ack' && typeof message.webhook_id === 'string') {
      const resolve = session.waiting.get(message.webhook_id);
      session.waiting.delete(message.webhook_id);
      resolve?.(true);
    } else if (message.type === 'webhook_response') {
      this.services.log.debug('listen forward answered', {
        session: session.endpointId,
        status: message.status as number,
      });
    }
  }

  /**
   * After a write to a session's endpoint: events route by it again, in this process and (told at
   * once) in the others (services/routing-cache.ts).
   */
  async #endpointsChanged(): Promise<void> {
    endpointsChanged();
    await this.services.dialect
      .notifyEndpointsChanged(this.services.dialect.db)
      .catch(() => undefined);
  }

  /** Records that a session was seen (or ended), so idle sessions expire. */
  async #touch(endpointId: string, ended: boolean): Promise<void> {
    const db = this.services.dialect.db;
    const row = await db
      .selectFrom('endpoints')
      .select('config')
      .where('id', '=', endpointId)
      .executeTakeFirst();
    if (!row) return;
    const config = { ...(JSON.parse(row.config) as object), last_seen_ms: Date.now() };
    endpointsChanged();
    await db
      .updateTable('endpoints')
      .set(
        ended
          ? { config: JSON.stringify(config), deleted: 1, status: 'disabled' }
          : { config: JSON.stringify(config) },
      )
      .where('id', '=', endpointId)
      .execute();
    await this.#endpointsChanged();
  }

  /** Deliveries that waited for this session are due now. */
  async #sendWaiting(endpointId: string): Promise<void> {
    await this.services.dialect.db
      .updateTable('deliveries')
      .set({ next_attempt_ms: this.services.clock.now() })
      .where('endpoint_id', '=', endpointId)
      .where('status', '=', 'pending')
      .execute();
    this.services.deliveriesQueued();
  }

  /** Sessions away for longer than EXPIRE_AFTER_MS end; their deliveries are then canceled. */
  async #expire(): Promise<void> {
    const db = this.services.dialect.db;
    const rows = await db
      .selectFrom('endpoints')
      .select(['id', 'config'])
      .where('kind', '=', 'listen')
      .where('deleted', '=', 0)
      .execute();
    const now = Date.now();
    for (const row of rows) {
      if (this.#sessions.has(row.id)) {
        await this.#touch(row.id, false);
        continue;
      }
      const seen = (JSON.parse(row.config) as { last_seen_ms?: number }).last_seen_ms ?? 0;
      if (now - seen > EXPIRE_AFTER_MS) {
        this.#announced.delete(row.id);
        endpointsChanged();
        await db
          .updateTable('endpoints')
          .set({ deleted: 1, status: 'disabled' })
          .where('id', '=', row.id)
          .execute();
        await this.#endpointsChanged();
      }
    }
  }

  /** The listen sessions connected to this process now. */
  connectedSessions(): string[] {
    return [...this.#sessions.keys()];
  }

  /** The delivery worker's transport for listen sessions. */
  readonly transport: Transport = {
    send: (d) => this.#push(d),
    close: async () => this.close(),
  };

  async #push(d: OutgoingDelivery): Promise<TransportResult> {
    const started = performance.now();
    const session = this.#sessions.get(d.endpointId);
    if (!session || session.socket.readyState !== session.socket.OPEN) {
      return {
        result: { kind: 'deferred' },
        durationMs: 0,
        responseBody: null,
        requestHeaders: '{}',
      };
    }
    const headers = signedHeaders(d);
    const requestHeaders = recordedHeaders(headers);
    const conversation = newId('wc', 20);
    const message = d.thin
      ? { type: 'v2_event', destination_id: d.deliveryId, payload: d.body, http_headers: headers }
      : {
          type: 'webhook_event',
          webhook_id: d.deliveryId,
          webhook_conversation_id: conversation,
          event_payload: d.body,
          http_headers: headers,
          // null: what a plain `stripe listen` forwards (a non-null version is only for --latest).
          endpoint: { api_version: null },
        };
    const acked = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        session.waiting.delete(d.deliveryId);
        resolve(false);
      }, ACK_TIMEOUT_MS);
      session.waiting.set(d.deliveryId, (ok) => {
        clearTimeout(timer);
        resolve(ok);
      });
    });
    session.socket.send(JSON.stringify(message));
    if (message.type === 'webhook_event') {
      // The same event for `stripe listen --latest`, which forwards only copies that name an API
      // version, as a plain `stripe listen` forwards only those that do not: the CLI acks both
      // and forwards one (stripe-cli-protocol.md). Switchboard renders a single version, so the
      // bytes and signature are the same; the delivery waits for the first copy's ack.
      session.socket.send(
        JSON.stringify({
          ...message,
          webhook_id: `${d.deliveryId}_latest`,
          webhook_conversation_id: newId('wc', 20),
          endpoint: { api_version: session.latestVersion },
        }),
      );
    }
    const ok = await acked;
    const durationMs = Math.round(performance.now() - started);
    if (!ok)
      return { result: { kind: 'deferred' }, durationMs, responseBody: null, requestHeaders };
    return {
      result: { kind: 'response', statusCode: 200, retryAfterMs: null },
      durationMs,
      responseBody: 'event_ack',
      requestHeaders,
    };
  }

  async close(): Promise<void> {
    clearInterval(this.#janitor);
    // Terminate rather than close: a close handshake with a client that does not answer would hold
    // the shutdown; the CLI reconnects either way and its deliveries wait in the database.
    for (const s of this.#sessions.values()) s.socket.terminate();
    this.#sessions.clear();
    this.#wss.close();
  }
}
