import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver } from '../helpers/receiver.js';
import {
  eventually,
  LIVE_KEY,
  startTestServer,
  TEST_KEY,
  type TestServer,
} from '../helpers/server.js';
import { openSse } from '../helpers/sse.js';
import { addKey } from '../../src/services/platforms.js';
import {
  call,
  expressAccount,
  issueCode,
  must,
  oauthToken,
  standardAccount,
  type Answer,
} from '../tenancy/world.js';

const refused = (a: Answer) => expect([403, 404]).toContain(a.status);

/**
 * Issue 18's findings 1-5, each as an attacker tried it: with one server, two accounts of a
 * platform, OAuth tokens, live and test keys and sandboxes. Each failed on the main before the
 * scope (scope/scope.ts) replaced the hand-written checks.
 */
describe('tenancy: the holes an attack found stay closed', () => {
  let server: TestServer;
  let receiver: Receiver;
  let x: string;
  let y: string;
  let readWrite: string;

  beforeAll(async () => {
    server = await startTestServer();
    receiver = await new Receiver().start();
    x = await expressAccount(server);
    y = await expressAccount(server);
    readWrite = await oauthToken(server, x, 'read_write');
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  it("finding 1: an OAuth token acts as its one account, never on the platform's other accounts or transfers", async () => {
    const token = { key: readWrite };
    const list = await must<{ data: unknown[] }>(server, token, 'GET', '/v1/accounts');
    expect(list.data).toEqual([]);
    refused(await call(server, token, 'GET', `/v1/accounts/${y}`));
    refused(await call(server, token, 'POST', `/v1/accounts/${y}`, { metadata: { a: 'b' } }));
    refused(await call(server, token, 'DELETE', `/v1/accounts/${y}`));
    refused(await call(server, token, 'POST', `/v1/accounts/${y}/reject`, { reason: 'fraud' }));
    refused(
      await call(server, token, 'POST', `/v1/accounts/${y}/external_accounts`, {
        external_account: 'btok_us',
      }),
    );
    refused(
      await call(server, token, 'POST', `/v1/test_helpers/accounts/${y}/complete_onboarding`),
    );
    refused(await call(server, token, 'POST', `/v1/accounts/${y}/login_links`));
    refused(
      await call(server, token, 'POST', '/v1/account_links', {
        account: y,
        type: 'account_onboarding',
        refresh_url: 'https://p.example/r',
        return_url: 'https://p.example/r',
      }),
    );
    refused(await call(server, token, 'POST', '/v1/accounts', { type: 'express' }));
    // The platform's transfers are the platform's: the token can neither see nor reverse one.
    await must(server, { key: TEST_KEY }, 'POST', '/v1/payment_intents', {
      amount: 10_000,
      currency: 'usd',
      payment_method: 'pm_card_bypassPending',
      confirm: true,
    });
    const transfer = await must<{ id: string }>(
      server,
      { key: TEST_KEY },
      'POST',
      '/v1/transfers',
      {
        amount: 1_000,
        currency: 'usd',
        destination: y,
      },
    );
    refused(await call(server, token, 'GET', `/v1/transfers/${transfer.id}`));
    refused(await call(server, token, 'POST', `/v1/transfers/${transfer.id}/reversals`));
    // Its own account it reaches.
    expect((await call(server, token, 'GET', `/v1/accounts/${x}`)).status).toBe(200);
    expect((await call(server, token, 'GET', '/v1/account')).body.id).toBe(x);
  });

  it('finding 1: a read_only token only reads, and refreshing never widens it', async () => {
    const code = await issueCode(server, x, 'read_only');
    const grant = await must<{ access_token: string; refresh_token: string; scope: string }>(
      server,
      { key: TEST_KEY },
      'POST',
      '/oauth/token',
      { grant_type: 'authorization_code', code },
    );
    expect(grant.scope).toBe('read_only');
    const token = { key: grant.access_token };
    expect((await call(server, token, 'GET', '/v1/customers')).status).toBe(200);
    const write = await call(server, token, 'POST', '/v1/customers', { name: 'no' });
    expect(write.status).toBe(403);
    expect(write.body.error).toMatchObject({ code: 'oauth_scope_read_only' });

    // A refresh without `scope` keeps read_only; asking for read_write is refused.
    const refreshed = await must<{ access_token: string; scope: string }>(
      server,
      { key: TEST_KEY },
      'POST',
      '/oauth/token',
      { grant_type: 'refresh_token', refresh_token: grant.refresh_token },
    );
    expect(refreshed.scope).toBe('read_only');
    expect(
      (await call(server, { key: refreshed.access_token }, 'POST', '/v1/customers', {})).status,
    ).toBe(403);
    const wider = await call(server, { key: TEST_KEY }, 'POST', '/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: grant.refresh_token,
      scope: 'read_write',
    });
    expect(wider.status).toBe(400);
    expect(wider.body.error).toBe('invalid_scope');
  });

  it("finding 2: an OAuth token opens no listen session, streams only its account, and never reaches the platform's destinations", async () => {
    const token = { key: readWrite };
    const session = await call(server, token, 'POST', '/v1/stripecli/sessions', {
      device_name: 'attacker',
    });
    expect(session.status).toBe(403);
    expect(JSON.stringify(session.body)).not.toContain('whsec_');

    // The dashboard stream of a token shows its account's events only.
    const issued = await must<{ url: string }>(
      server,
      token,
      'POST',
      '/v1/switchboard/stream_tokens',
    );
    const stream = await openSse(`${server.url}${issued.url}`);
    const ready = await stream.waitFor((m) => m.event === 'ready');
    expect(ready.data).toMatchObject({ account: x });
    await must(server, { key: TEST_KEY }, 'POST', '/v1/customers', { name: 'platform only' });
    await must(server, token, 'POST', '/v1/customers', { name: 'x only' });
    await stream.waitFor(
      (m) => m.event === 'event' && (m.data as { account: string }).account === x,
    );
    const accounts = stream.messages
      .filter((m) => m.event === 'event')
      .map((m) => (m.data as { account: string | null }).account);
    expect(new Set(accounts)).toEqual(new Set([x]));
    stream.close();

    // The platform's own destinations are out of reach; @accounts cannot be asked for.
    const platformDestination = await must<{ id: string }>(
      server,
      { key: TEST_KEY },
      'POST',
      '/v2/core/event_destinations',
      {
        name: 'platform',
        type: 'webhook_endpoint',
        event_payload: 'thin',
        enabled_events: ['v2.core.account.created'],
        webhook_endpoint: { url: receiver.url('/platform') },
      },
    );
    refused(
      await call(server, token, 'GET', `/v2/core/event_destinations/${platformDestination.id}`),
    );
    refused(
      await call(
        server,
        token,
        'POST',
        `/v2/core/event_destinations/${platformDestination.id}/disable`,
      ),
    );
    const list = await must<{ data: Array<{ id: string }> }>(
      server,
      token,
      'GET',
      '/v2/core/event_destinations',
    );
    expect(list.data.map((d) => d.id)).not.toContain(platformDestination.id);
    const accountsWide = await call(server, token, 'POST', '/v2/core/event_destinations', {
      name: 'wide',
      type: 'webhook_endpoint',
      event_payload: 'thin',
      events_from: ['@accounts'],
      enabled_events: ['v2.core.account.created'],
      webhook_endpoint: { url: receiver.url('/wide') },
    });
    expect(accountsWide.status).toBe(400);
    expect(accountsWide.body.error).toMatchObject({ param: 'events_from' });
  });

  it('finding 3: a test key reads a live connected account but cannot onboard, reject or delete it', async () => {
    const live = await must<{ id: string }>(server, { key: LIVE_KEY }, 'POST', '/v1/accounts', {
      type: 'custom',
      country: 'US',
      capabilities: { transfers: { requested: true } },
    });
    const endpoint = await must<{ id: string; secret: string }>(
      server,
      { key: LIVE_KEY },
      'POST',
      '/v1/webhook_endpoints',
      { url: receiver.url('/live-connect'), enabled_events: ['*'], connect: true },
    );
    receiver.expect('/live-connect', endpoint.secret);
    const before = receiver.at('/live-connect').length;
    const test = { key: TEST_KEY };
    expect((await call(server, test, 'GET', `/v1/accounts/${live.id}`)).status).toBe(200);
    for (const [method, path, params] of [
      ['POST', `/v1/test_helpers/accounts/${live.id}/complete_onboarding`, {}],
      ['POST', `/v1/accounts/${live.id}/reject`, { reason: 'fraud' }],
      ['DELETE', `/v1/accounts/${live.id}`, {}],
      ['POST', `/v1/accounts/${live.id}`, { metadata: { k: 'v' } }],
      ['POST', `/v1/accounts/${live.id}/persons`, { first_name: 'Jenny' }],
    ] as const) {
      const answer = await call(server, test, method, path, params);
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(answer.body.error).toMatchObject({ code: 'livemode_mismatch' });
    }
    const after = await must<{ requirements: { disabled_reason: string | null } }>(
      server,
      { key: LIVE_KEY },
      'GET',
      `/v1/accounts/${live.id}`,
    );
    expect(after.requirements.disabled_reason).not.toMatch(/^rejected/);
    // Nothing happened to it, so no live event reached production endpoints.
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.at('/live-connect').length).toBe(before);
  });

  it("finding 4: a sandbox's key lists only its own sandbox, never its siblings' keys", async () => {
    const made = async (name: string) =>
      must<{ id: string; secret_key: string }>(
        server,
        { key: TEST_KEY },
        'POST',
        '/v1/switchboard/sandboxes',
        {
          name,
        },
      );
    const one = await made('one');
    const two = await made('two');
    const seen = await must<{ data: Array<{ id: string; secret_key: string }> }>(
      server,
      { key: one.secret_key },
      'GET',
      '/v1/switchboard/sandboxes',
    );
    expect(seen.data.map((s) => s.id)).toEqual([one.id]);
    expect(JSON.stringify(seen)).not.toContain(two.secret_key);
    // The platform itself sees both.
    const all = await must<{ data: Array<{ id: string }> }>(
      server,
      { key: TEST_KEY },
      'GET',
      '/v1/switchboard/sandboxes',
    );
    expect(all.data.map((s) => s.id)).toEqual(expect.arrayContaining([one.id, two.id]));
  });

  it('finding 5: deauthorization ends the streams and the destinations opened with the account’s token', async () => {
    const account = await standardAccount(server);
    const token = { key: await oauthToken(server, account, 'read_write') };
    const issued = await must<{ url: string }>(
      server,
      token,
      'POST',
      '/v1/switchboard/stream_tokens',
    );
    const stream = await openSse(`${server.url}${issued.url}`);
    await stream.waitFor((m) => m.event === 'ready');
    const destination = await must<{ id: string }>(
      server,
      token,
      'POST',
      '/v2/core/event_destinations',
      {
        name: 'account',
        type: 'webhook_endpoint',
        event_payload: 'snapshot',
        enabled_events: ['customer.created'],
        webhook_endpoint: { url: receiver.url('/account-destination') },
      },
    );
    const endpoint = await must<{ id: string; secret: string }>(
      server,
      token,
      'POST',
      '/v1/webhook_endpoints',
      {
        url: receiver.url('/account-endpoint'),
        enabled_events: ['customer.created'],
      },
    );
    receiver.expect('/account-endpoint', endpoint.secret);
    await must(server, token, 'POST', '/v1/customers', { name: 'before' });
    await receiver.waitFor(
      () =>
        receiver.at('/account-endpoint').length === 1 &&
        receiver.at('/account-destination').length === 1,
    );

    await must(server, { key: TEST_KEY }, 'POST', '/oauth/deauthorize', {
      client_id: server.sb.startup.platform.application_id,
      stripe_user_id: account,
    });
    // The stream ends at once (this process), the token is dead, and the endpoints it made are
    // disabled: nothing more reaches them, even once the account connects again.
    await stream.ended;
    expect((await call(server, token, 'GET', '/v1/customers')).status).toBe(401);
    await must(server, { key: TEST_KEY }, 'POST', `/v1/test_helpers/accounts/${account}/authorize`);
    await must(server, { key: TEST_KEY, account }, 'POST', '/v1/customers', { name: 'after' });
    const rows = await server.sb.services.dialect.db
      .selectFrom('endpoints')
      .select(['id', 'status', 'disabled_reason'])
      .where('id', 'in', [destination.id, endpoint.id])
      .execute();
    expect(rows).toEqual(
      expect.arrayContaining([
        { id: destination.id, status: 'disabled', disabled_reason: 'account_deauthorized' },
        { id: endpoint.id, status: 'disabled', disabled_reason: 'account_deauthorized' },
      ]),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.at('/account-endpoint').length).toBe(1);
    expect(receiver.at('/account-destination').length).toBe(1);
  });

  it('finding 5: a listen session ends when the key that opened it is revoked', async () => {
    const db = server.sb.services.dialect.db;
    // A second secret key of the platform, to revoke (as `switchboard keys revoke` does).
    const second = 'sk_test_second_key_for_listen_0001';
    await addKey(db, server.sb.startup.platform.id, second, Math.floor(Date.now() / 1000));
    const session = await must<{ websocket_id: string }>(
      server,
      { key: second },
      'POST',
      '/v1/stripecli/sessions',
      {
        device_name: 'laptop',
      },
    );
    const row = await db
      .selectFrom('endpoints')
      .select(['id', 'config'])
      .where('kind', '=', 'listen')
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    const keyId = (JSON.parse(row.config) as { key_id: string }).key_id;
    expect(keyId).toMatch(/^key_/);
    const { WebSocket } = await import('ws');
    const connect = () =>
      new Promise<{ opened: boolean; closed: Promise<void> }>((resolve) => {
        const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/v1/stripecli/websocket`, {
          headers: { 'Websocket-Id': session.websocket_id },
        });
        const closed = new Promise<void>((r) => ws.on('close', () => r()));
        ws.on('open', () => resolve({ opened: true, closed }));
        ws.on('unexpected-response', () => resolve({ opened: false, closed }));
        ws.on('error', () => resolve({ opened: false, closed }));
      });
    const first = await connect();
    expect(first.opened).toBe(true);
    // The key revoked, then the recheck a revocation triggers.
    await db.updateTable('api_keys').set({ revoked: 1 }).where('id', '=', keyId).execute();
    server.sb.services.credentialsRevoked?.();
    await first.closed;
    const again = await connect();
    expect(again.opened).toBe(false);
    await eventually(
      async () =>
        (
          await db
            .selectFrom('endpoints')
            .select('deleted')
            .where('id', '=', row.id)
            .executeTakeFirst()
        )?.deleted === 1,
      5_000,
      'the session ended',
    );
  });
});
