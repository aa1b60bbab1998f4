import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver } from '../../server/test/helpers/receiver.js';
import { startTestServer, TEST_KEY, type TestServer } from '../../server/test/helpers/server.js';
import { runCli } from './helpers/cli.js';
import { thinDestination } from '../../server/test/helpers/destinations.js';

interface Summary {
  matched: number;
  sent: number;
  succeeded: number;
  failed: number;
  pending: number;
  failures: Array<{ event: string; webhook_endpoint: string; reason: string }>;
}

/**
 * `switchboard replay` as a real process: it finds the events of a window and resends them; a real
 * receiver counts what arrives, signed, at each endpoint.
 */
describe('switchboard replay', () => {
  let server: TestServer;
  let receiver: Receiver;
  let stripe: Stripe;
  let accountA: string;
  let accountB: string;
  const endpoints: Record<string, string> = {};
  const platformCustomers: string[] = [];
  let failing = false;

  const replay = (args: string[]) =>
    runCli(['replay', '--since', '1h', ...args, '--api-base', server.url, '--api-key', TEST_KEY]);
  const customerEvents = (path: string) =>
    receiver.at(path).filter((r) => r.event?.type === 'customer.created' && r.verified);

  beforeAll(async () => {
    server = await startTestServer();
    receiver = await new Receiver().start();
    stripe = server.stripe();
    receiver.respond('/account', () => ({ status: failing ? 500 : 200 }));
    const create = async (
      name: string,
      params: Partial<Stripe.WebhookEndpointCreateParams>,
      opts?: Stripe.RequestOptions,
    ) => {
      const we = await stripe.webhookEndpoints.create(
        { url: receiver.url(`/${name}`), enabled_events: ['*'], ...params },
        opts,
      );
      receiver.expect(`/${name}`, we.secret!);
      endpoints[name] = we.id;
    };
    await create('account', {});
    await create('connect', { connect: true });
    await create('payouts', { enabled_events: ['payout.failed'] });
    await create('disabled', {});
    await stripe.webhookEndpoints.update(endpoints.disabled!, { disabled: true });
    accountA = (await stripe.accounts.create({ type: 'custom', country: 'US' })).id;
    accountB = (await stripe.accounts.create({ type: 'custom', country: 'US' })).id;
    await create('own-a', {}, { stripeAccount: accountA });

    for (const email of ['a@x.test', 'b@x.test', 'c@x.test'])
      platformCustomers.push((await stripe.customers.create({ email })).id);
    for (const email of ['d@x.test', 'e@x.test'])
      await stripe.customers.create({ email }, { stripeAccount: accountA });
    await stripe.customers.create({ email: 'f@x.test' }, { stripeAccount: accountB });
    await receiver.waitFor(
      () =>
        customerEvents('/account').length === 3 &&
        customerEvents('/connect').length === 3 &&
        customerEvents('/own-a').length === 2,
    );
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  it('--dry-run counts the events and the resends, and sends nothing', async () => {
    const before = receiver.received.length;
    const r = await replay(['--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    // The platform's own events: three customers, to its one Your-account endpoint that takes them.
    expect(JSON.parse(r.stdout)).toEqual({ dry_run: true, matched: 3, resends: 3, endpoints: 1 });
    const text = await replay(['--dry-run']);
    expect(text.stdout).toMatch(
      /^Dry run: 3 events matched \(.+ to .+ UTC\); a replay would send 3 resends to 1 endpoints\.\n$/,
    );
    const a = await replay([
      '--dry-run',
      '--json',
      '--account',
      accountA,
      '--type',
      'customer.created',
    ]);
    expect(JSON.parse(a.stdout)).toEqual({ dry_run: true, matched: 2, resends: 4, endpoints: 2 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.received.length).toBe(before);
  });

  it("resends the platform's events to every endpoint that receives them, and counts the deliveries", async () => {
    const before = customerEvents('/account').length;
    const r = await replay(['--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(''); // no progress bar when stderr is not a terminal
    expect(JSON.parse(r.stdout)).toMatchObject({
      matched: 3,
      sent: 3,
      succeeded: 3,
      failed: 0,
      pending: 0,
    });
    const resent = customerEvents('/account').slice(before);
    // Each of the platform's customers once; an endpoint's resends go out concurrently, unordered.
    expect(
      resent.map((x) => (x.event!.data as { object: { id: string } }).object.id).sort(),
    ).toEqual([...platformCustomers].sort());
    expect(receiver.at('/connect').length + receiver.at('/own-a').length).toBe(5);
    expect(receiver.at('/payouts')).toEqual([]);
    expect(receiver.at('/disabled')).toEqual([]);
  });

  it("--account resends a connected account's events to the Connect endpoints and the account's own", async () => {
    const connect = customerEvents('/connect').length;
    const own = customerEvents('/own-a').length;
    const r = await replay(['--account', accountA, '--type', 'customer.created']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('Replay: 2 events matched, 4 resends sent.\n  succeeded: 4  failed: 0\n');
    expect(customerEvents('/connect').length - connect).toBe(2);
    expect(customerEvents('/own-a').length - own).toBe(2);
    expect(
      customerEvents('/connect')
        .slice(connect)
        .every((x) => x.event!.account === accountA),
    ).toBe(true);
  });

  it('--endpoint resends to that endpoint only', async () => {
    const others = receiver.received.filter((x) => x.path !== '/connect').length;
    const fromB = () => customerEvents('/connect').filter((x) => x.event!.account === accountB);
    expect(fromB()).toHaveLength(1);
    const r = await replay([
      '--json',
      '--account',
      accountB,
      '--type',
      'customer.created',
      '--endpoint',
      endpoints.connect!,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ matched: 1, sent: 1, succeeded: 1, failed: 0 });
    expect(fromB()).toHaveLength(2);
    expect(receiver.received.filter((x) => x.path !== '/connect').length).toBe(others);
  });

  it('--failed-only resends only the events whose delivery has not succeeded', async () => {
    failing = true;
    const lost = await stripe.customers.create({ email: 'lost@x.test' });
    await receiver.waitFor(() =>
      receiver
        .at('/account')
        .some((x) => (x.event?.data as { object: { id: string } }).object.id === lost.id),
    );
    failing = false;
    const dry = await replay(['--failed-only', '--dry-run', '--json']);
    expect(JSON.parse(dry.stdout)).toMatchObject({ matched: 1, resends: 1 });
    const r = await replay(['--failed-only', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ matched: 1, sent: 1, succeeded: 1 });
    const got = receiver
      .at('/account')
      .filter((x) => (x.event?.data as { object: { id: string } }).object.id === lost.id);
    expect(got.map((x) => x.verified)).toEqual([true, true]);
  });

  it('reports failed deliveries and refused resends, and exits 1', async () => {
    failing = true;
    try {
      const r = await replay(['--json', '--type', 'customer.created', '--wait', '10s']);
      expect(r.code).toBe(1);
      const s = JSON.parse(r.stdout) as Summary;
      expect(s).toMatchObject({ matched: 4, sent: 4, succeeded: 0, failed: 4 });
      expect(s.failures[0]!.reason).toBe('the endpoint answered 500');
      expect(r.stderr).toBe('switchboard replay: 4 of 4 resends failed\n');
    } finally {
      failing = false;
    }
    // An endpoint that does not take the connected account's events is refused by the server.
    const refused = await replay([
      '--json',
      '--account',
      accountA,
      '--endpoint',
      endpoints.account!,
      '--type',
      'customer.created',
    ]);
    expect(refused.code).toBe(1);
    const s = JSON.parse(refused.stdout) as Summary;
    expect(s).toMatchObject({ matched: 2, sent: 0, failed: 2 });
    expect(s.failures[0]!.reason).toMatch(/cannot be sent to webhook endpoint/);
  });

  it('resends v2 (thin) events to the event destinations that receive them', async () => {
    const destination = await thinDestination(stripe, receiver.url('/thin'), [
      'v2.core.account.created',
    ]);
    const account = await stripe.v2.core.accounts.create({ display_name: 'Thin Co' });
    await receiver.waitFor(() => receiver.at('/thin').length === 1);
    const original = receiver.at('/thin')[0]!;
    expect((original.event!.related_object as { id: string }).id).toBe(account.id);

    const dry = await replay(['--dry-run', '--json', '--type', 'v2.core.account.created']);
    expect(JSON.parse(dry.stdout)).toEqual({ dry_run: true, matched: 1, resends: 1, endpoints: 1 });
    const r = await replay(['--json', '--type', 'v2.core.account.created']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ matched: 1, sent: 1, succeeded: 1, failed: 0 });
    expect(receiver.at('/thin')).toHaveLength(2);
    expect(receiver.at('/thin')[1]!.body).toBe(original.body);

    // --endpoint with a thin destination takes the window's v2 events only.
    const only = await replay(['--json', '--endpoint', destination.id]);
    expect(only.code, only.stderr).toBe(0);
    expect(JSON.parse(only.stdout)).toMatchObject({ matched: 1, sent: 1, succeeded: 1 });
    expect(receiver.at('/thin')).toHaveLength(3);
    // --failed-only: the v2 event whose delivery failed, and only it.
    let thinFailing = true;
    receiver.respond('/thin', () => ({ status: thinFailing ? 503 : 200 }));
    const lost = await stripe.v2.core.accounts.create({ display_name: 'Lost Co' });
    const isLost = (x: (typeof original)[]) =>
      x.filter((y) => (y.event!.related_object as { id: string }).id === lost.id);
    await receiver.waitFor(() => isLost(receiver.at('/thin')).length === 1);
    thinFailing = false;
    const failed = await replay(['--failed-only', '--json', '--type', 'v2.core.account.created']);
    expect(failed.code, failed.stderr).toBe(0);
    expect(JSON.parse(failed.stdout)).toMatchObject({ matched: 1, sent: 1, succeeded: 1 });
    expect(isLost(receiver.at('/thin'))).toHaveLength(2);
    // A connected account's window has no v2 events for an @self destination.
    const theirs = await replay(['--dry-run', '--json', '--account', accountA, '--type', 'v2.*']);
    expect(JSON.parse(theirs.stdout)).toMatchObject({ matched: 0, resends: 0 });
  });

  it('explains a time it cannot read, in one line', async () => {
    const r = await runCli([
      'replay',
      '--since',
      'yesterday',
      '--api-base',
      server.url,
      '--api-key',
      TEST_KEY,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^switchboard replay: --since: cannot read "yesterday" as a time; .+\n$/,
    );
  });
});
