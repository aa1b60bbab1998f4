import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboardedAccount } from '../helpers/accounts.js';
import { Receiver, type Received } from '../helpers/receiver.js';
import { schemaErrors } from '../helpers/schemas.js';
import { eventually, startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';

/**
 * Financial reports: report types, and report runs that compute a CSV from the caller's balance
 * transactions, stored as a File once the run succeeds on the server's clock.
 */
describe('reporting', () => {
  let server: TestServer;
  let stripe: Stripe;
  let receiver: Receiver;

  beforeAll(async () => {
    server = await startTestServer({ manualClock: true });
    stripe = server.stripe();
    receiver = await new Receiver().start();
    for (const connect of [false, true]) {
      const path = connect ? '/connect' : '/reports';
      const we = await stripe.webhookEndpoints.create({
        url: receiver.url(path),
        enabled_events: ['reporting.report_run.succeeded'],
        connect,
      });
      receiver.expect(path, we.secret!);
    }
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  const runId = (r: Received) => (r.event!.data as { object: { id: string } }).object.id;

  /** Waits for the run to succeed; its CSV, read with the key as Stripe's file contents are. */
  async function finished(id: string, stripeAccount?: string) {
    const opts = stripeAccount ? { stripeAccount } : {};
    const run = await eventually(async () => {
      const r = await stripe.reporting.reportRuns.retrieve(id, {}, opts);
      return r.status === 'succeeded' ? r : undefined;
    });
    const file = run.result!;
    const res = await fetch(`${server.url}/v1/files/${file.id}/contents`, {
      headers: {
        Authorization: `Bearer ${TEST_KEY}`,
        ...(stripeAccount ? { 'Stripe-Account': stripeAccount } : {}),
      },
    });
    expect(res.status).toBe(200);
    return { run, csv: await res.text() };
  }

  const pay = (amount: number, stripeAccount?: string) =>
    stripe.paymentIntents.create(
      { amount, currency: 'usd', confirm: true, payment_method: 'pm_card_bypassPending' },
      stripeAccount ? { stripeAccount } : {},
    );

  it('runs a balance report over an interval into a CSV file, on the server clock', async () => {
    const types = await stripe.reporting.reportTypes.list();
    expect(types.data.map((t) => t.id)).toEqual([
      'balance.summary.1',
      'balance_change_from_activity.itemized.1',
      'payouts.itemized.1',
    ]);
    for (const t of types.data) expect(schemaErrors(t, 'reporting.report_type')).toEqual([]);

    const before = Math.floor(server.clock!.now() / 1000);
    server.clock!.advance(10_000);
    await pay(10_000);
    await pay(2_500);
    server.clock!.advance(10_000);
    const end = Math.floor(server.clock!.now() / 1000);
    const txns = (await stripe.balanceTransactions.list({ limit: 10 })).data;
    expect(txns).toHaveLength(2);

    const created = await stripe.reporting.reportRuns.create({
      report_type: 'balance_change_from_activity.itemized.1',
      parameters: {
        interval_start: before,
        interval_end: end,
        columns: ['balance_transaction_id', 'gross', 'fee', 'net', 'reporting_category'],
      },
    });
    expect(schemaErrors(created, 'reporting.report_run')).toEqual([]);
    expect(created).toMatchObject({
      object: 'reporting.report_run',
      status: 'pending',
      result: null,
      report_type: 'balance_change_from_activity.itemized.1',
      parameters: { interval_start: before, interval_end: end },
    });
    const { run, csv } = await finished(created.id);
    expect(schemaErrors(run, 'reporting.report_run')).toEqual([]);
    expect(run.result).toMatchObject({
      object: 'file',
      purpose: 'finance_report_run',
      type: 'csv',
    });
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('balance_transaction_id,gross,fee,net,reporting_category');
    const byId = new Map(txns.map((t) => [t.id, t]));
    expect(lines.slice(1)).toHaveLength(2);
    for (const line of lines.slice(1)) {
      const [id, gross, fee, net, category] = line.split(',');
      const txn = byId.get(id!)!;
      expect(txn).toBeDefined();
      expect([gross, fee, net, category]).toEqual([
        (txn.amount / 100).toFixed(2),
        (txn.fee / 100).toFixed(2),
        (txn.net / 100).toFixed(2),
        'charge',
      ]);
    }
    expect((await stripe.reporting.reportRuns.list()).data.map((r) => r.id)).toContain(run.id);

    // The summary: nothing before the interval, the activity in it, the ending balance.
    const summary = await stripe.reporting.reportRuns.create({
      report_type: 'balance.summary.1',
      parameters: { interval_start: before, interval_end: end },
    });
    const net = txns.reduce((n, t) => n + t.net, 0);
    const gross = txns.reduce((n, t) => n + t.amount, 0);
    const rows = (await finished(summary.id)).csv.trim().split('\n');
    expect(rows).toEqual([
      'category,currency,description,net_amount',
      'starting_balance,usd,Starting balance,0.00',
      `activity_gross,usd,Activity before fees,${(gross / 100).toFixed(2)}`,
      `activity_fee,usd,Less fees,${((net - gross) / 100).toFixed(2)}`,
      `activity,usd,Net balance change from activity,${(net / 100).toFixed(2)}`,
      'payouts,usd,Total payouts,0.00',
      `ending_balance,usd,Ending balance,${(net / 100).toFixed(2)}`,
    ]);

    // An interval that ends before the charges has none of them.
    const empty = await stripe.reporting.reportRuns.create({
      report_type: 'balance_change_from_activity.itemized.1',
      parameters: { interval_start: before - 100, interval_end: before },
    });
    expect((await finished(empty.id)).csv.trim().split('\n')).toHaveLength(1);

    await receiver.waitFor(
      () =>
        [run.id, summary.id].every((id) =>
          receiver.at('/reports').some((r) => r.verified && runId(r) === id),
        ),
      10_000,
      'reporting.report_run.succeeded',
    );
    for (const r of receiver.at('/reports')) expect(schemaErrors(JSON.parse(r.body))).toEqual([]);
  });

  it("a connected account's report reads its own balance transactions", async () => {
    const account = await onboardedAccount(stripe);
    const start = Math.floor(server.clock!.now() / 1000);
    await pay(700, account.id);
    server.clock!.advance(5_000);
    const created = await stripe.reporting.reportRuns.create(
      {
        report_type: 'balance_change_from_activity.itemized.1',
        parameters: { interval_start: start, columns: ['gross'] },
      },
      { stripeAccount: account.id },
    );
    expect((await finished(created.id, account.id)).csv).toBe('gross\n7.00\n');
    // Not the platform's.
    await expect(stripe.reporting.reportRuns.retrieve(created.id)).rejects.toMatchObject({
      statusCode: 404,
    });
    await receiver.waitFor(
      () => receiver.at('/connect').some((r) => r.verified && runId(r) === created.id),
      10_000,
      'connected reporting.report_run.succeeded',
    );
    const event = receiver.at('/connect').find((r) => runId(r) === created.id)!;
    expect(event.event!.account).toBe(account.id);
  });

  it('refuses unknown report types, intervals past the data and filters it does not model', async () => {
    await expect(
      stripe.reporting.reportRuns.create({ report_type: 'sigma.nothing.1' }),
    ).rejects.toMatchObject({ statusCode: 404, param: 'report_type' });
    await expect(stripe.reporting.reportTypes.retrieve('sigma.nothing.1')).rejects.toMatchObject({
      statusCode: 404,
    });
    const now = Math.floor(server.clock!.now() / 1000);
    await expect(
      stripe.reporting.reportRuns.create({
        report_type: 'balance.summary.1',
        parameters: { interval_start: now - 10, interval_end: now + 3600 },
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'parameters[interval_end]' });
    await expect(
      stripe.reporting.reportRuns.create({
        report_type: 'balance.summary.1',
        parameters: { timezone: 'Europe/Paris' },
      }),
    ).rejects.toMatchObject({ code: 'parameter_not_supported', param: 'parameters[timezone]' });
    await expect(
      stripe.reporting.reportRuns.create({
        report_type: 'payouts.itemized.1',
        parameters: { columns: ['nope'] },
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'parameters[columns][0]' });
  });
});
