import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardedLookup } from '../../src/delivery/destination-guard.js';
import { Receiver } from '../helpers/receiver.js';
import { eventually, LIVE_KEY, startTestServer, TEST_KEY } from '../helpers/server.js';
import { freshDatabase } from '../helpers/database.js';

/**
 * SSRF: live endpoints must be public https URLs, checked when saved and again at every connection;
 * an allowlist lets an operator open chosen ranges; test mode and sandboxes may target localhost.
 */
describe('live-mode endpoints cannot reach internal addresses', () => {
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

  it('refuses private, loopback, link-local and plain-http live URLs when saved; test mode may use localhost', async () => {
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
      ]) {
        await expect(
          live.webhookEndpoints.create({ url, enabled_events: ['*'] }),
          url,
        ).rejects.toMatchObject({ param: 'url', statusCode: 400 });
      }
      await expect(
        live.v2.core.eventDestinations.create({
          name: 'x',
          type: 'webhook_endpoint',
          event_payload: 'thin',
          enabled_events: ['v2.core.account.created'],
          webhook_endpoint: { url: 'https://169.254.169.254/' },
        }),
      ).rejects.toMatchObject({ statusCode: 400 });
      const ok = await live.webhookEndpoints.create({
        url: 'https://hooks.example.invalid/stripe',
        enabled_events: ['*'],
      });
      await expect(
        live.webhookEndpoints.update(ok.id, { url: 'https://127.0.0.1/x' }),
      ).rejects.toMatchObject({ param: 'url' });

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

  it('checks again when connecting: a live endpoint saved under an allowlist is refused once it is removed', async () => {
    const database = await freshDatabase(dir, 'rebind');
    const db = database.url;
    const first = await startTestServer({ db, config: { destinationAllowlist: '127.0.0.1/32' } });
    const we = await first.stripe(LIVE_KEY).webhookEndpoints.create({
      url: receiver.url('/allowlisted'),
      enabled_events: ['customer.created'],
    });
    await first.close();
    const second = await startTestServer({ db, config: { destinationAllowlist: '' } });
    try {
      const live = second.stripe(LIVE_KEY);
      await live.customers.create({ name: 'must not reach loopback' });
      const event = (await live.events.list({ type: 'customer.created', limit: 1 })).data[0]!;
      const attempts = await eventually(async () => {
        const res = await fetch(`${second.url}/v1/events/${event.id}/attempts`, {
          headers: { Authorization: `Bearer ${LIVE_KEY}` },
        });
        const body = (await res.json()) as {
          data: Array<{ webhook_endpoint: string; error: string | null; outcome: string }>;
        };
        return body.data.length > 0 ? body.data : undefined;
      });
      expect(attempts[0]).toMatchObject({ webhook_endpoint: we.id, outcome: 'failed' });
      expect(attempts[0]!.error).toMatch(/refused to connect.*loopback/);
      expect(receiver.at('/allowlisted')).toHaveLength(0);
    } finally {
      await second.close();
      await database.drop();
    }
  });

  it('the connection-time lookup refuses names that resolve to internal addresses (DNS rebinding)', async () => {
    const lookup = guardedLookup([]);
    const result = await new Promise<{ err: NodeJS.ErrnoException | null }>((resolve) =>
      lookup('localhost', { all: true }, (err) => resolve({ err })),
    );
    expect(result.err?.code).toBe('EADDRNOTALLOWED');
    expect(result.err?.message).toMatch(/loopback/);
  });
});
