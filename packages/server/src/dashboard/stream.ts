import type { IncomingMessage, ServerResponse } from 'node:http';
import { KeyResolver, resolveConnectedAccount, tokenFromHeaders } from '../api/auth.js';
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

/**
 * The live stream (server-sent events) of new events and attempts:
 * `POST /v1/switchboard/stream_tokens` (authenticated like any API call, with an optional
 * `Stripe-Account`) returns a token valid for a minute; `GET /v1/switchboard/stream?token=...`
 * opens the stream. The token only opens it: a stream stays open once started.
 */
export function streamMount(services: Services, feed: LiveFeed): Mount & { close(): void } {
  const keys = new KeyResolver(services);
  const open = new Set<ServerResponse>();

  async function issueToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    const token = tokenFromHeaders(req.headers);
    if (!token) throw errors.missingApiKey();
    const owner = await keys.resolve(token);
    const header = req.headers['stripe-account'];
    const account =
      typeof header === 'string' && header !== ''
        ? await resolveConnectedAccount(services, owner, header)
        : null;
    const expiresMs = Date.now() + TOKEN_TTL_MS;
    const streamToken = signStreamToken(
      { keyId: owner.key.id, accountId: account?.id ?? null, expiresMs },
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
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-store, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    open.add(res);
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
    const heartbeat = setInterval(() => write(': keep-alive\n\n'), HEARTBEAT_MS);
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
      for (const res of open) res.end();
      open.clear();
    },
  });
}
