import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform } from '../../src/main.js';
import { Receiver } from '../helpers/receiver.js';
import { LIVE_KEY, startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';

interface Tenant {
  name: string;
  client: Stripe;
  /** Stripe-Account to act as, for connected-account tenants. */
  account?: string;
  customer: string;
  event: string;
  endpoint: string;
}

/**
 * Isolation: test vs live, platform A vs platform B, a connected account vs its sibling, sandbox vs
 * sandbox, a deauthorized account. Every cross access is refused; lists and event feeds never show
 * another tenant's data; events never reach another tenant's endpoints.
 */
describe('tenants are isolated from each other', () => {
  let server: TestServer;
  let receiver: Receiver;
  const tenants: Tenant[] = [];
  let restricted: string;

  const opts = (t: Tenant) => (t.account ? { stripeAccount: t.account } : {});

  async function tenant(name: string, client: Stripe, account?: string): Promise<Tenant> {
    const o = account ? { stripeAccount: account } : {};
    const we = await client.webhookEndpoints.create(
      { url: receiver.url(`/${name}`), enabled_events: ['*'] },
      o,
    );
    receiver.expect(`/${name}`, we.secret!);
    const customer = await client.customers.create({ name: `customer of ${name}` }, o);
    const event = (await client.events.list({ type: 'customer.created', limit: 1 }, o)).data[0]!;
    expect((event.data.object as Stripe.Customer).id).toBe(customer.id);
    const t = { name, client, account, customer: customer.id, event: event.id, endpoint: we.id };
    tenants.push(t);
    return t;
  }

  beforeAll(async () => {
    server = await startTestServer();
    receiver = await new Receiver().start();
    const a = server.stripe(TEST_KEY);
    const b = await createPlatform(server.sb.services.dialect.db, {
      name: 'Platform B',
      now: Date.now(),
    });
    const sandbox = async (name: string) => {
      const res = await fetch(`${server.url}/v1/switchboard/sandboxes`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TEST_KEY}` },
        body: new URLSearchParams({ name }),
      });
      return server.stripe(((await res.json()) as { secret_key: string }).secret_key);
    };
    const acct1 = (await a.accounts.create({ type: 'express' })).id;
    const acct2 = (await a.accounts.create({ type: 'custom' })).id;
    await tenant('a-test', a);
    await tenant('a-live', server.stripe(LIVE_KEY));
    await tenant('b-test', server.stripe(b.testKey));
    await tenant('acct1', a, acct1);
    await tenant('acct2', a, acct2);
    await tenant('sandbox1', await sandbox('one'));
    await tenant('sandbox2', await sandbox('two'));
    const res = await fetch(`${server.url}/v1/switchboard/restricted_keys`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_KEY}` },
    });
    restricted = ((await res.json()) as { secret: string }).secret;
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  it('refuses every cross access to objects, events and endpoints', async () => {
    for (const me of tenants) {
      for (const other of tenants) {
        if (me === other) continue;
        const label = `${me.name} -> ${other.name}`;
        await expect(
          me.client.customers.retrieve(other.customer, {}, opts(me)),
          label,
        ).rejects.toMatchObject({ statusCode: 404 });
        await expect(
          me.client.events.retrieve(other.event, {}, opts(me)),
          label,
        ).rejects.toMatchObject({ statusCode: 404 });
        await expect(
          me.client.webhookEndpoints.update(other.endpoint, { description: 'x' }, opts(me)),
          label,
        ).rejects.toMatchObject({ statusCode: 404 });
      }
      const customers = (await me.client.customers.list({ limit: 100 }, opts(me))).data.map(
        (c) => c.id,
      );
      expect(customers, me.name).toEqual([me.customer]);
      const events = (await me.client.events.list({ limit: 100 }, opts(me))).data;
      expect(
        events.map((e) => e.id),
        me.name,
      ).toContain(me.event);
      for (const other of tenants.filter((t) => t !== me))
        expect(
          events.map((e) => e.id),
          me.name,
        ).not.toContain(other.event);
      const endpoints = (await me.client.webhookEndpoints.list({}, opts(me))).data.map((e) => e.id);
      expect(endpoints, me.name).toEqual([me.endpoint]);
    }
  });

  it("refuses to act as another platform's account, a sibling from inside, or a test account with a live key", async () => {
    const [aTest, aLive, bTest, acct1, acct2, sandbox1] = tenants;
    await expect(
      bTest!.client.customers.list({}, { stripeAccount: acct1!.account! }),
    ).rejects.toMatchObject({ code: 'account_invalid', statusCode: 403 });
    await expect(
      sandbox1!.client.customers.list({}, { stripeAccount: acct1!.account! }),
    ).rejects.toMatchObject({ code: 'account_invalid' });
    await expect(
      aLive!.client.customers.list({}, { stripeAccount: acct2!.account! }),
    ).rejects.toMatchObject({ code: 'account_invalid' });
    // A connected account cannot see its sibling's objects by id.
    await expect(
      aTest!.client.customers.retrieve(acct2!.customer, {}, { stripeAccount: acct1!.account! }),
    ).rejects.toMatchObject({ code: 'resource_missing' });
  });

  it('delivers each event only to its own tenant’s endpoints', async () => {
    await receiver.waitFor(() =>
      tenants.every((t) => receiver.at(`/${t.name}`).some((r) => r.event?.id === t.event)),
    );
    for (const t of tenants) {
      for (const r of receiver.at(`/${t.name}`)) {
        expect(r.verified, t.name).toBe(true);
        expect(
          tenants.filter((o) => o !== t).map((o) => o.event),
          t.name,
        ).not.toContain(r.event!.id);
      }
    }
  });

  it('refuses a deauthorized account, and lets it back after it connects again', async () => {
    const a = tenants[0]!.client;
    const standard = await a.accounts.create({ type: 'standard' });
    const customer = await a.customers.create({ name: 'before' }, { stripeAccount: standard.id });
    const res = await fetch(`${server.url}/v1/test_helpers/accounts/${standard.id}/deauthorize`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_KEY}` },
    });
    expect(res.status).toBe(200);
    await expect(
      a.customers.retrieve(customer.id, {}, { stripeAccount: standard.id }),
    ).rejects.toMatchObject({ statusCode: 403, message: expect.stringMatching(/deauthorized/) });
    await expect(a.accounts.retrieve(standard.id)).rejects.toMatchObject({ statusCode: 403 });
    expect((await a.accounts.list({ limit: 100 })).data.map((x) => x.id)).not.toContain(
      standard.id,
    );
    await fetch(`${server.url}/v1/test_helpers/accounts/${standard.id}/authorize`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_KEY}` },
    });
    expect((await a.customers.retrieve(customer.id, {}, { stripeAccount: standard.id })).id).toBe(
      customer.id,
    );
  });

  it('gives restricted keys read access to events and endpoints, nothing else', async () => {
    expect(restricted).toMatch(/^rk_test_/);
    const r = server.stripe(restricted);
    expect((await r.events.list({ limit: 1 })).data).toHaveLength(1);
    expect((await r.webhookEndpoints.list()).data.map((e) => e.id)).toEqual([tenants[0]!.endpoint]);
    await expect(r.customers.create({ name: 'nope' })).rejects.toMatchObject({ statusCode: 403 });
    await expect(r.customers.list()).rejects.toMatchObject({ statusCode: 403 });
    await expect(
      r.webhookEndpoints.create({ url: 'https://x.invalid/', enabled_events: ['*'] }),
    ).rejects.toMatchObject({ statusCode: 403 });
  });
});

describe('the per-key rate limit', () => {
  it('answers 429 with a Stripe-style error once a key is over its rate, without affecting other keys', async () => {
    const server = await startTestServer({ config: { rateLimitPerSecond: '5' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) {
        const res = await fetch(`${server.url}/v1/customers`, {
          headers: { Authorization: `Bearer ${TEST_KEY}` },
        });
        statuses.push(res.status);
        if (res.status === 429) {
          expect(((await res.json()) as { error: { type: string } }).error.type).toBe(
            'rate_limit_error',
          );
        }
      }
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(10);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
      const other = await fetch(`${server.url}/v1/customers`, {
        headers: { Authorization: `Bearer ${LIVE_KEY}` },
      });
      expect(other.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
