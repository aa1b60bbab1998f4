import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboardedAccount } from '../helpers/accounts.js';
import { schemaErrors } from '../helpers/schemas.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Tax codes (read-only data) and Stripe Apps' Secret Store, with the official `stripe` package. */
describe('tax codes', () => {
  let server: TestServer;
  let stripe: Stripe;

  beforeAll(async () => {
    server = await startTestServer();
    stripe = server.stripe();
  });
  afterAll(() => server.close());

  it('lists and retrieves the general tax codes, the same for every account, paged', async () => {
    const all = await stripe.taxCodes.list({ limit: 100 });
    expect(all.data.map((c) => c.id)).toEqual([
      'txcd_99999999',
      'txcd_20030000',
      'txcd_10000000',
      'txcd_00000000',
    ]);
    for (const code of all.data) expect(schemaErrors(code, 'tax_code')).toEqual([]);
    const page = await stripe.taxCodes.list({ limit: 2 });
    expect(page.has_more).toBe(true);
    const next = await stripe.taxCodes.list({ limit: 2, starting_after: page.data[1]!.id });
    expect(next.data.map((c) => c.id)).toEqual(['txcd_10000000', 'txcd_00000000']);
    expect(next.has_more).toBe(false);

    const account = await onboardedAccount(stripe);
    const theirs = await stripe.taxCodes.retrieve(
      'txcd_99999999',
      {},
      { stripeAccount: account.id },
    );
    expect(theirs).toEqual({
      id: 'txcd_99999999',
      object: 'tax_code',
      name: 'General - Tangible Goods',
      description:
        'A physical good that can be moved or touched. Also known as tangible personal property.',
    });
    await expect(stripe.taxCodes.retrieve('txcd_12345678')).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      message: "No such tax code: 'txcd_12345678'",
    });
  });
});

describe('Stripe Apps secrets', () => {
  let server: TestServer;
  let stripe: Stripe;

  beforeAll(async () => {
    server = await startTestServer({ manualClock: true });
    stripe = server.stripe();
  });
  afterAll(() => server.close());

  it('stores a secret per account and scope, finds it with its payload, deletes it by name', async () => {
    const created = await stripe.apps.secrets.create({
      name: 'api-key',
      payload: 'sk_third_party_1',
      scope: { type: 'account' },
    });
    expect(schemaErrors(created, 'apps.secret')).toEqual([]);
    expect(created).toMatchObject({
      object: 'apps.secret',
      name: 'api-key',
      scope: { type: 'account' },
      expires_at: null,
      livemode: false,
    });
    expect(created.id).toMatch(/^appsecret_/);
    // The payload is shown by find only.
    expect(created).not.toHaveProperty('payload');
    const userSecret = await stripe.apps.secrets.create({
      name: 'api-key',
      payload: 'user-token',
      scope: { type: 'user', user: 'usr_1' },
    });
    expect(userSecret.scope).toEqual({ type: 'user', user: 'usr_1' });

    const found = await stripe.apps.secrets.find({ name: 'api-key', scope: { type: 'account' } });
    expect(schemaErrors(found, 'apps.secret')).toEqual([]);
    expect(found).toMatchObject({ id: created.id, payload: 'sk_third_party_1' });
    const user = await stripe.apps.secrets.find({
      name: 'api-key',
      scope: { type: 'user', user: 'usr_1' },
    });
    expect(user).toMatchObject({ id: userSecret.id, payload: 'user-token' });
    await expect(
      stripe.apps.secrets.find({ name: 'api-key', scope: { type: 'user', user: 'usr_2' } }),
    ).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });

    // A create with the same name and scope replaces the payload.
    const replaced = await stripe.apps.secrets.create({
      name: 'api-key',
      payload: 'sk_third_party_2',
      scope: { type: 'account' },
    });
    expect(replaced.id).toBe(created.id);
    expect(
      (await stripe.apps.secrets.find({ name: 'api-key', scope: { type: 'account' } })).payload,
    ).toBe('sk_third_party_2');

    const list = await stripe.apps.secrets.list({ scope: { type: 'account' } });
    expect(list.data.map((s) => s.id)).toEqual([created.id]);
    expect(list.data[0]).not.toHaveProperty('payload');

    // Another account's secrets are its own.
    const account = await onboardedAccount(stripe);
    await expect(
      stripe.apps.secrets.find(
        { name: 'api-key', scope: { type: 'account' } },
        { stripeAccount: account.id },
      ),
    ).rejects.toMatchObject({ statusCode: 404 });
    expect(
      (
        await stripe.apps.secrets.list(
          { scope: { type: 'account' } },
          { stripeAccount: account.id },
        )
      ).data,
    ).toEqual([]);

    const deleted = await stripe.apps.secrets.deleteWhere({
      name: 'api-key',
      scope: { type: 'account' },
    });
    expect(deleted).toMatchObject({ id: created.id, deleted: true });
    expect(schemaErrors(deleted, 'apps.secret')).toEqual([]);
    await expect(
      stripe.apps.secrets.find({ name: 'api-key', scope: { type: 'account' } }),
    ).rejects.toMatchObject({ statusCode: 404 });
    await expect(
      stripe.apps.secrets.deleteWhere({ name: 'api-key', scope: { type: 'account' } }),
    ).rejects.toMatchObject({ statusCode: 404 });
    // The user's secret of the same name stays.
    expect(
      (await stripe.apps.secrets.find({ name: 'api-key', scope: { type: 'user', user: 'usr_1' } }))
        .payload,
    ).toBe('user-token');

    await expect(
      stripe.apps.secrets.create({ name: 'x', payload: 'y', scope: { type: 'user' } }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'scope[user]' });
  });

  it('deletes a secret at its expires_at on the server clock', async () => {
    const now = Math.floor(server.clock!.now() / 1000);
    await expect(
      stripe.apps.secrets.create({
        name: 'late',
        payload: 'p',
        scope: { type: 'account' },
        expires_at: now - 1,
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'expires_at' });
    const secret = await stripe.apps.secrets.create({
      name: 'short-lived',
      payload: 'p',
      scope: { type: 'account' },
      expires_at: now + 3600,
    });
    expect(secret.expires_at).toBe(now + 3600);
    expect(
      (await stripe.apps.secrets.find({ name: 'short-lived', scope: { type: 'account' } })).id,
    ).toBe(secret.id);
    server.clock!.advance(3601_000);
    await expect(
      stripe.apps.secrets.find({ name: 'short-lived', scope: { type: 'account' } }),
    ).rejects.toMatchObject({ statusCode: 404 });
    const list = await stripe.apps.secrets.list({ scope: { type: 'account' } });
    expect(list.data.map((s) => s.id)).not.toContain(secret.id);
  });
});
