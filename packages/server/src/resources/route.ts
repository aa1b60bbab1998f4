import type { Kysely } from 'kysely';
import type { Services, WriteContext } from '../services/context.js';
import type { TaskHandler } from '../services/scheduler.js';
import type { Database } from '../storage/schema.js';
import type { Scope } from '../scope/scope.js';
import type { StripeError } from '../stripe/errors.js';
import type { Field, Parsed } from '../stripe/params.js';
import { catalogue, findOperation, routePath, type Operation } from '../stripe/catalogue.js';

/**
 * Who is calling: the request's scope (scope/scope.ts: platform, mode, acting account,
 * credential), with what the request says about itself.
 */
export interface Caller extends Scope {
  /** The id (`key_...`) of the API key that made the request. */
  keyId: string;
  apiVersion: string;
  /** The `Stripe-Version` header as sent (null without one): what an ephemeral key is made for. */
  versionHeader: string | null;
  requestId: string;
  idempotencyKey: string | null;
  /** `Stripe-Context` (v2), when sent. */
  context: string | null;
}

export type Method = 'GET' | 'POST' | 'DELETE';

type Shape = Record<string, Field<unknown>>;

interface BaseCall<S extends Shape> {
  caller: Caller;
  params: Parsed<S>;
  path: Record<string, string>;
  services: Services;
  now: number;
  /** The path with its query, as Stripe puts it in list `url`s. */
  url: string;
  /** The request's Host header: how the client reached this server. */
  host: string;
  /** The files of a `multipart/form-data` request (`POST /v1/files`); none otherwise. */
  uploads: Upload[];
}

/** A file part of a `multipart/form-data` request (api/multipart.ts parses them). */
export interface Upload {
  /** The part's name: `file`. */
  name: string;
  filename: string | null;
  contentType: string | null;
  data: Buffer;
}

export interface ReadCall<S extends Shape> extends BaseCall<S> {
  db: Kysely<Database>;
}

export interface WriteCall<S extends Shape> extends BaseCall<S> {
  /** The request's transaction, and its after-commit hooks. */
  w: WriteContext;
  db: Kysely<Database>;
}

export interface RouteOptions {
  /**
   * Who may call:
   * - `any` (the default): every credential of the platform; restricted keys need the route's
   *   `permission`, read_only OAuth tokens may only read;
   * - `platform-keys`: the platform's own keys (secret, or restricted with the permission), also
   *   acting as a connected account (`Stripe-Account`), never an OAuth token: for what only the
   *   platform does to its connected accounts (creating them);
   * - `platform`: only the platform's (or a sandbox's) own secret key, without Stripe-Account: for
   *   what belongs to the platform as a whole (sandboxes, keys, listen sessions).
   */
  callers?: 'any' | 'platform-keys' | 'platform';
  /**
   * The restricted-key permission the route needs: `<resource>:read` or `<resource>:write`,
   * by default the resource's name and whether the route reads (GET) or writes.
   */
  permission?: string;
  /** Publishable keys (`pk_`) may call this route: what Stripe.js and the mobile SDKs do. */
  publishable?: boolean;
  /**
   * OAuth's `client_secret`: a parameter that may carry the secret key instead of the
   * Authorization header (`POST /oauth/token`, as Stripe documents that call). Sent with the
   * header, it must be the same key.
   */
  keyParam?: string;
  /** v2 routes take JSON bodies; v1 routes take forms. */
  body?: 'form' | 'json';
  /**
   * Its replies carry secrets kept nowhere else in clear (new API keys, OAuth tokens, a listen
   * session's websocket id): the idempotency record keeps them sealed with the caller's key.
   */
  secrets?: true;
  /**
   * The largest body the route takes, when more than the server's `--body-limit` (file uploads,
   * up to Stripe's 16 MB).
   */
  bodyLimit?: number;
  /** An operation of Stripe's API that no resource serves: refused once the caller is known. */
  notModelled?: Operation;
}

export type Route =
  | ({
      method: 'GET';
      path: string;
      params: Shape;
      handler: (call: ReadCall<Shape>) => Promise<unknown>;
    } & RouteOptions)
  | ({
      method: 'POST' | 'DELETE';
      path: string;
      params: Shape;
      transaction?: true;
      handler: (call: WriteCall<Shape>) => Promise<unknown>;
    } & RouteOptions)
  | ({
      method: 'POST';
      path: string;
      params: Shape;
      transaction: false;
      handler: (call: ReadCall<Shape>) => Promise<unknown>;
    } & RouteOptions);

