import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { cliBin, freePort, spawnServer, type ServerProcess } from '../helpers/process.js';
import { stripeCliEnv } from '../helpers/stripe-cli.js';
import { Receiver, type Received } from '../helpers/receiver.js';

const KEY = 'sk_test_listen_e2e_000001';
/** The official Stripe CLI's Go binary (run directly: the npm shim leaves orphans when signalled). */
const stripeBin = fileURLToPath(
  new URL('../../../../node_modules/@stripe/cli-linux-x64/bin/stripe', import.meta.url),
);

interface Running {
  child: ChildProcess;
  out: string[];
  err: string[];
  exited: Promise<number | string>;
}

function run(cmd: string, args: string[]): Running {
  const child = spawn(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: stripeCliEnv(),
  });
  const out: string[] = [];
  const err: string[] = [];
  child.stdout!.on('data', (d: Buffer) => out.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => err.push(d.toString()));
  const exited = new Promise<number | string>((r) =>
    child.on('exit', (code, signal) => r(code ?? signal ?? -1)),
  );
  return { child, out, err, exited };
}

async function waitForText(
  chunks: string[],
  pattern: RegExp,
  timeoutMs = 15_000,
): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = chunks.join('').match(pattern);
    if (m) return m;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${pattern}; got: ${chunks.join('')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Local development as the seed describes it: `listen --forward-to ... --forward-connect-to ...` in
 * one terminal, events caused in another; with the official Stripe CLI and with `switchboard listen`.
 */
describe('listen: the official Stripe CLI and switchboard listen', () => {
  let dir: string;
  let port: number;
  let server: ServerProcess;
  let receiver: Receiver;
  let stripe: Stripe;
  let account: string;
  let db: TestDatabase;
  const args = () => [
    '--port',
    String(port),
    '--db',
    db.url,
    '--test-key',
    KEY,
    '--log-level',
    'warn',
  ];

  beforeAll(async () => {
    expect(existsSync(stripeBin), 'the @stripe/cli-linux-x64 package is installed').toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'switchboard-listen-'));
    db = await freshDatabase(dir, 'listen');
    port = await freePort();
    server = await spawnServer(args());
    receiver = await new Receiver().start();
    stripe = new Stripe(KEY, { host: '127.0.0.1', port, protocol: 'http' });
    account = (await stripe.accounts.create({ type: 'express' })).id;
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    await receiver.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The official `stripe listen` against the server, with more arguments. */
  const stripeListen = (more: string[]) =>
    run(stripeBin, [
      'listen',
      '--api-base',
      server.url,
      '--api-key',
      KEY,
      '--skip-update',
      ...more,
    ]);
  /** `switchboard listen` against the server, with more arguments. */
  const switchboardListen = (more: string[]) =>
    run(process.execPath, [cliBin, 'listen', '--api-base', server.url, '--api-key', KEY, ...more]);
  /** Waits for the CLI's ready line; resolves with the signing secret it prints. */
  const readySecret = async (cli: Running) =>
    (
      await waitForText(
        cli.err,
        /Ready! .*Your webhook signing secret is (whsec_\w+) \(\^C to quit\)/,
      )
    )[1]!;

  it('the official `stripe listen` forwards platform and Connect events, signed with the secret it printed', async () => {
    const printed = stripeListen(['--print-secret']);
    expect(await printed.exited).toBe(0);
    const secret = printed.out.join('').trim();
    expect(secret).toMatch(/^whsec_/);

    const cli = stripeListen([
      '--all-snapshot',
      '--forward-to',
      receiver.url('/stripe-hook'),
      '--forward-connect-to',
      receiver.url('/stripe-connect'),
    ]);
    try {
      expect(await readySecret(cli)).toBe(secret);
      receiver.expect('/stripe-hook', secret);
      receiver.expect('/stripe-connect', secret);
      const own = await stripe.customers.create({ name: 'platform customer' });
      const theirs = await stripe.customers.create(
        { name: 'connected customer' },
        { stripeAccount: account },
      );
      await receiver.waitFor(
        () => receiver.at('/stripe-hook').length >= 1 && receiver.at('/stripe-connect').length >= 1,
      );
      const hook = receiver.at('/stripe-hook')[0]!;
      const connect = receiver.at('/stripe-connect')[0]!;
      // Each event is sent twice, for plain and --latest listeners; a plain one forwards one copy.
      await new Promise((r) => setTimeout(r, 300));
      expect(receiver.at('/stripe-hook')).toHaveLength(1);
      expect(receiver.at('/stripe-connect')).toHaveLength(1);
      expect(hook.verified, hook.verifyError ?? '').toBe(true);
      expect(connect.verified, connect.verifyError ?? '').toBe(true);
      expect((hook.event!.data as { object: { id: string } }).object.id).toBe(own.id);
      expect(connect.event!.account).toBe(account);
      expect((connect.event!.data as { object: { id: string } }).object.id).toBe(theirs.id);
      await waitForText(
        cli.out,
        new RegExp(`--> connect customer.created \\[${connect.event!.id}\\]`),
      );
      await waitForText(
        cli.out,
        new RegExp(
          `<--  \\[200\\] POST ${receiver.url('/stripe-connect')} \\[${connect.event!.id}\\]`,
        ),
      );

      // `stripe trigger` against the same server: its events reach the running listener.
      const trigger = run(stripeBin, [
        'trigger',
        'payment_intent.succeeded',
        '--api-base',
        server.url,
        '--api-key',
        KEY,
      ]);
      expect(await trigger.exited).toBe(0);
      await receiver.waitFor(() =>
        receiver.at('/stripe-hook').some((r) => r.event?.type === 'payment_intent.succeeded'),
      );
    } finally {
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
  });

  it('the `stripe listen` command the server prints at start runs as printed', async () => {
    const line = /Stripe CLI: +stripe (listen .*)/.exec(server.stdout.join(''))?.[1];
    expect(line).toBeDefined();
    const printed = line!
      .replace('<test key>', KEY)
      .replace('localhost:4242/webhook', receiver.url('/banner-hook'))
      .replace('localhost:4242/connect', receiver.url('/banner-connect'))
      .split(' ');
    const cli = run(stripeBin, [...printed, '--skip-update']);
    try {
      const secret = await readySecret(cli);
      receiver.expect('/banner-hook', secret);
      receiver.expect('/banner-connect', secret);
      await stripe.customers.create({ name: 'banner platform' });
      await stripe.customers.create({ name: 'banner connected' }, { stripeAccount: account });
      await receiver.waitFor(
        () => receiver.at('/banner-hook').length >= 1 && receiver.at('/banner-connect').length >= 1,
      );
      expect(receiver.at('/banner-connect')[0]!.event!.account).toBe(account);
      expect(receiver.at('/banner-hook')[0]!.verified).toBe(true);
    } finally {
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
  });

  it('the official `stripe listen --latest` forwards each event once too', async () => {
    const cli = stripeListen([
      '--latest',
      '--all-snapshot',
      '--forward-to',
      receiver.url('/stripe-latest'),
    ]);
    try {
      receiver.expect('/stripe-latest', await readySecret(cli));
      const customer = await stripe.customers.create({ name: 'for --latest' });
      const mine = () =>
        receiver
          .at('/stripe-latest')
          .filter((r) => (r.event?.data as { object: { id: string } }).object.id === customer.id);
      await receiver.waitFor(() => mine().length >= 1);
      await new Promise((r) => setTimeout(r, 300));
      expect(mine()).toHaveLength(1);
      expect(mine()[0]!.verified, mine()[0]!.verifyError ?? '').toBe(true);
    } finally {
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
  });

  it('switchboard listen: --print-secret, --format json and --load-from-webhooks-api', async () => {
    const printed = switchboardListen(['--print-secret']);
    expect(await printed.exited).toBe(0);
    const secret = printed.out.join('').trim();
    expect(secret).toMatch(/^whsec_/);
    const own = await stripe.webhookEndpoints.create({
      url: 'https://example.invalid/from-api/own?x=1',
      enabled_events: ['customer.updated'],
    });
    const connect = await stripe.webhookEndpoints.create({
      url: 'https://example.invalid/from-api/connect',
      enabled_events: ['*'],
      connect: true,
    });
    receiver.expect('/from-api/own', secret);
    receiver.expect('/from-api/connect', secret);
    const listen = switchboardListen([
      '--format',
      'json',
      '--load-from-webhooks-api',
      '--forward-to',
      `127.0.0.1:${receiver.port}`,
    ]);
    try {
      const ready = await waitForText(listen.err, /Your webhook signing secret is (whsec_\w+)/);
      expect(ready[1]).toBe(secret);
      const c = await stripe.customers.create({ name: 'json' });
      await stripe.customers.update(c.id, { name: 'json 2' });
      await stripe.customers.create({ name: 'connected json' }, { stripeAccount: account });
      await receiver.waitFor(
        () =>
          receiver.at('/from-api/own').length >= 1 && receiver.at('/from-api/connect').length >= 1,
      );
      // The platform endpoint takes customer.updated only; customer.created was printed, not forwarded there.
      expect(receiver.at('/from-api/own').every((r) => r.event!.type === 'customer.updated')).toBe(
        true,
      );
      expect(
        receiver.at('/from-api/connect').every((r) => r.event!.account === account && r.verified),
      ).toBe(true);
      const lines = await waitForText(listen.out, /\{"account":"acct_\w+","api_version"/);
      expect(lines[0]).toBeTruthy();
      const first = JSON.parse(
        listen.out
          .join('')
          .split('\n')
          .find((l) => l.startsWith('{'))!,
      ) as Record<string, unknown>;
      expect(Object.keys(first)).toEqual([...Object.keys(first)].sort());
    } finally {
      listen.child.kill('SIGTERM');
      await listen.exited;
      await stripe.webhookEndpoints.del(own.id);
      await stripe.webhookEndpoints.del(connect.id);
    }
  });

  it('switchboard listen forwards, filters, adds headers, and receives what it missed across a server restart', async () => {
    const listen = switchboardListen([
      '-f',
      `127.0.0.1:${receiver.port}/sb-hook`,
      '-c',
      `127.0.0.1:${receiver.port}/sb-connect`,
      '-e',
      'customer.created,customer.updated',
      '-H',
      'X-Test:yes',
    ]);
    try {
      const ready = await waitForText(
        listen.err,
        /Ready! .*Your webhook signing secret is (whsec_\w+) \(\^C to quit\)/,
      );
      receiver.expect('/sb-hook', ready[1]!);
      receiver.expect('/sb-connect', ready[1]!);
      const c = await stripe.customers.create({ name: 'before restart' });
      await stripe.customers.create({ name: 'connected' }, { stripeAccount: account });
      await receiver.waitFor(
        () => receiver.at('/sb-hook').length >= 1 && receiver.at('/sb-connect').length >= 1,
      );
      expect(receiver.at('/sb-hook')[0]!.headers['x-test']).toBe('yes');
      expect(receiver.at('/sb-hook').every((r) => r.verified)).toBe(true);
      await waitForText(
        listen.out,
        /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {3}--> customer\.created \[evt_\w+\]/,
      );
      // Filtered out by -e: acknowledged, not forwarded.
      await stripe.customers.del(c.id);

      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      server = await spawnServer(args());
      // Created before the listener has reconnected: delivered once it has.
      const missed = await stripe.customers.create({ name: 'while reconnecting' });
      await receiver.waitFor(
        () =>
          receiver
            .at('/sb-hook')
            .some((r) => (r.event?.data as { object: { id: string } }).object.id === missed.id),
        20_000,
        'the missed event',
      );
      expect(
        receiver.received.filter(
          (r) => r.event?.type === 'customer.deleted' && r.path.startsWith('/sb-'),
        ),
      ).toHaveLength(0);
      const ids = receiver.at('/sb-hook').map((r) => r.event!.id);
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      listen.child.kill('SIGTERM');
      expect(await listen.exited).toBe(0);
    }
  });

  /** A thin notification the receiver got, verified as stripe-node verifies one. */
  const notification = (r: Received, secret: string) =>
    stripe.parseEventNotification(r.body, r.headers['stripe-signature'] as string, secret) as {
      id: string;
      type: string;
      /** A StripeContext: its string is the account id. */
      context?: unknown;
      related_object: { id: string } | null;
    };
  const createdFor = (path: string, accountId: string) => () =>
    receiver
      .at(path)
      .some(
        (r) =>
          r.event?.type === 'v2.core.account.created' &&
          (r.event.related_object as { id: string }).id === accountId,
      );
  /** A v2 account of the platform, and a customer account in its context: one thin event each. */
  const thinEvents = async (name: string) => {
    const own = await stripe.v2.core.accounts.create({
      display_name: name,
      identity: { country: 'us', entity_type: 'company' },
    });
    const theirs = await stripe.v2.core.accounts.create(
      {
        display_name: `a customer of ${name}`,
        configuration: { customer: {} },
        identity: { country: 'us', entity_type: 'individual' },
      },
      { stripeContext: own.id },
    );
    return { own: own.id, theirs: theirs.id };
  };

  it('the official `stripe listen --all-thin` forwards v2 events by context, signed with the secret it printed', async () => {
    const cli = stripeListen([
      '--all-thin',
      '--forward-to',
      receiver.url('/cli-thin'),
      '--forward-connect-to',
      receiver.url('/cli-thin-connect'),
    ]);
    try {
      const secret = await readySecret(cli);
      const { own, theirs } = await thinEvents('Thin via the Stripe CLI');
      await receiver.waitFor(createdFor('/cli-thin', own));
      await receiver.waitFor(createdFor('/cli-thin-connect', theirs));
      const platform = receiver.at('/cli-thin').find((r) => r.event!.related_object)!;
      expect(notification(platform, secret)).toMatchObject({
        type: 'v2.core.account.created',
        related_object: { id: own },
      });
      expect(notification(platform, secret).context ?? null).toBeNull();
      const connected = receiver.at('/cli-thin-connect').find((r) => r.event!.related_object)!;
      expect(String(notification(connected, secret).context)).toBe(own);
      // The session asked for thin events only: a v1 event is not forwarded.
      await stripe.customers.create({ name: 'not thin' });
      const later = await thinEvents('after the v1 event');
      await receiver.waitFor(createdFor('/cli-thin', later.own));
      expect(
        [...receiver.at('/cli-thin'), ...receiver.at('/cli-thin-connect')].every(
          (r) => r.event!.object === 'v2.core.event',
        ),
      ).toBe(true);
    } finally {
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
  });

  it('switchboard listen: --forward-thin-to beside --forward-to, each kind to its URL, --thin-events filtering', async () => {
    const listen = switchboardListen([
      '--forward-to',
      receiver.url('/sb-v1'),
      '--forward-thin-to',
      receiver.url('/sb-thin'),
      '--forward-thin-connect-to',
      receiver.url('/sb-thin-connect'),
      '--thin-events',
      'v2.core.account.created',
    ]);
    try {
      const secret = (await waitForText(listen.err, /signing secret is (whsec_\w+)/))[1]!;
      receiver.expect('/sb-v1', secret);
      const { own, theirs } = await thinEvents('Thin via switchboard listen');
      const customer = await stripe.customers.create({ name: 'beside thin events' });
      await receiver.waitFor(createdFor('/sb-thin', own));
      await receiver.waitFor(createdFor('/sb-thin-connect', theirs));
      await receiver.waitFor(() =>
        receiver
          .at('/sb-v1')
          .some((r) => (r.event?.data as { object: { id: string } }).object.id === customer.id),
      );
      expect(receiver.at('/sb-v1').every((r) => r.verified && r.event!.object === 'event')).toBe(
        true,
      );
      const platform = receiver.at('/sb-thin').find((r) => r.event!.related_object)!;
      expect(notification(platform, secret)).toMatchObject({
        type: 'v2.core.account.created',
        related_object: { id: own },
      });
      expect(String(notification(receiver.at('/sb-thin-connect')[0]!, secret).context)).toBe(own);
      await waitForText(listen.out, /--> v2\.core\.account\.created \[evt_test_\w+\]/);
      await waitForText(listen.out, /--> connect v2\.core\.account\.created \[evt_test_\w+\]/);

      // v2.core.account.updated is not among --thin-events: acknowledged, neither printed nor sent.
      await stripe.v2.core.accounts.update(own, { display_name: 'renamed' });
      const later = await thinEvents('after the update');
      await receiver.waitFor(createdFor('/sb-thin', later.own));
      expect(receiver.at('/sb-thin').map((r) => r.event!.type)).not.toContain(
        'v2.core.account.updated',
      );
      expect(listen.out.join('')).not.toContain('v2.core.account.updated');
    } finally {
      listen.child.kill('SIGTERM');
      await listen.exited;
    }
  });
});
