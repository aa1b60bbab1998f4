import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resources } from '../../src/resources/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  repairs,
  table,
  type Cell,
  type Owner,
  type RouteCase,
  type Target,
  type Who,
} from '../tenancy/table.js';
import {
  buildWorld,
  call,
  expressAccount,
  oauthToken,
  restrictedKey,
  standardAccount,
  type Answer,
  type As,
  type World,
} from '../tenancy/world.js';

/**
 * The tenancy matrix: every route of the API × every kind of credential — platform test and live
 * keys, a sandbox's key, restricted keys with and without the route's permission, OAuth tokens
 * read_only and read_write, Stripe-Account of an own, another platform's, a deleted and a
 * deauthorized account, another platform's key — allowed or refused as the route's policy
 * (test/tenancy/table.ts) says. A route missing from the table fails, so none ships unclassified.
 */

const routes = resources.flatMap((r) =>
  r.routes.map((route) => ({
    key: `${route.method} ${route.path}`,
    method: route.method,
    permission: route.permission ?? `${r.name}:${route.method === 'GET' ? 'read' : 'write'}`,
  })),
);

/** Errors that refuse a credential or a scope (as opposed to a bad request). */
const refusalCodes = new Set([
  'account_invalid',
  'api_key_invalid',
  'livemode_mismatch',
  'not_found',
  'oauth_scope_read_only',
  'platform_key_required',
  'resource_missing',
  'secret_key_required',
  'stripe_account_not_allowed',
]);

function outcome(answer: Answer, reached?: string): 'allow' | 'refuse' | 'other' {
  if (answer.status >= 200 && answer.status < 300) return 'allow';
  if (reached && (answer.body.error as { code?: string } | undefined)?.code === reached)
    return 'allow';
  if ([401, 403, 404].includes(answer.status)) return 'refuse';
  const error = answer.body.error;
  // /oauth/token answers in OAuth's shape: {"error": "invalid_grant", ...}.
  if (typeof error === 'string') return 'refuse';
  const code = (error as { code?: string } | undefined)?.code;
  return answer.status === 400 && code && refusalCodes.has(code) ? 'refuse' : 'other';
}

describe('tenancy matrix: every route × every credential', () => {
  let server: TestServer;
  let world: World;
  const restricted = new Map<string, string>();

  async function rk(permissions: string[]): Promise<string> {
    const id = permissions.join(',');
    if (!restricted.has(id)) restricted.set(id, await restrictedKey(server, permissions));
    return restricted.get(id)!;
  }

  /** The request's credential: a key, and the account it acts as. */
  async function credential(who: Who, w: World, permission: string): Promise<As> {
    const k = w.keys;
    switch (who) {
      case 'a_test':
        return { key: k.aTest };
      case 'a_live':
        return { key: k.aLive };
      case 'sandbox':
        return { key: k.sandbox };
      case 'rk_with':
        return { key: await rk([permission]) };
      case 'rk_without':
        return {
          key: await rk([permission === 'balance:read' ? 'customers:read' : 'balance:read']),
        };
      case 'oauth_ro':
        return { key: w.oauth.readOnly };
      case 'oauth_rw':
        return { key: w.oauth.readWrite };
      case 'as_x':
        return { key: k.aTest, account: w.accounts.x };
      case 'as_other':
        return { key: k.aTest, account: w.accounts.other };
      case 'as_deleted':
        return { key: k.aTest, account: w.accounts.deleted };
      case 'as_deauth':
        return { key: k.aTest, account: w.accounts.deauthorized };
      case 'b_test':
        return { key: k.bTest };
    }
  }

  /** Who makes a cell's target, and the connected account it concerns. */
  function target(owner: Owner, who: Who, w: World): Target {
    const k = w.keys;
    const acting = (account: string): Target => ({
      w,
      owner: { key: k.aTest, account },
      account,
    });
    switch (owner) {
      case 'platform':
        return { w, owner: { key: k.aTest }, account: null };
      case 'x':
        return acting(w.accounts.x);
      case 'y':
        return acting(w.accounts.y);
      case 'live':
        return { w, owner: { key: k.aLive }, account: w.accounts.live };
      case 'self': {
        // The credential's own scope, made with a key that can make things in it.
        const self: Partial<Record<Who, As>> = {
          a_live: { key: k.aLive },
          sandbox: { key: k.sandbox },
          b_test: { key: k.bTest },
          oauth_ro: { key: k.aTest, account: w.accounts.x },
          oauth_rw: { key: k.aTest, account: w.accounts.x },
          as_x: { key: k.aTest, account: w.accounts.x },
        };
        const as = self[who] ?? { key: k.aTest };
        return { w, owner: as, account: as.account ?? null };
      }
    }
  }

  /**
   * For a route that ends its account: a world whose x (or y, or live account) is a fresh one,
   * with fresh OAuth tokens when the cell's credential is one.
   */
  async function freshWorld(c: RouteCase, [who, owner]: Cell): Promise<World> {
    const make = (key: string) =>
      c.accountType === 'standard' ? standardAccount(server, key) : expressAccount(server, key);
    if (owner === 'live') {
      return { ...world, accounts: { ...world.accounts, live: await make(world.keys.aLive) } };
    }
    const fresh = await make(world.keys.aTest);
    const accounts = { ...world.accounts, [owner === 'y' ? 'y' : 'x']: fresh };
    const oauth =
      who === 'oauth_ro' || who === 'oauth_rw'
        ? {
            readWrite: await oauthToken(server, accounts.x, 'read_write'),
            readOnly: await oauthToken(server, accounts.x, 'read_only'),
          }
        : world.oauth;
    return { ...world, accounts, oauth };
  }

  beforeAll(async () => {
    // Every cell makes its own targets: more endpoints than Stripe's 16 per account.
    // A manual clock, so that advancing it is among the routes.
    server = await startTestServer({
      manualClock: true,
      config: {
        maxEndpoints: '100000',
        maxEventDestinations: '100000',
        maxListenSessions: '100000',
      },
    });
    world = await buildWorld(server);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  it('classifies every route, and only routes that exist', () => {
    const served = new Set(routes.map((r) => r.key));
    const missing = [...served].filter((k) => !(k in table));
    const stale = Object.keys(table).filter((k) => !served.has(k));
    expect(missing, 'routes missing from test/tenancy/table.ts').toEqual([]);
    expect(stale, 'routes in test/tenancy/table.ts that no longer exist').toEqual([]);
  });

  for (const route of routes) {
    const c = table[route.key];
    if (!c) continue;
    it(route.key, { timeout: 120_000 }, async () => {
      const check = async (cell: Cell): Promise<string | null> => {
        const [who, owner, expected] = cell;
        const w = c.consumesAccount && owner !== 'self' ? await freshWorld(c, cell) : world;
        const request = await c.request(target(owner, who, w));
        const as = await credential(who, w, route.permission);
        const answer = await call(
          server,
          as,
          route.method,
          request.path,
          request.params,
          request.headers,
        );
        for (const repair of repairs.splice(0)) await repair();
        const want = expected === 'read' ? (route.method === 'GET' ? 'allow' : 'refuse') : expected;
        if (outcome(answer, c.reached) === want) return null;
        return `${who} on ${owner}'s target: expected ${want}, got ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
      };
      // Each cell makes its own targets, so cells run at once unless the route says otherwise.
      const results: Array<string | null> = [];
      if (c.sequential) for (const cell of c.cells) results.push(await check(cell));
      else results.push(...(await Promise.all(c.cells.map(check))));
      const wrong = results.filter((r) => r !== null);
      expect(wrong).toEqual([]);
    });
  }
});
