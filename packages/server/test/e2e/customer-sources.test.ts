import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentEvents } from '../helpers/payments.js';
import { endPaymentScenario, payableAccount, startPaymentScenario } from '../helpers/payments.js';
import { toForm } from '../helpers/param-walk.js';
import { schemaErrors } from '../helpers/schemas.js';
import type { TestServer } from '../helpers/server.js';

/**
 * A customer's bank accounts and cards as the Charges API's sources, with the official `stripe`
 * package: `/sources` holds both, the older `/cards` and `/bank_accounts` each its own type; a
 * bank account is verified with Stripe's test microdeposits. Events at a verifying receiver.
 */
describe("a customer's sources: bank accounts, /cards and /bank_accounts", () => {
  let server: TestServer;
  let events: PaymentEvents;
  let stripe: Stripe;

  beforeAll(async () => ({ server, events, stripe } = await startPaymentScenario()));
  afterAll(() => endPaymentScenario({ server, events }));

  /** A request to the older paths, which the package no longer names (its rawRequest). */
  const call = <T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    params: Record<string, unknown> = {},
    account?: string,
  ): Promise<T> =>
    stripe.rawRequest(
      method,
      method === 'GET' && Object.keys(params).length ? `${path}?${toForm(params)}` : path,
      method === 'GET' ? {} : params,
      account ? { stripeAccount: account } : {},
    ) as never;

  it("a customer's bank accounts: saved from btok_us, verified with microdeposits 32 and 45, listed apart from cards", async () => {
    const account = await payableAccount(server);
    const as = { stripeAccount: account.id };
    // The first source, a bank account, becomes the default source.
    const customer = await stripe.customers.create({ source: 'btok_us' }, as);
    const bankId = customer.default_source as string;
    expect(bankId).toMatch(/^ba_/);
    const bank = (await stripe.customers.retrieveSource(
      customer.id,
      bankId,
      {},
      as,
    )) as Stripe.BankAccount;
    expect(schemaErrors(bank)).toEqual([]);
    expect(bank).toMatchObject({
      object: 'bank_account',
      customer: customer.id,
      status: 'new',
      last4: '6789',
      routing_number: '110000000',
      country: 'US',
      currency: 'usd',
    });
    await events.event<Stripe.BankAccount>(
      'customer.source.created',
      account.id,
      (b) => b.id === bankId,
    );
    const card = (await stripe.customers.createSource(
      customer.id,
      { source: 'tok_visa' },
      as,
    )) as Stripe.Card;

    // /sources lists both, filtered by object; the older paths each list their own type.
    const all = await stripe.customers.listSources(customer.id, {}, as);
    expect(all.data.map((s) => s.id)).toEqual([card.id, bankId]);
    const banks = await stripe.customers.listSources(customer.id, { object: 'bank_account' }, as);
    expect(banks.data.map((s) => s.id)).toEqual([bankId]);
    const cards = await call<Stripe.ApiList<Stripe.Card>>(
      'GET',
      `/v1/customers/${customer.id}/cards`,
      {},
      account.id,
    );
    expect(cards.data.map((s) => s.id)).toEqual([card.id]);
    const bankList = await call<Stripe.ApiList<Stripe.BankAccount>>(
      'GET',
      `/v1/customers/${customer.id}/bank_accounts`,
      {},
      account.id,
    );
    expect(bankList.data.map((s) => s.id)).toEqual([bankId]);
    // A bank account is not one of the customer's cards, nor a card one of its bank accounts.
    await expect(
      call('GET', `/v1/customers/${customer.id}/cards/${bankId}`, {}, account.id),
    ).rejects.toMatchObject({ statusCode: 400, code: 'missing', param: 'id' });
    await expect(
      call('GET', `/v1/customers/${customer.id}/bank_accounts/${card.id}`, {}, account.id),
    ).rejects.toMatchObject({ statusCode: 400, code: 'missing', param: 'id' });

    // A bank account's holder updates; a card's fields are refused on it, naming them.
    const renamed = (await stripe.customers.updateSource(
      customer.id,
      bankId,
      { account_holder_name: 'Jenny Rosen', account_holder_type: 'individual' },
      as,
    )) as Stripe.BankAccount;
    expect(renamed).toMatchObject({
      account_holder_name: 'Jenny Rosen',
      account_holder_type: 'individual',
    });
    await expect(
      stripe.customers.updateSource(customer.id, bankId, { exp_month: '12' }, as),
    ).rejects.toMatchObject({ code: 'parameter_not_supported', param: 'exp_month' });
    await expect(
      stripe.customers.updateSource(customer.id, card.id, { account_holder_name: 'J' }, as),
    ).rejects.toMatchObject({ code: 'parameter_not_supported', param: 'account_holder_name' });

    // Verification: wrong amounts answer Stripe's error and change nothing; 32 and 45 verify.
    await expect(
      stripe.customers.verifySource(customer.id, bankId, { amounts: [32, 46] }, as),
    ).rejects.toMatchObject({
      statusCode: 400,
      code: 'bank_account_verification_failed',
      param: 'amounts',
    });
    await expect(
      stripe.customers.verifySource(customer.id, bankId, { amounts: [32] }, as),
    ).rejects.toMatchObject({ statusCode: 400, param: 'amounts' });
    await expect(
      stripe.customers.verifySource(customer.id, card.id, { amounts: [32, 45] }, as),
    ).rejects.toMatchObject({ statusCode: 400, param: 'id' });
    const verified = (await stripe.customers.verifySource(
      customer.id,
      bankId,
      { amounts: [45, 32] },
      as,
    )) as Stripe.BankAccount;
    expect(verified.status).toBe('verified');
    expect(schemaErrors(verified)).toEqual([]);
    const changed = await events.event<Stripe.BankAccount>(
      'customer.source.updated',
      account.id,
      (b) => b.id === bankId && b.status === 'verified',
    );
    expect(changed.data.previous_attributes).toEqual({ status: 'new' });
    await expect(
      stripe.customers.verifySource(customer.id, bankId, { amounts: [32, 45] }, as),
    ).rejects.toMatchObject({ message: 'This bank account has already been verified.' });

    // The older path verifies too; btok_us_verified is verified at once.
    const second = await call<Stripe.BankAccount>(
      'POST',
      `/v1/customers/${customer.id}/bank_accounts`,
      { source: 'btok_us' },
      account.id,
    );
    expect(second).toMatchObject({ object: 'bank_account', status: 'new' });
    const viaOld = await call<Stripe.BankAccount>(
      'POST',
      `/v1/customers/${customer.id}/bank_accounts/${second.id}/verify`,
      { amounts: [32, 45] },
      account.id,
    );
    expect(viaOld.status).toBe('verified');
    const ready = (await stripe.customers.createSource(
      customer.id,
      { source: 'btok_us_verified' },
      as,
    )) as Stripe.BankAccount;
    expect(ready.status).toBe('verified');

    // Charging the bank account through the Charges API is refused with a clear error.
    await expect(
      stripe.charges.create({ amount: 500, currency: 'usd', customer: customer.id }, as),
    ).rejects.toMatchObject({ statusCode: 400, message: expect.stringContaining('bank account') });

    // Deleting the default bank account makes the newest source the default.
    const gone = await call(
      'DELETE',
      `/v1/customers/${customer.id}/bank_accounts/${bankId}`,
      {},
      account.id,
    );
    expect(gone).toMatchObject({ id: bankId, object: 'bank_account', deleted: true });
    await events.event<Stripe.BankAccount>(
      'customer.source.deleted',
      account.id,
      (b) => b.id === bankId,
    );
    const after = (await stripe.customers.retrieve(customer.id, {}, as)) as Stripe.Customer;
    expect(after.default_source).toBe(ready.id);
    // Another scope's customer reaches none of these.
    await expect(stripe.customers.retrieveSource(customer.id, ready.id)).rejects.toMatchObject({
      statusCode: 404,
    });
  });

  it('/v1/customers/{id}/cards creates, retrieves, updates and deletes cards as /sources does', async () => {
    const customer = await stripe.customers.create();
    const made = await call<Stripe.Card>('POST', `/v1/customers/${customer.id}/cards`, {
      source: 'tok_mastercard',
      metadata: { label: 'work' },
    });
    expect(schemaErrors(made)).toEqual([]);
    expect(made).toMatchObject({
      object: 'card',
      brand: 'MasterCard',
      customer: customer.id,
      metadata: { label: 'work' },
    });
    await events.event<Stripe.Card>('customer.source.created', null, (c) => c.id === made.id);
    expect(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).default_source).toBe(
      made.id,
    );
    const path = `/v1/customers/${customer.id}/cards/${made.id}`;
    expect((await call<Stripe.Card>('GET', path)).id).toBe(made.id);
    const renamed = await call<Stripe.Card>('POST', path, { name: 'Jenny Rosen' });
    expect(renamed).toMatchObject({ name: 'Jenny Rosen' });
    await events.event<Stripe.Card>(
      'customer.source.updated',
      null,
      (c) => c.id === made.id && c.name === 'Jenny Rosen',
    );
    expect(await call('DELETE', path)).toMatchObject({
      id: made.id,
      object: 'card',
      deleted: true,
    });
    await expect(call('GET', path)).rejects.toMatchObject({ statusCode: 400, code: 'missing' });
    expect(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).default_source).toBe(
      null,
    );
  });
});
