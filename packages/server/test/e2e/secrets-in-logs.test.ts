import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { freePort, spawnServer, type ServerProcess } from '../helpers/process.js';
import { connect, registerRedirectUris } from '../helpers/oauth.js';
import { Receiver } from '../helpers/receiver.js';

const KEY = 'sk_test_logs_e2e_0000000001';
const LIVE = 'sk_live_logs_e2e_0000000001';

/** Keys and webhook secrets never reach the logs, at any level, in any format. */
describe('secrets stay out of the logs', () => {
  let dir: string;
  let database: TestDatabase;
  let server: ServerProcess;
  let receiver: Receiver;
  const secrets: string[] = [KEY, LIVE];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-logs-'));
    database = await freshDatabase(dir, 'logs');
    const port = await freePort();
    server = await spawnServer([
      '--port',
      String(port),
      '--db',
      database.url,
      '--test-key',
      KEY,
      '--live-key',
      LIVE,
      '--log-level',
      'debug',
      '--log-format',
      'json',
      '--destination-allowlist',
      '127.0.0.1/32',
    ]);
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await receiver.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a full run (endpoints, deliveries, failures, a roll, listen, links, OAuth, bad keys) logs no key or secret', async () => {
    const port = Number(new URL(server.url).port);
    // The platform's OAuth client_id (ca_...), from the startup banner's OAuth link.
    const clientId = /client_id=(ca_[A-Za-z0-9]+)/.exec(server.stdout.join(''))![1]!;
    for (const key of [KEY, LIVE]) {
      const stripe = new Stripe(key, { host: '127.0.0.1', port, protocol: 'http' });
      const ok = await stripe.webhookEndpoints.create({
        url: receiver.url('/ok'),
        enabled_events: ['*'],
      });
      const failing = await stripe.webhookEndpoints.create({
        url: receiver.url('/fail'),
        enabled_events: ['*'],
        connect: true,
      });
      secrets.push(ok.secret!, failing.secret!);
      receiver.respond('/fail', () => ({ status: 500 }));
      const rolled = (await (
        await fetch(`${server.url}/v1/webhook_endpoints/${ok.id}/roll_secret`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${key}` },
          body: new URLSearchParams({ previous_secret_expires_in: '60' }),
        })
      ).json()) as { secret: string };
      secrets.push(rolled.secret);
      const acct = await stripe.accounts.create({ type: 'express' });
      await stripe.customers.create({ name: 'logged?' });
      await stripe.customers.create({ name: 'logged?' }, { stripeAccount: acct.id });
    }
    const session = (await (
      await fetch(`${server.url}/v1/stripecli/sessions`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${KEY}` },
        body: new URLSearchParams({ device_name: 'logs' }),
      })
    ).json()) as { secret: string; websocket_id: string };
    secrets.push(session.secret, session.websocket_id);
    const restricted = (await (
      await fetch(`${server.url}/v1/switchboard/restricted_keys`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${KEY}` },
      })
    ).json()) as { secret: string };
    secrets.push(restricted.secret);
    // Links and OAuth: the link tokens travel in URL paths, codes and tokens in bodies.
    const stripe = new Stripe(KEY, { host: '127.0.0.1', port, protocol: 'http' });
    const express = await stripe.accounts.create({ type: 'express' });
    const link = await stripe.accountLinks.create({
      account: express.id,
      type: 'account_onboarding',
      return_url: 'https://platform.example/return',
    });
    await fetch(link.url);
    await fetch(link.url, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ action: 'submit' }),
    });
    const login = await stripe.accounts.createLoginLink(express.id);
    await fetch(login.url);
    secrets.push(new URL(link.url).pathname.split('/').pop()!);
    secrets.push(new URL(login.url).pathname.split('/').pop()!);
    await registerRedirectUris(server, ['https://platform.example/callback'], KEY);
    const approved = await connect(
      server,
      stripe.oauth.authorizeUrl({
        client_id: clientId,
        redirect_uri: 'https://platform.example/callback',
      }),
    );
    const code = approved.searchParams.get('code')!;
    const token = await stripe.oauth.token({ grant_type: 'authorization_code', code });
    await new Stripe(token.access_token!, {
      host: '127.0.0.1',
      port,
      protocol: 'http',
    }).customers.list();
    secrets.push(code, token.access_token!, token.refresh_token!);
    await fetch(`${server.url}/v1/customers`, {
      headers: { Authorization: `Bearer ${KEY.slice(0, -1)}X` },
    });
    await fetch(`${server.url}/v1/customers`, {
      headers: { Authorization: `Bearer ${restricted.secret}` },
      method: 'POST',
    });
    await receiver.waitFor(
      () => receiver.at('/ok').length >= 2 && receiver.at('/fail').length >= 2,
    );

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const logs = server.stderr.join('');
    expect(logs).toContain('delivery.attempted');
    expect(logs.split('\n').filter(Boolean).length).toBeGreaterThan(10);
    for (const secret of secrets)
      expect(logs.includes(secret), `a secret (${secret.slice(0, 8)}...) is in the logs`).toBe(
        false,
      );
    expect(logs).not.toMatch(/\b(sk|rk)_(test|live)_[A-Za-z0-9]{6,}/);
    expect(logs).not.toMatch(/whsec_[A-Za-z0-9]{6,}/);
  });
});
