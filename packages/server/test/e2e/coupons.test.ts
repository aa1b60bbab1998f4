import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboardedAccount } from '../helpers/accounts.js';
import { schemaErrors } from '../helpers/schemas.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Coupons: plain state, shaped as Stripe's schema, scoped by Stripe-Account, with events. */
describe('coupons', () => {
  let server: TestServer;
  let stripe: Stripe;

  beforeAll(async () => {
    server = await startTestServer();
    stripe = server.stripe();
  });
  afterAll(() => server.close());

  it('creates, retrieves, updates, lists and deletes coupons, with their events, refusing what Stripe refuses', async () => {
    const pct = await stripe.coupons.create({ percent_off: 25.5, duration: 'forever' });
    expect(schemaErrors(pct, 'coupon')).toEqual([]);
    expect(pct).toMatchObject({
      object: 'coupon',
      percent_off: 25.5,
      amount_off: null,
      currency: null,
      duration: 'forever',
      duration_in_months: null,
      times_redeemed: 0,
      valid: true,
    });
    expect(pct.id).toMatch(/^[A-Z0-9]{8}$/);
    const off = await stripe.coupons.create({
      id: 'SPRING',
      amount_off: 500,
      currency: 'usd',
      duration: 'repeating',
      duration_in_months: 3,
      name: 'Spring',
    });
    expect(off).toMatchObject({ id: 'SPRING', amount_off: 500, duration_in_months: 3 });
    expect(await stripe.coupons.retrieve('SPRING')).toEqual(off);

    await expect(stripe.coupons.create({ duration: 'once' })).rejects.toMatchObject({
      statusCode: 400,
    });
    await expect(stripe.coupons.create({ amount_off: 5 })).rejects.toMatchObject({
      param: 'currency',
    });
    await expect(
      stripe.coupons.create({ percent_off: 5, duration: 'repeating' }),
    ).rejects.toMatchObject({ param: 'duration_in_months' });
    await expect(
      stripe.coupons.create({ percent_off: 5, currency_options: { eur: { amount_off: 1 } } }),
    ).rejects.toMatchObject({ code: 'parameter_not_supported' });

    const renamed = await stripe.coupons.update('SPRING', {
      name: 'Spring sale',
      metadata: { a: 'b' },
    });
    expect(renamed).toMatchObject({ name: 'Spring sale', metadata: { a: 'b' } });
    expect((await stripe.coupons.list({ limit: 2 })).data.map((c) => c.id)).toEqual([
      'SPRING',
      pct.id,
    ]);
    const deleted = await stripe.coupons.del('SPRING');
    expect(deleted).toEqual({ id: 'SPRING', object: 'coupon', deleted: true });
    await expect(stripe.coupons.retrieve('SPRING')).rejects.toMatchObject({ statusCode: 404 });

    const events = await stripe.events.list({ limit: 20 });
    const spring = events.data.filter((e) => (e.data.object as { id: string }).id === 'SPRING');
    expect(spring.map((e) => e.type)).toEqual([
      'coupon.deleted',
      'coupon.updated',
      'coupon.created',
    ]);

    const account = await onboardedAccount(stripe);
    const theirs = await stripe.coupons.create({ percent_off: 10 }, { stripeAccount: account.id });
    await expect(stripe.coupons.retrieve(theirs.id)).rejects.toMatchObject({ statusCode: 404 });
  });
});
