import type * as Dns from 'node:dns';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { guardedLookup } from '../../src/delivery/destination-guard.js';
import { Receiver } from '../helpers/receiver.js';
import {
  eventually,
  LIVE_KEY,
  startTestServer,
  TEST_KEY,
  type TestServer,
} from '../helpers/server.js';
import { freshDatabase } from '../helpers/database.js';
import { freePort } from '../helpers/process.js';

// One name that does not resolve, without asking a DNS server (no traffic leaves the machine).
vi.mock('node:dns', async (importOriginal) => {
  const real = await importOriginal<typeof Dns>();
  const lookup = (host: string, options: unknown, callback: (...args: unknown[]) => void) => {
    if (host === 'no-such-host.switchboard.test') {
      const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), {
        code: 'ENOTFOUND',
      });
      return callback(error, []);
    }
    return (real.lookup as (...args: unknown[]) => void)(host, options, callback);
  };
  const fallback = (real as { default?: object }).default ?? real;
  return { ...real, default: { ...fallback, lookup }, lookup };
});

interface WireAttempt {
  webhook_endpoint: string;
  error: string | null;
  outcome: string;
  response_body?: string | null;
}

/** The attempts of the latest event of `type`, once there are some. */
async function attemptsOf(
  server: TestServer,
  key: string,
  type: string,
  account?: string,
): Promise<WireAttempt[]> {
  const stripe = server.stripe(key);
  const options = account ? { stripeAccount: account } : {};
  const event = await eventually(
    async () => (await stripe.events.list({ type, limit: 1 }, options)).data[0],
  );
  return eventually(async () => {
    const res = await fetch(`${server.url}/v1/events/${event.id}/attempts`, {
      headers: {
        Authorization: `Bearer ${key}`,
        ...(account ? { 'Stripe-Account': account } : {}),
      },
    });
    const body = (await res.json()) as { data: WireAttempt[] };
    return body.data.length > 0 ? body.data : undefined;
  });
}

/**
 * SSRF: live endpoints must be public https URLs, checked when saved and again at every connection;
 * an allowlist lets an operator open chosen ranges. Test-mode and sandbox endpoints follow the
 * server's destination policy: anything by default (local development), private networks, or
 * public addresses only (a server several platforms share). Issue 18, findings 6 and 7.
 */
