import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  endPaymentScenario,
  startPaymentScenario,
  type PaymentEvents,
} from '../helpers/payments.js';
import { schemaErrors } from '../helpers/schemas.js';
import { TEST_KEY, type TestServer } from '../helpers/server.js';

/**
 * Treasury money movement on a connected account, as a platform runs it for its accounts: a
 * financial account with its features, money received, sent and pulled in, moved through its
 * statuses by Stripe's test helpers, with the balance read back at each step, the Transactions
 * and entries Stripe records, and each event delivered signed to the platform's Connect endpoint.
 */
describe('Treasury on a connected account', () => {
  let server: TestServer;
  let events: PaymentEvents;
  let stripe: Stripe;
  let account: string;
  let as: Stripe.RequestOptions;

  beforeAll(async () => {
    ({ server, events, stripe } = await startPaymentScenario({ manualClock: true }));
    account = (await stripe.accounts.create({ type: 'custom', country: 'US' })).id;
    as = { stripeAccount: account };
  }, 60_000);
  afterAll(() => endPaymentScenario({ server, events }));

  const valid = (o: unknown) => expect(schemaErrors(o)).toEqual([]);

  /** A financial account with every feature Treasury flows need. */
  const financialAccount = () =>
    stripe.treasury.financialAccounts.create(
      {
        supported_currencies: ['usd'],
        features: {
          financial_addresses: { aba: { requested: true } },
          inbound_transfers: { ach: { requested: true } },
          outbound_payments: { ach: { requested: true }, us_domestic_wire: { requested: true } },
          outbound_transfers: { ach: { requested: true } },
        },
      },
      as,
    );

  const balance = async (fa: string) => {
    const got = await stripe.treasury.financialAccounts.retrieve(fa, {}, as);
    valid(got);
    return {
      cash: got.balance.cash.usd,
      inbound_pending: got.balance.inbound_pending.usd,
      outbound_pending: got.balance.outbound_pending.usd,
    };
  };

  const credit = (fa: string, amount: number) =>
    stripe.testHelpers.treasury.receivedCredits.create(
      { financial_account: fa, amount, currency: 'usd', network: 'ach' },
      as,
    );

  const bankAccount = (number = '000123456789') =>
    stripe.paymentMethods.create(
      {
        type: 'us_bank_account',
        billing_details: { name: 'Jenny Rosen' },
        us_bank_account: {
          account_holder_type: 'individual',
          account_number: number,
          routing_number: '110000000',
        },
      },
      as,
    );

  const payment = (
    fa: string,
    amount: number,
    extra: Partial<Stripe.Treasury.OutboundPaymentCreateParams> = {},
  ) =>
    stripe.treasury.outboundPayments.create(
      {
        financial_account: fa,
        amount,
        currency: 'usd',
        destination_payment_method_data: {
          type: 'us_bank_account',
          billing_details: { name: 'Acme Supplies' },
          us_bank_account: { account_number: '000123456789', routing_number: '110000000' },
        },
        ...extra,
      },
      as,
    );

  const advance = async () => {
    const res = await fetch(`${server.url}/v1/switchboard/clock/advance`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_KEY}` },
      body: new URLSearchParams({ by: '1m' }),
    });
    expect(res.status).toBe(200);
  };

  it('a financial account holds the features it requested, active, and says when their status changes', async () => {
    const fa = await financialAccount();
    valid(fa);
    expect(fa.balance).toEqual({
      cash: { usd: 0 },
      inbound_pending: { usd: 0 },
      outbound_pending: { usd: 0 },
    });
    expect([...fa.active_features!].sort()).toEqual([
      'financial_addresses.aba',
      'inbound_transfers.ach',
      'outbound_payments.ach',
      'outbound_payments.us_domestic_wire',
      'outbound_transfers.ach',
    ]);
    expect(fa.financial_addresses[0]).toMatchObject({
      type: 'aba',
      aba: { routing_number: '0000000001' },
    });
    await events.event(
      'treasury.financial_account.created',
      account,
      (o: { id: string }) => o.id === fa.id,
    );

    const features = await stripe.treasury.financialAccounts.retrieveFeatures(fa.id, {}, as);
    valid(features);
    expect(features.outbound_payments?.ach).toEqual({
      requested: true,
      status: 'active',
      status_details: [],
    });
    expect(features.card_issuing).toBeUndefined();

    const updated = await stripe.treasury.financialAccounts.updateFeatures(
      fa.id,
      {
        card_issuing: { requested: true },
        outbound_payments: { us_domestic_wire: { requested: false } },
      },
      as,
    );
    valid(updated);
    expect(updated.card_issuing?.status).toBe('active');
    expect(updated.outbound_payments?.us_domestic_wire?.status).toBe('restricted');
    expect(updated.outbound_payments?.ach?.status).toBe('active');
    const after = await stripe.treasury.financialAccounts.retrieve(fa.id, {}, as);
    expect(after.active_features).toContain('card_issuing');
    expect(after.active_features).not.toContain('outbound_payments.us_domestic_wire');
    expect(after.restricted_features).toContain('outbound_payments.us_domestic_wire');
    const event = await events.event<Stripe.Treasury.FinancialAccount>(
      'treasury.financial_account.features_status_updated',
      account,
      (o) => o.id === fa.id,
    );
    expect(event.data.object.active_features).toContain('card_issuing');

    // A wire needs its feature.
    await credit(fa.id, 1000);
    await expect(
      payment(fa.id, 100, {
        destination_payment_method_options: { us_bank_account: { network: 'us_domestic_wire' } },
      }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'feature_not_enabled' });
  });

  it('a received credit → outbound payment posted, with the balance, transactions and entries at each step', async () => {
    const fa = (await financialAccount()).id;
    const rc = await credit(fa, 10_000);
    valid(rc);
    expect(rc).toMatchObject({
      status: 'succeeded',
      amount: 10_000,
      network: 'ach',
      financial_account: fa,
    });
    await events.event(
      'treasury.received_credit.created',
      account,
      (o: { id: string }) => o.id === rc.id,
    );
    await events.event(
      'treasury.received_credit.succeeded',
      account,
      (o: { id: string }) => o.id === rc.id,
    );
    expect(await balance(fa)).toEqual({ cash: 10_000, inbound_pending: 0, outbound_pending: 0 });

    const obp = await payment(fa, 3_000, {
      description: 'Invoice 42',
      metadata: { invoice: '42' },
    });
    valid(obp);
    expect(obp).toMatchObject({
      status: 'processing',
      cancelable: true,
      amount: 3_000,
      description: 'Invoice 42',
    });
    expect(obp.destination_payment_method).toBeNull();
    expect(obp.destination_payment_method_details).toMatchObject({
      type: 'us_bank_account',
      billing_details: { name: 'Acme Supplies' },
      us_bank_account: { last4: '6789', routing_number: '110000000', network: 'ach' },
    });
    expect(await balance(fa)).toEqual({ cash: 7_000, inbound_pending: 0, outbound_pending: 3_000 });
    await events.event(
      'treasury.outbound_payment.created',
      account,
      (o: { id: string }) => o.id === obp.id,
    );

    const posted = await stripe.testHelpers.treasury.outboundPayments.post(obp.id, {}, as);
    valid(posted);
    expect(posted.status).toBe('posted');
    expect(posted.status_transitions.posted_at).toEqual(expect.any(Number));
    expect(await balance(fa)).toEqual({ cash: 7_000, inbound_pending: 0, outbound_pending: 0 });
    await events.event(
      'treasury.outbound_payment.posted',
      account,
      (o: { id: string }) => o.id === obp.id,
    );

    // One Transaction per money movement, its entries summing to its balance impact.
    const txns = await stripe.treasury.transactions.list({ financial_account: fa }, as);
    txns.data.forEach(valid);
    expect(txns.data.map((t) => [t.flow_type, t.flow, t.amount, t.status])).toEqual([
      ['outbound_payment', obp.id, -3_000, 'posted'],
      ['received_credit', rc.id, 10_000, 'posted'],
    ]);
    expect(txns.data[0]!.balance_impact).toEqual({
      cash: -3_000,
      inbound_pending: 0,
      outbound_pending: 0,
    });
    expect(obp.transaction).toBe(txns.data[0]!.id);
    const entries = await stripe.treasury.transactionEntries.list({ financial_account: fa }, as);
    entries.data.forEach(valid);
    expect(
      entries.data.map((e) => [e.type, e.balance_impact.cash, e.balance_impact.outbound_pending]),
    ).toEqual([
      ['outbound_payment_posting', 0, -3_000],
      ['outbound_payment', -3_000, 3_000],
      ['received_credit', 10_000, 0],
    ]);
    const one = await stripe.treasury.transactionEntries.retrieve(entries.data[0]!.id, {}, as);
    expect(one).toEqual(entries.data[0]);
    const txn = await stripe.treasury.transactions.retrieve(rc.transaction as string, {}, as);
    expect(txn.flow).toBe(rc.id);
    await expect(
      stripe.testHelpers.treasury.outboundPayments.post(obp.id, {}, as),
    ).rejects.toMatchObject({ statusCode: 400 });
  });

  it('an outbound payment failed or canceled gives the money back to cash; one returned comes back in a transaction of its own', async () => {
    const fa = (await financialAccount()).id;
    await credit(fa, 5_000);
    const failed = await payment(fa, 1_000);
    const f = await stripe.testHelpers.treasury.outboundPayments.fail(failed.id, {}, as);
    valid(f);
    expect(f.status).toBe('failed');
    expect(await balance(fa)).toEqual({ cash: 5_000, inbound_pending: 0, outbound_pending: 0 });
    const voided = await stripe.treasury.transactions.retrieve(f.transaction as string, {}, as);
    expect(voided).toMatchObject({
      status: 'void',
      balance_impact: { cash: 0, inbound_pending: 0, outbound_pending: 0 },
    });
    await events.event(
      'treasury.outbound_payment.failed',
      account,
      (o: { id: string }) => o.id === f.id,
    );

    const canceled = await stripe.treasury.outboundPayments.cancel(
      (await payment(fa, 700)).id,
      {},
      as,
    );
    expect(canceled).toMatchObject({ status: 'canceled', cancelable: false });
    expect(await balance(fa)).toEqual({ cash: 5_000, inbound_pending: 0, outbound_pending: 0 });
    await events.event(
      'treasury.outbound_payment.canceled',
      account,
      (o: { id: string }) => o.id === canceled.id,
    );

    const returning = await payment(fa, 2_000);
    await stripe.testHelpers.treasury.outboundPayments.post(returning.id, {}, as);
    expect(await balance(fa)).toEqual({ cash: 3_000, inbound_pending: 0, outbound_pending: 0 });
    const returned = await stripe.testHelpers.treasury.outboundPayments.returnOutboundPayment(
      returning.id,
      { returned_details: { code: 'account_closed' } },
      as,
    );
    valid(returned);
    expect(returned.status).toBe('returned');
    expect(returned.returned_details?.code).toBe('account_closed');
    expect(await balance(fa)).toEqual({ cash: 5_000, inbound_pending: 0, outbound_pending: 0 });
    const back = await stripe.treasury.transactions.retrieve(
      returned.returned_details!.transaction as string,
      {},
      as,
    );
    expect(back).toMatchObject({ flow: returning.id, amount: 2_000, status: 'posted' });
    await events.event(
      'treasury.outbound_payment.returned',
      account,
      (o: { id: string }) => o.id === returning.id,
    );
    await expect(
      stripe.treasury.outboundPayments.cancel(returning.id, {}, as),
    ).rejects.toMatchObject({
      statusCode: 400,
    });
  });

  it('an outbound flow returned with a code shows it in returned_details', async () => {
    const fa = (await financialAccount()).id;
    await credit(fa, 1_000);
    const obp = await payment(fa, 100);
    const returned = await stripe.testHelpers.treasury.outboundPayments.returnOutboundPayment(
      obp.id,
      { returned_details: { code: 'no_account' } },
      as,
    );
    expect(returned.returned_details?.code).toBe('no_account');
    const pm = await bankAccount();
    const obt = await stripe.treasury.outboundTransfers.create(
      { financial_account: fa, amount: 100, currency: 'usd', destination_payment_method: pm.id },
      as,
    );
    const obtReturned = await stripe.testHelpers.treasury.outboundTransfers.returnOutboundTransfer(
      obt.id,
      { returned_details: { code: 'declined' } },
      as,
    );
    expect(obtReturned.returned_details?.code).toBe('declined');
    expect(await balance(fa)).toEqual({ cash: 1_000, inbound_pending: 0, outbound_pending: 0 });
  });

  it('an outbound flow goes over the network its options name', async () => {
    const fa = (await financialAccount()).id;
    await credit(fa, 1_000);
    const wire = await payment(fa, 100, {
      destination_payment_method_options: { us_bank_account: { network: 'us_domestic_wire' } },
    });
    expect(wire.destination_payment_method_details?.us_bank_account?.network).toBe(
      'us_domestic_wire',
    );
    expect(wire.expected_arrival_date).toBe(wire.created);
    const ach = await payment(fa, 100);
    expect(ach.destination_payment_method_details?.us_bank_account?.network).toBe('ach');
    expect(ach.expected_arrival_date).toBeGreaterThan(ach.created);
    // Outbound transfers over wire need their own feature, which this account did not request.
    const pm = await bankAccount();
    await expect(
      stripe.treasury.outboundTransfers.create(
        {
          financial_account: fa,
          amount: 100,
          currency: 'usd',
          destination_payment_method: pm.id,
          destination_payment_method_options: { us_bank_account: { network: 'us_domestic_wire' } },
        },
        as,
      ),
    ).rejects.toMatchObject({ statusCode: 400, code: 'feature_not_enabled' });
  });

  it("an outbound payment to destination_payment_method_data shows the bank account's details", async () => {
    const fa = (await financialAccount()).id;
    await credit(fa, 1_000);
    const obp = await payment(fa, 100, {
      destination_payment_method_data: {
        type: 'us_bank_account',
        billing_details: {
          name: 'Globex',
          email: 'ap@globex.example',
          address: { city: 'Springfield', country: 'US' },
        },
        us_bank_account: {
          account_number: '000999999991',
          routing_number: '110000000',
          account_holder_type: 'company',
          account_type: 'savings',
        },
      },
    });
    expect(obp.destination_payment_method_details).toMatchObject({
      billing_details: {
        name: 'Globex',
        email: 'ap@globex.example',
        address: { city: 'Springfield', country: 'US' },
      },
      us_bank_account: {
        last4: '9991',
        account_holder_type: 'company',
        account_type: 'savings',
        bank_name: 'STRIPE TEST BANK',
      },
    });
    // To a saved payment method of a customer: it must be named with the customer.
    const customer = await stripe.customers.create({ name: 'Globex' }, as);
    const pm = await bankAccount('000222222227');
    await stripe.paymentMethods.attach(pm.id, { customer: customer.id }, as);
    await expect(
      stripe.treasury.outboundPayments.create(
        { financial_account: fa, amount: 100, currency: 'usd', destination_payment_method: pm.id },
        as,
      ),
    ).rejects.toMatchObject({ statusCode: 400, param: 'customer' });
    const saved = await stripe.treasury.outboundPayments.create(
      {
        financial_account: fa,
        amount: 100,
        currency: 'usd',
        destination_payment_method: pm.id,
        customer: customer.id,
        end_user_details: { present: true, ip_address: '203.0.113.7' },
      },
      as,
    );
    valid(saved);
    expect(saved).toMatchObject({
      customer: customer.id,
      destination_payment_method: pm.id,
      end_user_details: { present: true, ip_address: '203.0.113.7' },
      destination_payment_method_details: { us_bank_account: { last4: '2227' } },
    });
  });

  it('sending more than the cash answers insufficient_funds and moves nothing', async () => {
    const fa = (await financialAccount()).id;
    await credit(fa, 500);
    await expect(payment(fa, 501)).rejects.toMatchObject({
      statusCode: 400,
      code: 'insufficient_funds',
      param: 'amount',
    });
    const pm = await bankAccount();
    await expect(
      stripe.treasury.outboundTransfers.create(
        { financial_account: fa, amount: 600, currency: 'usd', destination_payment_method: pm.id },
        as,
      ),
    ).rejects.toMatchObject({ statusCode: 400, code: 'insufficient_funds' });
    expect(await balance(fa)).toEqual({ cash: 500, inbound_pending: 0, outbound_pending: 0 });
    // A debit the cash cannot cover fails, as Stripe's received debits do.
    const rd = await stripe.testHelpers.treasury.receivedDebits.create(
      { financial_account: fa, amount: 900, currency: 'usd', network: 'ach' },
      as,
    );
    valid(rd);
    expect(rd).toMatchObject({
      status: 'failed',
      failure_code: 'insufficient_funds',
      transaction: null,
    });
    expect(await balance(fa)).toEqual({ cash: 500, inbound_pending: 0, outbound_pending: 0 });
  });

  it('an inbound transfer succeeds into cash, fails or is canceled with nothing moved, and is returned by a received debit', async () => {
    const fa = (await financialAccount()).id;
    const pm = await bankAccount();
    const create = (amount: number) =>
      stripe.treasury.inboundTransfers.create(
        {
          financial_account: fa,
          amount,
          currency: 'usd',
          origin_payment_method: pm.id,
          description: 'Top up',
        },
        as,
      );
    const ibt = await create(4_000);
    valid(ibt);
    expect(ibt).toMatchObject({
      status: 'processing',
      cancelable: true,
      origin_payment_method: pm.id,
      returned: false,
    });
    expect(ibt.origin_payment_method_details?.us_bank_account).toMatchObject({
      last4: '6789',
      network: 'ach',
    });
    expect(await balance(fa)).toEqual({ cash: 0, inbound_pending: 0, outbound_pending: 0 });
    await events.event(
      'treasury.inbound_transfer.created',
      account,
      (o: { id: string }) => o.id === ibt.id,
    );

    const ok = await stripe.testHelpers.treasury.inboundTransfers.succeed(ibt.id, {}, as);
    valid(ok);
    expect(ok.status).toBe('succeeded');
    expect(await balance(fa)).toEqual({ cash: 4_000, inbound_pending: 0, outbound_pending: 0 });
    await events.event(
      'treasury.inbound_transfer.succeeded',
      account,
      (o: { id: string }) => o.id === ibt.id,
    );

    const failing = await create(1_000);
    const failed = await stripe.testHelpers.treasury.inboundTransfers.fail(failing.id, {}, as);
    expect(failed).toMatchObject({
      status: 'failed',
      failure_details: { code: 'other' },
    });
    await events.event(
      'treasury.inbound_transfer.failed',
      account,
      (o: { id: string }) => o.id === failing.id,
    );
    const canceled = await stripe.treasury.inboundTransfers.cancel(
      (await create(1_000)).id,
      {},
      as,
    );
    expect(canceled.status).toBe('canceled');
    await events.event(
      'treasury.inbound_transfer.canceled',
      account,
      (o: { id: string }) => o.id === canceled.id,
    );
    expect(await balance(fa)).toEqual({ cash: 4_000, inbound_pending: 0, outbound_pending: 0 });

    const returned = await stripe.testHelpers.treasury.inboundTransfers.returnInboundTransfer(
      ibt.id,
      {},
      as,
    );
    valid(returned);
    expect(returned.returned).toBe(true);
    const rd = await stripe.treasury.receivedDebits.retrieve(
      returned.linked_flows.received_debit!,
      {},
      as,
    );
    valid(rd);
    expect(rd).toMatchObject({
      amount: 4_000,
      status: 'succeeded',
      linked_flows: { inbound_transfer: ibt.id },
    });
    expect(await balance(fa)).toEqual({ cash: 0, inbound_pending: 0, outbound_pending: 0 });
    await events.event(
      'treasury.received_debit.created',
      account,
      (o: { id: string }) => o.id === rd.id,
    );
    const listed = await stripe.treasury.inboundTransfers.list(
      { financial_account: fa, status: 'failed' },
      as,
    );
    expect(listed.data.map((t) => t.id)).toEqual([failing.id]);
  });

  it('an inbound transfer failed with a code shows it in failure_details', async () => {
    const fa = (await financialAccount()).id;
    const pm = await bankAccount();
    const ibt = await stripe.treasury.inboundTransfers.create(
      { financial_account: fa, amount: 100, currency: 'usd', origin_payment_method: pm.id },
      as,
    );
    const failed = await stripe.testHelpers.treasury.inboundTransfers.fail(
      ibt.id,
      { failure_details: { code: 'account_closed' } },
      as,
    );
    expect(failed.failure_details).toEqual({ code: 'account_closed' });
  });

  it('an outbound transfer to the account holder’s bank account posts, fails or is canceled', async () => {
    const fa = (await financialAccount()).id;
    await credit(fa, 3_000);
    const pm = await bankAccount();
    const create = () =>
      stripe.treasury.outboundTransfers.create(
        {
          financial_account: fa,
          amount: 1_000,
          currency: 'usd',
          destination_payment_method: pm.id,
          statement_descriptor: 'rent',
        },
        as,
      );
    const obt = await create();
    valid(obt);
    expect(obt).toMatchObject({
      status: 'processing',
      destination_payment_method: pm.id,
      statement_descriptor: 'rent',
    });
    expect(await balance(fa)).toEqual({ cash: 2_000, inbound_pending: 0, outbound_pending: 1_000 });
    await events.event(
      'treasury.outbound_transfer.created',
      account,
      (o: { id: string }) => o.id === obt.id,
    );
    const posted = await stripe.testHelpers.treasury.outboundTransfers.post(obt.id, {}, as);
    valid(posted);
    expect(posted.status).toBe('posted');
    expect(await balance(fa)).toEqual({ cash: 2_000, inbound_pending: 0, outbound_pending: 0 });
    await events.event(
      'treasury.outbound_transfer.posted',
      account,
      (o: { id: string }) => o.id === obt.id,
    );

    const failing = await create();
    await stripe.testHelpers.treasury.outboundTransfers.fail(failing.id, {}, as);
    await events.event(
      'treasury.outbound_transfer.failed',
      account,
      (o: { id: string }) => o.id === failing.id,
    );
    const canceled = await stripe.treasury.outboundTransfers.cancel((await create()).id, {}, as);
    expect(canceled.status).toBe('canceled');
    await events.event(
      'treasury.outbound_transfer.canceled',
      account,
      (o: { id: string }) => o.id === canceled.id,
    );
    expect(await balance(fa)).toEqual({ cash: 2_000, inbound_pending: 0, outbound_pending: 0 });

    const list = await stripe.treasury.outboundTransfers.list({ financial_account: fa }, as);
    expect(list.data.map((t) => t.status)).toEqual(['canceled', 'failed', 'posted']);
    const card = await stripe.paymentMethods.create(
      { type: 'card', card: { token: 'tok_visa' } },
      as,
    );
    await expect(
      stripe.treasury.outboundTransfers.create(
        { financial_account: fa, amount: 1, currency: 'usd', destination_payment_method: card.id },
        as,
      ),
    ).rejects.toMatchObject({ statusCode: 400, param: 'destination_payment_method' });
  });

  it('a credit reversal sends a received credit back, posted on the server clock; a debit reversal claims a debit back', async () => {
    const fa = (await financialAccount()).id;
    const rc = await credit(fa, 2_500);
    const reversal = await stripe.treasury.creditReversals.create(
      { received_credit: rc.id, metadata: { why: 'duplicate' } },
      as,
    );
    valid(reversal);
    expect(reversal).toMatchObject({
      status: 'processing',
      amount: 2_500,
      received_credit: rc.id,
      metadata: { why: 'duplicate' },
    });
    expect(await balance(fa)).toEqual({ cash: 0, inbound_pending: 0, outbound_pending: 2_500 });
    const reversed = await stripe.treasury.receivedCredits.retrieve(rc.id, {}, as);
    expect(reversed.linked_flows.credit_reversal).toBe(reversal.id);
    expect(reversed.reversal_details?.restricted_reason).toBe('already_reversed');
    await expect(
      stripe.treasury.creditReversals.create({ received_credit: rc.id }, as),
    ).rejects.toMatchObject({
      statusCode: 400,
    });
    await events.event(
      'treasury.credit_reversal.created',
      account,
      (o: { id: string }) => o.id === reversal.id,
    );
    await advance();
    const posted = await stripe.treasury.creditReversals.retrieve(reversal.id, {}, as);
    expect(posted.status).toBe('posted');
    expect(await balance(fa)).toEqual({ cash: 0, inbound_pending: 0, outbound_pending: 0 });
    await events.event(
      'treasury.credit_reversal.posted',
      account,
      (o: { id: string }) => o.id === reversal.id,
    );

    await credit(fa, 1_000);
    const rd = await stripe.testHelpers.treasury.receivedDebits.create(
      {
        financial_account: fa,
        amount: 400,
        currency: 'usd',
        network: 'ach',
        description: 'Utility bill',
      },
      as,
    );
    expect(rd).toMatchObject({ status: 'succeeded', description: 'Utility bill' });
    expect(await balance(fa)).toEqual({ cash: 600, inbound_pending: 0, outbound_pending: 0 });
    await events.event(
      'treasury.received_debit.created',
      account,
      (o: { id: string }) => o.id === rd.id,
    );
    const dr = await stripe.treasury.debitReversals.create({ received_debit: rd.id }, as);
    valid(dr);
    expect(dr.status).toBe('processing');
    await events.event(
      'treasury.debit_reversal.created',
      account,
      (o: { id: string }) => o.id === dr.id,
    );
    await advance();
    const done = await stripe.treasury.debitReversals.retrieve(dr.id, {}, as);
    valid(done);
    expect(done).toMatchObject({
      status: 'succeeded',
      status_transitions: { completed_at: expect.any(Number) },
    });
    expect(await balance(fa)).toEqual({ cash: 1_000, inbound_pending: 0, outbound_pending: 0 });
    await events.event(
      'treasury.debit_reversal.completed',
      account,
      (o: { id: string }) => o.id === dr.id,
    );
    const crs = await stripe.treasury.creditReversals.list(
      { financial_account: fa, status: 'posted' },
      as,
    );
    expect(crs.data.map((c) => c.id)).toEqual([reversal.id]);
    const drs = await stripe.treasury.debitReversals.list(
      { financial_account: fa, received_debit: rd.id },
      as,
    );
    expect(drs.data.map((d) => d.id)).toEqual([dr.id]);
  });

  it("a received credit or debit shows the initiating bank account's holder, last4 and routing number", async () => {
    const fa = (await financialAccount()).id;
    const rc = await stripe.testHelpers.treasury.receivedCredits.create(
      {
        financial_account: fa,
        amount: 100,
        currency: 'usd',
        network: 'us_domestic_wire',
        initiating_payment_method_details: {
          type: 'us_bank_account',
          us_bank_account: {
            account_holder_name: 'Initech',
            account_number: '000111222333',
            routing_number: '021000021',
          },
        },
      },
      as,
    );
    valid(rc);
    expect(rc.initiating_payment_method_details).toMatchObject({
      billing_details: { name: 'Initech' },
      us_bank_account: { last4: '2333', routing_number: '021000021' },
    });
    // A wire cannot be reversed.
    expect(rc.reversal_details?.restricted_reason).toBe('network_restricted');
    await expect(
      stripe.treasury.creditReversals.create({ received_credit: rc.id }, as),
    ).rejects.toMatchObject({
      statusCode: 400,
    });
  });

  it("each Treasury list shows one financial account's objects, narrowed by each filter it takes", async () => {
    const fa = (await financialAccount()).id;
    const other = (await financialAccount()).id;
    const first = await credit(fa, 1_000);
    await credit(other, 1_000);
    const obp = await payment(fa, 100);
    await stripe.testHelpers.treasury.outboundPayments.post(obp.id, {}, as);
    const pending = await payment(fa, 200);

    const credits = await stripe.treasury.receivedCredits.list({ financial_account: fa }, as);
    expect(credits.data.map((c) => c.id)).toEqual([first.id]);
    expect(
      (await stripe.treasury.receivedCredits.list({ financial_account: fa, status: 'failed' }, as))
        .data,
    ).toEqual([]);
    expect(
      (
        await stripe.treasury.receivedCredits.list(
          { financial_account: fa, linked_flows: { source_flow_type: 'payout' } },
          as,
        )
      ).data,
    ).toEqual([]);
    const payments = await stripe.treasury.outboundPayments.list(
      { financial_account: fa, status: 'processing' },
      as,
    );
    expect(payments.data.map((p) => p.id)).toEqual([pending.id]);
    const created = await stripe.treasury.outboundPayments.list(
      { financial_account: fa, created: { gte: obp.created } },
      as,
    );
    expect(created.data.map((p) => p.id)).toEqual([pending.id, obp.id]);
    const open = await stripe.treasury.transactions.list(
      { financial_account: fa, status: 'open' },
      as,
    );
    expect(open.data.map((t) => t.flow)).toEqual([pending.id]);
    await expect(
      stripe.treasury.transactions.list({ financial_account: fa, order_by: 'posted_at' }, as),
    ).rejects.toMatchObject({ code: 'parameter_not_supported', param: 'order_by' });
    const entries = await stripe.treasury.transactionEntries.list(
      { financial_account: fa, transaction: obp.transaction as string, order_by: 'effective_at' },
      as,
    );
    expect(entries.data.map((e) => e.type)).toEqual([
      'outbound_payment_posting',
      'outbound_payment',
    ]);
    const since = await stripe.treasury.transactionEntries.list(
      { financial_account: fa, effective_at: { gt: 0 }, created: { gte: first.created }, limit: 2 },
      as,
    );
    expect(since.data).toHaveLength(2);
    expect(since.has_more).toBe(true);
    const accounts = await stripe.treasury.financialAccounts.list({ limit: 2 }, as);
    expect(accounts.data.map((a) => a.id)).toEqual([other, fa]);
    await expect(
      stripe.treasury.transactions.list({ financial_account: 'fa_nope' }, as),
    ).rejects.toMatchObject({ statusCode: 404 });
  });

  it("a connected account's financial accounts and money movements are its own", async () => {
    const fa = (await financialAccount()).id;
    const rc = await credit(fa, 1_000);
    const obp = await payment(fa, 100);
    const otherAccount = (await stripe.accounts.create({ type: 'custom', country: 'US' })).id;
    const elsewhere = { stripeAccount: otherAccount };
    for (const scope of [{}, elsewhere]) {
      await expect(stripe.treasury.financialAccounts.retrieve(fa, {}, scope)).rejects.toMatchObject(
        { statusCode: 404 },
      );
      await expect(
        stripe.treasury.receivedCredits.retrieve(rc.id, {}, scope),
      ).rejects.toMatchObject({ statusCode: 404 });
      await expect(
        stripe.treasury.outboundPayments.retrieve(obp.id, {}, scope),
      ).rejects.toMatchObject({ statusCode: 404 });
      await expect(
        stripe.testHelpers.treasury.outboundPayments.post(obp.id, {}, scope),
      ).rejects.toMatchObject({ statusCode: 404 });
      await expect(
        stripe.treasury.transactions.list({ financial_account: fa }, scope),
      ).rejects.toMatchObject({
        statusCode: 404,
      });
      await expect(
        stripe.testHelpers.treasury.receivedCredits.create(
          { financial_account: fa, amount: 1, currency: 'usd', network: 'ach' },
          scope,
        ),
      ).rejects.toMatchObject({ statusCode: 404 });
    }
    // Its events go to the platform's Connect endpoint, naming the account (checked by events.event).
    await events.event(
      'treasury.outbound_payment.created',
      account,
      (o: { id: string }) => o.id === obp.id,
    );
    expect(events.of('treasury.outbound_payment.created', null)).toEqual([]);
    expect(await balance(fa)).toEqual({ cash: 900, inbound_pending: 0, outbound_pending: 100 });
  });
});
