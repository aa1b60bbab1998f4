import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboardedAccount } from '../helpers/accounts.js';
import { pdf } from '../helpers/files.js';
import {
  endPaymentScenario,
  startPaymentScenario,
  type PaymentEvents,
} from '../helpers/payments.js';
import { schemaErrors } from '../helpers/schemas.js';
import { TEST_KEY, type TestServer } from '../helpers/server.js';

/**
 * Issuing card spending as Stripe's test helpers drive it, with the official `stripe` package
 * and a receiver verifying every event's signature: authorizations (approved, declined, held,
 * captured, reversed, expired, incremented), the real-time request of the official CLI's
 * fixture, transactions and their refunds, disputes; on the platform and on a connected account.
 */
describe('Issuing authorizations, transactions and disputes', () => {
  let server: TestServer;
  let events: PaymentEvents;
  let stripe: Stripe;
  let account: string;

  beforeAll(async () => {
    ({ server, events, stripe } = await startPaymentScenario());
    account = (await onboardedAccount(stripe)).id;
  });
  afterAll(() => endPaymentScenario({ server, events }));

  const on = (acct: string | null) => (acct ? { stripeAccount: acct } : {});

  /** An active virtual card of a new cardholder, in the scope of `acct`. */
  async function card(
    acct: string | null = null,
    params: Partial<Stripe.Issuing.CardCreateParams> = {},
  ): Promise<Stripe.Issuing.Card> {
    const holder = await stripe.issuing.cardholders.create(
      {
        name: 'Jenny Rosen',
        type: 'individual',
        billing: {
          address: {
            line1: '1234 Main Street',
            city: 'San Francisco',
            state: 'CA',
            postal_code: '94111',
            country: 'US',
          },
        },
      },
      on(acct),
    );
    return stripe.issuing.cards.create(
      { cardholder: holder.id, currency: 'usd', type: 'virtual', status: 'active', ...params },
      on(acct),
    );
  }

  const authorize = (
    c: Stripe.Issuing.Card,
    amount: number,
    acct: string | null = null,
    extra: Partial<
      Parameters<Stripe['testHelpers']['issuing']['authorizations']['create']>[0]
    > = {},
  ) => stripe.testHelpers.issuing.authorizations.create({ card: c.id, amount, ...extra }, on(acct));

  it('authorize, capture and refund an Issuing card purchase, with its events', async () => {
    for (const who of [null, account]) {
      const c = await card(who);
      const auth = await authorize(c, 5000, who, {
        merchant_data: { category: 'eating_places_restaurants', name: 'Cafe' },
        authorization_method: 'chip',
      });
      expect(schemaErrors(auth)).toEqual([]);
      expect(auth).toMatchObject({
        object: 'issuing.authorization',
        amount: 5000,
        approved: true,
        status: 'pending',
        currency: 'usd',
        cardholder: c.cardholder.id,
        authorization_method: 'chip',
        merchant_data: {
          category: 'eating_places_restaurants',
          category_code: '5812',
          name: 'Cafe',
        },
        pending_request: null,
      });
      expect(auth.card.id).toBe(c.id);
      expect(auth.request_history).toMatchObject([
        { amount: 5000, approved: true, reason: 'card_active' },
      ]);
      await events.event(
        'issuing_authorization.created',
        who,
        (o: { id: string }) => o.id === auth.id,
      );

      // A partial reverse releases part of the hold.
      const reversed = await stripe.testHelpers.issuing.authorizations.reverse(
        auth.id,
        { reverse_amount: 1000 },
        on(who),
      );
      expect(reversed).toMatchObject({ amount: 4000, status: 'pending' });
      await events.event(
        'issuing_authorization.updated',
        who,
        (o: { id: string; amount: number }) => o.id === auth.id && o.amount === 4000,
      );

      // A capture of less than held, leaving the authorization open; then one that closes it.
      const first = await stripe.testHelpers.issuing.authorizations.capture(
        auth.id,
        {
          capture_amount: 1500,
          close_authorization: false,
          purchase_details: {
            receipt: [{ description: 'Lunch', quantity: '1' as never, unit_cost: 1500 }],
          },
        },
        on(who),
      );
      expect(first).toMatchObject({ status: 'pending', amount: 4000 });
      expect(first.transactions).toHaveLength(1);
      const tx = first.transactions[0]!;
      expect(schemaErrors(tx)).toEqual([]);
      expect(tx).toMatchObject({
        object: 'issuing.transaction',
        type: 'capture',
        amount: -1500,
        authorization: auth.id,
        card: c.id,
        cardholder: c.cardholder.id,
        currency: 'usd',
      });
      expect(tx.purchase_details?.receipt).toMatchObject([
        { description: 'Lunch', quantity: 1, unit_cost: 1500 },
      ]);
      await events.event('issuing_transaction.created', who, (o: { id: string }) => o.id === tx.id);
      await events.event(
        'issuing_transaction.purchase_details_receipt_updated',
        who,
        (o: { id: string }) => o.id === tx.id,
      );
      const closed = await stripe.testHelpers.issuing.authorizations.capture(auth.id, {}, on(who));
      expect(closed.status).toBe('closed');
      expect(closed.transactions.map((t) => t.amount)).toEqual([-1500, -4000]);
      await expect(
        stripe.testHelpers.issuing.authorizations.capture(auth.id, {}, on(who)),
      ).rejects.toMatchObject({ statusCode: 400 });

      // A refund of part of the capture, then more than what is left is refused.
      const refund = await stripe.testHelpers.issuing.transactions.refund(
        tx.id,
        { refund_amount: 500 },
        on(who),
      );
      expect(schemaErrors(refund)).toEqual([]);
      expect(refund).toMatchObject({
        type: 'refund',
        amount: 500,
        authorization: auth.id,
        card: c.id,
      });
      await events.event(
        'issuing_transaction.created',
        who,
        (o: { id: string }) => o.id === refund.id,
      );
      await expect(
        stripe.testHelpers.issuing.transactions.refund(tx.id, { refund_amount: 1001 }, on(who)),
      ).rejects.toMatchObject({ statusCode: 400, param: 'refund_amount' });
      await expect(
        stripe.testHelpers.issuing.transactions.refund(refund.id, {}, on(who)),
      ).rejects.toMatchObject({ statusCode: 400 });

      // Retrieve and metadata updates, with their events.
      expect((await stripe.issuing.authorizations.retrieve(auth.id, {}, on(who))).status).toBe(
        'closed',
      );
      const tagged = await stripe.issuing.transactions.update(
        tx.id,
        { metadata: { order: '6735' } },
        on(who),
      );
      expect(tagged.metadata).toEqual({ order: '6735' });
      await events.event('issuing_transaction.updated', who, (o: { id: string }) => o.id === tx.id);
      const noted = await stripe.issuing.authorizations.update(
        auth.id,
        { metadata: { k: 'v' } },
        on(who),
      );
      expect(noted.metadata).toEqual({ k: 'v' });
      expect((await stripe.issuing.transactions.retrieve(tx.id, {}, on(who))).metadata).toEqual({
        order: '6735',
      });

      // Expire releases what an open authorization holds.
      const other = await authorize(c, 700, who);
      const expired = await stripe.testHelpers.issuing.authorizations.expire(other.id, {}, on(who));
      expect(expired).toMatchObject({ status: 'closed', approved: true });
    }
  });

  it('declines an authorization on a canceled card or beyond its spending limits', async () => {
    const canceled = await card();
    await stripe.issuing.cards.update(canceled.id, { status: 'canceled' });
    const declined = await authorize(canceled, 100);
    expect(declined).toMatchObject({ approved: false, status: 'closed' });
    expect(declined.request_history).toMatchObject([{ approved: false, reason: 'card_inactive' }]);
    await events.event(
      'issuing_authorization.created',
      null,
      (o: { id: string; approved: boolean }) => o.id === declined.id && !o.approved,
    );
    await expect(
      stripe.testHelpers.issuing.authorizations.capture(declined.id),
    ).rejects.toMatchObject({ statusCode: 400 });

    const limited = await card(null, {
      spending_controls: {
        spending_limits: [
          { amount: 3000, interval: 'per_authorization' },
          { amount: 5000, interval: 'all_time' },
        ],
        blocked_categories: ['bakeries'],
      },
    });
    expect((await authorize(limited, 3500)).request_history[0]).toMatchObject({
      approved: false,
      reason: 'spending_controls',
    });
    const ok = await authorize(limited, 3000);
    expect(ok.approved).toBe(true);
    // 3000 + 2500 passes the all-time limit of 5000.
    expect((await authorize(limited, 2500)).approved).toBe(false);
    expect(
      (await authorize(limited, 100, null, { merchant_data: { category: 'bakeries' } })).approved,
    ).toBe(false);
    // An increment beyond the limit is declined and leaves the amount; within it, it adds.
    const over = await stripe.testHelpers.issuing.authorizations.increment(ok.id, {
      increment_amount: 2500,
    });
    expect(over.amount).toBe(3000);
    expect(over.request_history.at(-1)).toMatchObject({ approved: false, amount: 5500 });
    const within = await stripe.testHelpers.issuing.authorizations.increment(ok.id, {
      increment_amount: 2000,
    });
    expect(within.amount).toBe(5000);
    expect(within.request_history.at(-1)).toMatchObject({ approved: true, amount: 5000 });
    // A reversed hold no longer counts against the limit.
    await stripe.testHelpers.issuing.authorizations.reverse(ok.id);
    expect((await authorize(limited, 2500)).approved).toBe(true);
  });

  it('a real-time authorization request waits for approve or decline, then times out declined', async () => {
    const c = await card();
    /** The official CLI's fixture route: Stripe's older card test authorizations. */
    const request = async (body: Record<string, string>) => {
      const res = await fetch(`${server.url}/v1/issuing/cards/${c.id}/test/authorizations`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${TEST_KEY}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams(body).toString(),
      });
      expect(res.status).toBe(200);
      return (await res.json()) as Stripe.Issuing.Authorization;
    };
    const held = { held_amount: '100', held_currency: 'usd', authorization_method: 'online' };
    const pending = await request({ ...held, 'merchant_data[name]': 'Corner Shop' });
    expect(schemaErrors(pending)).toEqual([]);
    expect(pending).toMatchObject({
      status: 'pending',
      approved: false,
      amount: 0,
      merchant_data: { name: 'Corner Shop' },
      pending_request: { amount: 100, currency: 'usd', is_amount_controllable: false },
    });
    await events.event(
      'issuing_authorization.request',
      null,
      (o: { id: string }) => o.id === pending.id,
    );
    const approved = await stripe.issuing.authorizations.approve(pending.id, {
      metadata: { by: 'me' },
    });
    expect(approved).toMatchObject({
      approved: true,
      status: 'pending',
      amount: 100,
      pending_request: null,
      metadata: { by: 'me' },
    });
    expect(approved.request_history.at(-1)).toMatchObject({
      approved: true,
      reason: 'webhook_approved',
    });
    await events.event(
      'issuing_authorization.created',
      null,
      (o: { id: string; approved: boolean }) => o.id === pending.id && o.approved,
    );
    await expect(stripe.issuing.authorizations.decline(pending.id)).rejects.toMatchObject({
      statusCode: 400,
    });

    const second = await request(held);
    const declined = await stripe.issuing.authorizations.decline(second.id);
    expect(declined).toMatchObject({ approved: false, status: 'closed', pending_request: null });
    expect(declined.request_history.at(-1)).toMatchObject({ reason: 'webhook_declined' });
    await expect(
      stripe.issuing.authorizations.approve(second.id, { amount: 50 }),
    ).rejects.toMatchObject({ code: 'parameter_not_supported', param: 'amount' });

    const third = await request(held);
    const timedOut = await events.event(
      'issuing_authorization.created',
      null,
      (o: { id: string }) => o.id === third.id,
    );
    const decided = timedOut.data.object as unknown as Stripe.Issuing.Authorization;
    expect(decided).toMatchObject({ approved: false, status: 'closed' });
    expect(decided.request_history.at(-1)).toMatchObject({ reason: 'webhook_timeout' });
    expect(timedOut.created - third.created).toBeGreaterThanOrEqual(1);
  });

  it('lists Issuing authorizations by card, cardholder, status and created', async () => {
    const a = await card();
    const b = await card();
    const one = await authorize(a, 100);
    const two = await authorize(b, 200);
    await stripe.testHelpers.issuing.authorizations.reverse(two.id);
    const ids = async (params: Stripe.Issuing.AuthorizationListParams) =>
      (await stripe.issuing.authorizations.list({ limit: 100, ...params })).data.map((x) => x.id);
    expect(await ids({ card: a.id })).toEqual([one.id]);
    expect(await ids({ cardholder: b.cardholder.id })).toEqual([two.id]);
    const reversed = await ids({ status: 'reversed' });
    expect(reversed).toContain(two.id);
    expect(reversed).not.toContain(one.id);
    expect(await ids({ created: { gt: two.created } })).toEqual([]);
    expect(await ids({ created: { gte: one.created } })).toEqual(
      expect.arrayContaining([one.id, two.id]),
    );
    // Another account's authorizations are not the platform's, and the other way round.
    const theirs = await authorize(await card(account), 100, account);
    expect(await ids({})).not.toContain(theirs.id);
    await expect(stripe.issuing.authorizations.retrieve(theirs.id)).rejects.toMatchObject({
      statusCode: 404,
      message: `No such issuing authorization: '${theirs.id}'`,
    });
    await expect(
      stripe.issuing.authorizations.retrieve(one.id, {}, on(account)),
    ).rejects.toMatchObject({ statusCode: 404 });
    await expect(authorize(a, 100, account)).rejects.toMatchObject({
      statusCode: 404,
      param: 'card',
    });
  });

  it('lists Issuing transactions by card, cardholder, type and created', async () => {
    const a = await card();
    const b = await card();
    const capture = await stripe.testHelpers.issuing.transactions.createForceCapture({
      card: a.id,
      amount: 300,
    });
    const refund = await stripe.testHelpers.issuing.transactions.createUnlinkedRefund({
      card: b.id,
      amount: 100,
    });
    const ids = async (params: Stripe.Issuing.TransactionListParams) =>
      (await stripe.issuing.transactions.list({ limit: 100, ...params })).data.map((x) => x.id);
    expect(await ids({ card: a.id })).toEqual([capture.id]);
    expect(await ids({ cardholder: b.cardholder.id })).toEqual([refund.id]);
    const refunds = await ids({ type: 'refund' });
    expect(refunds).toContain(refund.id);
    expect(refunds).not.toContain(capture.id);
    expect(await ids({ created: { gt: refund.created } })).toEqual([]);
    await expect(
      stripe.issuing.transactions.retrieve(capture.id, {}, on(account)),
    ).rejects.toMatchObject({ statusCode: 404 });
  });

  it('a force capture and an unlinked refund make transactions of their amount on the card they name', async () => {
    const c = await card(account);
    const capture = await stripe.testHelpers.issuing.transactions.createForceCapture(
      {
        card: c.id,
        amount: 1234,
        currency: 'usd',
        merchant_data: {
          category: 'taxicabs_limousines',
          city: 'San Francisco',
          name: 'Rocket Rides',
        },
      },
      on(account),
    );
    expect(schemaErrors(capture)).toEqual([]);
    expect(capture).toMatchObject({
      type: 'capture',
      amount: -1234,
      merchant_amount: -1234,
      authorization: null,
      card: c.id,
      merchant_data: { category_code: '4121', name: 'Rocket Rides' },
    });
    await events.event(
      'issuing_transaction.created',
      account,
      (o: { id: string }) => o.id === capture.id,
    );
    const refund = await stripe.testHelpers.issuing.transactions.createUnlinkedRefund(
      { card: c.id, amount: 234 },
      on(account),
    );
    expect(refund).toMatchObject({ type: 'refund', amount: 234, authorization: null, card: c.id });
    await expect(
      stripe.testHelpers.issuing.transactions.createForceCapture(
        { card: c.id, amount: 1, currency: 'eur' },
        on(account),
      ),
    ).rejects.toMatchObject({ code: 'parameter_not_supported', param: 'currency' });
    await expect(
      stripe.testHelpers.issuing.transactions.createForceCapture({ card: c.id, amount: 1 }),
    ).rejects.toMatchObject({ statusCode: 404, param: 'card' });
  });

  it('disputes an Issuing transaction: evidence while unsubmitted, then submitted and won', async () => {
    const c = await card(account);
    const tx = await stripe.testHelpers.issuing.transactions.createForceCapture(
      { card: c.id, amount: 2000 },
      on(account),
    );
    const dispute = await stripe.issuing.disputes.create(
      {
        transaction: tx.id,
        evidence: { reason: 'fraudulent', fraudulent: { explanation: 'Not me' } },
        metadata: { case: '1' },
      },
      on(account),
    );
    expect(schemaErrors(dispute)).toEqual([]);
    expect(dispute).toMatchObject({
      object: 'issuing.dispute',
      amount: 2000,
      status: 'unsubmitted',
      transaction: tx.id,
      evidence: {
        reason: 'fraudulent',
        fraudulent: { explanation: 'Not me', additional_documentation: null },
      },
      metadata: { case: '1' },
    });
    await events.event(
      'issuing_dispute.created',
      account,
      (o: { id: string }) => o.id === dispute.id,
    );
    expect((await stripe.issuing.transactions.retrieve(tx.id, {}, on(account))).dispute).toBe(
      dispute.id,
    );
    await expect(
      stripe.issuing.disputes.create({ transaction: tx.id }, on(account)),
    ).rejects.toMatchObject({ statusCode: 400, param: 'transaction' });
    // Evidence files are the caller's file uploads.
    await expect(
      stripe.issuing.disputes.update(
        dispute.id,
        { evidence: { fraudulent: { additional_documentation: 'file_1' } } },
        on(account),
      ),
    ).rejects.toMatchObject({
      statusCode: 404,
      param: 'evidence[fraudulent][additional_documentation]',
    });
    const upload = await stripe.files.create(
      {
        file: { data: pdf('evidence'), name: 'evidence.pdf', type: 'application/pdf' },
        purpose: 'dispute_evidence',
      },
      on(account),
    );
    const documented = await stripe.issuing.disputes.update(
      dispute.id,
      { evidence: { fraudulent: { additional_documentation: upload.id } } },
      on(account),
    );
    expect(documented.evidence.fraudulent).toMatchObject({
      additional_documentation: upload.id,
      explanation: 'Not me',
    });

    const updated = await stripe.issuing.disputes.update(
      dispute.id,
      { amount: 1500, evidence: { fraudulent: { explanation: 'winning_evidence' } } },
      on(account),
    );
    expect(updated).toMatchObject({
      amount: 1500,
      evidence: { fraudulent: { explanation: 'winning_evidence' } },
    });
    await events.event(
      'issuing_dispute.updated',
      account,
      (o: { id: string }) => o.id === dispute.id,
    );
    await expect(
      stripe.issuing.disputes.update(dispute.id, { amount: 2001 }, on(account)),
    ).rejects.toMatchObject({ statusCode: 400, param: 'amount' });

    const submitted = await stripe.issuing.disputes.submit(dispute.id, {}, on(account));
    expect(submitted.status).toBe('submitted');
    await events.event(
      'issuing_dispute.submitted',
      account,
      (o: { id: string }) => o.id === dispute.id,
    );
    await expect(
      stripe.issuing.disputes.update(dispute.id, { evidence: { reason: 'other' } }, on(account)),
    ).rejects.toMatchObject({ statusCode: 400, param: 'evidence' });
    const won = await events.event(
      'issuing_dispute.closed',
      account,
      (o: { id: string }) => o.id === dispute.id,
    );
    expect(won.data.object).toMatchObject({ status: 'won' });
    await events.event(
      'issuing_dispute.funds_reinstated',
      account,
      (o: { id: string }) => o.id === dispute.id,
    );
    expect((await stripe.issuing.disputes.retrieve(dispute.id, {}, on(account))).status).toBe(
      'won',
    );

    // A dispute without an explanation cannot be submitted; a losing one is lost.
    const tx2 = await stripe.testHelpers.issuing.transactions.createForceCapture(
      { card: c.id, amount: 100 },
      on(account),
    );
    const bare = await stripe.issuing.disputes.create({ transaction: tx2.id }, on(account));
    await expect(stripe.issuing.disputes.submit(bare.id, {}, on(account))).rejects.toMatchObject({
      statusCode: 400,
      param: 'evidence[other][explanation]',
    });
    await stripe.issuing.disputes.update(
      bare.id,
      { evidence: { other: { explanation: 'losing_evidence', product_type: 'service' } } },
      on(account),
    );
    await stripe.issuing.disputes.submit(bare.id, {}, on(account));
    const lost = await events.event(
      'issuing_dispute.closed',
      account,
      (o: { id: string }) => o.id === bare.id,
    );
    expect(lost.data.object).toMatchObject({ status: 'lost' });
    await expect(stripe.issuing.disputes.retrieve(bare.id)).rejects.toMatchObject({
      statusCode: 404,
      message: `No such issuing dispute: '${bare.id}'`,
    });
  });

  it('lists Issuing disputes by status, transaction and created', async () => {
    const c = await card();
    const [t1, t2] = [
      await stripe.testHelpers.issuing.transactions.createForceCapture({ card: c.id, amount: 100 }),
      await stripe.testHelpers.issuing.transactions.createForceCapture({ card: c.id, amount: 200 }),
    ];
    const d1 = await stripe.issuing.disputes.create({
      transaction: t1.id,
      evidence: { reason: 'other', other: { explanation: 'x' } },
    });
    const d2 = await stripe.issuing.disputes.create({ transaction: t2.id });
    await stripe.issuing.disputes.submit(d1.id);
    const ids = async (params: Stripe.Issuing.DisputeListParams) =>
      (await stripe.issuing.disputes.list({ limit: 100, ...params })).data.map((x) => x.id);
    expect(await ids({ transaction: t2.id })).toEqual([d2.id]);
    const submitted = await ids({ status: 'submitted' });
    expect(submitted).toContain(d1.id);
    expect(submitted).not.toContain(d2.id);
    expect(await ids({ created: { gt: d2.created } })).toEqual([]);
    expect(await ids({})).toEqual(expect.arrayContaining([d1.id, d2.id]));
  });
});
