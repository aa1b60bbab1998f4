import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  LIVE_KEY,
  startTestServer,
  TEST_KEY,
  type TestServer,
} from '../../server/test/helpers/server.js';
import { onboard, onboardedAccount } from '../../server/test/helpers/accounts.js';
import { Api } from '../src/lib/api.js';
import { fixtures, fixturesFor, reconnect, type Fixture } from '../src/lib/fixtures.js';
import type { ConnectedAccount } from '../src/lib/types.js';

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

  /**
   * Events of `type` from `account`, through the platform (it may no longer act as the account);
   * for a fixture whose event comes from the platform, the platform's events about the account.
   */
  async function count(
    mode: 'test' | 'live',
    type: string,
    account: string,
    fromPlatform = false,
  ): Promise<number> {
    const list = await new Api(keys[mode], server.url).get<{
      data: Array<{ data: { object: { account?: unknown } } }>;
    }>('/v1/switchboard/events', {
      type,
      account: fromPlatform ? 'platform' : account,
      limit: 100,
    });
    return fromPlatform
      ? list.data.filter((e) => e.data.object.account === account).length
      : list.data.length;
  }

  type Kind = 'standard' | 'express' | 'custom' | 'onboarded custom';
  /** A new account of `kind`; onboarded, it can take charges and pay out. */
  async function create(stripe: Stripe, kind: Kind): Promise<Stripe.Account> {
    const type = kind === 'onboarded custom' ? 'custom' : kind;
    const account = await stripe.accounts.create(
      type === 'custom'
        ? {
            type,
            country: 'US',
            business_type: 'company',
            capabilities: { transfers: { requested: true }, card_payments: { requested: true } },
          }
        : { type },
    );
    return kind === 'onboarded custom' ? onboard(stripe, account.id) : account;
  }

  /** An account that the fixture is offered for. */
  async function accountFor(stripe: Stripe, f: Fixture): Promise<Stripe.Account> {
    for (const kind of ['custom', 'onboarded custom', 'standard'] as const) {
      const account = await create(stripe, kind);
      if (!f.for || f.for(account as ConnectedAccount)) return account;
    }
    throw new Error(`no account type is offered ${f.event}`);
  }

  /** Events of a bank debit, which settles 2 s after the trigger on the server's clock. */
  const settlesLater = new Set([
    'checkout.session.async_payment_succeeded',
    'checkout.session.async_payment_failed',
  ]);
  const DEBIT_MS = 3_000;

  for (const mode of ['test', 'live'] as const) {
    for (const f of fixtures.filter((x) => mode === 'test' || !x.testOnly)) {
      it(`${mode} mode: ${f.event}`, async () => {
        const stripe = server.stripe(keys[mode]);
        const api = new Api(keys[mode], server.url);
        const account = await accountFor(stripe, f);
        const before = await count(mode, f.event, account.id, f.fromPlatform);
        const said = await f.run({ api, account: account.id, mode });
        expect(said.length).toBeGreaterThan(0);
        // Live payouts fail when they arrive, a day later on the server's clock.
        if (mode === 'live' && f.event === 'payout.failed') server.clock!.advance(DAY + 1_000);
        if (settlesLater.has(f.event)) server.clock!.advance(DEBIT_MS);
        await eventually(
          async () => (await count(mode, f.event, account.id, f.fromPlatform)) > before,
          5_000,
          `${f.event} from ${account.id}`,
        );
      });
    }
  }

  it('offers the triggers made with test helpers in test mode only', () => {
    const account = { id: 'acct_1', charges_enabled: true } as ConnectedAccount;
    const testOnly = fixtures.filter((f) => f.testOnly).map((f) => f.event);
    expect(testOnly).toContain('cash_balance.funds_available');
    expect(fixturesFor(account, 'test').map((f) => f.event)).toEqual(
      expect.arrayContaining(testOnly),
    );
    expect(fixturesFor(account, 'live').filter((f) => f.testOnly)).toEqual([]);
  });

  it('offers each kind of account exactly the triggers that produce their event for it', async () => {
    const stripe = server.stripe(TEST_KEY);
    const api = new Api(TEST_KEY, server.url);
    const offeredTo: Record<string, string[]> = {};
    for (const type of ['standard', 'express', 'custom', 'onboarded custom'] as const) {
      for (const f of fixtures) {
        // A fresh account each time: deauthorizing one ends what the platform may do with it.
        const account = await create(stripe, type);
        const offered = fixturesFor(account as ConnectedAccount).includes(f);
        if (offered) (offeredTo[type] ??= []).push(f.event);
        const before = await count('test', f.event, account.id, f.fromPlatform);
        const ran = await f.run({ api, account: account.id, mode: 'test' }).then(
          () => true,
          () => false,
        );
        // Events are written with the calls that cause them: counted right after, they are all
        // there; a bank debit's come when it settles, on the clock.
        if (ran && settlesLater.has(f.event)) server.clock!.advance(DEBIT_MS);
        const counted = () => count('test', f.event, account.id, f.fromPlatform);
        const produced =
          ran &&
          (settlesLater.has(f.event)
            ? await eventually(async () => (await counted()) > before, 5_000, f.event).then(
                () => true,
                () => false,
              )
            : (await counted()) > before);
        expect(produced, `${type}: ${f.event}`).toBe(offered);
      }
    }
    expect(offeredTo.standard).toContain('account.application.deauthorized');
    expect(offeredTo.custom).not.toContain('account.application.deauthorized');
    expect(offeredTo.standard).not.toContain('person.updated');
    expect(offeredTo.custom).not.toContain('payment_intent.succeeded');
    expect(offeredTo['onboarded custom']).toContain('payment_intent.succeeded');
  }, 120_000);

  it('reconnects a Standard account that deauthorized the platform (account.application.authorized)', async () => {
    const stripe = server.stripe(TEST_KEY);
    const api = new Api(TEST_KEY, server.url);
    const account = await create(stripe, 'standard');
    const disconnect = fixtures.find((x) => x.event === 'account.application.deauthorized')!;
    await disconnect.run({ api, account: account.id, mode: 'test' });
    await expect(stripe.accounts.retrieve(account.id)).rejects.toThrow(/deauthorized/);
    // Creating a Standard account authorized the platform once already.
    const before = await count('test', 'account.application.authorized', account.id);
    expect(await reconnect.run({ api, account: account.id, mode: 'test' })).toBe(
      `${account.id} connected to the platform again.`,
    );
    expect(await count('test', 'account.application.authorized', account.id)).toBe(before + 1);
    expect((await stripe.accounts.retrieve(account.id)).id).toBe(account.id);
  });

  it('re-enables payouts by updating the external account when an earlier payout failed', async () => {
    const stripe = server.stripe(TEST_KEY);
    const api = new Api(TEST_KEY, server.url);
    const account = await onboardedAccount(stripe);
    const payoutFailed = fixtures.find((x) => x.event === 'payout.failed')!;
    await payoutFailed.run({ api, account: account.id, mode: 'test' });
    const again = await payoutFailed.run({ api, account: account.id, mode: 'test' });
    expect(again).toMatch(/Payouts were disabled by an earlier failure/);
    expect(await count('test', 'payout.failed', account.id)).toBe(2);
  });
});
