import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver } from '../../server/test/helpers/receiver.js';
import {
  eventually,
  startTestServer,
  TEST_KEY,
  type TestServer,
} from '../../server/test/helpers/server.js';
import { launchChromium, screenshot } from './browser.js';
import { thinDestination } from '../../server/test/helpers/destinations.js';
import { registeredRedirectUris } from '../../server/test/helpers/oauth.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const built = fileURLToPath(new URL('../dist/index.html', import.meta.url));

/**
 * The dashboard in a real browser against a real server and a real receiver: sign in, create a
 * Connect endpoint, watch an event made through the API arrive and get delivered without a
 * reload, open it, resend it, roll the secret, trigger the seed's events for a connected account.
 * The steps share one page and run in order.
 */
describe('the dashboard in Chromium', () => {
  let server: TestServer;
  let receiver: Receiver;
  let stripe: Stripe;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: Browser;
  let page: Page;
  let endpointId: string;
  let secret: string;
  let account: Stripe.Account;
  let eventId: string;
  const pageErrors: string[] = [];

  const shoot = (name: string) => screenshot(page, root, name);
  const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });

  /** Every visible form control has an accessible name (a label or aria-label). */
  async function unlabelledControls(): Promise<string[]> {
    return page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea')]
        .filter((el) => (el as HTMLElement).offsetParent !== null)
        .filter((el) => {
          const c = el as HTMLInputElement;
          return c.labels?.length === 0 && !c.getAttribute('aria-label') && !c.closest('label');
        })
        .map((el) => el.outerHTML.slice(0, 120)),
    );
  }

  beforeAll(async () => {
    if (!existsSync(built))
      throw new Error('The dashboard is not built: run `npm run build` at the repository root.');
    chromium = await launchChromium();
    browser = chromium.browser;
    server = await startTestServer();
    receiver = await new Receiver().start();
    stripe = server.stripe(TEST_KEY);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await chromium?.close();
    await server?.close();
    await receiver?.close();
  });

  it('signs in with a secret key and offers to add a first endpoint', async () => {
    await page.goto(`${server.url}/dashboard/`);
    await heading('Sign in').waitFor();
    expect(await unlabelledControls()).toEqual([]);
    await page.getByLabel('Secret key').fill('sk_test_not_a_real_key');
    await page.getByLabel('Secret key').press('Enter');
    await page.getByRole('alert').filter({ hasText: 'Invalid API Key' }).waitFor();
    await page.getByLabel('Secret key').fill(TEST_KEY);
    await shoot('sign-in');
    await page.getByLabel('Secret key').press('Enter');
    await heading('Webhooks').waitFor();
    await page.getByRole('heading', { name: 'No webhook endpoints yet' }).waitFor();
    await page.getByRole('status', { name: 'Live updates: on' }).waitFor();
    // The key stays in this tab's session storage, nowhere else.
    const stored = await page.evaluate(() => sessionStorage.getItem('switchboard.session'));
    expect(stored).toContain(TEST_KEY);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
  });

  it('creates a Connect endpoint ("Events from: Connected accounts") through the UI', async () => {
    await page.getByRole('link', { name: 'Add endpoint' }).first().click();
    await heading('Add a webhook endpoint').waitFor();
    await page.getByLabel('Connected accounts').check();
    await page.getByLabel('Endpoint URL').fill(receiver.url('/connect'));
    await page.getByLabel('Search event types').fill('customer.created');
    await page.getByRole('checkbox', { name: 'customer.created', exact: true }).check();
    await page.getByLabel('Search event types').fill('payment_intent.succ');
    await page.getByRole('checkbox', { name: 'payment_intent.succeeded', exact: true }).check();
    await page.getByLabel('Search event types').fill('');
    await page.getByLabel('Description').fill('Connect receiver');
    expect(await unlabelledControls()).toEqual([]);
    await shoot('endpoint-new');
    await page.getByRole('button', { name: 'Create endpoint' }).click();

    await page.getByText('Endpoint created.').waitFor();
    endpointId = new URL(page.url()).pathname.split('/').pop()!;
    expect(endpointId).toMatch(/^we_/);
    const created = await stripe.webhookEndpoints.retrieve(endpointId);
    expect(created).toMatchObject({
      url: receiver.url('/connect'),
      description: 'Connect receiver',
      status: 'enabled',
      application: expect.stringMatching(/^ca_/),
    });
    expect(created.enabled_events.sort()).toEqual(['customer.created', 'payment_intent.succeeded']);

    await page.getByRole('button', { name: 'Reveal secret' }).click();
    secret = (await page.getByTestId('endpoint-secret').textContent())!;
    expect(secret).toMatch(/^whsec_/);
    receiver.expect('/connect', secret);
  });

  it('shows an event made through the API arriving and being delivered, without a reload', async () => {
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Events' })
      .click();
    await heading('Events').waitFor();
    await page.getByRole('heading', { name: 'No events yet' }).waitFor();
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

    account = await stripe.accounts.create({ type: 'express', email: 'shop@example.com' });
    const customer = await stripe.customers.create(
      { email: 'jenny@example.com' },
      { stripeAccount: account.id },
    );
    const row = page.getByRole('row').filter({ hasText: 'customer.created' });
    await row.getByText('Delivered').waitFor();
    expect(await row.textContent()).toContain(account.id);
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);

    await receiver.waitFor(() => receiver.at('/connect').length === 1);
    const received = receiver.at('/connect')[0]!;
    expect(received.verified).toBe(true);
    expect(received.event).toMatchObject({ type: 'customer.created', account: account.id });
    expect((received.event!.data as { object: { id: string } }).object.id).toBe(customer.id);
    eventId = received.event!.id;
    await shoot('events');

    await page.getByLabel('Delivery status').selectOption('failed');
    await page.getByRole('heading', { name: 'No events match these filters' }).waitFor();
    await page.getByLabel('Delivery status').selectOption('delivered');
    await page.getByRole('row').filter({ hasText: 'customer.created' }).waitFor();
    await page.getByLabel('Connected account').selectOption(account.id);
    await page.getByRole('row').filter({ hasText: eventId }).waitFor();
    expect(await unlabelledControls()).toEqual([]);
  });

  it('filters by type as the user types, without Enter', async () => {
    const type = page.getByLabel('Type', { exact: true });
    await page.getByLabel('Connected account').selectOption('');
    await page.getByLabel('Delivery status').selectOption('');
    await type.fill('payment_intent');
    await page.getByRole('heading', { name: 'No events match these filters' }).waitFor();
    expect(new URL(page.url()).searchParams.get('type')).toBe('payment_intent');
    await type.fill('customer.*');
    await page.getByRole('row').filter({ hasText: 'customer.created' }).waitFor();
    expect(new URL(page.url()).searchParams.get('type')).toBe('customer.*');
    // Enter applies what is typed at once.
    await type.fill('');
    await type.press('Enter');
    await page.waitForURL((u) => !u.searchParams.has('type'));
  });

  it('shows each filter’s chosen option whole: nothing is cut off', async () => {
    const cut = await page.evaluate(() => {
      const ctx = document.createElement('canvas').getContext('2d')!;
      return [...document.querySelectorAll<HTMLSelectElement>('.filters select')]
        .map((s) => {
          const style = getComputedStyle(s);
          ctx.font = style.font;
          const text = s.options[s.selectedIndex]?.text ?? '';
          // Room for the text: the box less its padding, borders and the arrow (about 20 px).
          const room =
            s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
          return ctx.measureText(text).width > room ? `${s.id}: ${text}` : null;
        })
        .filter(Boolean);
    });
    expect(cut).toEqual([]);
    expect(
      await page
        .getByLabel('Connected account')
        .evaluate((s: HTMLSelectElement) => s.options[0]!.text),
    ).toBe('All: yours and connected');
  });

  it('opens the event, shows its attempt and resends it to the endpoint', async () => {
    await page.getByRole('link', { name: 'customer.created' }).first().click();
    await heading('customer.created').waitFor();
    const attempts = page.getByRole('list', { name: `Attempts to ${receiver.url('/connect')}` });
    await attempts.getByRole('listitem').first().waitFor();
    expect(await attempts.getByRole('listitem').count()).toBe(1);
    await attempts.getByRole('listitem').first().locator('summary').click();
    await page.getByText('Stripe-Signature', { exact: false }).first().waitFor();
    expect(await page.getByLabel('Event JSON').textContent()).toContain(eventId);
    await shoot('event-detail');

    await page.getByRole('button', { name: `Resend to ${receiver.url('/connect')}` }).click();
    await page.getByText('Resend queued').waitFor();
    await attempts.getByRole('listitem').nth(1).waitFor();
    await receiver.waitFor(() => receiver.at('/connect').length === 2);
    const resent = receiver.at('/connect')[1]!;
    expect(resent.event!.id).toBe(eventId);
    expect(resent.verified).toBe(true);
  });

  it('says Retrying for a delivery that will be tried again, on the list as on the event’s page', async () => {
    receiver.respond('/failing', () => ({ status: 500 }));
    const failing = await stripe.webhookEndpoints.create({
      url: receiver.url('/failing'),
      enabled_events: ['customer.updated'],
    });
    const customer = await stripe.customers.create({ email: 'retry@example.com' });
    await stripe.customers.update(customer.id, { name: 'Retry' });
    await receiver.waitFor(() => receiver.at('/failing').length === 1);
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Events' })
      .click();
    const row = page.getByRole('row').filter({ hasText: 'customer.updated' });
    await row.getByText('Retrying', { exact: true }).waitFor();
    expect(await row.getByText('Failed', { exact: true }).count()).toBe(0);
    await page.getByLabel('Delivery status').selectOption('retrying');
    await row.waitFor();
    await row.getByRole('link', { name: 'customer.updated' }).click();
    await heading('customer.updated').waitFor();
    const delivery = page.locator(`[data-endpoint="${failing.id}"]`);
    await delivery.getByText('Retrying', { exact: true }).waitFor();
    await delivery.getByText(/next attempt/).waitFor();
    // Deleting the endpoint cancels the retries.
    await stripe.webhookEndpoints.del(failing.id);
  });

  it('rolls the secret keeping the old one signing for an hour', async () => {
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Webhooks' })
      .click();
    await heading('Webhooks').waitFor();
    const row = page.getByRole('row').filter({ hasText: receiver.url('/connect') });
    await row.getByText('0% failed').waitFor();
    expect(await row.textContent()).toContain('Connected accounts');
    await shoot('webhooks');
    await row.getByRole('link').first().click();
    await heading(receiver.url('/connect')).waitFor();
    await page.getByRole('img', { name: /Deliveries per minute.*2 attempts, 0 failed/ }).waitFor();

    await page.getByRole('button', { name: 'Roll secret…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll the signing secret' });
    await dialog.getByLabel('In 1 hour').check();
    await dialog.getByRole('button', { name: 'Roll secret' }).click();
    await page.getByText('Secret rolled').waitFor();
    const rolled = (await page.getByTestId('endpoint-secret').textContent())!;
    expect(rolled).toMatch(/^whsec_/);
    expect(rolled).not.toBe(secret);

    // Receivers on either secret verify the next delivery: it carries one signature per secret.
    receiver.expect('/connect', rolled);
    // A test event of a chosen type, with Stripe's example object, to this endpoint only.
    await page.getByRole('button', { name: 'Send test event…' }).click();
    const testing = page.getByRole('dialog', { name: 'Send a test event' });
    const types = await testing
      .getByLabel('Event type')
      .evaluate((s: HTMLSelectElement) => [...s.options].map((o) => o.value));
    expect(types).toEqual(['customer.created', 'payment_intent.succeeded']);
    await testing.getByLabel('Event type').selectOption('payment_intent.succeeded');
    expect(await testing.getByLabel('From connected account').inputValue()).toBe(account.id);
    expect(await unlabelledControls()).toEqual([]);
    await shoot('test-event');
    await testing.getByRole('button', { name: 'Send test event' }).click();
    await page.getByText(/^Sent a test payment_intent\.succeeded event \(evt_/).waitFor();
    await receiver.waitFor(() => receiver.at('/connect').length === 3);
    const third = receiver.at('/connect')[2]!;
    expect(third.verified).toBe(true);
    expect(third.event).toMatchObject({ type: 'payment_intent.succeeded', account: account.id });
    expect((third.event!.data as { object: { object: string } }).object.object).toBe(
      'payment_intent',
    );
    expect(String(third.headers['stripe-signature']).match(/v1=/g)).toHaveLength(2);
    await page.locator('tr[data-attempt]').nth(2).waitFor();
    await page.getByRole('img', { name: /3 attempts, 0 failed/ }).waitFor();
    await page.getByRole('button', { name: 'Hide' }).click();
    await shoot('endpoint-detail');
  });

  it('turns chaos delivery on for the endpoint, shows what it did in the attempts, and off', async () => {
    const chaos = page.getByRole('region', { name: 'Chaos delivery' });
    await chaos.getByText('Off', { exact: true }).waitFor();
    await chaos.getByLabel('Duplicate (%)').fill('100');
    await chaos.getByRole('button', { name: 'Save chaos settings' }).click();
    await chaos.getByText('Chaos delivery: duplicate 100%.').waitFor();
    await chaos.getByText('On: duplicate 100%').waitFor();
    const settings = (await (
      await fetch(`${server.url}/v1/switchboard/webhook_endpoints/${endpointId}/chaos`, {
        headers: { Authorization: `Bearer ${TEST_KEY}` },
      })
    ).json()) as { enabled: boolean; duplicate_percent: number };
    expect(settings).toMatchObject({ enabled: true, duplicate_percent: 100 });

    const before = receiver.at('/connect').length;
    await stripe.customers.create({ email: 'twice@example.com' }, { stripeAccount: account.id });
    await receiver.waitFor(() => receiver.at('/connect').length === before + 2);
    const [first, second] = receiver.at('/connect').slice(before);
    expect(second!.event!.id).toBe(first!.event!.id);
    const row = page.locator('tr[data-attempt]').filter({ hasText: first!.event!.id });
    await row.getByText('Chaos', { exact: true }).waitFor();
    await row.getByText('Request and response').click();
    await row.getByText('chaos: sent twice; the duplicate answered 200').waitFor();
    await shoot('endpoint-chaos');

    await chaos.getByRole('button', { name: 'Turn off' }).click();
    await chaos.getByText('Chaos delivery is off.').waitFor();
    await chaos.getByText('Off', { exact: true }).waitFor();
    expect(await unlabelledControls()).toEqual([]);
  });

  it('lists connected accounts and shows one', async () => {
    // An account with neither a name nor an email.
    const bare = await stripe.accounts.create({
      type: 'custom',
      country: 'US',
      business_type: 'company',
      capabilities: { transfers: { requested: true } },
    });
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Connected accounts' })
      .click();
    await heading('Connected accounts').waitFor();
    // Each id once: under the name when the account has one, as the link when it has none.
    const named = page.getByRole('row').filter({ hasText: 'shop@example.com' });
    expect((await named.textContent())!.split(account.id)).toHaveLength(2);
    const bareRow = page.getByRole('row').filter({ hasText: bare.id });
    await bareRow.waitFor();
    expect((await bareRow.textContent())!.split(bare.id)).toHaveLength(2);
    // A Custom account is offered no trigger that needs a Standard account's own Dashboard.
    await bareRow.getByRole('link').click();
    await heading(bare.id).waitFor();
    await page.getByRole('button', { name: 'Trigger customer.created' }).waitFor();
    expect(await page.getByRole('button', { name: /Trigger account\.application\./ }).count()).toBe(
      0,
    );
    // Nor, before onboarding, a trigger that needs charges: the page says why.
    expect(
      await page.getByRole('button', { name: 'Trigger payment_intent.succeeded' }).count(),
    ).toBe(0);
    await page
      .getByText(/payout\.failed(, [a-z_.]+)* need an account that can take charges/)
      .waitFor();
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Connected accounts' })
      .click();
    await page.getByRole('link', { name: 'shop@example.com' }).click();
    await heading('shop@example.com').waitFor();
    await page.getByRole('row').filter({ hasText: 'customer.created' }).first().waitFor();
    expect(await page.getByRole('button', { name: /Trigger account\.application\./ }).count()).toBe(
      0,
    );
    expect(await unlabelledControls()).toEqual([]);
    await shoot('account-detail');
    expect(pageErrors).toEqual([]);
  });

  it('onboards the account through its hosted onboarding page, comes back, and triggers the seed’s events for it', async () => {
    const onboarding = page.getByRole('region', { name: 'Onboarding' });
    await onboarding.getByText('business_type').waitFor();
    await onboarding.getByRole('button', { name: 'Open the onboarding page' }).click();
    await page.getByRole('heading', { level: 1, name: /^Set up acct_/ }).waitFor();
    await page.getByRole('button', { name: 'Fill in test data and submit' }).click();
    // Back on the account's page (the link's return_url), signed in still.
    await heading('shop@example.com').waitFor();
    await page.getByRole('region', { name: 'Onboarding' }).getByText('Nothing is due.').waitFor();
    // Charges and payouts are now enabled.
    await page.getByText('Enabled').nth(1).waitFor();
    await shoot('account-onboarded');

    // Onboarded, it takes charges (before, Stripe refuses them, as Switchboard does).
    await page.getByRole('button', { name: 'Trigger payment_intent.succeeded' }).click();
    await page.getByText(/payment_intent\.succeeded: Confirmed payment intent pi_/).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'payment_intent.succeeded' });
    await row.getByText('Delivered').waitFor();
    await receiver.waitFor(() =>
      receiver.at('/connect').some((r) => r.event?.type === 'payment_intent.succeeded'),
    );
    expect(pageErrors).toEqual([]);
  });

  it('keeps a Standard account that deauthorized the platform reachable, and reconnects it', async () => {
    const standard = await stripe.accounts.create({ type: 'standard', email: 'own@example.com' });
    await page.goto(`${server.url}/dashboard/accounts/${standard.id}`);
    await heading('own@example.com').waitFor();
    // What only a Standard account does is offered on its page, and what it cannot is not.
    expect(await page.getByRole('button', { name: 'Trigger person.updated' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Trigger account.application.deauthorized' }).click();
    await heading(standard.id).waitFor();
    const gone = page.getByRole('region', { name: 'Disconnected from your platform' });
    await gone.getByText(/has deauthorized your platform/).waitFor();
    await gone.getByRole('link', { name: 'Its events →' }).waitFor();
    expect(pageErrors).toEqual([]);
    await shoot('account-deauthorized');
    await page.getByRole('button', { name: 'Reconnect the account' }).click();
    await heading('own@example.com').waitFor();
    await page
      .getByText(`account.application.authorized: ${standard.id} connected to the platform again.`)
      .waitFor();
    expect((await stripe.accounts.retrieve(standard.id)).id).toBe(standard.id);
  });

  it('registers Connect OAuth redirect URIs in Settings; /oauth/authorize returns only to them', async () => {
    const registered = () => registeredRedirectUris(server);
    const authorize = (redirectUri: string) =>
      fetch(
        `${server.url}/oauth/authorize?${new URLSearchParams({
          client_id: server.sb.startup.platform.application_id,
          redirect_uri: redirectUri,
        })}`,
        { redirect: 'manual' },
      );
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Settings' })
      .click();
    await heading('Settings').waitFor();
    // Four sections and the controls still fit one row of a 1280 px window.
    const oneRow = await page.evaluate(() => {
      const boxes = [...document.querySelectorAll('.topbar > *')].map((el) =>
        el.getBoundingClientRect(),
      );
      return Math.max(...boxes.map((b) => b.top)) < Math.min(...boxes.map((b) => b.bottom));
    });
    expect(oneRow).toBe(true);
    const card = page.getByRole('region', { name: 'OAuth redirect URIs' });
    await card.getByText('No redirect URIs registered').waitFor();
    await card.getByText(server.sb.startup.platform.application_id).waitFor();

    const field = card.getByLabel('Redirect URI', { exact: true });
    await field.fill('https://platform.example/oauth/callback');
    await card.getByRole('button', { name: 'Add redirect URI' }).click();
    await page.getByText('Added https://platform.example/oauth/callback.').waitFor();
    await field.fill('http://localhost:3000/callback');
    await card.getByRole('button', { name: 'Add redirect URI' }).click();
    await page.getByText('Added http://localhost:3000/callback.').waitFor();
    await card
      .getByRole('button', { name: 'Make http://localhost:3000/callback the default' })
      .click();
    await page.getByText('http://localhost:3000/callback is the default.').waitFor();
    expect(await registered()).toEqual([
      'http://localhost:3000/callback',
      'https://platform.example/oauth/callback',
    ]);
    // The server refuses what Stripe would, and the page says why.
    await field.fill('ftp://platform.example/callback');
    await card.getByRole('button', { name: 'Add redirect URI' }).click();
    await page
      .getByRole('alert')
      .getByText(/Invalid redirect URI 'ftp:/)
      .waitFor();
    expect(await field.inputValue()).toBe('ftp://platform.example/callback');
    expect(await unlabelledControls()).toEqual([]);
    await shoot('settings');

    expect((await authorize('https://platform.example/oauth/callback')).status).toBe(200);
    const refused = await authorize('https://elsewhere.example/callback');
    expect(refused.status).toBe(400);
    expect(refused.headers.get('location')).toBeNull();
    await card
      .getByRole('button', { name: 'Remove https://platform.example/oauth/callback' })
      .click();
    await page.getByText('Removed https://platform.example/oauth/callback.').waitFor();
    expect(await registered()).toEqual(['http://localhost:3000/callback']);
    expect((await authorize('https://platform.example/oauth/callback')).status).toBe(400);
    await card.getByRole('button', { name: 'Remove http://localhost:3000/callback' }).click();
    await card.getByText('No redirect URIs registered').waitFor();
    expect(await registered()).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('says where a page is not, with a link to the webhooks page', async () => {
    await page.goto(`${server.url}/dashboard/nowhere`);
    await heading('Page not found').waitFor();
    await page.getByRole('link', { name: 'webhooks page' }).click();
    await heading('Webhooks').waitFor();
  });

  it('fits the events table in a 420 px wide window, each row a card', async () => {
    await page.setViewportSize({ width: 420, height: 800 });
    try {
      await page
        .getByRole('navigation', { name: 'Sections' })
        .getByRole('link', { name: 'Events' })
        .click();
      const row = page.getByRole('row').filter({ hasText: eventId });
      await row.waitFor();
      const overflow = await page.evaluate(() => ({
        page: document.documentElement.scrollWidth - window.innerWidth,
        cells: [...document.querySelectorAll('.table td, .filters select, .filters input')]
          .filter((el) => el.getBoundingClientRect().right > window.innerWidth)
          .map((el) => el.outerHTML.slice(0, 80)),
      }));
      expect(overflow).toEqual({ page: 0, cells: [] });
      expect(await row.getByRole('cell').count()).toBe(4);
      await shoot('events-narrow');
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('lists event destinations and v2 events, and resends a thin event to its destination', async () => {
    const destination = await thinDestination(
      stripe,
      receiver.url('/thin'),
      ['v2.core.account.created'],
      { name: 'Accounts feed' },
    );
    const v2Account = await stripe.v2.core.accounts.create({
      display_name: 'Furever',
      identity: { country: 'us', entity_type: 'company' },
    });
    await receiver.waitFor(() => receiver.at('/thin').length === 1);
    const thinId = receiver.at('/thin')[0]!.event!.id;

    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Webhooks' })
      .click();
    const row = page.locator(`tr[data-destination="${destination.id}"]`);
    await row.getByText('Accounts feed').waitFor();
    expect(await row.textContent()).toContain('Your account');
    expect(await row.textContent()).toContain('Thin (v2)');
    // Its last hour, as each webhook endpoint's: the one delivery so far succeeded.
    await row.getByText('(0 of 1)').waitFor();

    await page.getByRole('link', { name: 'Events (v2)' }).click();
    await heading('Events').waitFor();
    expect(await page.getByLabel('Events', { exact: true }).inputValue()).toBe('v2');
    const eventRow = page.locator(`tr[data-event="${thinId}"]`);
    await eventRow.getByText('Delivered').waitFor();
    expect(await eventRow.textContent()).toContain('v2.core.account.created');
    expect(await unlabelledControls()).toEqual([]);

    await eventRow.getByRole('link', { name: 'v2.core.account.created' }).click();
    await heading('v2.core.account.created').waitFor();
    expect(await page.getByLabel('Event JSON').textContent()).toContain(v2Account.id);
    const attempts = page.getByRole('list', { name: `Attempts to ${receiver.url('/thin')}` });
    await attempts.getByRole('listitem').first().waitFor();
    await attempts.getByRole('listitem').first().locator('summary').click();
    // The request body shown is the notification the destination got: no data.
    const sent = await page.getByLabel('Request body').first().textContent();
    expect(sent).toContain(thinId);
    expect(sent).not.toContain('"data"');
    await shoot('event-detail-v2');

    await page.getByRole('button', { name: `Resend to ${receiver.url('/thin')}` }).click();
    await page.getByText('Resend queued').waitFor();
    await attempts.getByRole('listitem').nth(1).waitFor();
    await receiver.waitFor(() => receiver.at('/thin').length === 2);
    expect(receiver.at('/thin')[1]!.event!.id).toBe(thinId);
    expect(receiver.at('/thin')[1]!.body).toBe(receiver.at('/thin')[0]!.body);

    // The destination's page: its attempts, a ping, disable and enable.
    await page
      .getByRole('link', { name: receiver.url('/thin') })
      .first()
      .click();
    await heading('Accounts feed').waitFor();
    await page.locator('tr[data-attempt]').nth(1).waitFor();
    await page.getByRole('button', { name: 'Send ping' }).click();
    await page.getByText(/^Ping sent: evt_test_/).waitFor();
    await receiver.waitFor(() =>
      receiver.at('/thin').some((r) => r.event?.type === 'v2.core.event_destination.ping'),
    );
    await page.locator('tr[data-attempt]').nth(2).waitFor();
    await page.getByRole('img', { name: /Deliveries per minute.*3 attempts, 0 failed/ }).waitFor();
    expect(await unlabelledControls()).toEqual([]);
    await shoot('destination-detail');
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByText('Destination disabled').waitFor();
    expect((await stripe.v2.core.eventDestinations.retrieve(destination.id)).status).toBe(
      'disabled',
    );
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByText('Destination enabled.').waitFor();
    expect((await stripe.v2.core.eventDestinations.retrieve(destination.id)).status).toBe(
      'enabled',
    );
    expect(pageErrors).toEqual([]);
  });

  // Last: the listen session it opens is owed every later event.
  it('names a CLI listen session by its device on the event’s page, not by a bare id', async () => {
    const session = await fetch(`${server.url}/v1/stripecli/sessions`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${TEST_KEY}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: 'device_name=jenny-laptop&websocket_features[]=webhooks',
    });
    expect(session.status).toBe(200);
    const customer = await stripe.customers.create({ email: 'listened@example.com' });
    const event = await eventually(async () => {
      const list = await stripe.events.list({ type: 'customer.created', limit: 5 });
      return list.data.find((e) => (e.data.object as { id: string }).id === customer.id);
    });
    await page.goto(`${server.url}/dashboard/events/${event.id}`);
    await heading('customer.created').waitFor();
    await page.getByText('CLI listen session on jenny-laptop').waitFor();
    expect(pageErrors).toEqual([]);
  });
});
