import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver } from '../../server/test/helpers/receiver.js';
import {
  LIVE_KEY,
  startTestServer,
  TEST_KEY,
  type TestServer,
} from '../../server/test/helpers/server.js';
import { freshConfigHome, runCli } from './helpers/cli.js';
import { thinDestination } from '../../server/test/helpers/destinations.js';

/** The API commands as real processes against a real server. */
describe('switchboard commands', () => {
  let server: TestServer;
  let receiver: Receiver;
  let stripe: Stripe;
  /** Runs a command with the test key. */
  const sb = (...args: string[]) =>
    runCli([...args, '--api-base', server.url, '--api-key', TEST_KEY]);
  const json = <T = Record<string, unknown>>(r: {
    stdout: string;
    stderr: string;
    code: number;
  }) => {
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as T;
  };

  beforeAll(async () => {
    server = await startTestServer();
    receiver = await new Receiver().start();
    stripe = server.stripe();
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  describe('login', () => {
    it('checks the key with the server and stores it for that server, readable by the user only', async () => {
      const home = freshConfigHome();
      const env = { XDG_CONFIG_HOME: home };
      const r = await runCli(['login', '--api-base', server.url, '--api-key', TEST_KEY], { env });
      expect(r.code, r.stderr).toBe(0);
      const path = join(home, 'switchboard', 'config.json');
      expect(r.stdout).toMatch(
        new RegExp(
          `^Logged in to ${server.url}: stored the test key of platform acct_\\w+ in ${path}\\.\\n$`,
        ),
      );
      expect(r.stdout).not.toContain(TEST_KEY);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(path, 'utf8')).servers[server.url].test_key).toBe(TEST_KEY);

      // Later commands find the key by their --api-base.
      const list = await runCli(['accounts', 'list', '--api-base', server.url], { env });
      expect(list.code, list.stderr).toBe(0);
      const other = await runCli(['accounts', 'list', '--api-base', 'http://127.0.0.1:1'], { env });
      expect(other.stderr).toBe(
        'switchboard accounts list: no API key for http://127.0.0.1:1: run `switchboard login --api-base http://127.0.0.1:1` (`switchboard keys` shows the test key), or pass --api-key / set SWITCHBOARD_API_KEY\n',
      );
    });

    it('reads the key from stdin, and keeps a live key beside the test key for --live', async () => {
      const env = { XDG_CONFIG_HOME: freshConfigHome(), SWITCHBOARD_API_BASE: server.url };
      expect((await runCli(['login'], { env, input: `${TEST_KEY}\n` })).code).toBe(0);
      const noLive = await runCli(['accounts', 'list', '--live'], { env });
      expect(noLive.code).toBe(1);
      expect(noLive.stderr).toMatch(/^switchboard accounts list: no live key stored for /);
      const live = await runCli(['login'], { env, input: LIVE_KEY });
      expect(live.stdout).toContain('stored the live key');
      const created = json<{ id: string; livemode?: boolean }>(
        await runCli(['accounts', 'create', '--live', '--json'], { env }),
      );
      // The account was made with the live key: its events are live ones.
      const events = json<Array<{ livemode: boolean; account: string }>>(
        await runCli(['events', 'list', '--live', '--stripe-account', created.id, '--json'], {
          env,
        }),
      );
      expect(events.length).toBeGreaterThan(0);
      expect(events.every((e) => e.livemode && e.account === created.id)).toBe(true);
      const testEvents = await runCli(['events', 'list', '--stripe-account', created.id], { env });
      expect(testEvents.stdout).toBe('No events.\n');
    });

    it('refuses a key the server does not know, and stores nothing', async () => {
      const home = freshConfigHome();
      const r = await runCli(
        ['login', '--api-base', server.url, '--api-key', 'sk_test_unknown_0123456789'],
        {
          env: { XDG_CONFIG_HOME: home },
        },
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /^switchboard login: http:\/\/127\.0\.0\.1:\d+ refused the key: .+; nothing was stored\n$/,
      );
      expect(r.stderr).not.toContain('sk_test_unknown_0123456789');
      expect(existsSync(join(home, 'switchboard', 'config.json'))).toBe(false);
    });

    it('lets --api-key, then SWITCHBOARD_API_KEY, override the stored key', async () => {
      const env = { XDG_CONFIG_HOME: freshConfigHome(), SWITCHBOARD_API_BASE: server.url };
      await runCli(['login', '--api-key', TEST_KEY], { env });
      const bogus = { ...env, SWITCHBOARD_API_KEY: 'sk_test_bogus_0123456789' };
      const viaEnv = await runCli(['accounts', 'list'], { env: bogus });
      expect(viaEnv.code).toBe(1);
      expect(viaEnv.stderr).toMatch(/^switchboard accounts list: Invalid API Key provided/);
      const viaFlag = await runCli(['accounts', 'list', '--api-key', TEST_KEY], { env: bogus });
      expect(viaFlag.code, viaFlag.stderr).toBe(0);
    });
  });

  describe('events', () => {
    let event: { id: string; type: string };
    let endpoint: string;

    beforeAll(async () => {
      const we = await stripe.webhookEndpoints.create({
        url: receiver.url('/events'),
        enabled_events: ['customer.created'],
      });
      receiver.expect('/events', we.secret!);
      endpoint = we.id;
      const customer = await stripe.customers.create({ email: 'events@x.test' });
      await receiver.waitFor(() => receiver.at('/events').length === 1);
      for (const email of ['2@x.test', '3@x.test', '4@x.test'])
        await stripe.customers.update(customer.id, { email });
      event = receiver.at('/events')[0]!.event!;
      expect((event as unknown as Stripe.Event).data.object).toMatchObject({ id: customer.id });
    });

    it('list shows recent events, filtered by type and time', async () => {
      const rows = json<Array<{ id: string; type: string }>>(
        await sb('events', 'list', '--type', 'customer.created', '--since', '10m', '--json'),
      );
      expect(rows.map((e) => e.id)).toContain(event.id);
      expect(new Set(rows.map((e) => e.type))).toEqual(new Set(['customer.created']));
      const table = await sb('events', 'list', '--limit', '3');
      expect(table.stdout.split('\n')[0]).toMatch(
        /^ID\s+TYPE\s+ACCOUNT\s+CREATED \(UTC\)\s+PENDING$/,
      );
      expect(table.stdout.trim().split('\n')).toHaveLength(4);
      const none = await sb('events', 'list', '--until', '2020-01-01');
      expect(none.stdout).toBe('No events.\n');
    });

    it('retrieve prints the event as JSON', async () => {
      expect(json(await sb('events', 'retrieve', event.id))).toMatchObject({
        id: event.id,
        object: 'event',
        type: 'customer.created',
      });
      const missing = await sb('events', 'retrieve', 'evt_missing');
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe("switchboard events retrieve: No such event: 'evt_missing'\n");
    });

    it('resend sends the event again to the endpoint, signed', async () => {
      const r = await sb('events', 'resend', event.id, '--webhook-endpoint', endpoint);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`Resending customer.created ${event.id} to ${endpoint}.\n`);
      await receiver.waitFor(() => receiver.at('/events').length === 2);
      const again = receiver.at('/events')[1]!;
      expect(again.verified).toBe(true);
      expect(again.event!.id).toBe(event.id);
      const noFlag = await sb('events', 'resend', event.id);
      expect(noFlag.code).toBe(1);
      expect(noFlag.stderr).toMatch(/required option '--webhook-endpoint <id>' not specified/);
    });

    it("resends a connected account's event to a Connect endpoint with --stripe-account", async () => {
      const we = await stripe.webhookEndpoints.create({
        url: receiver.url('/events-connect'),
        enabled_events: ['customer.created'],
        connect: true,
      });
      receiver.expect('/events-connect', we.secret!);
      const acct = (await stripe.accounts.create({ type: 'custom', country: 'US' })).id;
      await stripe.customers.create({ email: 'c@x.test' }, { stripeAccount: acct });
      await receiver.waitFor(() => receiver.at('/events-connect').length === 1);
      const id = receiver.at('/events-connect')[0]!.event!.id;
      const r = await sb(
        'events',
        'resend',
        id,
        '--webhook-endpoint',
        we.id,
        '--stripe-account',
        acct,
      );
      expect(r.code, r.stderr).toBe(0);
      await receiver.waitFor(() => receiver.at('/events-connect').length === 2);
      expect(receiver.at('/events-connect')[1]!.event).toMatchObject({ id, account: acct });
      // The platform's endpoint does not take the connected account's events.
      const wrong = await sb(
        'events',
        'resend',
        id,
        '--webhook-endpoint',
        endpoint,
        '--stripe-account',
        acct,
      );
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(
        /^switchboard events resend: Event evt_\w+ cannot be sent to webhook endpoint/,
      );
    });

    it('lists, retrieves and resends v2 (thin) events to an event destination', async () => {
      const destination = await thinDestination(stripe, receiver.url('/events-thin'), [
        'v2.core.account.created',
      ]);
      await stripe.v2.core.accounts.create({ display_name: 'CLI Co' });
      await receiver.waitFor(() => receiver.at('/events-thin').length === 1);
      const id = receiver.at('/events-thin')[0]!.event!.id;

      const rows = json<Array<{ id: string; delivery_status: string }>>(
        await sb('events', 'list', '--v2', '--type', 'v2.core.account.created', '--json'),
      );
      expect(rows).toEqual([expect.objectContaining({ id, delivery_status: 'delivered' })]);
      const table = await sb('events', 'list', '--v2', '--limit', '1');
      expect(table.stdout.split('\n')[0]).toMatch(
        /^ID\s+TYPE\s+CONTEXT\s+CREATED \(UTC\)\s+DELIVERY$/,
      );
      expect(table.stdout.split('\n')[1]).toContain(id);
      expect((await sb('events', 'list', '--v2', '--failed-only')).stdout).toBe('No v2 events.\n');

      expect(json(await sb('events', 'retrieve', id))).toMatchObject({
        id,
        object: 'v2.core.event',
        type: 'v2.core.account.created',
      });

      const r = await sb('events', 'resend', id, '--webhook-endpoint', destination.id);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`Resending v2.core.account.created ${id} to ${destination.id}.\n`);
      await receiver.waitFor(() => receiver.at('/events-thin').length === 2);
      expect(receiver.at('/events-thin')[1]!.body).toBe(receiver.at('/events-thin')[0]!.body);
      // A v2 event does not go to a v1 webhook endpoint.
      const wrong = await sb('events', 'resend', id, '--webhook-endpoint', endpoint);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(
        /^switchboard events resend: Event evt_test_\w+ is a v2 \(thin\) event: we_\w+ takes v1 snapshot events only\.\n$/,
      );
    });
  });

  describe('endpoints', () => {
    it('create, list, update, roll-secret and delete', async () => {
      const created = json<{
        id: string;
        application: string | null;
        secret: string;
        enabled_events: string[];
      }>(
        await sb(
          'endpoints',
          'create',
          '--url',
          receiver.url('/ep'),
          '--events',
          'customer.created,payout.failed',
          '--events',
          'account.updated',
          '--connect',
          '--description',
          'ops',
          '--json',
        ),
      );
      expect(created.application).toMatch(/^ca_/);
      expect(created.enabled_events).toEqual([
        'customer.created',
        'payout.failed',
        'account.updated',
      ]);
      expect(created.secret).toMatch(/^whsec_/);

      const text = await sb('endpoints', 'create', '--url', receiver.url('/ep2'), '--events', '*');
      expect(text.stdout).toMatch(
        /^Created webhook endpoint we_\w+ \(test mode, your account, enabled\)\n {2}url: +http.+\/ep2\n {2}events: \*\n {2}signing secret: whsec_\w+/,
      );

      const listed = await sb('endpoints', 'list');
      expect(listed.stdout).toMatch(
        new RegExp(
          `^${created.id}\\s+connected accounts\\s+enabled\\s+customer.created,payout.failed,account.updated\\s+http`,
          'm',
        ),
      );

      const updated = json<{ status: string; enabled_events: string[] }>(
        await sb('endpoints', 'update', created.id, '--events', '*', '--disable', '--json'),
      );
      expect(updated).toMatchObject({ status: 'disabled', enabled_events: ['*'] });
      const nothing = await sb('endpoints', 'update', created.id);
      expect(nothing.stderr).toBe(
        'switchboard endpoints update: nothing to change: give --url, --events, --description, --disable, --enable or --chaos\n',
      );

      const rolled = await sb('endpoints', 'roll-secret', created.id, '--expires-in', '1h');
      expect(rolled.code, rolled.stderr).toBe(0);
      const secret = /whsec_\w+/.exec(rolled.stdout)![0];
      expect(secret).not.toBe(created.secret);
      expect(rolled.stdout).toContain('The previous secret keeps signing for 3600 s as well.');
      const tooLong = await sb('endpoints', 'roll-secret', created.id, '--expires-in', '2d');
      expect(tooLong.stderr).toBe(
        'switchboard endpoints roll-secret: --expires-in: at most 24h (86400 seconds)\n',
      );

      expect((await sb('endpoints', 'delete', created.id)).stdout).toBe(
        `Deleted webhook endpoint ${created.id}.\n`,
      );
      const ids = json<Array<{ id: string }>>(await sb('endpoints', 'list', '--json')).map(
        (e) => e.id,
      );
      expect(ids).not.toContain(created.id);
      const again = await sb('endpoints', 'delete', created.id);
      expect(again.code).toBe(1);
      expect(again.stderr).toBe(
        `switchboard endpoints delete: No such webhook endpoint: '${created.id}'\n`,
      );
    });

    it('update --chaos sets chaos delivery, says what it set, and turns it off', async () => {
      const e = await stripe.webhookEndpoints.create({
        url: receiver.url('/chaos'),
        enabled_events: ['customer.created'],
      });
      const set = await sb(
        'endpoints',
        'update',
        e.id,
        '--chaos',
        'duplicate=25%,fail-first=10%,delay=5%:1m,reorder=5s',
        '--description',
        'chaotic',
      );
      expect(set.code, set.stderr).toBe(0);
      expect(set.stdout).toContain(`Updated webhook endpoint ${e.id}`);
      expect(set.stdout).toContain(
        `Chaos delivery for ${e.id}: duplicate 25%, fail first attempt 10%, delay 5% by 60 s, reorder within 5 s\n`,
      );
      expect((await stripe.webhookEndpoints.retrieve(e.id)).description).toBe('chaotic');
      const read = await fetch(`${server.url}/v1/switchboard/webhook_endpoints/${e.id}/chaos`, {
        headers: { Authorization: `Bearer ${TEST_KEY}` },
      });
      expect(await read.json()).toMatchObject({
        enabled: true,
        duplicate_percent: 25,
        fail_first_attempt_percent: 10,
        delay_percent: 5,
        delay_seconds: 60,
        reorder_window_seconds: 5,
      });
      const one = json<{ duplicate_percent: number; reorder_window_seconds: number }>(
        await sb('endpoints', 'update', e.id, '--chaos', 'duplicate=0', '--json'),
      );
      expect(one).toMatchObject({ duplicate_percent: 0, reorder_window_seconds: 5 });
      const off = await sb('endpoints', 'update', e.id, '--chaos', 'off');
      expect(off.stdout).toBe(`Chaos delivery for ${e.id}: off\n`);

      const bad = await sb('endpoints', 'update', e.id, '--chaos', 'shuffle=5s');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(
        /^switchboard endpoints update: --chaos: unknown setting "shuffle"/,
      );
      const live = await stripe.webhookEndpoints.create(
        { url: receiver.url('/chaos-live'), enabled_events: ['customer.created'] },
        { apiKey: LIVE_KEY },
      );
      const refused = await runCli([
        'endpoints',
        'update',
        live.id,
        '--chaos',
        'duplicate=10%',
        '--api-base',
        server.url,
        '--api-key',
        LIVE_KEY,
      ]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /^switchboard endpoints update: Chaos delivery is off for live-mode endpoints on this server/,
      );
    });

    it('refuses an unknown event type with the server’s message', async () => {
      const r = await sb(
        'endpoints',
        'create',
        '--url',
        receiver.url('/x'),
        '--events',
        'nope.nope',
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /^switchboard endpoints create: Invalid enabled_events\[0\]: .+'nope\.nope' is not one of them\)\.\n$/,
      );
      // A typo gets the nearest event types, as `switchboard trigger` suggests.
      const typo = await sb(
        'endpoints',
        'create',
        '--url',
        receiver.url('/x'),
        '--events',
        'customer.created,payout.faild',
      );
      expect(typo.code).toBe(1);
      expect(typo.stderr).toMatch(
        /Invalid enabled_events\[1\]: .+'payout\.faild' is not one of them\)\. Did you mean payout\.failed( or [a-z._]+)?\?\n$/,
      );
    });

    it('manage v2 event destinations: create, list, ping, update and delete', async () => {
      const url = receiver.url('/ed');
      const created = json<{
        id: string;
        object: string;
        name: string;
        event_payload: string;
        events_from: string[];
        webhook_endpoint: { url: string; signing_secret: string };
      }>(
        await sb(
          'endpoints',
          'create',
          '--destination',
          'thin',
          '--url',
          url,
          '--events',
          'v2.core.account.updated',
          '--events-from',
          'self,accounts',
          '--json',
        ),
      );
      expect(created).toMatchObject({
        object: 'v2.core.event_destination',
        name: url,
        event_payload: 'thin',
        events_from: ['@self', '@accounts'],
        webhook_endpoint: { url },
      });
      expect(created.id).toMatch(/^ed_test_/);
      expect(created.webhook_endpoint.signing_secret).toMatch(/^whsec_/);

      const snapshot = await sb(
        'endpoints',
        'create',
        '--destination',
        'snapshot',
        '--url',
        receiver.url('/ed-snapshot'),
        '--events',
        'customer.created',
        '--connect',
        '--name',
        'snap',
      );
      expect(snapshot.stdout).toMatch(
        /^Created event destination ed_test_\w+ \(test mode, snapshot events from connected accounts, enabled\)\n {2}name: +snap\n {2}url: +http.+\/ed-snapshot\n {2}events: customer\.created\n {2}signing secret: whsec_\w+/,
      );

      const listed = await sb('endpoints', 'list');
      expect(listed.stdout).toMatch(
        new RegExp(
          `^${created.id}\\s+thin\\s+your account \\+ connected accounts\\s+enabled\\s+v2\\.core\\.account\\.updated\\s+http.+/ed$`,
          'm',
        ),
      );
      const both = json<Array<{ id: string; object: string }>>(
        await sb('endpoints', 'list', '--json'),
      );
      expect(both.find((e) => e.id === created.id)?.object).toBe('v2.core.event_destination');
      // A connected account's own webhook endpoints: the platform's destinations are not its.
      const account = await stripe.accounts.create({ type: 'custom' });
      const theirs = json<unknown[]>(
        await sb('endpoints', 'list', '--stripe-account', account.id, '--json'),
      );
      expect(theirs).toEqual([]);

      const pinged = await sb('endpoints', 'ping', created.id);
      expect(pinged.code, pinged.stderr).toBe(0);
      const eventId = /^Sent (evt_test_\w+) \(v2\.core\.event_destination\.ping\) to /.exec(
        pinged.stdout,
      )?.[1];
      expect(eventId).toBeDefined();
      await receiver.waitFor(() => receiver.received.some((r) => r.event?.id === eventId));
      const ping = receiver.received.find((r) => r.event?.id === eventId)!;
      expect(ping.path).toBe('/ed');
      // Signed with the secret the create printed (a thin notification: parseEventNotification).
      const notification = stripe.parseEventNotification(
        ping.body,
        ping.headers['stripe-signature'] as string,
        created.webhook_endpoint.signing_secret,
      );
      expect(notification).toMatchObject({ id: eventId, type: 'v2.core.event_destination.ping' });

      const updated = json<{ status: string; name: string; webhook_endpoint: { url: string } }>(
        await sb(
          'endpoints',
          'update',
          created.id,
          '--name',
          'renamed',
          '--url',
          receiver.url('/ed-moved'),
          '--disable',
          '--json',
        ),
      );
      expect(updated).toMatchObject({
        status: 'disabled',
        name: 'renamed',
        webhook_endpoint: { url: receiver.url('/ed-moved') },
      });

      const roll = await sb('endpoints', 'roll-secret', created.id);
      expect(roll.code).toBe(1);
      expect(roll.stderr).toBe(
        "switchboard endpoints roll-secret: event destinations have no secret roll (Stripe's v2 API has none): create a new destination and delete the old one\n",
      );
      const asAccount = await sb('endpoints', 'delete', created.id, '--stripe-account', account.id);
      expect(asAccount.stderr).toMatch(
        /^switchboard endpoints delete: event destinations belong to the platform: drop --stripe-account/,
      );
      const webhookPing = await sb('endpoints', 'ping', 'we_123');
      expect(webhookPing.stderr).toMatch(
        /^switchboard endpoints ping: we_123 is not an event destination/,
      );
      const nameless = await sb(
        'endpoints',
        'create',
        '--url',
        url,
        '--events',
        '*',
        '--name',
        'n',
      );
      expect(nameless.stderr).toBe(
        'switchboard endpoints create: --name and --events-from are for event destinations (--destination)\n',
      );

      expect((await sb('endpoints', 'delete', created.id)).stdout).toBe(
        `Deleted event destination ${created.id}.\n`,
      );
      const gone = await sb('endpoints', 'delete', created.id);
      expect(gone.stderr).toBe(
        `switchboard endpoints delete: No such event destination: '${created.id}'\n`,
      );
    }, 120_000); // a dozen CLI processes one after another: slow on a loaded machine
  });

  describe('accounts and sandboxes', () => {
    it('accounts create and list', async () => {
      const a = json<{ id: string; type: string; email: string }>(
        await sb(
          'accounts',
          'create',
          '--type',
          'express',
          '--email',
          'jenny@x.test',
          '--metadata',
          'team=ops',
          '--json',
        ),
      );
      expect(a).toMatchObject({ type: 'express', email: 'jenny@x.test' });
      const text = await sb('accounts', 'create');
      expect(text.stdout).toMatch(
        /^Created custom account (acct_\w+) \(test mode\)\.\nAct as it with --stripe-account \1\.\n$/,
      );
      const list = await sb('accounts', 'list');
      expect(list.stdout).toMatch(
        new RegExp(`^${a.id}\\s+express\\s+US\\s+\\w+\\s+\\w+\\s+\\S+ \\S+\\s+jenny@x.test$`, 'm'),
      );
      const bad = await sb('accounts', 'create', '--type', 'premium');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(
        /argument 'premium' is invalid. Allowed choices are custom, express, standard/,
      );
    });

    it('sandboxes create and list; a sandbox key sees only its own objects', async () => {
      const s = json<{ id: string; secret_key: string }>(
        await sb('sandboxes', 'create', '--name', 'qa', '--json'),
      );
      expect(s.secret_key).toMatch(/^sk_test_/);
      const list = await sb('sandboxes', 'list');
      expect(list.stdout).toMatch(new RegExp(`^${s.id}\\s+qa\\s+`, 'm'));
      const inside = await runCli([
        'accounts',
        'list',
        '--api-base',
        server.url,
        '--api-key',
        s.secret_key,
      ]);
      expect(inside.stdout).toBe('No connected accounts.\n');
    });
  });

  describe('--help', () => {
    const commands = [
      ['login'],
      ['trigger'],
      ['fixtures'],
      ['events', 'list'],
      ['events', 'retrieve'],
      ['events', 'resend'],
      ['endpoints', 'create'],
      ['endpoints', 'list'],
      ['endpoints', 'update'],
      ['endpoints', 'delete'],
      ['endpoints', 'ping'],
      ['endpoints', 'roll-secret'],
      ['replay'],
      ['accounts', 'create'],
      ['accounts', 'list'],
      ['sandboxes', 'create'],
      ['sandboxes', 'list'],
      ['serve'],
    ];
    it('every command explains itself with an example', async () => {
      for (const c of commands) {
        const r = await runCli([...c, '--help']);
        expect(r.code, c.join(' ')).toBe(0);
        expect(r.stdout, c.join(' ')).toMatch(new RegExp(`^Usage: switchboard ${c.join(' ')} `));
        expect(r.stdout, c.join(' ')).toMatch(/Examples?:\n {2}switchboard /);
      }
      for (const group of ['events', 'endpoints', 'accounts', 'sandboxes']) {
        const r = await runCli([group, '--help']);
        expect(r.stdout).toMatch(/Commands:/);
      }
    }, 120_000); // two dozen CLI processes one after another
  });
});
