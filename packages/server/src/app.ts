import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  checkAccess,
  KeyResolver,
  resolveScope,
  tokenFromHeaders,
  type RouteAccess,
} from './api/auth.js';
import { RateLimiter } from './api/rate-limit.js';
import { errors, StripeError } from './stripe/errors.js';
import { defaultLimits, parseForm, parseJsonBody } from './api/form.js';
import { sendBytes, sendJson } from './api/json-response.js';
import { boundaryOf, parseMultipart } from './api/multipart.js';
import {
  isUniqueViolation,
  remember,
  replay,
  replayIfSeen,
  requestHash,
  type Reply,
} from './api/idempotency.js';
import { parseOperation, parseShape } from './stripe/params.js';
import { catalogue, findOperation, type Operation } from './stripe/catalogue.js';
import {
  CommittedError,
  FileContent,
  notModelled,
  RawJson,
  type Caller,
  type Resource,
  type Route,
  type Upload,
} from './resources/route.js';
import { Router } from './api/router.js';
import { expandAnswer } from './resources/expand.js';
import { newId } from './domain/ids.js';
import { resources as allResources } from './resources/index.js';
import { inTransaction, type Services } from './services/context.js';
import type { Database } from './storage/schema.js';
import type { Kysely } from 'kysely';
import { findIdempotencyKey, type IdempotencyScope } from './storage/repositories/idempotency.js';

export interface App {
  /** The Node request listener. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  keys: KeyResolver;
}

/** Extra handlers mounted beside the API (dashboard, listen sessions, metrics); true when handled. */
export type Mount = (
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
) => boolean | Promise<boolean>;

const versionPattern = /^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/;

/**
 * A request path as it may be logged: the single-use tokens of account and login links, which
 * travel in the path and act as credentials until used, are cut to their prefix.
 */
function loggablePath(path: string): string {
  return path.slice(0, 200).replace(/\b(acctlink|loginlink)_[A-Za-z0-9]+/g, '$1_…');
}

/** Builds the HTTP app. It never listens: main.ts (or a test) owns the server. */
export function buildApp(
  services: Services,
  options: { resources?: Resource[]; mounts?: Mount[] } = {},
): App {
  const router = new Router<{ route: Route; access: RouteAccess | null }>();
  for (const resource of options.resources ?? allResources) {
    for (const route of resource.routes)
      router.add(route.method, route.path, { route, access: accessOf(resource, route) });
  }
  // A route that serves an operation of Stripe's API takes its parameters as the spec says
  // (parseOperation). Every other operation is known too: it answers operation_not_supported,
  // never "Unrecognized request URL".
  const operations = new Map<Route, Operation>();
  for (const resource of options.resources ?? allResources) {
    for (const route of resource.routes) {
      const op = findOperation(route.method, route.path);
      if (op) operations.set(route, op);
    }
  }
  for (const op of catalogue().operations) {
    const route = notModelled(op);
    // Any credential of the platform learns that the operation is not modelled.
    if (!router.has(route.method, route.path))
      router.add(route.method, route.path, { route, access: null });
  }
  const keys = new KeyResolver(services);
  const limiter = new RateLimiter(services.config.rateLimitPerSecond);
  const mounts = options.mounts ?? [];
  const log = services.log;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newId('req', 14);
    res.setHeader('Request-Id', requestId);
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const query = q === -1 ? '' : rawUrl.slice(q + 1);
    const method = req.method ?? 'GET';
    if (log.enabled('debug')) {
      const started = performance.now();
      res.once('finish', () =>
        log.debug('request', {
          request_id: requestId,
          method,
          path: loggablePath(path),
          status: res.statusCode,
          duration_ms: Math.round(performance.now() - started),
        }),
      );
    }
    try {
      for (const mount of mounts) if (await mount(req, res, path)) return;
      const match = router.match(method, path);
      if (match.kind !== 'found') throw errors.unrecognizedUrl(method, path);
      const { route, access } = match.handler;
      let token = tokenFromHeaders(req.headers);
      let input: Record<string, unknown> | null = null;
      let uploads: Upload[] = [];
      const op = operations.get(route);
      const readInput = async () => {
        const limit = Math.max(services.config.bodyLimitBytes, route.bodyLimit ?? 0);
        const body = method === 'POST' ? await readBody(req, limit) : Buffer.alloc(0);
        const parsed = parseInput(route, op, method, query, body, req.headers['content-type']);
        uploads = parsed.uploads;
        return parsed.input;
      };
      if (!token && route.keyParam) {
        // Stripe's documented form of this call sends the secret key in the body.
        input = await readInput();
        const sent = input[route.keyParam];
        if (typeof sent === 'string' && sent) token = sent;
      }
      const caller = await authenticate(req, access, requestId, token);
      if (route.notModelled) {
        const op = route.notModelled;
        throw errors.operationNotSupported(op.id, op.m, op.p);
      }
      input ??= await readInput();
      if (route.keyParam && input[route.keyParam] !== undefined && input[route.keyParam] !== token)
        throw errors.oauthInvalidRequest(
          `The ${route.keyParam} sent is not the API key of the Authorization header.`,
        );
      const params = op
        ? parseOperation(op.q, route.params, input)
        : parseShape(route.params, input);
      const now = services.clock.now();
      const host = req.headers.host ?? `${services.config.host}:${services.config.port}`;
      const base = { caller, params, path: match.params, services, now, url: path, host, uploads };
      let reply: Reply;
      if (route.method === 'GET') {
        const db = services.dialect.db;
        const answer = await route.handler({ ...base, db });
        if (answer instanceof FileContent) {
          sendBytes(res, answer.data, answer.contentType, answer.filename);
          return;
        }
        const result = await expanded(db, caller, params, answer);
        reply = { status: 200, body: toJson(result) };
      } else {
        // The key the caller authenticated with (header, or the body's client_secret).
        reply = await runWrite(route, base, method, path, input, token!);
      }
      res.setHeader('Stripe-Version', caller.apiVersion);
      if (caller.idempotencyKey) res.setHeader('Idempotency-Key', caller.idempotencyKey);
      if (reply.replayed) res.setHeader('Idempotent-Replayed', 'true');
      sendJson(res, reply.status, reply.body);
    } catch (e) {
      if (clientWentAway(req, e)) {
        // Not a server error: the client closed the connection before its request was read.
        log.debug('request aborted by the client', {
          request_id: requestId,
          method,
          path: loggablePath(path),
        });
        return;
      }
      sendError(res, e, requestId, method, path);
    }
  }

