import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboardedAccount } from '../helpers/accounts.js';
import { schemaErrors } from '../helpers/schemas.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Tax rates: plain state, shaped as Stripe's schema, scoped by Stripe-Account, with events. */
describe('tax rates', () => {
  let server: TestServer;
  let stripe: Stripe;

  beforeAll(async () => {
    server = await startTestServer();
    stripe = server.stripe();
  });
  afterAll(() => server.close());

  it('creates, retrieves, updates and lists tax rates, with their events, in the scope they belong to', async () => {
    const vat = await stripe.taxRates.create({
      display_name: 'VAT',
      inclusive: false,
      percentage: 19,
      country: 'DE',
      jurisdiction: 'DE',
      tax_type: 'vat',
      metadata: { region: 'eu' },
    });
    expect(schemaErrors(vat, 'tax_rate')).toEqual([]);
    expect(vat).toMatchObject({
      object: 'tax_rate',
      active: true,
      percentage: 19,
      effective_percentage: 19,
      inclusive: false,
      country: 'DE',
      tax_type: 'vat',
      description: null,
      state: null,
      metadata: { region: 'eu' },
    });
    expect(await stripe.taxRates.retrieve(vat.id)).toEqual(vat);

    const archived = await stripe.taxRates.update(vat.id, {
      active: false,
      description: 'Germany',
      metadata: { region: '' },
    });
    expect(archived).toMatchObject({ active: false, description: 'Germany', metadata: {} });
    expect(schemaErrors(archived, 'tax_rate')).toEqual([]);
    // percentage and inclusive are fixed once created, as on Stripe.
    await expect(stripe.taxRates.update(vat.id, { percentage: 5 } as never)).rejects.toMatchObject({
      statusCode: 400,
      param: 'percentage',
    });

    const events = await stripe.events.list({ limit: 10 });
    const types = events.data.filter((e) => (e.data.object as { id: string }).id === vat.id);
    expect(types.map((e) => e.type)).toEqual(['tax_rate.updated', 'tax_rate.created']);
    expect(types[0]!.data.previous_attributes).toMatchObject({ active: true, description: null });

    // Pages newest first.
    const gst = await stripe.taxRates.create({
      display_name: 'GST',
      inclusive: true,
      percentage: 10,
    });
    const first = await stripe.taxRates.list({ limit: 1 });
    expect(first).toMatchObject({ has_more: true, data: [{ id: gst.id }] });
    const next = await stripe.taxRates.list({ limit: 1, starting_after: gst.id });
    expect(next.data.map((r) => r.id)).toEqual([vat.id]);

    // A connected account's tax rates are its own.
    const account = await onboardedAccount(stripe);
    const theirs = await stripe.taxRates.create(
      { display_name: 'Sales tax', inclusive: false, percentage: 7.25 },
      { stripeAccount: account.id },
    );
    await expect(stripe.taxRates.retrieve(theirs.id)).rejects.toMatchObject({ statusCode: 404 });
    expect(
      (await stripe.taxRates.list({}, { stripeAccount: account.id })).data.map((r) => r.id),
    ).toEqual([theirs.id]);
  });
});
