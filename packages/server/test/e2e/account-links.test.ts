import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver } from '../helpers/receiver.js';
import { schemaErrors } from '../helpers/schemas.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const RETURN = 'https://platform.example/onboarding/return';
const REFRESH = 'https://platform.example/onboarding/refresh';

/** Opens a link's page as a browser would (no redirects followed). */
async function open(
  url: string,
): Promise<{ status: number; location: string | null; html: string }> {
  const res = await fetch(url, { redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

async function submit(url: string, action: 'submit' | 'leave') {
  const res = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `action=${action}`,
  });
  return { status: res.status, location: res.headers.get('location') };
}

/** Account links lead to a stand-in for Stripe's hosted onboarding, which completes the account. */
describe('account links, login links, and the pages they lead to', () => {
  let server: TestServer;
  let receiver: Receiver;
  let stripe: Stripe;

  beforeAll(async () => {
    server = await startTestServer({ manualClock: true });
    receiver = await new Receiver().start();
    stripe = server.stripe();
    const endpoint = await stripe.webhookEndpoints.create({
      url: receiver.url('/connect'),
      connect: true,
      enabled_events: ['account.updated', 'account.external_account.created', 'capability.updated'],
    });
    receiver.expect('/connect', endpoint.secret!);
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  const link = (
    account: string,
    type: 'account_onboarding' | 'account_update' = 'account_onboarding',
  ) => stripe.accountLinks.create({ account, type, refresh_url: REFRESH, return_url: RETURN });

  it('completes an Express account with test data, emits its events, and returns to return_url', async () => {
    const account = await stripe.accounts.create({
      type: 'express',
      capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
    });
    expect(account.details_submitted).toBe(false);
    expect(account.requirements!.currently_due).toContain('business_type');

    const created = await link(account.id);
    expect(schemaErrors(created)).toEqual([]);
    expect(created.object).toBe('account_link');
    expect(created.expires_at - created.created).toBe(300);
    expect(created.url.startsWith(`${server.url}/connect/setup/acctlink_`)).toBe(true);

    const page = await open(created.url);
    expect(page.status).toBe(200);
    expect(page.html).toContain(account.id);
    expect(page.html).toContain('<code>business_type</code>');

    expect(await submit(created.url, 'submit')).toEqual({ status: 303, location: RETURN });

    const done = await stripe.accounts.retrieve(account.id);
    expect(done.details_submitted).toBe(true);
    expect(done.charges_enabled).toBe(true);
    expect(done.payouts_enabled).toBe(true);
    expect(done.requirements!.currently_due).toEqual([]);
    expect(done.capabilities).toEqual({ card_payments: 'active', transfers: 'active' });
    expect(done.business_type).toBe('individual');
    expect(done.tos_acceptance!.ip).toBe('127.0.0.1');
    const banks = await stripe.accounts.listExternalAccounts(account.id);
    expect(banks.data.map((b) => (b as Stripe.BankAccount).last4)).toEqual(['6789']);

    // The platform hears about it through its Connect endpoint, as from Stripe's onboarding.
    const types = () =>
      receiver
        .at('/connect')
        .filter((r) => r.event!.account === account.id)
        .map((r) => r.event!.type);
    const updates = () =>
      receiver
        .at('/connect')
        .map((r) => r.event as unknown as Stripe.Event)
        .filter((e) => e.account === account.id && e.type === 'account.updated');
    const activated = () =>
      receiver
        .at('/connect')
        .map((r) => r.event as unknown as Stripe.Event)
        .filter(
          (e) =>
            e.account === account.id &&
            e.type === 'capability.updated' &&
            (e.data.object as Stripe.Capability).status === 'active',
        );
    // Deliveries may arrive in any order: wait for all of them.
    await receiver.waitFor(
      () =>
        activated().length === 2 &&
        types().includes('account.external_account.created') &&
        updates().some((e) => (e.data.object as Stripe.Account).charges_enabled),
    );
    const updated = receiver
      .at('/connect')
      .map((r) => r.event as unknown as Stripe.Event)
      .filter((e) => e.account === account.id && e.type === 'account.updated');
    const enabling = updated.find((e) => (e.data.object as Stripe.Account).charges_enabled)!;
    expect(enabling.data.previous_attributes).toMatchObject({ charges_enabled: false });
    expect(receiver.at('/connect').every((r) => r.verified)).toBe(true);

    // Used: opening or submitting it again leads to refresh_url.
    expect(await open(created.url)).toMatchObject({ status: 303, location: REFRESH });
    expect(await submit(created.url, 'submit')).toEqual({ status: 303, location: REFRESH });
  });

  it("logs an Express account's owner into a read-only dashboard, once", async () => {
    const account = await stripe.accounts.create({ type: 'express', email: 'owner@example.com' });
    const { url } = await link(account.id);
    await open(url);
    await submit(url, 'submit');

    const login = await stripe.accounts.createLoginLink(account.id);
    expect(schemaErrors(login)).toEqual([]);
    expect(login.url.startsWith(`${server.url}/express/login/loginlink_`)).toBe(true);
    const page = await open(login.url);
    expect(page.status).toBe(200);
    expect(page.html).toContain('owner@example.com');
    expect(page.html).toContain('<tr><th>Payouts enabled</th><td>yes</td></tr>');
    expect(page.html).toContain('····6789');
    expect((await open(login.url)).status).toBe(410);

    const standard = await stripe.accounts.create({ type: 'standard' });
    await expect(stripe.accounts.createLoginLink(standard.id)).rejects.toMatchObject({
      statusCode: 400,
      type: 'StripeInvalidRequestError',
    });
  });

  it('login links expire 5 minutes after they are created, unopened', async () => {
    const account = await stripe.accounts.create({ type: 'express' });
    const fresh = await stripe.accounts.createLoginLink(account.id);
    const late = await stripe.accounts.createLoginLink(account.id);
    server.clock!.advance(299_000);
    expect((await open(fresh.url)).status).toBe(200);
    server.clock!.advance(2_000);
    const expired = await open(late.url);
    expect(expired.status).toBe(410);
    expect(expired.html).toContain('expired');
  });

  it('completes onboarding without a browser through a test helper', async () => {
    const account = await stripe.accounts.create({ type: 'custom', country: 'US' });
    expect(account.payouts_enabled).toBe(false);
    const done = (await stripe.rawRequest(
      'POST',
      `/v1/test_helpers/accounts/${account.id}/complete_onboarding`,
      {},
    )) as unknown as Stripe.Account;
    expect(done.id).toBe(account.id);
    expect(done.requirements!.currently_due).toEqual([]);
    expect((await stripe.accounts.retrieve(account.id)).payouts_enabled).toBe(true);
  });

  it('fills in a company with its representative', async () => {
    const account = await stripe.accounts.create({ type: 'express', business_type: 'company' });
    expect(account.requirements!.currently_due).toContain('company.tax_id');
    const { url } = await link(account.id);
    await open(url);
    await submit(url, 'submit');
    const done = await stripe.accounts.retrieve(account.id);
    expect(done.requirements!.currently_due).toEqual([]);
    expect(done.business_type).toBe('company');
    expect(done.company!.name).toBe('Switchboard Test Company');
  });

  it('can be opened once, leaves the account as it was on leave, and expires after 5 minutes', async () => {
    const account = await stripe.accounts.create({ type: 'express' });
    const once = await link(account.id);
    expect((await open(once.url)).status).toBe(200);
    expect(await open(once.url)).toMatchObject({ status: 303, location: REFRESH });

    const leave = await link(account.id, 'account_update');
    expect((await open(leave.url)).html).toContain('update');
    expect(await submit(leave.url, 'leave')).toEqual({ status: 303, location: RETURN });
    expect((await stripe.accounts.retrieve(account.id)).details_submitted).toBe(false);

    const late = await link(account.id);
    server.clock!.advance(301_000);
    expect(await open(late.url)).toMatchObject({ status: 303, location: REFRESH });

    expect((await open(`${server.url}/connect/setup/acctlink_nosuchlink`)).status).toBe(404);
  });

  it('answers a form past 10 KB with 413, leaving the link and the account as they were', async () => {
    const account = await stripe.accounts.create({ type: 'express' });
    const created = await link(account.id);
    expect((await open(created.url)).status).toBe(200);
    const res = await fetch(created.url, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `action=submit&padding=${'x'.repeat(20_000)}`,
    });
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('Form too large');
    expect((await stripe.accounts.retrieve(account.id)).details_submitted).toBe(false);
    expect(await submit(created.url, 'submit')).toEqual({ status: 303, location: RETURN });
    expect((await stripe.accounts.retrieve(account.id)).details_submitted).toBe(true);
  });

  it('creates account sessions for embedded components', async () => {
    const account = await stripe.accounts.create({ type: 'express' });
    const session = await stripe.accountSessions.create({
      account: account.id,
      components: {
        account_onboarding: { enabled: true, features: { external_account_collection: true } },
        payouts: { enabled: true },
      },
    });
    expect(schemaErrors(session)).toEqual([]);
    expect(session).toMatchObject({
      object: 'account_session',
      account: account.id,
      livemode: false,
      components: {
        account_onboarding: { enabled: true, features: { external_account_collection: true } },
        payouts: { enabled: true, features: {} },
      },
    });
    expect(session.client_secret).toMatch(/^accs_secret__/);
    expect(session.expires_at - Math.floor(server.clock!.now() / 1000)).toBe(1800);
    await expect(
      stripe.accountSessions.create({
        account: account.id,
        components: { payments: { features: { refund_management: true } } as never },
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'components[payments][enabled]' });
    await expect(
      stripe.accountSessions.create({
        account: 'acct_nosuchaccount',
        components: { account_onboarding: { enabled: true } },
      }),
    ).rejects.toMatchObject({ statusCode: 404 });
  });

  it('refuses what Stripe refuses', async () => {
    const account = await stripe.accounts.create({ type: 'express' });
    await expect(
      stripe.accountLinks.create({
        account: account.id,
        type: 'account_onboarding',
        return_url: 'not a url',
      }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'url_invalid', param: 'return_url' });
    await expect(
      stripe.accountLinks.create({ account: 'acct_nosuchaccount', type: 'account_onboarding' }),
    ).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
    await expect(
      stripe.accountLinks.create({
        account: account.id,
        type: 'onboarding' as never,
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'type' });
  });
});