  async function authenticate(
    req: IncomingMessage,
    access: RouteAccess | null,
    requestId: string,
    token: string | null,
  ): Promise<Caller> {
    if (!token) throw errors.missingApiKey();
    const owner = await keys.resolve(token);
    if (!limiter.take(owner.key.id)) throw errors.rateLimited();
    const context = header(req, 'stripe-context');
    const scope = await resolveScope(services, owner, {
      account: header(req, 'stripe-account'),
      context,
    });
    if (access) checkAccess(scope, access, token);
    const version = header(req, 'stripe-version');
    if (version !== null && !versionPattern.test(version)) {
      throw errors.invalidRequest(
        `Invalid Stripe API version: ${version.slice(0, 40)}`,
        undefined,
        'api_version_invalid',
      );
    }
    const idempotencyKey = header(req, 'idempotency-key');
    if (idempotencyKey !== null && idempotencyKey.length > 255)
      throw errors.idempotencyKeyTooLong();
    return {
      ...scope,
      keyId: owner.key.id,
      apiVersion: version ?? owner.platform.default_api_version,
      versionHeader: version,
      requestId,
      idempotencyKey,
      context,
    };
  }

  async function runWrite(
    route: Extract<Route, { method: 'POST' | 'DELETE' }>,
    base: Omit<Parameters<typeof route.handler>[0], 'w' | 'db'>,
    method: string,
    path: string,
    input: unknown,
    apiKey: string,
  ): Promise<Reply> {
    const { caller } = base;
    const sealWith = route.secrets ? apiKey : null;
    const db = services.dialect.db;
    const scope: IdempotencyScope | null = caller.idempotencyKey
      ? {
          platform_id: caller.platform.id,
          account_scope: caller.accountId ?? '',
          livemode: caller.livemode ? 1 : 0,
          key: caller.idempotencyKey,
        }
      : null;
    const hash = scope ? requestHash(method, path, input) : '';
    // A transactional write looks its key up only when it fails: its transaction stores the reply
    // under the key, which is unique, so a key already used rolls it back (a unique violation
    // once the first request has committed) and the stored reply answers. A lookup before every
    // write cost a round trip and a commit of its own per create on PostgreSQL (issue 23).
    if (scope && route.transaction === false) {
      const seen = await replayIfSeen(db, scope, hash, apiKey);
      if (seen) return seen;
    }
    const writeBase = {
      platform: caller.platform,
      livemode: caller.livemode,
      accountId: caller.accountId,
      now: base.now,
      request: { id: caller.requestId, idempotency_key: caller.idempotencyKey },
    };
    try {
      if (route.transaction === false) {
        const result = await route.handler({ ...base, db });
        const reply = { status: 200, body: toJson(result) };
        if (scope) await remember(db, scope, hash, reply, Date.now(), sealWith);
        return reply;
      }
      return await inTransaction(services, writeBase, async (w) => {
        const result = await expanded(
          w.db,
          caller,
          base.params,
          await route.handler({ ...base, w, db: w.db }),
        );
        const reply =
          result instanceof CommittedError
            ? { status: result.error.status, body: JSON.stringify(result.error.toJSON(), null, 2) }
            : { status: 200, body: toJson(result) };
        if (scope) await remember(w.db, scope, hash, reply, Date.now(), sealWith);
        return reply;
      });
    } catch (e) {
      // A request with this key answered before, or committed first while this one ran: answer
      // as it did (its failure here, a unique violation or an error of the request run again on
      // today's state, is not the answer).
      const row = scope ? await findIdempotencyKey(db, scope).catch(() => undefined) : undefined;
      if (scope && row) return replay(row, hash, scope.key, apiKey);
      if (scope && isUniqueViolation(e)) throw errors.idempotencyInProgress();
      if (scope && e instanceof StripeError && e.status < 500) {
        // Stripe replays errors the request itself produced, not only successes.
        const reply = { status: e.status, body: JSON.stringify(e.toJSON(), null, 2) };
        await remember(db, scope, hash, reply, Date.now()).catch(() => undefined);
      }
      throw e;
    }
  }

