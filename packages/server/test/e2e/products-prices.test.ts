import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver } from '../helpers/receiver.js';
import { schemaErrors } from '../helpers/schemas.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** The product catalogue, on the platform and inside a connected account. */
describe('products and prices', () => {
  let server: TestServer;
  let receiver: Receiver;
  let stripe: Stripe;
  let account: Stripe.Account;

  beforeAll(async () => {
    server = await startTestServer();
    receiver = await new Receiver().start();
    stripe = server.stripe();
    const events = ['product.*', 'price.*'].flatMap((p) =>
      ['created', 'updated', 'deleted'].map((a) => p.replace('*', a)),
    ) as Stripe.WebhookEndpointCreateParams.EnabledEvent[];
    const own = await stripe.webhookEndpoints.create({
      url: receiver.url('/platform'),
      enabled_events: events,
    });
    const connect = await stripe.webhookEndpoints.create({
      url: receiver.url('/connect'),
      connect: true,
      enabled_events: events,
    });
    receiver.expect('/platform', own.secret!);
    receiver.expect('/connect', connect.secret!);
    account = await stripe.accounts.create({ type: 'express' });
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  /** What reached `path` (deliveries' order is not guaranteed: sorted). */
  const eventsAt = (path: string) =>
    receiver
      .at(path)
      .map((r) => ({
        type: r.event!.type,
        account: r.event!.account,
        id: (r.event!.data as { object: { id: string } }).object.id,
      }))
      .sort((a, b) => `${a.type}${a.id}`.localeCompare(`${b.type}${b.id}`));
  const sorted = <T extends { type: string; id: string }>(list: T[]) =>
    list.sort((a, b) => `${a.type}${a.id}`.localeCompare(`${b.type}${b.id}`));

  it('creates, updates, lists, archives and deletes products, with their events', async () => {
    const product = await stripe.products.create({
      name: 'T-shirt',
      description: 'Gray cotton',
      metadata: { sku: 'ts-1' },
      shippable: true,
      package_dimensions: { height: 1, length: 2, weight: 3, width: 4 },
      marketing_features: [{ name: 'Soft' }],
      url: 'https://example.com/t',
    });
    expect(schemaErrors(product)).toEqual([]);
    expect(product).toMatchObject({
      object: 'product',
      name: 'T-shirt',
      active: true,
      description: 'Gray cotton',
      metadata: { sku: 'ts-1' },
      shippable: true,
      package_dimensions: { height: 1, length: 2, weight: 3, width: 4 },
      marketing_features: [{ name: 'Soft' }],
      url: 'https://example.com/t',
      default_price: null,
      livemode: false,
    });
    expect(await stripe.products.retrieve(product.id)).toEqual(product);

    const renamed = await stripe.products.update(product.id, {
      name: 'Tee',
      description: '',
      metadata: { sku: null, color: 'gray' },
    });
    expect(renamed).toMatchObject({ name: 'Tee', description: null, metadata: { color: 'gray' } });
    const archived = await stripe.products.update(product.id, { active: false });
    expect(archived.active).toBe(false);
    const other = await stripe.products.create({ name: 'Mug', shippable: false });

    expect((await stripe.products.list({ active: false })).data.map((p) => p.id)).toEqual([
      product.id,
    ]);
    expect((await stripe.products.list({ active: true })).data.map((p) => p.id)).toEqual([
      other.id,
    ]);
    expect((await stripe.products.list({ shippable: false })).data.map((p) => p.id)).toEqual([
      other.id,
    ]);
    expect((await stripe.products.list({ ids: [product.id] })).data.map((p) => p.id)).toEqual([
      product.id,
    ]);
    expect((await stripe.products.list()).data.map((p) => p.id)).toEqual([other.id, product.id]);

    const deleted = await stripe.products.del(other.id);
    expect(schemaErrors(deleted)).toEqual([]);
    expect(deleted).toEqual({ id: other.id, object: 'product', deleted: true });
    await expect(stripe.products.retrieve(other.id)).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
    });

    await receiver.waitFor(() => eventsAt('/platform').length >= 5);
    expect(eventsAt('/platform')).toEqual(
      sorted([
        { type: 'product.created', account: undefined, id: product.id },
        { type: 'product.updated', account: undefined, id: product.id },
        { type: 'product.updated', account: undefined, id: product.id },
        { type: 'product.created', account: undefined, id: other.id },
        { type: 'product.deleted', account: undefined, id: other.id },
      ]),
    );
    const updated = receiver
      .at('/platform')
      .find((r) => r.event!.type === 'product.updated' && r.body.includes('T-shirt'))!.event!;
    expect((updated.data as { previous_attributes: object }).previous_attributes).toMatchObject({
      name: 'T-shirt',
      description: 'Gray cotton',
      metadata: { sku: 'ts-1', color: null },
    });
    for (const r of receiver.at('/platform')) expect(schemaErrors(r.event)).toEqual([]);
  });

  it('prices a product, filters prices and refuses to delete a product that has prices', async () => {
    const product = await stripe.products.create(
      { name: 'Course', default_price_data: { currency: 'usd', unit_amount: 1500 } },
      { stripeAccount: account.id },
    );
    const defaultPrice = await stripe.prices.retrieve(
      product.default_price as string,
      {},
      { stripeAccount: account.id },
    );
    expect(defaultPrice).toMatchObject({
      product: product.id,
      unit_amount: 1500,
      currency: 'usd',
      type: 'one_time',
      active: true,
    });
    // stripe-node reads the decimal string into its Decimal class.
    expect(String(defaultPrice.unit_amount_decimal)).toBe('1500');
    const monthly = await stripe.prices.create(
      {
        product: product.id,
        currency: 'EUR',
        unit_amount: 900,
        recurring: { interval: 'month' },
        lookup_key: 'course_monthly',
        nickname: 'Monthly',
        metadata: { plan: 'm' },
      },
      { stripeAccount: account.id },
    );
    expect(monthly).toMatchObject({
      currency: 'eur',
      type: 'recurring',
      recurring: { interval: 'month', interval_count: 1, usage_type: 'licensed' },
      lookup_key: 'course_monthly',
      nickname: 'Monthly',
      metadata: { plan: 'm' },
      billing_scheme: 'per_unit',
      tax_behavior: 'unspecified',
    });
    const fromData = await stripe.prices.create(
      { currency: 'usd', unit_amount_decimal: '250.5' as never, product_data: { name: 'Sticker' } },
      { stripeAccount: account.id },
    );
    expect(fromData.unit_amount).toBeNull();
    expect(String(fromData.unit_amount_decimal)).toBe('250.5');
    const sticker = await stripe.products.retrieve(
      fromData.product as string,
      {},
      { stripeAccount: account.id },
    );
    expect(sticker.name).toBe('Sticker');

    const ids = async (params: Stripe.PriceListParams) =>
      (await stripe.prices.list(params, { stripeAccount: account.id })).data.map((p) => p.id);
    expect(await ids({ product: product.id })).toEqual([monthly.id, defaultPrice.id]);
    expect(await ids({ currency: 'eur' })).toEqual([monthly.id]);
    expect(await ids({ type: 'one_time', product: product.id })).toEqual([defaultPrice.id]);
    expect(await ids({ lookup_keys: ['course_monthly', 'nope'] })).toEqual([monthly.id]);
    expect(await ids({ recurring: { interval: 'month' } })).toEqual([monthly.id]);
    // The platform's own catalogue does not see the account's.
    expect((await stripe.prices.list()).data).toEqual([]);
    await expect(stripe.prices.retrieve(monthly.id)).rejects.toMatchObject({
      code: 'resource_missing',
    });

    // A lookup key belongs to one price; transfer_lookup_key moves it.
    await expect(
      stripe.prices.create(
        { product: product.id, currency: 'usd', unit_amount: 1, lookup_key: 'course_monthly' },
        { stripeAccount: account.id },
      ),
    ).rejects.toMatchObject({ code: 'lookup_key_already_used', param: 'lookup_key' });
    const yearly = await stripe.prices.create(
      {
        product: product.id,
        currency: 'eur',
        unit_amount: 9000,
        recurring: { interval: 'year' },
        lookup_key: 'course_monthly',
        transfer_lookup_key: true,
      },
      { stripeAccount: account.id },
    );
    expect(await ids({ lookup_keys: ['course_monthly'] })).toEqual([yearly.id]);

    const archived = await stripe.prices.update(
      monthly.id,
      { active: false },
      { stripeAccount: account.id },
    );
    // Stripe's spec takes no empty nickname on update: it cannot be unset.
    expect(archived).toMatchObject({ active: false, nickname: 'Monthly', lookup_key: null });
    await expect(
      stripe.prices.update(monthly.id, { nickname: '' }, { stripeAccount: account.id }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'nickname' });
    expect(await ids({ active: false })).toEqual([monthly.id]);
    await expect(
      stripe.prices.update(monthly.id, { unit_amount: 5 } as never, { stripeAccount: account.id }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'unit_amount' });

    await expect(
      stripe.products.del(product.id, {}, { stripeAccount: account.id }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'product_has_prices' });
    await expect(
      stripe.products.update(
        product.id,
        { default_price: fromData.id },
        { stripeAccount: account.id },
      ),
    ).rejects.toMatchObject({ param: 'default_price' });
    const switched = await stripe.products.update(
      product.id,
      { default_price: yearly.id },
      { stripeAccount: account.id },
    );
    expect(switched.default_price).toBe(yearly.id);

    await receiver.waitFor(() =>
      eventsAt('/connect').some((e) => e.type === 'product.updated' && e.id === product.id),
    );
    const connect = eventsAt('/connect');
    expect(connect.every((e) => e.account === account.id)).toBe(true);
    expect(connect.map((e) => e.type)).toEqual(
      [
        'product.created',
        'price.created',
        'price.created',
        'product.created',
        'price.created',
        'price.updated', // the lookup key moved away from `monthly`
        'price.created',
        'price.updated',
        'product.updated',
      ].sort(),
    );
    // The deliveries' JSON as sent (stripe-node's objects carry Decimal instances).
    for (const r of receiver.at('/connect')) expect(schemaErrors(JSON.parse(r.body))).toEqual([]);
  });
});
