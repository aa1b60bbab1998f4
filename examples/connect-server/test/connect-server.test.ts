import { signPayload } from '@switchboard/sdk';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  startTestServer,
  TEST_KEY,
  type TestServer,
} from '../../../packages/server/test/helpers/server.js';
import { startConnectServer, type ConnectServer } from '../src/app.js';
import { configFromEnv } from '../src/config.js';
import type { AccountState } from '../src/store.js';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * The seed's server.rb in TypeScript, end to end: a real Switchboard delivers Connect events to the
 * example, which verifies them with the SDK, syncs state from the API as the connected account, and
 * cleans up when the account deauthorizes the platform.
 */
describe('examples/connect-server against a running Switchboard', () => {
  let switchboard: TestServer;
  let platform: Stripe;
  let example: ConnectServer;
  let endpoint: Stripe.WebhookEndpoint;
  const logs: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'connect-server-'));

  beforeAll(async () => {
    switchboard = await startTestServer();
    platform = switchboard.stripe(TEST_KEY);
    const port = await freePort();
    endpoint = await platform.webhookEndpoints.create({
      url: `http://127.0.0.1:${port}/webhook`,
      enabled_events: ['*'],
      connect: true,
    });
    const config = configFromEnv({
      STRIPE_SECRET_KEY: TEST_KEY,
      STRIPE_WEBHOOK_SECRET: endpoint.secret,
      PORT: String(port),
      STRIPE_API_BASE: switchboard.url,
      DATABASE_PATH: join(dir, 'connect.db'),
    });
    example = await startConnectServer(config, { log: (line) => void logs.push(line) });
  });

  afterAll(async () => {
    await example?.close();
    await switchboard?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const state = (account: string): AccountState => example.store.state(account);
  const handled = (account: string, type: string) =>
    state(account).events.filter((e) => e.type === type);
  async function lastEvent(type: string, account: string): Promise<Stripe.Event> {
    const list = await platform.events.list({ type, limit: 1 }, { stripeAccount: account });
    expect(list.data).toHaveLength(1);
    return list.data[0]!;
  }

  it('answers 400 to a bad signature, a missing signature and a signed body that is not an event', async () => {
    const body = JSON.stringify({
      id: 'evt_x',
      object: 'event',
      type: 'customer.created',
      livemode: false,
      created: 1,
    });
    const post = (b: string, headers: Record<string, string>) =>
      fetch(`${example.url}/webhook`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: b,
      });
    expect(
      (await post(body, { 'Stripe-Signature': signPayload(body, 'whsec_wrong') })).status,
    ).toBe(400);
    expect((await post(body, {})).status).toBe(400);
    expect(
      (await post('{oops', { 'Stripe-Signature': signPayload('{oops', endpoint.secret!) })).status,
    ).toBe(400);
    expect(logs.filter((l) => l.startsWith('delivery 400 invalid'))).toHaveLength(3);
  });

  describe('for a Standard connected account', () => {
    let account: Stripe.Account;

    beforeAll(async () => {
      account = await platform.accounts.create({ type: 'standard' });
    });

    it('account.updated: checks livemode, retrieves the account as the connected account and stores it', async () => {
      await platform.accounts.update(account.id, { metadata: { tier: 'gold' } });
      const event = await lastEvent('account.updated', account.id);
      await eventually(
        () => handled(account.id, 'account.updated').length === 1,
        10_000,
        'account.updated handled',
      );
      const stored = state(account.id).account!;
      // Retrieved through GET /v1/account with Stripe-Account: without it, that is the platform.
      expect(stored.id).toBe(account.id);
      expect(stored.data).toMatchObject({
        id: account.id,
        object: 'account',
        metadata: { tier: 'gold' },
      });
      expect(stored.livemode).toBe(false);
      expect(logs).toContain(
        `synced account ${account.id} of ${account.id} after account.updated ${event.id}`,
      );
    });

    it('customer.created inside the account: retrieves the customer as the connected account and stores it', async () => {
      const customer = await platform.customers.create(
        { email: 'buyer@example.com' },
        { stripeAccount: account.id },
      );
      await eventually(
        () => handled(account.id, 'customer.created').length === 1,
        10_000,
        'customer.created handled',
      );
      expect(state(account.id).objects[`customer:${customer.id}`]).toMatchObject({
        id: customer.id,
        email: 'buyer@example.com',
      });
      // The customer exists only in the connected account: the platform alone cannot retrieve it.
      await expect(platform.customers.retrieve(customer.id)).rejects.toMatchObject({
        statusCode: 404,
      });
    });

    it('a redelivered event is acknowledged without being handled twice', async () => {
      const event = await lastEvent('customer.created', account.id);
      const res = await fetch(`${switchboard.url}/v1/events/${event.id}/retry`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${TEST_KEY}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: `webhook_endpoint=${endpoint.id}&account=${account.id}`,
      });
      expect(res.status).toBe(200);
      await eventually(
        () => logs.some((l) => l.startsWith(`delivery 200 duplicate customer.created ${event.id}`)),
        10_000,
        'duplicate delivery',
      );
      expect(handled(account.id, 'customer.created')).toHaveLength(1);
    });

    it('a live-mode event reaching this test-mode receiver is acknowledged and not acted on', async () => {
      const body = JSON.stringify({
        id: 'evt_live_1',
        object: 'event',
        api_version: null,
        account: account.id,
        created: Math.floor(Date.now() / 1000),
        data: { object: { id: 'cus_live_1', object: 'customer' } },
        livemode: true,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type: 'customer.created',
      });
      const res = await fetch(`${example.url}/webhook`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Stripe-Signature': signPayload(body, endpoint.secret!),
        },
        body,
      });
      expect(res.status).toBe(200);
      expect(logs).toContain(
        'skipped customer.created evt_live_1: livemode=true, but this key is test',
      );
      expect(state(account.id).objects['customer:cus_live_1']).toBeUndefined();
    });

    it("account.application.deauthorized: removes the account's stored state and logs the connected account id", async () => {
      expect(state(account.id).account).not.toBeNull();
      await platform.accounts.del(account.id);
      await eventually(
        () => logs.includes(`Connected account ID: ${account.id}`),
        10_000,
        'deauthorization handled',
      );
      expect(state(account.id)).toEqual({ account: null, objects: {}, events: [] });
      // data.object is the platform's application, as in the seed.
      expect(logs).toContainEqual(expect.stringMatching(/^Application: \{"id":"ca_\w+"/));
      const delivery = logs.find((l) => l.includes(' account.application.deauthorized '))!;
      expect(delivery).toMatch(
        new RegExp(
          `^delivery 200 handled account.application.deauthorized evt_\\w+ account=${account.id}$`,
        ),
      );
    });
  });

  /**
   * The seed's other Connect events: each triggers its event for a connected account, as the
   * Stripe CLI's fixtures do, and expects the example to have synced the object. An entry whose API
   * Switchboard does not serve yet is skipped until it does.
   */
  const seedEvents: Array<{
    type: string;
    object: string;
    accountType: 'standard' | 'custom';
    /** Calls the API so that the event fires for `account`; returns the object's id. */
    trigger(stripe: Stripe, account: string): Promise<string>;
  }> = [
    {
      type: 'payment_intent.succeeded',
      object: 'payment_intent',
      accountType: 'standard',
      trigger: async (stripe, account) =>
        (
          await stripe.paymentIntents.create(
            {
              amount: 2000,
              currency: 'usd',
              payment_method: 'pm_card_visa',
              payment_method_types: ['card'],
              confirm: true,
            },
            { stripeAccount: account },
          )
        ).id,
    },
    {
      type: 'balance.available',
      object: 'balance',
      accountType: 'standard',
      trigger: async (stripe, account) => {
        await stripe.paymentIntents.create(
          {
            amount: 2000,
            currency: 'usd',
            payment_method: 'pm_card_bypassPending',
            payment_method_types: ['card'],
            confirm: true,
          },
          { stripeAccount: account },
        );
        return 'balance';
      },
    },
    {
      type: 'payout.failed',
      object: 'payout',
      accountType: 'custom',
      trigger: async (stripe, account) => {
        await stripe.paymentIntents.create(
          {
            amount: 2000,
            currency: 'usd',
            payment_method: 'pm_card_bypassPending',
            payment_method_types: ['card'],
            confirm: true,
          },
          { stripeAccount: account },
        );
        const payout = await stripe.payouts.create(
          { amount: 1100, currency: 'usd' },
          { stripeAccount: account },
        );
        await stripe.rawRequest(
          'POST',
          `/v1/test_helpers/payouts/${payout.id}/fail`,
          {},
          { stripeAccount: account },
        );
        return payout.id;
      },
    },
    {
      type: 'person.updated',
      object: 'person',
      accountType: 'custom',
      trigger: async (stripe, account) => {
        const person = await stripe.accounts.createPerson(account, {
          first_name: 'Jenny',
          last_name: 'Rosen',
        });
        await stripe.accounts.updatePerson(account, person.id, { metadata: { foo: 'bar' } });
        return person.id;
      },
    },
    {
      type: 'account.external_account.updated',
      object: 'bank_account',
      accountType: 'custom',
      trigger: async (stripe, account) => {
        const bank = await stripe.accounts.createExternalAccount(account, {
          external_account: {
            object: 'bank_account',
            country: 'US',
            currency: 'usd',
            routing_number: '110000000',
            account_number: '000123456789',
          },
        } as Stripe.AccountCreateExternalAccountParams);
        await stripe.accounts.updateExternalAccount(account, bank.id, { metadata: { foo: 'bar' } });
        return bank.id;
      },
    },
  ];

  for (const seed of seedEvents) {
    it(`${seed.type}: retrieves the ${seed.object} as the connected account and stores it`, async (ctx) => {
      const account = await platform.accounts.create(
        seed.accountType === 'custom'
          ? {
              type: 'custom',
              country: 'US',
              capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
            }
          : { type: 'standard' },
      );
      // Onboarded (test values for what is due, a bank account): only then can it charge and pay
      // out, as on Stripe.
      await platform.rawRequest(
        'POST',
        `/v1/test_helpers/accounts/${account.id}/complete_onboarding`,
        {},
      );
      let objectId: string;
      try {
        objectId = await seed.trigger(platform, account.id);
      } catch (error) {
        const e = error as { code?: string; message?: string };
        if (e.code === 'operation_not_supported') {
          ctx.skip(`Switchboard does not serve the API for ${seed.type} yet: ${e.message}`);
        }
        throw error;
      }
      await eventually(
        () => handled(account.id, seed.type).length >= 1,
        10_000,
        `${seed.type} handled`,
      );
      expect(state(account.id).objects[`${seed.object}:${objectId}`]).toMatchObject({
        object: seed.object,
      });
    });
  }
});