  function sendError(
    res: ServerResponse,
    e: unknown,
    requestId: string,
    method: string,
    path: string,
  ): void {
    let error: StripeError;
    if (e instanceof StripeError) {
      error = e;
    } else {
      error = errors.internal(requestId);
      log.error('request failed', {
        request_id: requestId,
        method,
        path: loggablePath(path),
        error: (e as Error)?.stack ?? String(e),
      });
    }
    if (error.status >= 500) res.setHeader('Stripe-Should-Retry', 'true');
    if (error.status === 413) res.setHeader('Connection', 'close');
    sendJson(res, error.status, JSON.stringify(error.toJSON(), null, 2));
  }

  return {
    handle: (req, res) => void handle(req, res),
    keys,
  };
}

/**
 * Whether `e` is the client closing the connection mid-request: its body cut short (Node's
 * `aborted`), or a reset of the request's own socket. A request whose body was read is destroyed
 * too (auto-destroy), and a database connection cut by a server restart fails with the same
 * ECONNRESET: that client still waits, and gets its 500.
 */
export function clientWentAway(
  req: Pick<IncomingMessage, 'readableAborted' | 'socket'>,
  e: unknown,
): boolean {
  if (req.readableAborted) return true;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return (req.socket?.destroyed ?? true) && (code === 'ECONNRESET' || code === 'ECONNABORTED');
}

/** What a route lets in (RouteOptions), with the defaults filled in from its resource. */
function accessOf(resource: Resource, route: Route): RouteAccess {
  const writes = route.method !== 'GET';
  return {
    callers: route.callers ?? 'any',
    permission: route.permission ?? `${resource.name}:${writes ? 'write' : 'read'}`,
    writes,
    publishable: route.publishable ?? false,
    what: resource.name,
  };
}

function header(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  if (v === undefined) return null;
  return Array.isArray(v) ? (v[0] ?? null) : v;
}

function parseInput(
  route: Route,
  op: Operation | undefined,
  method: string,
  query: string,
  body: Buffer,
  contentType: string | undefined,
): { input: Record<string, unknown>; uploads: Upload[] } {
  const fromQuery = query ? parseForm(query, defaultLimits) : {};
  if (method !== 'POST') return { input: fromQuery, uploads: [] };
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (route.body === 'json') {
    if (type !== '' && type !== 'application/json') throw errors.unsupportedContentType(type);
    return { input: { ...fromQuery, ...parseJsonBody(utf8(body), defaultLimits) }, uploads: [] };
  }
  if (op?.mp && type === 'multipart/form-data')
    return multipartInput(fromQuery, body, contentType!);
  if (type !== '' && type !== 'application/x-www-form-urlencoded')
    throw errors.unsupportedContentType(type);
  return { input: { ...fromQuery, ...parseForm(utf8(body), defaultLimits) }, uploads: [] };
}

/**
 * A `multipart/form-data` body (file uploads): its text parts are parameters as a form's are; a
 * file part is a parameter too, whose value is its filename (what the spec checks: a string),
 * and its bytes go to the route as an upload.
 */
function multipartInput(
  fromQuery: Record<string, unknown>,
  body: Buffer,
  contentType: string,
): { input: Record<string, unknown>; uploads: Upload[] } {
  const { fields, uploads } = parseMultipart(body, boundaryOf(contentType));
  const pairs = new URLSearchParams(fields);
  for (const upload of uploads) pairs.append(upload.name, upload.filename ?? 'blob');
  return { input: { ...fromQuery, ...parseForm(pairs.toString(), defaultLimits) }, uploads };
}

/** A body as text; invalid UTF-8 (decoded to U+FFFD) is refused rather than stored mangled. */
function utf8(buf: Buffer): string {
  const text = buf.toString('utf8');
  if (text.includes('\uFFFD') && !buf.includes(Buffer.from('\uFFFD')))
    throw errors.malformedBody('the body is not valid UTF-8');
  return text;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      return reject(errors.bodyTooLarge(limit));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(errors.bodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Applies `expand[]` (resources/expand.ts) to a handler's answer. */
async function expanded(
  db: Kysely<Database>,
  caller: Caller,
  params: { expand?: unknown },
  result: unknown,
): Promise<unknown> {
  const paths = params.expand as string[] | undefined;
  if (!paths?.length || result instanceof CommittedError) return result;
  const answer = result instanceof RawJson ? (JSON.parse(result.text) as unknown) : result;
  return expandAnswer(db, caller, answer, paths);
}

function toJson(result: unknown): string {
  return result instanceof RawJson ? result.text : JSON.stringify(result, null, 2);
}
