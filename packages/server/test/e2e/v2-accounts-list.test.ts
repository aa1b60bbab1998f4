import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** `GET /v2/core/accounts` as the SDK pages through it, with its filters. */
describe('listing v2 accounts', () => {
  let server: TestServer;
  let stripe: Stripe;
  const ids: Record<'customer' | 'merchant' | 'closed', string> = {} as never;

  beforeAll(async () => {
    server = await startTestServer();
    stripe = server.stripe();
    const create = async (configuration: Stripe.V2.Core.AccountCreateParams['configuration']) =>
      (await stripe.v2.core.accounts.create({ display_name: 'Listed', configuration })).id;
    ids.customer = await create({ customer: { capabilities: {} } });
    ids.merchant = await create({ merchant: { capabilities: {} } });
    ids.closed = await create({ customer: { capabilities: {} } });
    await stripe.v2.core.accounts.close(ids.closed);
    // Newer v1 accounts, with no v2 view, many more than a page.
    for (let i = 0; i < 120; i++) await stripe.accounts.create({ type: 'custom', country: 'US' });
  });
  afterAll(async () => {
    await server.close();
  });

  async function all(params: Stripe.V2.Core.AccountListParams): Promise<string[]> {
    const out: string[] = [];
    for await (const a of stripe.v2.core.accounts.list(params)) out.push(a.id);
    return out;
  }

  it('pages through every v2 account, newest first, however many v1 accounts came after them', async () => {
    expect(await all({ limit: 2 })).toEqual([ids.closed, ids.merchant, ids.customer]);
  });

  it('filters by configuration and by closed across pages', async () => {
    expect(await all({ limit: 1, applied_configurations: ['customer'] })).toEqual([
      ids.closed,
      ids.customer,
    ]);
    expect(await all({ limit: 1, closed: true })).toEqual([ids.closed]);
    expect(await all({ limit: 1, closed: false, applied_configurations: ['customer'] })).toEqual([
      ids.customer,
    ]);
  });

  it('closes an account only when every configuration it has is named, as Stripe does', async () => {
    const { id } = await stripe.v2.core.accounts.create({
      display_name: 'Closing',
      configuration: { customer: { capabilities: {} }, merchant: { capabilities: {} } },
    });
    await expect(
      stripe.v2.core.accounts.close(id, { applied_configurations: ['merchant'] }),
    ).rejects.toThrow(/All configurations on the Account must be passed in/);
    expect((await stripe.v2.core.accounts.retrieve(id)).closed).toBe(false);
    const closed = await stripe.v2.core.accounts.close(id, {
      applied_configurations: ['merchant', 'customer'],
    });
    expect(closed.closed).toBe(true);
    expect([...closed.applied_configurations].sort()).toEqual(['customer', 'merchant']);
  });
});
