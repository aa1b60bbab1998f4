import { createPlatform } from '../../src/main.js';
import { inTransaction } from '../../src/services/context.js';
import { issueAuthorizationCode } from '../../src/resources/oauth.js';
import { LIVE_KEY, TEST_KEY, type TestServer } from '../helpers/server.js';

/**
 * The tenants of the tenancy matrix: platform A (test and live keys, a sandbox, restricted keys),
 * platform B, and A's connected accounts: `x` (Express, connected through OAuth: read_write and
 * read_only tokens act as it), `y` (another Express account of A), a live account, a deleted and
 * a deauthorized one, and one of B's.
 */
export interface World {
  server: TestServer;
  clientId: string;
  keys: { aTest: string; aLive: string; sandbox: string; bTest: string };
  accounts: {
    x: string;
    y: string;
    live: string;
    other: string;
    deleted: string;
    deauthorized: string;
  };
  oauth: { readWrite: string; readOnly: string };
}

/** A request as the matrix sends it: a key, and the account it acts as (`Stripe-Account`). */
export interface As {
  key: string;
  account?: string | undefined;
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** Sends one API request: a form on /v1 and /oauth, JSON on /v2. */
export async function call(
  server: TestServer,
  as: As,
  method: string,
  path: string,
  params: Record<string, unknown> = {},
  extraHeaders: Record<string, string> = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...extraHeaders, Authorization: `Bearer ${as.key}` };
  if (as.account) headers['Stripe-Account'] = as.account;
  let url = `${server.url}${path}`;
  let body: string | FormData | undefined;
  const json = path.startsWith('/v2/');
  if (method === 'GET' || method === 'DELETE') {
    const q = form(params);
    if (q) url += `?${q}`;
  } else if (Object.values(params).some((v) => v instanceof Blob)) {
    // A file upload: multipart/form-data (fetch sets the Content-Type and its boundary).
    body = new FormData();
    for (const [k, v] of Object.entries(params)) {
      if (v instanceof Blob) body.append(k, v, k);
      else
        for (const [name, value] of new URLSearchParams(form({ [k]: v }))) body.append(name, value);
    }
  } else if (json) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(params);
  } else {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = form(params);
  }
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed };
}

/** Stripe's form encoding, nested with brackets. */
function form(params: Record<string, unknown>, prefix = '', out = new URLSearchParams()): string {
  for (const [k, v] of Object.entries(params)) {
    const name = prefix ? `${prefix}[${k}]` : k;
    if (v === undefined) continue;
    if (Array.isArray(v)) v.forEach((item, i) => encode(`${name}[${i}]`, item, out));
    else encode(name, v, out);
  }
  return out.toString();
}

function encode(name: string, v: unknown, out: URLSearchParams): void {
  if (v !== null && typeof v === 'object') form(v as Record<string, unknown>, name, out);
  else out.append(name, String(v));
}

/** Calls and requires success: for building the world and the targets of each case. */
export async function must<T = Record<string, unknown>>(
  server: TestServer,
  as: As,
  method: string,
  path: string,
  params: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<T> {
  const answer = await call(server, as, method, path, params, headers);
  if (answer.status >= 300)
    throw new Error(`${method} ${path} as ${as.key.slice(0, 8)}: ${JSON.stringify(answer.body)}`);
  return answer.body as T;
}

/** An Express account of A, onboarded (a bank account, charges and payouts enabled). */
export async function expressAccount(server: TestServer, key = TEST_KEY): Promise<string> {
  const { id } = await must<{ id: string }>(server, { key }, 'POST', '/v1/accounts', {
    type: 'express',
    capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
  });
  await must(server, { key }, 'POST', `/v1/test_helpers/accounts/${id}/complete_onboarding`);
  return id;
}

/** A Standard account of A (it can deauthorize the platform). */
export async function standardAccount(server: TestServer, key = TEST_KEY): Promise<string> {
  const { id } = await must<{ id: string }>(server, { key }, 'POST', '/v1/accounts', {
    type: 'standard',
  });
  return id;
}

/**
 * OAuth access tokens bound to `account`: a code issued as the authorize page issues it (the
 * page itself is tested in oauth.test.ts), exchanged with `/oauth/token` as a platform does.
 */
export async function oauthToken(
  server: TestServer,
  account: string,
  scope: 'read_write' | 'read_only',
): Promise<string> {
  const code = await issueCode(server, account, scope);
  const token = await must<{ access_token: string }>(
    server,
    { key: TEST_KEY },
    'POST',
    '/oauth/token',
    {
      grant_type: 'authorization_code',
      code,
    },
  );
  return token.access_token;
}

/** An authorization code for `account`, as the authorize page issues one. */
export function issueCode(
  server: TestServer,
  account: string,
  scope: 'read_write' | 'read_only',
): Promise<string> {
  const services = server.sb.services;
  const platform = server.sb.startup.platform;
  return inTransaction(
    services,
    {
      platform,
      livemode: false,
      accountId: null,
      now: services.clock.now(),
      request: { id: null, idempotency_key: null },
    },
    (w) => issueAuthorizationCode(w, account, scope),
  );
}

export async function buildWorld(server: TestServer): Promise<World> {
  const b = await createPlatform(server.sb.services.dialect.db, {
    name: 'Platform B',
    now: Date.now(),
  });
  const sandbox = await must<{ secret_key: string }>(
    server,
    { key: TEST_KEY },
    'POST',
    '/v1/switchboard/sandboxes',
    { name: 'matrix' },
  );
  const x = await expressAccount(server);
  const y = await expressAccount(server);
  const live = await expressAccount(server, LIVE_KEY);
  const other = await expressAccount(server, b.testKey);
  const deleted = await expressAccount(server);
  await must(server, { key: TEST_KEY }, 'DELETE', `/v1/accounts/${deleted}`);
  const deauthorized = await standardAccount(server);
  await must(
    server,
    { key: TEST_KEY },
    'POST',
    `/v1/test_helpers/accounts/${deauthorized}/deauthorize`,
  );
  return {
    server,
    clientId: server.sb.startup.platform.application_id,
    keys: { aTest: TEST_KEY, aLive: LIVE_KEY, sandbox: sandbox.secret_key, bTest: b.testKey },
    accounts: { x, y, live, other, deleted, deauthorized },
    oauth: {
      readWrite: await oauthToken(server, x, 'read_write'),
      readOnly: await oauthToken(server, x, 'read_only'),
    },
  };
}

/** A restricted key of A (test mode) with exactly these permissions. */
export async function restrictedKey(server: TestServer, permissions: string[]): Promise<string> {
  const key = await must<{ secret: string }>(
    server,
    { key: TEST_KEY },
    'POST',
    '/v1/switchboard/restricted_keys',
    { permissions },
  );
  return key.secret;
}
