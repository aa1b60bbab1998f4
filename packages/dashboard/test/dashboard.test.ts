import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver } from '../../server/test/helpers/receiver.js';
import { startTestServer, TEST_KEY, type TestServer } from '../../server/test/helpers/server.js';
import { launchChromium, screenshot } from './browser.js';
import { thinDestination } from '../../server/test/helpers/destinations.js';

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
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.getByText(`Resent customer.created ${eventId}`).waitFor();
    await receiver.waitFor(() => receiver.at('/connect').length === 3);
    const third = receiver.at('/connect')[2]!;
    expect(third.verified).toBe(true);
    expect(String(third.headers['stripe-signature']).match(/v1=/g)).toHaveLength(2);
    await page.locator('tr[data-attempt]').nth(2).waitFor();
    await page.getByRole('img', { name: /3 attempts, 0 failed/ }).waitFor();
    await page.getByRole('button', { name: 'Hide' }).click();
    await shoot('endpoint-detail');
  });

  it('lists connected accounts and shows one', async () => {
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Connected accounts' })
      .click();
    await heading('Connected accounts').waitFor();
    await page.getByRole('link', { name: 'shop@example.com' }).click();
    await heading('shop@example.com').waitFor();
    await page.getByRole('row').filter({ hasText: 'customer.created' }).waitFor();
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
});
