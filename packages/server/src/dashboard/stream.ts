import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  checkAccess,
  KeyResolver,
  resolveScope,
  tokenFromHeaders,
  type RouteAccess,
} from '../api/auth.js';
import { DISCONNECTED } from '../scope/finders.js';
import { errors, StripeError } from '../stripe/errors.js';
import { sendJson } from '../api/json-response.js';
import type { Mount } from '../app.js';
import type { Services } from '../services/context.js';
import { findApiKeyById } from '../storage/repositories/api-keys.js';
import { findPlatform } from '../storage/repositories/platforms.js';
import type { LiveFeed } from './live-feed.js';
import { readStreamToken, signStreamToken, verifyStreamToken } from './stream-token.js';

export const TOKEN_PATH = '/v1/switchboard/stream_tokens';
export const STREAM_PATH = '/v1/switchboard/stream';
const TOKEN_TTL_MS = 60_000;
const HEARTBEAT_MS = 15_000;
/** A client this far behind is dropped; it reconnects and reloads. */
const MAX_BUFFERED_BYTES = 1 << 20;

/** Who may open a stream: any key that may read events (restricted keys with `events:read`). */
const streamAccess: RouteAccess = {
  callers: 'any',
  permission: 'events:read',
  writes: false,
  publishable: false,
  what: 'stream',
};

/** Whether a stream's key still works and the account it shows (if any) is still connected. */
async function grantStillValid(
  services: Services,
  keyId: string,
  accountId: string | null,
): Promise<boolean> {
  const db = services.dialect.db;
  const key = await findApiKeyById(db, keyId);
  if (!key || key.revoked) return false;
  if (accountId === null) return true;
  const account = await db
    .selectFrom('objects')
    .select('deleted')
    .where('id', '=', accountId)
    .where('platform_id', '=', key.platform_id)
    .where('type', '=', 'account')
    .executeTakeFirst();
  return account !== undefined && account.deleted !== DISCONNECTED && account.deleted !== 1;
}

/**
 * The live stream (server-sent events) of new events and attempts:
 * `POST /v1/switchboard/stream_tokens` (authenticated like any API call, with an optional
 * `Stripe-Account`) returns a token valid for a minute; `GET /v1/switchboard/stream?token=...`
 * opens the stream. The token only opens it: a stream stays open once started.
 */
export function streamMount(
  services: Services,
  feed: LiveFeed,
): Mount & { close(): void; recheck(): Promise<void> } {
  const keys = new KeyResolver(services);
  /** Open streams, with how each checks that its grant still holds. */
  const open = new Map<ServerResponse, () => Promise<boolean>>();

  async function issueToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    const token = tokenFromHeaders(req.headers);
    if (!token) throw errors.missingApiKey();
    const owner = await keys.resolve(token);
    const header = req.headers['stripe-account'];
    // The stream shows what the key's scope reaches: an OAuth token, its account's events only.
    const scope = await resolveScope(services, owner, {
      account: typeof header === 'string' && header !== '' ? header : null,
      context: null,
    });
    checkAccess(scope, streamAccess, token);
    const expiresMs = Date.now() + TOKEN_TTL_MS;
    const streamToken = signStreamToken(
      { keyId: owner.key.id, accountId: scope.accountId, expiresMs },
      owner.key.token_hash,
    );
    const body = {
      object: 'stream_token',
      token: streamToken,
      expires: Math.floor(expiresMs / 1000),
      url: `${STREAM_PATH}?token=${streamToken}`,
    };
    sendJson(res, 200, JSON.stringify(body, null, 2));
  }

  async function openStream(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
    const token = query.get('token');
    if (!token) throw errors.parameterMissing('token');
    const claimed = readStreamToken(token);
    const key = claimed ? await findApiKeyById(services.dialect.db, claimed.keyId) : undefined;
    const platform = key ? await findPlatform(services.dialect.db, key.platform_id) : undefined;
    if (
      !claimed ||
      !key ||
      key.revoked ||
      // A rolled key past its overlap is revoked too.
      (key.expires_ms !== null && services.clock.now() >= Number(key.expires_ms)) ||
      !platform ||
      !verifyStreamToken(claimed, key.token_hash, Date.now())
    ) {
      throw errors.invalidRequest(
        `Invalid or expired stream token: get a new one with POST ${TOKEN_PATH}.`,
        'token',
        'stream_token_invalid',
        401,
      );
    }
    const stillValid = () => grantStillValid(services, claimed.keyId, claimed.accountId);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-store, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 3000\n\n');

    const write = (text: string) => {
      if (res.writableLength > MAX_BUFFERED_BYTES) return res.end();
      res.write(text);
    };
    const unsubscribe = await feed.subscribe({
      platformId: platform.id,
      livemode: key.livemode === 1,
      accountId: claimed.accountId,
      push: (kind, data) => write(`event: ${kind}\ndata: ${JSON.stringify(data)}\n\n`),
    });
    write(
      `event: ready\ndata: ${JSON.stringify({ livemode: key.livemode === 1, account: claimed.accountId })}\n\n`,
    );
    const heartbeat = setInterval(() => {
      // A stream ends with its key (revoked) and with the connection of the account it shows.
      void stillValid()
        .then((ok) => (ok ? write(': keep-alive\n\n') : res.end()))
        .catch(() => undefined);
    }, HEARTBEAT_MS);
    open.set(res, stillValid);
    res.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(res);
    });
  }

  const mount = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    if (path !== TOKEN_PATH && path !== STREAM_PATH) return false;
    const method = req.method ?? 'GET';
    try {
      if (path === TOKEN_PATH && method === 'POST') await issueToken(req, res);
      else if (path === STREAM_PATH && method === 'GET') await openStream(req, res);
      else throw errors.unrecognizedUrl(method, path);
    } catch (e) {
      if (!(e instanceof StripeError)) throw e;
      sendJson(res, e.status, JSON.stringify(e.toJSON(), null, 2));
    }
    return true;
  };
  return Object.assign(mount, {
    close() {
      for (const res of open.keys()) res.end();
      open.clear();
    },
    /** Ends the streams whose key was revoked or whose account disconnected. */
    async recheck() {
      for (const [res, stillValid] of [...open]) if (!(await stillValid())) res.end();
    },
  });
}
