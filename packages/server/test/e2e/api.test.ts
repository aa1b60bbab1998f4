import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_KEY, LIVE_KEY, type TestServer } from '../helpers/server.js';

/** Stripe's wire format as clients use it: auth, Stripe-Account, idempotency, lists, errors. */
describe('the API speaks Stripe', () => {
  let server: TestServer;
  let stripe: Stripe;

  beforeAll(async () => {
    server = await startTestServer({ config: { bodyLimitBytes: '65536' } });
    stripe = server.stripe();
  });
  afterAll(() => server.close());

  async function raw(
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
  ) {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${TEST_KEY}`,
        'Content-Type': 'application/x-www-form-urlencoded',
        ...headers,
      },
      body,
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      json: JSON.parse(text) as { error?: Record<string, unknown>; [k: string]: unknown },
    };
  }

  it('authenticates with Bearer and Basic auth, and refuses missing or unknown keys', async () => {
    const basic = await fetch(`${server.url}/v1/customers`, {
      headers: { Authorization: `Basic ${Buffer.from(`${TEST_KEY}:`).toString('base64')}` },
    });
    expect(basic.status).toBe(200);
    const none = await fetch(`${server.url}/v1/customers`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { message: string } }).error.message).toMatch(
      /You did not provide an API key/,
    );
    const bad = await fetch(`${server.url}/v1/customers`, {
      headers: { Authorization: 'Bearer sk_test_doesnotexist1234' },
    });
    expect(bad.status).toBe(401);
    const err = ((await bad.json()) as { error: { message: string } }).error;
    expect(err).toMatchObject({ type: 'invalid_request_error', code: 'api_key_invalid' });
    expect(err.message).not.toContain('doesnotexist');
    await expect(server.stripe('sk_test_wrongwrongwrong').customers.list()).rejects.toMatchObject({
      type: 'StripeAuthenticationError',
    });
  });

  it('puts a Request-Id on every response and echoes Stripe-Version', async () => {
    const ok = await raw('GET', '/v1/customers', undefined, { 'Stripe-Version': '2024-06-20' });
    expect(ok.headers.get('request-id')).toMatch(/^req_/);
    expect(ok.headers.get('stripe-version')).toBe('2024-06-20');
    const missing = await raw('GET', '/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('request-id')).toMatch(/^req_/);
    const badVersion = await raw('GET', '/v1/customers', undefined, {
      'Stripe-Version': 'yesterday',
    });
    expect(badVersion.status).toBe(400);
  });

  it('parses nested params and both array styles (stripe-node a[0]=, Stripe CLI a[]=)', async () => {
    const node = await raw(
      'POST',
      '/v1/customers',
      'name=N&preferred_locales[0]=fr&preferred_locales[1]=en&address[line1]=1%20Main%20St&metadata[k]=v',
    );
    expect(node.status).toBe(200);
    expect(node.json).toMatchObject({
      name: 'N',
      preferred_locales: ['fr', 'en'],
      address: { line1: '1 Main St' },
      metadata: { k: 'v' },
    });
    const cli = await raw(
      'POST',
      '/v1/customers',
      'preferred_locales[]=de&preferred_locales[]=it&shipping[name]=S&shipping[address][city]=Paris',
    );
    expect(cli.json).toMatchObject({
      preferred_locales: ['de', 'it'],
      shipping: { name: 'S', address: { city: 'Paris' } },
    });
    const encoded = await raw('POST', '/v1/customers', 'metadata%5Bk%5D=encoded');
    expect(encoded.json.metadata).toEqual({ k: 'encoded' });
    const query = await raw('GET', '/v1/customers?limit=1&expand[]=data.default_source');
    expect(query.json.data).toHaveLength(1);
  });

  it('replays an idempotent request and refuses the same key with other parameters', async () => {
    const key = `idem-${Date.now()}`;
    const a = await stripe.customers.create({ email: 'idem@example.com' }, { idempotencyKey: key });
    const b = await stripe.customers.create({ email: 'idem@example.com' }, { idempotencyKey: key });
    expect(b.id).toBe(a.id);
    expect(b.lastResponse.headers['idempotent-replayed']).toBe('true');
    const list = await stripe.customers.list({ email: 'idem@example.com' });
    expect(list.data).toHaveLength(1);
    await expect(
      stripe.customers.create({ email: 'other@example.com' }, { idempotencyKey: key }),
    ).rejects.toMatchObject({
      type: 'StripeIdempotencyError',
    });
    const events = await stripe.events.list({ type: 'customer.created', limit: 100 });
    expect(events.data.filter((e) => (e.data.object as Stripe.Customer).id === a.id)).toHaveLength(
      1,
    );
    const withEvent = events.data.find((e) => (e.data.object as Stripe.Customer).id === a.id)!;
    expect(withEvent.request).toEqual({ id: expect.stringMatching(/^req_/), idempotency_key: key });
  });

  /** The customer.created events of the customers created with `email`. */
  async function createdEventsFor(email: string) {
    const events = await stripe.events.list({ type: 'customer.created', limit: 100 });
    return events.data.filter((e) => (e.data.object as Stripe.Customer).email === email);
  }

  it('the same Idempotency-Key sent eight times at once creates one customer, and every answer that succeeds is that create', async () => {
    const key = `idem-burst-${Date.now()}`;
    const email = `${key}@example.com`;
    const body = `email=${encodeURIComponent(email)}`;
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        raw('POST', '/v1/customers', body, { 'Idempotency-Key': key }),
      ),
    );
    const created = answers.filter((a) => a.status === 200);
    expect(created.length).toBeGreaterThan(0);
    expect(new Set(created.map((a) => a.json.id)).size).toBe(1);
    expect(created.filter((a) => a.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
    // Any other answer is Stripe's "a request with this key is in progress".
    for (const a of answers.filter((x) => x.status !== 200)) {
      expect(a.status).toBe(409);
      expect(a.json.error).toMatchObject({ type: 'idempotency_error' });
    }
    expect((await stripe.customers.list({ email })).data).toHaveLength(1);
    expect(await createdEventsFor(email)).toHaveLength(1);
  });

  it('replays a create after the customer it made changed, and creates nothing', async () => {
    const key = `idem-after-change-${Date.now()}`;
    const email = `${key}@example.com`;
    const first = await stripe.customers.create({ email }, { idempotencyKey: key });
    await stripe.customers.update(first.id, { email: `changed-${email}` });
    const again = await stripe.customers.create({ email }, { idempotencyKey: key });
    expect(again.id).toBe(first.id);
    expect(again.email).toBe(email);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect((await stripe.customers.list({ email })).data).toHaveLength(0);
    expect(await createdEventsFor(email)).toHaveLength(1);
  });

  it('pages lists newest first with limit, starting_after, ending_before and has_more', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++)
      made.push(
        (
          await stripe.customers.create({
            email: `page${i}@example.com`,
            metadata: { page: 'yes' },
          })
        ).id,
      );
    const first = await stripe.customers.list({ limit: 2 });
    expect(first.object).toBe('list');
    expect(first.url).toBe('/v1/customers');
    expect(first.has_more).toBe(true);
    expect(first.data.map((c) => c.id)).toEqual([made[4], made[3]]);
    const second = await stripe.customers.list({ limit: 2, starting_after: made[3] });
    expect(second.data.map((c) => c.id)).toEqual([made[2], made[1]]);
    const back = await stripe.customers.list({ limit: 2, ending_before: made[2] });
    expect(back.data.map((c) => c.id)).toEqual([made[4], made[3]]);
    const all: string[] = [];
    for await (const c of stripe.customers.list({ limit: 3 })) all.push(c.id);
    expect(all.slice(0, 5)).toEqual([...made].reverse());
    await expect(stripe.customers.list({ limit: 101 })).rejects.toMatchObject({ param: 'limit' });
    await expect(stripe.customers.list({ starting_after: 'cus_nope' })).rejects.toMatchObject({
      code: 'resource_missing',
      param: 'starting_after',
    });
  });

  it('answers bad input with Stripe-style 4xx errors, never a 500', async () => {
    const cases: Array<
      [string, string, string | undefined, Record<string, string>, number, Record<string, unknown>]
    > = [
      ['POST', '/v1/customers', 'bogus=1', {}, 400, { code: 'parameter_unknown', param: 'bogus' }],
      [
        'POST',
        '/v1/customers',
        'address[cty]=x',
        {},
        400,
        { code: 'parameter_unknown', param: 'address[cty]' },
      ],
      [
        'POST',
        '/v1/customers',
        'balance=ten',
        {},
        400,
        { code: 'parameter_invalid_integer', param: 'balance' },
      ],
      ['POST', '/v1/customers', 'tax_exempt=maybe', {}, 400, { param: 'tax_exempt' }],
      ['POST', '/v1/customers', 'name=%E0%A4%A', {}, 400, { type: 'invalid_request_error' }],
      ['POST', '/v1/customers', 'a[b]=1&a=2', {}, 400, { type: 'invalid_request_error' }],
      [
        'POST',
        '/v1/customers',
        '{"name":"json"}',
        { 'Content-Type': 'application/json' },
        400,
        { type: 'invalid_request_error' },
      ],
      [
        'POST',
        '/v1/customers',
        'metadata[' + 'x'.repeat(41) + ']=1',
        {},
        400,
        { type: 'invalid_request_error' },
      ],
      [
        'GET',
        '/v1/customers/cus_missing',
        undefined,
        {},
        404,
        { code: 'resource_missing', param: 'id' },
      ],
      [
        'POST',
        '/v1/webhook_endpoints',
        'url=http://127.0.0.1:1/x',
        {},
        400,
        { code: 'parameter_missing', param: 'enabled_events' },
      ],
      [
        'POST',
        '/v1/webhook_endpoints',
        'url=not a url&enabled_events[]=*',
        {},
        400,
        { param: 'url' },
      ],
      [
        'POST',
        '/v1/webhook_endpoints',
        'url=http://127.0.0.1:1/x&enabled_events[]=nope.happened',
        {},
        400,
        { param: 'enabled_events[0]' },
      ],
      [
        'POST',
        '/v1/customers',
        `name=${'x'.repeat(70_000)}`,
        {},
        413,
        { type: 'invalid_request_error' },
      ],
      [
        'GET',
        '/v1/customers',
        undefined,
        { 'Stripe-Account': 'acct_doesnotexist' },
        403,
        { code: 'account_invalid' },
      ],
      [
        'GET',
        '/v1/customers',
        undefined,
        { 'Stripe-Account': 'not an account' },
        400,
        { code: 'account_invalid' },
      ],
      ['DELETE', '/v1/customers', undefined, {}, 404, { type: 'invalid_request_error' }],
      ['GET', '/v1/customers?limit=abc', undefined, {}, 400, { param: 'limit' }],
      [
        'GET',
        `/v1/customers?${'a[b]'.repeat(1)}${'[c]'.repeat(20)}=1`,
        undefined,
        {},
        400,
        { type: 'invalid_request_error' },
      ],
    ];
    for (const [method, path, body, headers, status, error] of cases) {
      const res = await raw(method, path, body, headers);
      expect(res.status, `${method} ${path.slice(0, 60)} ${body?.slice(0, 60)}`).toBe(status);
      expect(res.json.error).toMatchObject(error);
      expect(typeof res.json.error?.message).toBe('string');
    }
    const count = (await stripe.customers.list({ limit: 100 })).data.length;
    await raw('POST', '/v1/customers', 'name=ok&bogus=1');
    expect((await stripe.customers.list({ limit: 100 })).data.length).toBe(count);
  });

  it("refuses to act as another platform's connected account, or as a test account with a live key", async () => {
    const other = await server.sb.services.dialect.db
      .selectFrom('platforms')
      .select('id')
      .executeTakeFirstOrThrow();
    const acct = await stripe.accounts.create({ type: 'custom' });
    const ok = await stripe.customers.list({}, { stripeAccount: acct.id });
    expect(ok.data).toEqual([]);
    const live = server.stripe(LIVE_KEY);
    await expect(live.customers.list({}, { stripeAccount: acct.id })).rejects.toMatchObject({
      code: 'account_invalid',
      statusCode: 403,
    });
    expect(other.id).toMatch(/^acct_/);
  });

  it('keeps a connected account’s objects and events apart from the platform’s', async () => {
    const acct = await stripe.accounts.create({ type: 'express' });
    const inside = await stripe.customers.create({ name: 'inside' }, { stripeAccount: acct.id });
    await expect(stripe.customers.retrieve(inside.id)).rejects.toMatchObject({
      code: 'resource_missing',
    });
    expect((await stripe.customers.retrieve(inside.id, {}, { stripeAccount: acct.id })).id).toBe(
      inside.id,
    );
    const platformEvents = await stripe.events.list({ limit: 100 });
    expect(platformEvents.data.some((e) => e.account === acct.id)).toBe(false);
    const accountEvents = await stripe.events.list({ limit: 100 }, { stripeAccount: acct.id });
    expect(accountEvents.data.length).toBeGreaterThan(0);
    expect(accountEvents.data.every((e) => e.account === acct.id)).toBe(true);
    const self = await stripe.accounts.retrieveCurrent({}, { stripeAccount: acct.id });
    expect(self.id).toBe(acct.id);
  });

  it("acting as one connected account manages another's persons and bank accounts for the platform, as accounts themselves", async () => {
    const actingAs = await stripe.accounts.create({ type: 'custom' });
    const other = await stripe.accounts.create(
      { type: 'custom', country: 'US' },
      { stripeAccount: actingAs.id },
    );
    const person = await stripe.accounts.createPerson(
      other.id,
      { first_name: 'Jane' },
      { stripeAccount: actingAs.id },
    );
    expect(person).toMatchObject({ account: other.id, first_name: 'Jane' });
    const bank = await stripe.accounts.createExternalAccount(
      other.id,
      { external_account: 'btok_us' },
      { stripeAccount: actingAs.id },
    );
    expect(bank).toMatchObject({ object: 'bank_account', account: other.id });
    const events = await stripe.events.list({ limit: 100 }, { stripeAccount: other.id });
    expect(events.data.map((e) => e.type)).toEqual(
      expect.arrayContaining(['person.created', 'account.external_account.created']),
    );
    await expect(
      stripe.accounts.createPerson('acct_unknown000000', {}, { stripeAccount: actingAs.id }),
    ).rejects.toMatchObject({ code: 'resource_missing', statusCode: 404 });
  });

  it('filters events by type with wildcards, types[] and created', async () => {
    const c = await stripe.customers.create({ name: 'filters' });
    await stripe.customers.update(c.id, { name: 'filters 2' });
    const wildcard = await stripe.events.list({ type: 'customer.*', limit: 100 });
    expect(new Set(wildcard.data.map((e) => e.type))).toEqual(
      new Set(['customer.created', 'customer.updated']),
    );
    const types = await stripe.events.list({ types: ['customer.updated'], limit: 100 });
    expect(types.data.every((e) => e.type === 'customer.updated')).toBe(true);
    const future = await stripe.events.list({
      created: { gt: Math.floor(Date.now() / 1000) + 3600 },
    });
    expect(future.data).toEqual([]);
    const updated = types.data.find((e) => (e.data.object as Stripe.Customer).id === c.id)!;
    expect(updated.data.previous_attributes).toEqual({ name: 'filters' });
  });
});
