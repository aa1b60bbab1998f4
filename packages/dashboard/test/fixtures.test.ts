import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  LIVE_KEY,
  startTestServer,
  TEST_KEY,
  type TestServer,
} from '../../server/test/helpers/server.js';
import { Api } from '../src/lib/api.js';
import { fixtures, type Fixture } from '../src/lib/fixtures.js';

const DAY = 86_400_000;

/**
 * The dashboard's "Trigger" buttons, run against a real server in both modes: each produces the
 * event it names, on the connected account it was run for.
 */
describe('the seed’s events as the dashboard triggers them for a connected account', () => {
  let server: TestServer;
  const keys = { test: TEST_KEY, live: LIVE_KEY };

  beforeAll(async () => {
    server = await startTestServer({ manualClock: true });
  });
  afterAll(async () => {
    await server.close();
  });

  /** Events of `type` from `account`, through the platform (it may no longer act as the account). */
  async function count(mode: 'test' | 'live', type: string, account: string): Promise<number> {
    const list = await new Api(keys[mode], server.url).get<{ data: unknown[] }>(
      '/v1/switchboard/events',
      { type, account, limit: 100 },
    );
    return list.data.length;
  }

  async function accountFor(stripe: Stripe, f: Fixture): Promise<Stripe.Account> {
    if (f.event.startsWith('account.application'))
      return stripe.accounts.create({ type: 'standard' });
    return stripe.accounts.create({
      type: 'custom',
      country: 'US',
      business_type: 'company',
      capabilities: { transfers: { requested: true } },
    });
  }

  for (const mode of ['test', 'live'] as const) {
    for (const f of fixtures) {
      it(`${mode} mode: ${f.event}`, async () => {
        const stripe = server.stripe(keys[mode]);
        const api = new Api(keys[mode], server.url);
        const account = await accountFor(stripe, f);
        if (f.event === 'account.application.authorized')
          await fixtures
            .find((x) => x.event === 'account.application.deauthorized')!
            .run({ api, account: account.id, mode });
        const before = await count(mode, f.event, account.id);
        const said = await f.run({ api, account: account.id, mode });
        expect(said.length).toBeGreaterThan(0);
        // Live payouts fail when they arrive, a day later on the server's clock.
        if (mode === 'live' && f.event === 'payout.failed') server.clock!.advance(DAY + 1_000);
        await eventually(
          async () => (await count(mode, f.event, account.id)) > before,
          5_000,
          `${f.event} from ${account.id}`,
        );
      });
    }
  }

  it('re-enables payouts by updating the external account when an earlier payout failed', async () => {
    const stripe = server.stripe(TEST_KEY);
    const api = new Api(TEST_KEY, server.url);
    const account = await stripe.accounts.create({ type: 'express' });
    const payoutFailed = fixtures.find((x) => x.event === 'payout.failed')!;
    await payoutFailed.run({ api, account: account.id, mode: 'test' });
    const again = await payoutFailed.run({ api, account: account.id, mode: 'test' });
    expect(again).toMatch(/Payouts were disabled by an earlier failure/);
    expect(await count('test', 'payout.failed', account.id)).toBe(2);
  });
});
