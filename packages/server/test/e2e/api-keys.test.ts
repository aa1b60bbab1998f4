import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyResolver } from '../../src/api/auth.js';
import { backend } from '../helpers/database.js';
import {
  eventually,
  LIVE_KEY,
  startTestServer,
  TEST_KEY,
  type TestServer,
} from '../helpers/server.js';

interface WireKey {
  id: string;
  object: 'api_key';
  type: 'secret' | 'restricted';
  livemode: boolean;
  redacted_secret: string;
  expires_at: number | null;
  current: boolean;
  secret?: string;
  revoked?: boolean;
}

async function api<T>(
  server: TestServer,
  key: string,
  method: string,
  path: string,
  body?: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...headers },
    ...(body ? { body: new URLSearchParams(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as T };
}

const list = async (server: TestServer, key: string) =>
  (await api<{ data: WireKey[] }>(server, key, 'GET', '/v1/switchboard/api_keys')).body.data;

/** The platform's test secret key that is neither revoked nor rolled (test keys are kept in clear). */
async function currentTestKey(server: TestServer): Promise<string> {
  const row = await server.sb.services.dialect.db
    .selectFrom('api_keys')
    .select('token')
    .where('platform_id', '=', server.sb.startup.platform.id)
    .where('livemode', '=', 0)
    .where('kind', '=', 'secret')
    .where('account_id', 'is', null)
    .where('revoked', '=', 0)
    .where('expires_ms', 'is', null)
    .executeTakeFirstOrThrow();
  return row.token!;
}

/** Whether the key still works: a read that any secret key may make. */
const works = async (server: TestServer, key: string) =>
  (await api(server, key, 'GET', '/v1/customers')).status === 200;

/** Finding 5 of issue 18: a platform's keys can be listed, rolled and revoked. */
describe('API keys: list, roll, revoke', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ manualClock: true });
  });
  afterAll(() => server.close());

  it('lists the keys of the caller’s mode redacted, marking the one in use', async () => {
    const test = await list(server, TEST_KEY);
    expect(test).toEqual([
      expect.objectContaining({
        object: 'api_key',
        type: 'secret',
        livemode: false,
        redacted_secret: `sk_test_...${TEST_KEY.slice(-4)}`,
        expires_at: null,
        current: true,
      }),
    ]);
    expect(JSON.stringify(test)).not.toContain(TEST_KEY);
    const live = await list(server, LIVE_KEY);
    expect(live.map((k) => k.redacted_secret)).toEqual([`sk_live_...${LIVE_KEY.slice(-4)}`]);
  });

  it('rolls a key: the new one works at once, the old one until its expiry', async () => {
    const [own] = await list(server, TEST_KEY);
    // Warm the key cache with the old key, so its expiry must be checked on cached keys too.
    expect(await works(server, TEST_KEY)).toBe(true);
    const rolled = await api<WireKey>(
      server,
      TEST_KEY,
      'POST',
      `/v1/switchboard/api_keys/${own!.id}/roll`,
      { expires_in: '3600' },
    );
    expect(rolled.status).toBe(200);
    const fresh = rolled.body.secret!;
    expect(fresh).toMatch(/^sk_test_[A-Za-z0-9]{48}$/);
    expect(rolled.body).toMatchObject({ type: 'secret', expires_at: null, current: false });
    expect(await works(server, fresh)).toBe(true);
    expect(await works(server, TEST_KEY)).toBe(true);
    const listed = await list(server, fresh);
    expect(listed.find((k) => k.id === own!.id)!.expires_at).toBe(
      Math.ceil((server.clock!.now() + 3_600_000) / 1000),
    );
    // Rolling the old key again is refused: its successor is the one to roll.
    expect(
      (await api(server, fresh, 'POST', `/v1/switchboard/api_keys/${own!.id}/roll`)).status,
    ).toBe(400);
    // A dashboard stream token the old key got before its expiry dies with it.
    const stream = await api<{ url: string }>(
      server,
      TEST_KEY,
      'POST',
      '/v1/switchboard/stream_tokens',
    );
    server.clock!.advance(3_600_000);
    expect(await works(server, TEST_KEY)).toBe(false);
    expect((await fetch(`${server.url}${stream.body.url}`)).status).toBe(401);
    expect(await works(server, fresh)).toBe(true);
    expect((await list(server, fresh)).map((k) => k.id)).toEqual([rolled.body.id]);

    // Rolled with no overlap, the old key ends at once; the test key is shown again in clear.
    const again = await api<WireKey>(
      server,
      fresh,
      'POST',
      `/v1/switchboard/api_keys/${rolled.body.id}/roll`,
    );
    expect(await works(server, fresh)).toBe(false);
    const latest = again.body.secret!;
    expect(await works(server, latest)).toBe(true);
    const stored = await server.sb.services.dialect.db
      .selectFrom('api_keys')
      .select('token')
      .where('id', '=', again.body.id)
      .executeTakeFirstOrThrow();
    expect(stored.token).toBe(latest);
  });

  it('stores a rolled live key hashed only, and a test key cannot see or touch live keys', async () => {
    const [live] = await list(server, LIVE_KEY);
    const anyTestKey = await currentTestKey(server);
    const fromTest = await api(
      server,
      anyTestKey,
      'POST',
      `/v1/switchboard/api_keys/${live!.id}/revoke`,
    );
    expect(fromTest.status).toBe(404);
    const rolled = await api<WireKey>(
      server,
      LIVE_KEY,
      'POST',
      `/v1/switchboard/api_keys/${live!.id}/roll`,
      { expires_in: '60' },
    );
    const newLive = rolled.body.secret!;
    expect(newLive).toMatch(/^sk_live_/);
    const row = await server.sb.services.dialect.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', rolled.body.id)
      .executeTakeFirstOrThrow();
    expect(row.token).toBeNull();
    expect(row.token_hash).not.toContain(newLive);
    expect(await works(server, newLive)).toBe(true);
  });

  it('revokes a key at once, even one the server has just cached', async () => {
    const manager = await currentTestKey(server);
    const restricted = (
      await api<{ secret: string }>(server, manager, 'POST', '/v1/switchboard/restricted_keys')
    ).body.secret;
    const restrictedId = (await list(server, manager)).find((k) => k.type === 'restricted')!.id;
    expect(
      (await api(server, restricted, 'GET', '/v1/events')).status,
      'a restricted key reads events',
    ).toBe(200);
    const revoked = await api<WireKey>(
      server,
      manager,
      'POST',
      `/v1/switchboard/api_keys/${restrictedId}/revoke`,
    );
    expect(revoked.body).toMatchObject({ id: restrictedId, revoked: true });
    expect((await api(server, restricted, 'GET', '/v1/events')).status).toBe(401);

    // The last secret key of a mode is rolled, not revoked.
    const [only] = (await list(server, manager)).filter((k) => k.type === 'secret');
    const refused = await api<{ error: { message: string } }>(
      server,
      manager,
      'POST',
      `/v1/switchboard/api_keys/${only!.id}/revoke`,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/last test secret key .* roll it instead/);
    expect(await works(server, manager)).toBe(true);
  });

  it('looks a key up once for the requests that arrive while its lookup is on its way', async () => {
    const services = server.sb.services;
    let statements = 0;
    const counting = services.dialect.db.withPlugin({
      transformQuery: (args) => {
        statements++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    const keys = new KeyResolver({ ...services, dialect: { ...services.dialect, db: counting } });
    // (The tests above rolled and revoked keys of this server.)
    const key = await currentTestKey(server);
    const owners = await Promise.all(Array.from({ length: 20 }, () => keys.resolve(key)));
    expect(new Set(owners.map((o) => o.platform.id))).toEqual(
      new Set([server.sb.startup.platform.id]),
    );
    // The key, then its platform: once for all twenty.
    expect(statements).toBe(2);
    await keys.resolve(key);
    expect(statements).toBe(2);
    keys.forget();
    await Promise.all([keys.resolve(key), keys.resolve(key)]);
    expect(statements).toBe(4);
  });

  it('is refused to restricted keys and to requests acting as a connected account', async () => {
    const manager = await currentTestKey(server);
    const stripe = server.stripe(manager);
    const account = await stripe.accounts.create({ type: 'express' });
    const asAccount = await api(server, manager, 'GET', '/v1/switchboard/api_keys', undefined, {
      'Stripe-Account': account.id,
    });
    expect(asAccount.status).toBe(403);
    const restricted = (
      await api<{ secret: string }>(server, manager, 'POST', '/v1/switchboard/restricted_keys')
    ).body.secret;
    expect((await api(server, restricted, 'GET', '/v1/switchboard/api_keys')).status).toBe(403);
    const [own] = await list(server, manager);
    expect(
      (await api(server, restricted, 'POST', `/v1/switchboard/api_keys/${own!.id}/revoke`)).status,
    ).toBe(403);
    expect(await works(server, manager)).toBe(true);
  });
});

/** Several processes on one PostgreSQL database: a key revoked through one is refused by all. */
describe.runIf(backend === 'postgres')('API keys across processes', () => {
  it('a key revoked in one process stops working in another that had cached it as soon as the notification arrives', async () => {
    const first = await startTestServer();
    const second = await startTestServer({ db: first.db });
    try {
      const restricted = (
        await api<{ secret: string }>(first, TEST_KEY, 'POST', '/v1/switchboard/restricted_keys')
      ).body.secret;
      // Both processes have the key in their cache now.
      expect((await api(first, restricted, 'GET', '/v1/events')).status).toBe(200);
      expect((await api(second, restricted, 'GET', '/v1/events')).status).toBe(200);
      const id = (await list(first, TEST_KEY)).find((k) => k.type === 'restricted')!.id;
      await api(first, TEST_KEY, 'POST', `/v1/switchboard/api_keys/${id}/revoke`);
      // The revoking process forgot it at commit.
      expect((await api(first, restricted, 'GET', '/v1/events')).status).toBe(401);
      // The other hears PostgreSQL's NOTIFY on its own connection: milliseconds, but not before
      // the revoking request answers (a loaded machine may schedule its listener later). Without
      // the notification it would accept the cached key for the cache's 5 seconds.
      await eventually(
        async () => (await api(second, restricted, 'GET', '/v1/events')).status === 401,
        2_000,
        'the other process to refuse the revoked key',
      );
    } finally {
      await second.sb.close();
      await first.close();
    }
  });
});
