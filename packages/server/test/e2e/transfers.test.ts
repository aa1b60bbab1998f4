import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver } from '../helpers/receiver.js';
import { onboardedAccount } from '../helpers/accounts.js';
import { schemaErrors } from '../helpers/schemas.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const available = (b: Stripe.Balance) => b.available.find((e) => e.currency === 'usd')?.amount ?? 0;

/** Separate charges and transfers: the platform sends funds to a connected account. */
describe('transfers', () => {
  let server: TestServer;
  let receiver: Receiver;
  let stripe: Stripe;

  beforeAll(async () => {
    server = await startTestServer();
    receiver = await new Receiver().start();
    stripe = server.stripe();
    const own = await stripe.webhookEndpoints.create({
      url: receiver.url('/platform'),
      enabled_events: ['transfer.created', 'transfer.reversed'],
    });
    const connect = await stripe.webhookEndpoints.create({
      url: receiver.url('/connect'),
      connect: true,
      enabled_events: ['balance.available'],
    });
    receiver.expect('/platform', own.secret!);
    receiver.expect('/connect', connect.secret!);
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  it('moves available funds from the platform to the account, with its events and records', async () => {
    // Funds available at once on the platform.
    await stripe.paymentIntents.create({
      amount: 5000,
      currency: 'usd',
      payment_method: 'pm_card_bypassPending',
      confirm: true,
    });
    const before = available(await stripe.balance.retrieve());
    expect(before).toBeGreaterThan(1000);
    const account = await onboardedAccount(stripe);

    const transfer = await stripe.transfers.create({
      amount: 1000,
      currency: 'usd',
      destination: account.id,
      transfer_group: 'order_1',
      metadata: { order: '1' },
    });
    expect(schemaErrors(transfer)).toEqual([]);
    expect(transfer).toMatchObject({
      object: 'transfer',
      amount: 1000,
      destination: account.id,
      transfer_group: 'order_1',
      metadata: { order: '1' },
    });
    expect(available(await stripe.balance.retrieve())).toBe(before - 1000);
    expect(available(await stripe.balance.retrieve({}, { stripeAccount: account.id }))).toBe(1000);

    const txns = await stripe.balanceTransactions.list({ limit: 10 });
    expect(txns.data.find((t) => t.source === transfer.id)).toMatchObject({
      type: 'transfer',
      amount: -1000,
    });
    expect(transfer.balance_transaction).toBe(txns.data.find((t) => t.source === transfer.id)!.id);

    await receiver.waitFor(
      () =>
        receiver.at('/platform').some((r) => r.event!.type === 'transfer.created') &&
        receiver.at('/connect').some((r) => r.event!.account === account.id),
    );
    const created = receiver.at('/platform').find((r) => r.event!.type === 'transfer.created')!;
    expect(created.event!.account).toBeUndefined();
    expect((created.event!.data as { object: { id: string } }).object.id).toBe(transfer.id);

    expect((await stripe.transfers.retrieve(transfer.id)).id).toBe(transfer.id);
    expect(
      (await stripe.transfers.list({ destination: account.id })).data.map((t) => t.id),
    ).toEqual([transfer.id]);
    expect((await stripe.transfers.list({ transfer_group: 'order_2' })).data).toEqual([]);

    // Reversals take funds back from the account, in part or in whole.
    const platformBefore = available(await stripe.balance.retrieve());
    const partial = await stripe.transfers.createReversal(transfer.id, { amount: 400 });
    expect(schemaErrors(partial)).toEqual([]);
    expect(partial).toMatchObject({
      object: 'transfer_reversal',
      amount: 400,
      transfer: transfer.id,
    });
    expect(available(await stripe.balance.retrieve({}, { stripeAccount: account.id }))).toBe(600);
    expect(available(await stripe.balance.retrieve())).toBe(platformBefore + 400);
    // Both sides record it: the account refunds the payment the transfer made there, the platform
    // gets a transfer refund.
    const accountTxns = await stripe.balanceTransactions.list({}, { stripeAccount: account.id });
    expect(accountTxns.data.map((t) => [t.type, t.amount, t.reporting_category])).toEqual([
      ['payment_refund', -400, 'refund'],
      ['payment', 1000, 'charge'],
    ]);
    expect(accountTxns.data[0]!.source).toBe(partial.destination_payment_refund);
    const platformTxn = await stripe.balanceTransactions.retrieve(
      partial.balance_transaction as string,
    );
    expect(platformTxn).toMatchObject({
      type: 'transfer_refund',
      amount: 400,
      source: partial.id,
      reporting_category: 'transfer_reversal',
    });
    expect(accountTxns.data.concat(platformTxn).flatMap((t) => schemaErrors(t))).toEqual([]);
    expect(await stripe.transfers.retrieve(transfer.id)).toMatchObject({
      amount_reversed: 400,
      reversed: false,
    });
    await expect(
      stripe.transfers.createReversal(transfer.id, { amount: 601 }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'amount' });
    await stripe.transfers.createReversal(transfer.id);
    const whole = await stripe.transfers.retrieve(transfer.id);
    expect(whole).toMatchObject({ amount_reversed: 1000, reversed: true });
    expect(whole.reversals.data.map((r) => r.amount)).toEqual([600, 400]);
    expect(schemaErrors(whole)).toEqual([]);
    expect(available(await stripe.balance.retrieve({}, { stripeAccount: account.id }))).toBe(0);
    await receiver.waitFor(
      () =>
        receiver.at('/platform').filter((r) => r.event!.type === 'transfer.reversed').length === 2,
    );
  });

  it('refuses what Stripe refuses, moving nothing', async () => {
    const account = await onboardedAccount(stripe);
    const before = available(await stripe.balance.retrieve());
    // An account whose transfers capability is not active (not onboarded, or never requested).
    for (const capabilities of [{ transfers: { requested: true } }, undefined]) {
      const pending = await stripe.accounts.create({ type: 'express', capabilities });
      await expect(
        stripe.transfers.create({ amount: 100, currency: 'usd', destination: pending.id }),
      ).rejects.toMatchObject({
        statusCode: 400,
        code: 'insufficient_capabilities_for_transfer',
        param: 'destination',
        message:
          'Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments',
      });
    }
    await expect(
      stripe.transfers.create({ amount: 10 ** 9, currency: 'usd', destination: account.id }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'balance_insufficient' });
    expect(available(await stripe.balance.retrieve())).toBe(before);
    await expect(
      stripe.transfers.create({ amount: 100, currency: 'usd', destination: 'acct_nosuchaccount' }),
    ).rejects.toMatchObject({ statusCode: 404 });
    await expect(
      stripe.transfers.create(
        { amount: 100, currency: 'usd', destination: account.id },
        { stripeAccount: account.id },
      ),
    ).rejects.toMatchObject({ statusCode: 400 });
    await expect(
      stripe.transfers.create({ amount: 0, currency: 'usd', destination: account.id }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'amount' });
  });
});
