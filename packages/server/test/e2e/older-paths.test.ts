import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentEvents } from '../helpers/payments.js';
import { endPaymentScenario, startPaymentScenario } from '../helpers/payments.js';
import { toForm } from '../helpers/param-walk.js';
import { schemaErrors } from '../helpers/schemas.js';
import type { TestServer } from '../helpers/server.js';

/**
 * Stripe's older names for paths it still serves: an account's `/people` (its persons),
 * `/bank_accounts` (its external accounts) and `/v1/balance/history` (balance transactions).
 * Each is the same resource as the newer path: what one writes, the other reads. Sent with the
 * official `stripe` package's rawRequest (its methods name only the newer paths).
 */
describe("Stripe's older paths: /people, an account's /bank_accounts, /balance/history", () => {
  let server: TestServer;
  let events: PaymentEvents;
  let stripe: Stripe;

  beforeAll(async () => ({ server, events, stripe } = await startPaymentScenario()));
  afterAll(() => endPaymentScenario({ server, events }));

  const call = <T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    params: Record<string, unknown> = {},
  ): Promise<T> =>
    stripe.rawRequest(
      method,
      method === 'GET' && Object.keys(params).length ? `${path}?${toForm(params)}` : path,
      method === 'GET' ? {} : params,
    ) as never;

  it("/v1/accounts/{id}/people lists, creates, retrieves, updates and deletes the account's persons", async () => {
    const account = await stripe.accounts.create({ type: 'custom', country: 'US' });
    const people = `/v1/accounts/${account.id}/people`;
    const person = await call<Stripe.Person>('POST', people, {
      first_name: 'Jenny',
      relationship: { owner: true },
    });
    expect(schemaErrors(person)).toEqual([]);
    expect(person).toMatchObject({ object: 'person', account: account.id, first_name: 'Jenny' });
    await events.event<Stripe.Person>('person.created', account.id, (p) => p.id === person.id);
    // The newer path sees it, and the other way round.
    expect((await stripe.accounts.retrievePerson(account.id, person.id)).first_name).toBe('Jenny');
    const other = await stripe.accounts.createPerson(account.id, { first_name: 'Rosa' });
    const listed = await call<Stripe.ApiList<Stripe.Person>>('GET', people, {
      relationship: { owner: true },
    });
    expect(listed.data.map((p) => p.id)).toEqual([person.id]);
    expect((await call<Stripe.ApiList<Stripe.Person>>('GET', people)).data.length).toBe(2);
    const renamed = await call<Stripe.Person>('POST', `${people}/${person.id}`, {
      last_name: 'Rosen',
    });
    expect(renamed.last_name).toBe('Rosen');
    await events.event<Stripe.Person>(
      'person.updated',
      account.id,
      (p) => p.id === person.id && p.last_name === 'Rosen',
    );
    expect(await call('GET', `${people}/${other.id}`)).toMatchObject({ first_name: 'Rosa' });
    expect(await call('DELETE', `${people}/${other.id}`)).toEqual(
      expect.objectContaining({ id: other.id, object: 'person', deleted: true }),
    );
    await expect(stripe.accounts.retrievePerson(account.id, other.id)).rejects.toMatchObject({
      statusCode: 404,
    });
    // Another platform's account is out of reach on the older path too.
    await expect(
      call('GET', `/v1/accounts/acct_unknown000000000/people/${person.id}`),
    ).rejects.toMatchObject({ statusCode: 404 });
  });

  it("/v1/accounts/{id}/bank_accounts creates, retrieves, updates and deletes the account's external accounts", async () => {
    const account = await stripe.accounts.create({ type: 'custom', country: 'US' });
    const banks = `/v1/accounts/${account.id}/bank_accounts`;
    const first = await call<Stripe.BankAccount>('POST', banks, {
      external_account: 'btok_us',
      metadata: { label: 'main' },
    });
    expect(schemaErrors(first)).toEqual([]);
    expect(first).toMatchObject({
      object: 'bank_account',
      account: account.id,
      default_for_currency: true,
      metadata: { label: 'main' },
    });
    await events.event<Stripe.BankAccount>(
      'account.external_account.created',
      account.id,
      (b) => b.id === first.id,
    );
    const listed = await stripe.accounts.listExternalAccounts(account.id);
    expect(listed.data.map((b) => b.id)).toEqual([first.id]);
    const second = await call<Stripe.BankAccount>('POST', banks, {
      external_account: 'btok_us',
      default_for_currency: true,
    });
    expect(await call('GET', `${banks}/${first.id}`)).toMatchObject({
      default_for_currency: false,
    });
    const named = await call<Stripe.BankAccount>('POST', `${banks}/${first.id}`, {
      account_holder_name: 'Jenny Rosen',
    });
    expect(named.account_holder_name).toBe('Jenny Rosen');
    expect(await call('DELETE', `${banks}/${first.id}`)).toMatchObject({
      id: first.id,
      deleted: true,
    });
    // The default of the account's currency stays, as on the newer path.
    await expect(call('DELETE', `${banks}/${second.id}`)).rejects.toMatchObject({
      statusCode: 400,
      param: 'id',
    });
    // Stripe has no list at this path: an unknown operation, not a served one.
    await expect(call('GET', banks)).rejects.toMatchObject({ statusCode: 404 });
  });

  it('/v1/balance/history lists and retrieves the balance transactions /v1/balance_transactions does', async () => {
    const charge = await stripe.charges.create({
      amount: 2000,
      currency: 'usd',
      source: 'tok_visa',
    });
    const txn = charge.balance_transaction as string;
    const history = await call<Stripe.ApiList<Stripe.BalanceTransaction>>(
      'GET',
      '/v1/balance/history',
      { type: 'charge', limit: 5 },
    );
    expect(history.data.map((t) => t.id)).toContain(txn);
    expect(history.data.every((t) => t.type === 'charge')).toBe(true);
    expect(history.data.flatMap((t) => schemaErrors(t))).toEqual([]);
    const newer = await stripe.balanceTransactions.list({ type: 'charge', limit: 5 });
    expect(history.data).toEqual(newer.data);
    const one = await call<Stripe.BalanceTransaction>('GET', `/v1/balance/history/${txn}`);
    expect(one).toMatchObject({ id: txn, amount: 2000, source: charge.id });
    await expect(call('GET', '/v1/balance/history/txn_missing')).rejects.toMatchObject({
      statusCode: 404,
    });
  });
});
