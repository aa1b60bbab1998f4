import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver } from '../helpers/receiver.js';
import { schemaErrors } from '../helpers/schemas.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** An account's capabilities one by one, and rejecting an account. */
describe('capabilities and rejection', () => {
  let server: TestServer;
  let receiver: Receiver;
  let stripe: Stripe;

  beforeAll(async () => {
    server = await startTestServer();
    receiver = await new Receiver().start();
    stripe = server.stripe();
    const endpoint = await stripe.webhookEndpoints.create({
      url: receiver.url('/caps'),
      connect: true,
      enabled_events: ['capability.updated', 'account.updated'],
    });
    receiver.expect('/caps', endpoint.secret!);
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  const events = (account: string, type: string) =>
    receiver
      .at('/caps')
      .map((r) => r.event as unknown as Stripe.Event)
      .filter((e) => e.account === account && e.type === type);

  /** Completes an account's onboarding (the test helper does what the hosted form does). */
  const onboard = (account: string) =>
    stripe.rawRequest('POST', `/v1/test_helpers/accounts/${account}/complete_onboarding`, {});

  it('lists, retrieves, requests and unrequests capabilities', async () => {
    const account = await stripe.accounts.create({
      type: 'express',
      capabilities: { card_payments: { requested: true } },
    });
    const list = await stripe.accounts.listCapabilities(account.id);
    expect(list.data.map((c) => [c.id, c.status, c.requested])).toEqual([
      ['card_payments', 'inactive', true],
    ]);
    for (const c of list.data) expect(schemaErrors(c)).toEqual([]);
    expect((await stripe.accounts.retrieveCapability(account.id, 'card_payments')).account).toBe(
      account.id,
    );
    await expect(stripe.accounts.retrieveCapability(account.id, 'transfers')).rejects.toMatchObject(
      { statusCode: 404, code: 'resource_missing' },
    );

    const transfers = await stripe.accounts.updateCapability(account.id, 'transfers', {
      requested: true,
    });
    expect(schemaErrors(transfers)).toEqual([]);
    expect(transfers).toMatchObject({ id: 'transfers', requested: true, status: 'inactive' });
    expect(Object.keys((await stripe.accounts.retrieve(account.id)).capabilities!)).toEqual([
      'card_payments',
      'transfers',
    ]);
    await receiver.waitFor(() =>
      events(account.id, 'capability.updated').some(
        (e) => (e.data.object as Stripe.Capability).id === 'transfers',
      ),
    );

    await onboard(account.id);
    const active = await stripe.accounts.listCapabilities(account.id);
    expect(active.data.map((c) => c.status)).toEqual(['active', 'active']);

    const dropped = await stripe.accounts.updateCapability(account.id, 'transfers', {
      requested: false,
    });
    expect(dropped).toMatchObject({ requested: false, status: 'unrequested' });
    expect(schemaErrors(dropped)).toEqual([]);
    expect(Object.keys((await stripe.accounts.retrieve(account.id)).capabilities!)).toEqual([
      'card_payments',
    ]);
  });

  it('rejects an account the platform controls, for good', async () => {
    const account = await stripe.accounts.create({
      type: 'express',
      capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
    });
    await onboard(account.id);
    expect((await stripe.accounts.retrieve(account.id)).charges_enabled).toBe(true);

    const rejected = await stripe.accounts.reject(account.id, { reason: 'fraud' });
    expect(schemaErrors(rejected)).toEqual([]);
    expect(rejected).toMatchObject({
      charges_enabled: false,
      payouts_enabled: false,
      requirements: { disabled_reason: 'rejected.fraud' },
      capabilities: { card_payments: 'inactive', transfers: 'inactive' },
    });
    expect(
      (await stripe.accounts.retrieveCapability(account.id, 'transfers')).requirements!
        .disabled_reason,
    ).toBe('rejected.fraud');
    await receiver.waitFor(() =>
      events(account.id, 'account.updated').some(
        (e) => (e.data.object as Stripe.Account).requirements?.disabled_reason === 'rejected.fraud',
      ),
    );
    const rejection = events(account.id, 'account.updated').find(
      (e) => (e.data.object as Stripe.Account).requirements?.disabled_reason === 'rejected.fraud',
    )!;
    expect(rejection.data.previous_attributes).toMatchObject({ charges_enabled: true });

    // Nothing the account provides later enables it again.
    const later = await stripe.accounts.update(account.id, {
      business_profile: { url: 'https://example.com' },
    });
    expect(later.charges_enabled).toBe(false);
    expect(later.requirements!.disabled_reason).toBe('rejected.fraud');

    const standard = await stripe.accounts.create({ type: 'standard' });
    await expect(stripe.accounts.reject(standard.id, { reason: 'fraud' })).rejects.toMatchObject({
      statusCode: 400,
    });
    await expect(
      stripe.accounts.reject(account.id, { reason: 'bored' as never }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'reason' });
  });
});