/** Declares a read route with typed parameters. */
export function get<S extends Shape>(
  path: string,
  params: S,
  handler: (call: ReadCall<S>) => Promise<unknown>,
  options: RouteOptions = {},
): Route {
  return {
    method: 'GET',
    path,
    params,
    handler: handler as (call: ReadCall<Shape>) => Promise<unknown>,
    ...options,
  };
}

/** Declares a write route (POST or DELETE): it runs in a transaction, with idempotency. */
export function write<S extends Shape>(
  method: 'POST' | 'DELETE',
  path: string,
  params: S,
  handler: (call: WriteCall<S>) => Promise<unknown>,
  options: RouteOptions = {},
): Route {
  return {
    method,
    path,
    params,
    handler: handler as (call: WriteCall<Shape>) => Promise<unknown>,
    ...options,
  };
}

export const post = <S extends Shape>(
  path: string,
  params: S,
  handler: (call: WriteCall<S>) => Promise<unknown>,
  options?: RouteOptions,
) => write('POST', path, params, handler, options);
export const del = <S extends Shape>(
  path: string,
  params: S,
  handler: (call: WriteCall<S>) => Promise<unknown>,
  options?: RouteOptions,
) => write('DELETE', path, params, handler, options);

/**
 * The routes under Stripe's older name for their path (`/people` for `/persons`,
 * `/balance/history` for `/balance_transactions`): the same handlers and parameters, so the two
 * paths cannot drift. Only the paths Stripe's API has are made (it has no list of an account's
 * `/bank_accounts`).
 */
export function aliasRoutes(routes: readonly Route[], from: string, to: string): Route[] {
  const aliases: Route[] = [];
  for (const route of routes) {
    const path = route.path.replace(from, to);
    const op = route.path.includes(from) ? findOperation(route.method, path) : undefined;
    if (!op) continue;
    // The parameters the older path has (newer ones are the newer path's only).
    const known = catalogue().nodes[op.q]?.p ?? {};
    const params = Object.fromEntries(
      Object.entries(route.params).filter(([k, f]) => k in known || f.use === 'extension'),
    );
    aliases.push({ ...route, path, params } as Route);
  }
  return aliases;
}

/** The route of an operation of Stripe's API that no resource serves. */
export function notModelled(op: Operation): Route {
  const handler = () => Promise.reject(new Error(`${op.id} is not modelled`));
  const path = routePath(op.p);
  const body = op.p.startsWith('/v2/') ? 'json' : 'form';
  return op.m === 'GET'
    ? { method: 'GET', path, params: {}, handler, notModelled: op, body }
    : { method: op.m, path, params: {}, handler, notModelled: op, body };
}

/**
 * Declares a POST that runs outside any transaction (with idempotency): for an action that waits
 * for work other transactions do, such as advancing the manual clock until the deliveries it
 * made due are recorded (inside a transaction it would hold SQLite's one writer meanwhile).
 */
export function action<S extends Shape>(
  path: string,
  params: S,
  handler: (call: ReadCall<S>) => Promise<unknown>,
  options: RouteOptions = {},
): Route {
  return {
    method: 'POST',
    path,
    params,
    transaction: false,
    handler: handler as (call: ReadCall<Shape>) => Promise<unknown>,
    ...options,
  };
}

/** What a resource file exports: its routes, and handlers for the tasks it schedules. */
export interface Resource {
  name: string;
  routes: Route[];
  tasks?: Record<string, TaskHandler>;
}

/** A handler result that is already JSON text (an event body): sent byte for byte. */
export class RawJson {
  constructor(readonly text: string) {}
}

/**
 * A handler result that is an error whose side effects must still commit: a declined payment
 * records a failed charge and emits charge.failed and payment_intent.payment_failed, then answers
 * 402, as Stripe does.
 */
export class CommittedError {
  constructor(readonly error: StripeError) {}
}

/** A read route's answer that is a file's bytes, not JSON (`GET /v1/files/{file}/contents`). */
export class FileContent {
  constructor(
    readonly data: Buffer,
    readonly contentType: string,
    readonly filename: string | null,
  ) {}
}