describe('destinations endpoints may not reach', () => {
  let dir: string;
  let receiver: Receiver;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-ssrf-'));
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses private, loopback, link-local, unresolvable and plain-http live URLs when saved; test mode may use localhost', async () => {
    const server = await startTestServer({ config: { destinationAllowlist: '' } });
    try {
      const live = server.stripe(LIVE_KEY);
      for (const url of [
        receiver.url('/live'),
        `https://127.0.0.1:${receiver.port}/x`,
        'https://localhost/x',
        'https://169.254.169.254/latest/meta-data',
        'https://10.0.0.5/hook',
        'https://[::1]/hook',
        'https://[::ffff:192.168.0.1]/hook',
        'http://93.184.216.34/hook',
        'https://no-such-host.switchboard.test/hook',
      ]) {
        await expect(
          live.webhookEndpoints.create({ url, enabled_events: ['*'] }),
          url,
        ).rejects.toMatchObject({ param: 'url', statusCode: 400, code: 'url_invalid' });
      }
      await expect(
        live.webhookEndpoints.create({
          url: 'https://no-such-host.switchboard.test/hook',
          enabled_events: ['*'],
        }),
      ).rejects.toThrow(/does not resolve/);
      await expect(
        live.v2.core.eventDestinations.create({
          name: 'x',
          type: 'webhook_endpoint',
          event_payload: 'thin',
          enabled_events: ['v2.core.account.created'],
          webhook_endpoint: { url: 'https://169.254.169.254/' },
        }),
      ).rejects.toMatchObject({ statusCode: 400 });
      // A public literal is saved (nothing is sent to it: no live event follows).
      const ok = await live.webhookEndpoints.create({
        url: 'https://93.184.216.34/stripe',
        enabled_events: ['*'],
      });
      await expect(
        live.webhookEndpoints.update(ok.id, { url: 'https://127.0.0.1/x' }),
      ).rejects.toMatchObject({ param: 'url' });
      await live.webhookEndpoints.del(ok.id);

      const test = server.stripe(TEST_KEY);
      const local = await test.webhookEndpoints.create({
        url: receiver.url('/test-local'),
        enabled_events: ['customer.created'],
      });
      receiver.expect('/test-local', local.secret!);
      await test.customers.create({ name: 'test mode may use localhost' });
      await receiver.waitFor(() => receiver.at('/test-local').length === 1);
    } finally {
      await server.close();
    }
  });

  it('checks again when connecting: a live endpoint saved under an allowlist is refused once it is removed, for test events too', async () => {
    const database = await freshDatabase(dir, 'rebind');
    const db = database.url;
    const first = await startTestServer({ db, config: { destinationAllowlist: '127.0.0.1/32' } });
    const we = await first.stripe(LIVE_KEY).webhookEndpoints.create({
      url: receiver.url('/allowlisted'),
      enabled_events: ['customer.created'],
      connect: true,
    });
    const account = await first.stripe(LIVE_KEY).accounts.create({ type: 'custom' });
    await first.close();
    const second = await startTestServer({
      db,
      config: { destinationAllowlist: '', logLevel: 'debug' },
    });
    try {
      // A test key acting as a live connected account: a test event, which a live Connect
      // endpoint receives. It is held to the endpoint's mode, not the event's.
      await second
        .stripe(TEST_KEY)
        .customers.create({ name: 'must not reach loopback' }, { stripeAccount: account.id });
      const [attempt] = await attemptsOf(second, TEST_KEY, 'customer.created', account.id);
      expect(attempt).toMatchObject({ webhook_endpoint: we.id, outcome: 'failed' });
      expect(attempt!.error).toBe(
        "Blocked: this server's destination policy does not allow the address",
      );
      await second
        .stripe(LIVE_KEY)
        .customers.create({ name: 'nor live events' }, { stripeAccount: account.id });
      const [live] = await attemptsOf(second, LIVE_KEY, 'customer.created', account.id);
      expect(live!.error).toBe(attempt!.error);
      expect(receiver.at('/allowlisted')).toHaveLength(0);
      // The full reason is in the server's own log, at debug.
      expect(second.logs.some((l) => /refused to connect.*loopback/.test(l))).toBe(true);
    } finally {
      await second.close();
      await database.drop();
    }
  });

  it('the connection-time lookup refuses names that resolve to internal addresses (DNS rebinding)', async () => {
    const lookup = guardedLookup('public', []);
    const result = await new Promise<{ err: NodeJS.ErrnoException | null }>((resolve) =>
      lookup('localhost', { all: true }, (err) => resolve({ err })),
    );
    expect(result.err?.code).toBe('EADDRNOTALLOWED');
    expect(result.err?.message).toMatch(/loopback/);
  });

  it('--destination-policy public holds test-mode and sandbox endpoints to public addresses, on save and on connection', async () => {
    const database = await freshDatabase(dir, 'policy');
    const db = database.url;
    // Saved while the server allowed anything (the default), then the server is made public.
    const open = await startTestServer({ db, config: { destinationAllowlist: '' } });
    const test = open.stripe(TEST_KEY);
    const saved = await test.webhookEndpoints.create({
      url: receiver.url('/internal'),
      enabled_events: ['customer.created'],
    });
    const sandbox = (await (
      await fetch(`${open.url}/v1/switchboard/sandboxes`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TEST_KEY}` },
        body: new URLSearchParams({ name: 'box' }),
      })
    ).json()) as { secret_key: string };
    await open.close();
    const server = await startTestServer({
      db,
      config: { destinationPolicy: 'public', destinationAllowlist: '' },
    });
    try {
      receiver.respond('/internal', () => ({ status: 200, body: 'internal secrets' }));
      await server.stripe(TEST_KEY).customers.create({ name: 'internal?' });
      const [attempt] = await attemptsOf(server, TEST_KEY, 'customer.created');
      expect(attempt).toMatchObject({ webhook_endpoint: saved.id, outcome: 'failed' });
      expect(attempt!.error).toMatch(/^Blocked/);
      expect(attempt!.response_body ?? null).toBeNull();
      expect(receiver.at('/internal')).toHaveLength(0);
      for (const key of [TEST_KEY, sandbox.secret_key]) {
        await expect(
          server.stripe(key).webhookEndpoints.create({
            url: receiver.url('/new'),
            enabled_events: ['*'],
          }),
          key,
        ).rejects.toMatchObject({ statusCode: 400, code: 'url_invalid', param: 'url' });
      }
      await expect(
        server.stripe(TEST_KEY).webhookEndpoints.create({
          url: 'http://no-such-host.switchboard.test/x',
          enabled_events: ['*'],
        }),
      ).rejects.toThrow(/does not resolve/);
    } finally {
      await server.close();
      await database.drop();
    }
  });

  it('--destination-policy private lets private networks be saved, never loopback or metadata', async () => {
    const server = await startTestServer({
      config: { destinationPolicy: 'private', destinationAllowlist: '' },
    });
    try {
      const test = server.stripe(TEST_KEY);
      for (const url of [receiver.url('/x'), 'http://169.254.169.254/latest', 'http://[::1]/x'])
        await expect(
          test.webhookEndpoints.create({ url, enabled_events: ['*'] }),
          url,
        ).rejects.toMatchObject({ code: 'url_invalid' });
      // Saved, then deleted before any event: nothing is ever sent to 10.0.0.5.
      const saved = await test.webhookEndpoints.create({
        url: 'http://10.0.0.5/hook',
        enabled_events: ['customer.created'],
      });
      await test.webhookEndpoints.del(saved.id);
    } finally {
      await server.close();
    }
  });

  it('the attempt log says why a request failed in coarse words, never the address or port', async () => {
    const server = await startTestServer({ config: { logLevel: 'debug' } });
    try {
      const port = await freePort();
      const test = server.stripe(TEST_KEY);
      await test.webhookEndpoints.create({
        url: `http://127.0.0.1:${port}/closed`,
        enabled_events: ['customer.created'],
      });
      await test.customers.create({ name: 'to a closed port' });
      const [attempt] = await attemptsOf(server, TEST_KEY, 'customer.created');
      expect(attempt!.error).toBe('Connection refused');
      expect(server.logs.some((l) => l.includes('ECONNREFUSED') && l.includes(String(port)))).toBe(
        true,
      );
    } finally {
      await server.close();
    }
  });

  it('warns at start when others can reach a server whose test endpoints may reach anything, naming the production setting', async () => {
    const open = await startTestServer({ config: { publicUrl: 'https://hooks.example.com' } });
    const closed = await startTestServer({
      config: { publicUrl: 'https://hooks.example.com', destinationPolicy: 'public' },
    });
    try {
      const warning = open.logs.find((l) => l.includes('--destination-policy public'));
      expect(JSON.parse(warning!)).toMatchObject({ level: 'warn' });
      expect(closed.logs.some((l) => l.includes('--destination-policy'))).toBe(false);
    } finally {
      await open.close();
      await closed.close();
    }
  });
});
