import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payableAccount } from '../helpers/payments.js';
import { schemaErrors } from '../helpers/schemas.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Search (`/v1/<resource>/search`) with the official `stripe` package: Stripe's query language
 * over the caller's own objects, `search_result` pages followed with `next_page`, and Stripe's
 * error, naming `query`, for a query it would refuse.
 */
describe('search', () => {
  let server: TestServer;
  let stripe: Stripe;

  beforeAll(async () => {
    server = await startTestServer();
    stripe = server.stripe();
  });
  afterAll(() => server.close());

  it("search: Stripe's query language over charges, customers, payment intents, prices and products, paged with next_page", async () => {
    const tag = `run${Date.now()}`;
    const jenny = await stripe.customers.create({
      email: 'jenny.rosen@example.com',
      name: 'Jenny Rosen',
      metadata: { tag, plan: 'pro' },
    });
    const max = await stripe.customers.create({
      email: 'max@example.org',
      name: 'Max Mustermann',
      phone: '+4930123456',
      metadata: { tag },
    });
    const ids = (r: { data: Array<{ id: string }> }) => r.data.map((o) => o.id);

    // Customers: exact (case-insensitive) email, substring, metadata, negation, null, OR.
    const byEmail = await stripe.customers.search({ query: "email:'JENNY.ROSEN@example.com'" });
    expect(byEmail).toMatchObject({
      object: 'search_result',
      has_more: false,
      next_page: null,
      url: '/v1/customers/search',
    });
    expect(ids(byEmail)).toEqual([jenny.id]);
    expect(schemaErrors(byEmail.data[0])).toEqual([]);
    expect(ids(await stripe.customers.search({ query: "name~'muster'" }))).toEqual([max.id]);
    expect(ids(await stripe.customers.search({ query: `metadata['tag']:'${tag}'` }))).toEqual([
      max.id,
      jenny.id,
    ]);
    expect(
      ids(
        await stripe.customers.search({
          query: `metadata['tag']:'${tag}' AND -metadata['plan']:'pro'`,
        }),
      ),
    ).toEqual([max.id]);
    expect(
      ids(await stripe.customers.search({ query: `metadata['tag']:'${tag}' AND phone:null` })),
    ).toEqual([jenny.id]);
    expect(
      ids(
        await stripe.customers.search({
          query: "email:'max@example.org' OR email:'jenny.rosen@example.com'",
        }),
      ),
    ).toEqual([max.id, jenny.id]);
    expect(
      ids(await stripe.customers.search({ query: `created>=${jenny.created} AND name~'rosen'` })),
    ).toEqual([jenny.id]);

    // Payment intents and charges: amounts compared, status, customer, card details.
    const paid = await stripe.paymentIntents.create({
      amount: 4200,
      currency: 'usd',
      customer: jenny.id,
      payment_method: 'pm_card_mastercard',
      confirm: true,
      metadata: { tag },
    });
    const open = await stripe.paymentIntents.create({
      amount: 900,
      currency: 'eur',
      customer: jenny.id,
      metadata: { tag },
    });
    expect(
      ids(
        await stripe.paymentIntents.search({
          query: `customer:'${jenny.id}' AND amount>1000`,
        }),
      ),
    ).toEqual([paid.id]);
    expect(
      ids(
        await stripe.paymentIntents.search({
          query: `metadata['tag']:'${tag}' AND status:'requires_payment_method'`,
        }),
      ),
    ).toEqual([open.id]);
    expect(
      ids(await stripe.paymentIntents.search({ query: `customer:'${jenny.id}' currency:'eur'` })),
    ).toEqual([open.id]);
    const charges = await stripe.charges.search({
      query: `customer:'${jenny.id}' AND payment_method_details.card.last4:'4444' AND status:'succeeded' AND refunded:'false'`,
    });
    expect(ids(charges)).toEqual([paid.latest_charge as string]);
    expect(schemaErrors(charges.data[0])).toEqual([]);
    expect(
      ids(await stripe.charges.search({ query: `payment_intent:'${paid.id}' AND amount<=4199` })),
    ).toEqual([]);

    // Products and prices: booleans, names, lookup keys, product ids.
    const shirt = await stripe.products.create({
      name: `Shirt ${tag}`,
      shippable: true,
      url: 'https://example.com/shirt',
    });
    const ebook = await stripe.products.create({ name: `Ebook ${tag}`, active: false });
    expect(ids(await stripe.products.search({ query: `name~'${tag}' AND active:'true'` }))).toEqual(
      [shirt.id],
    );
    expect(ids(await stripe.products.search({ query: `name~'${tag}' AND url:null` }))).toEqual([
      ebook.id,
    ]);
    const price = await stripe.prices.create({
      product: shirt.id,
      currency: 'usd',
      unit_amount: 2500,
      lookup_key: `shirt_${tag}`,
    });
    await stripe.prices.create({ product: shirt.id, currency: 'usd', unit_amount: 100 });
    expect(
      ids(
        await stripe.prices.search({
          query: `product:'${shirt.id}' AND lookup_key:'shirt_${tag}'`,
        }),
      ),
    ).toEqual([price.id]);
    expect(
      ids(await stripe.prices.search({ query: `product:'${shirt.id}' AND type:'one_time'` }))
        .length,
    ).toBe(2);

    // Pages: limit, next_page, and the package's auto-pagination following it.
    for (let i = 0; i < 4; i++)
      await stripe.customers.create({ name: `Paged ${i}`, metadata: { paged: tag } });
    const query = `metadata['paged']:'${tag}'`;
    const first = await stripe.customers.search({ query, limit: 3 });
    expect(first.data.map((c) => c.name)).toEqual(['Paged 3', 'Paged 2', 'Paged 1']);
    expect(first.has_more).toBe(true);
    expect(first.next_page).toEqual(expect.any(String));
    const second = await stripe.customers.search({ query, limit: 3, page: first.next_page! });
    expect(second).toMatchObject({ has_more: false, next_page: null });
    expect(second.data.map((c) => c.name)).toEqual(['Paged 0']);
    const all: string[] = [];
    for await (const c of stripe.customers.search({ query, limit: 2 })) all.push(c.name!);
    expect(all).toEqual(['Paged 3', 'Paged 2', 'Paged 1', 'Paged 0']);
  });

  it("answers Stripe's error, naming query, for a query Stripe would refuse", async () => {
    const refused = async (query: string, message: string) =>
      expect(stripe.customers.search({ query })).rejects.toMatchObject({
        statusCode: 400,
        type: 'StripeInvalidRequestError',
        param: 'query',
        message: expect.stringContaining(message),
      });
    await refused("nickname:'jenny'", 'Field `nickname` is an unsupported search field');
    await refused("email:'a@b.c' AND name:'x' OR name:'y'", 'cannot combine AND and OR');
    await refused("email~'ab'", 'at least 3 characters');
    await refused("created~'170'", 'only supported on string fields');
    await refused('email:jenny', 'unable to parse');
    await expect(stripe.customers.search({} as never)).rejects.toMatchObject({
      statusCode: 400,
      param: 'query',
    });
    await expect(
      stripe.customers.search({ query: "email:'x@y.z'", page: 'not-a-page' }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'page' });
  });

  it("searches only the caller's scope: a connected account's objects are its own", async () => {
    const account = await payableAccount(server);
    const tag = `scope${Date.now()}`;
    const theirs = await stripe.customers.create(
      { metadata: { tag } },
      { stripeAccount: account.id },
    );
    const ours = await stripe.customers.create({ metadata: { tag } });
    const query = `metadata['tag']:'${tag}'`;
    expect((await stripe.customers.search({ query })).data.map((c) => c.id)).toEqual([ours.id]);
    expect(
      (await stripe.customers.search({ query }, { stripeAccount: account.id })).data.map(
        (c) => c.id,
      ),
    ).toEqual([theirs.id]);
  });
});
