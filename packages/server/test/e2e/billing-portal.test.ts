import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboardedAccount } from '../helpers/accounts.js';
import { Receiver, type Received } from '../helpers/receiver.js';
import { schemaErrors } from '../helpers/schemas.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Customer portal sessions: made for a customer of the caller's, on the configuration named or
 * the account's default one (made on first use), with a url that shows the customer.
 */
describe('billing portal sessions', () => {
  let server: TestServer;
  let stripe: Stripe;
  let receiver: Receiver;

  beforeAll(async () => {
    server = await startTestServer();
    stripe = server.stripe();
    receiver = await new Receiver().start();
    for (const connect of [false, true]) {
      const path = connect ? '/connect' : '/portal';
      const we = await stripe.webhookEndpoints.create({
        url: receiver.url(path),
        enabled_events: ['billing_portal.session.created', 'billing_portal.configuration.created'],
        connect,
      });
      receiver.expect(path, we.secret!);
    }
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  const objectId = (r: Received) => (r.event!.data as { object: { id: string } }).object.id;
  const delivered = (path: string, type: string) =>
    receiver.at(path).filter((r) => r.verified && r.event?.type === type);

  it('opens a customer portal session on the default configuration, made on first use', async () => {
    const customer = await stripe.customers.create({ name: 'Jenny Rosen', email: 'j@example.com' });
    const session = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      return_url: 'https://example.com/account',
      locale: 'fr',
    });
    expect(schemaErrors(session, 'billing_portal.session')).toEqual([]);
    expect(session).toMatchObject({
      object: 'billing_portal.session',
      customer: customer.id,
      return_url: 'https://example.com/account',
      locale: 'fr',
      flow: null,
      on_behalf_of: null,
      livemode: false,
    });
    expect(session.id).toMatch(/^bps_/);
    expect(session.url).toBe(`${server.url}/p/session/${session.id}`);

    // The default configuration, made now, and reused by the next session.
    const config = await stripe.billingPortal.configurations.retrieve(
      session.configuration as string,
    );
    expect(config).toMatchObject({ is_default: true, active: true });
    expect(schemaErrors(config, 'billing_portal.configuration')).toEqual([]);
    const again = await stripe.billingPortal.sessions.create({ customer: customer.id });
    expect(again.configuration).toBe(config.id);
    expect(again.return_url).toBeNull();
    // A configuration made through the API is not the default one.
    const made = await stripe.billingPortal.configurations.create({
      business_profile: { headline: 'Acme' },
      features: { invoice_history: { enabled: true } },
    });
    expect(made.is_default).toBe(false);
    const named = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: made.id,
    });
    expect(named.configuration).toBe(made.id);

    // The page shows the customer and the way back; no key needed (its url is the credential).
    const page = await fetch(session.url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Jenny Rosen');
    expect(html).toContain('j@example.com');
    expect(html).toContain('href="https://example.com/account"');
    expect((await fetch(`${server.url}/p/session/bps_unknown`)).status).toBe(404);

    await receiver.waitFor(
      () => delivered('/portal', 'billing_portal.session.created').length >= 3,
      10_000,
      'billing_portal.session.created',
    );
    const events = delivered('/portal', 'billing_portal.session.created');
    expect(events.map((r) => objectId(r))).toEqual(
      expect.arrayContaining([session.id, again.id, named.id]),
    );
    for (const r of events) expect(schemaErrors(JSON.parse(r.body))).toEqual([]);
    const configs = delivered('/portal', 'billing_portal.configuration.created').filter(
      (r) => objectId(r) === config.id,
    );
    expect(configs).toHaveLength(1);
  });

  it('a portal session with a payment method update flow shows it as its flow', async () => {
    const customer = await stripe.customers.create();
    const session = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      flow_data: {
        type: 'payment_method_update',
        after_completion: {
          type: 'redirect',
          redirect: { return_url: 'https://example.com/done' },
        },
      },
    });
    expect(schemaErrors(session, 'billing_portal.session')).toEqual([]);
    expect(session.flow).toMatchObject({
      type: 'payment_method_update',
      after_completion: {
        type: 'redirect',
        redirect: { return_url: 'https://example.com/done' },
        hosted_confirmation: null,
      },
      subscription_cancel: null,
    });
    const page = await (await fetch(session.url)).text();
    expect(page).toContain('payment_method_update');
  });

  it("refuses another scope's customer or configuration, subscription flows and inactive configurations", async () => {
    const account = await onboardedAccount(stripe);
    const theirs = await stripe.customers.create({}, { stripeAccount: account.id });
    await expect(
      stripe.billingPortal.sessions.create({ customer: theirs.id }),
    ).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'customer' });
    const mine = await stripe.customers.create();
    const theirConfig = await stripe.billingPortal.configurations.create(
      { business_profile: { headline: 'Acme' }, features: { invoice_history: { enabled: true } } },
      { stripeAccount: account.id },
    );
    await expect(
      stripe.billingPortal.sessions.create({ customer: mine.id, configuration: theirConfig.id }),
    ).rejects.toMatchObject({ statusCode: 404, param: 'configuration' });
    await expect(
      stripe.billingPortal.sessions.create({
        customer: mine.id,
        flow_data: { type: 'subscription_cancel', subscription_cancel: { subscription: 'sub_1' } },
      }),
    ).rejects.toMatchObject({
      code: 'parameter_not_supported',
      param: expect.stringMatching(/^flow_data\[/),
      message: expect.stringContaining('subscriptions are not modelled'),
    });
    const inactive = await stripe.billingPortal.configurations.create({
      business_profile: { headline: 'Acme' },
      features: { invoice_history: { enabled: true } },
    });
    await stripe.billingPortal.configurations.update(inactive.id, { active: false });
    await expect(
      stripe.billingPortal.sessions.create({ customer: mine.id, configuration: inactive.id }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'configuration' });

    // On the connected account: its own default configuration, its event routed to Connect.
    const session = await stripe.billingPortal.sessions.create(
      { customer: theirs.id },
      { stripeAccount: account.id },
    );
    const config = await stripe.billingPortal.configurations.retrieve(
      session.configuration as string,
      {},
      { stripeAccount: account.id },
    );
    expect(config.is_default).toBe(true);
    await receiver.waitFor(
      () =>
        delivered('/connect', 'billing_portal.session.created').some(
          (r) => objectId(r) === session.id,
        ),
      10_000,
      'connected billing_portal.session.created',
    );
    const event = delivered('/connect', 'billing_portal.session.created').find(
      (r) => objectId(r) === session.id,
    )!;
    expect(event.event!.account).toBe(account.id);
  });
});
