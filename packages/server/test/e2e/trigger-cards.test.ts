import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentEvents } from '../helpers/payments.js';
import { payableAccount, endPaymentScenario, startPaymentScenario } from '../helpers/payments.js';
import type { TestServer } from '../helpers/server.js';

/**
 * Connect's trigger cards (docs.stripe.com/connect/testing#trigger-cards and
 * /connect/testing-verification): a charge on or on behalf of a connected account asks it for
 * more information; a block disables its charges or payouts until the account gives it, each
 * change an `account.updated` at the platform's Connect endpoint.
 */
describe('Connect trigger cards', () => {
  let server: TestServer;
  let events: PaymentEvents;
  let stripe: Stripe;

  beforeAll(async () => ({ server, events, stripe } = await startPaymentScenario()));
  afterAll(() => endPaymentScenario({ server, events }));

  const updated = (account: string, check: (a: Stripe.Account) => boolean) =>
    events.event<Stripe.Account>('account.updated', account, (a) => a.id === account && check(a));

  it('tok_visa_triggerChargeBlock on a direct charge disables charges until the ID number is given', async () => {
    const account = await payableAccount(server);
    const as = { stripeAccount: account.id };
    expect(account.requirements?.currently_due).toEqual([]);

    const charge = await stripe.charges.create(
      { amount: 2000, currency: 'usd', source: 'tok_visa_triggerChargeBlock' },
      as,
    );
    expect(charge.status).toBe('succeeded');

    const blocked = (await updated(account.id, (a) => !a.charges_enabled)).data.object;
    expect(blocked.requirements).toMatchObject({
      currently_due: ['individual.id_number'],
      past_due: ['individual.id_number'],
      eventually_due: [],
      disabled_reason: 'requirements.past_due',
    });
    expect(blocked.capabilities?.card_payments).toBe('inactive');
    expect(blocked.payouts_enabled).toBe(true);
    await expect(
      stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_visa' }, as),
    ).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining('cannot currently make test charges'),
    });

    const fixed = await stripe.accounts.update(account.id, {
      individual: { id_number: '000000000' },
    });
    expect(fixed).toMatchObject({
      charges_enabled: true,
      requirements: { currently_due: [], past_due: [], disabled_reason: null },
    });
    await updated(account.id, (a) => a.charges_enabled);
    expect(
      (await stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_visa' }, as))
        .status,
    ).toBe('succeeded');
  });

  it('tok_visa_triggerTransferBlock on behalf of an account disables its payouts, not its charges', async () => {
    const account = await payableAccount(server);
    await stripe.charges.create({
      amount: 5000,
      currency: 'usd',
      source: 'tok_visa_triggerTransferBlock',
      on_behalf_of: account.id,
      transfer_data: { destination: account.id, amount: 4000 },
    });
    const blocked = (await updated(account.id, (a) => !a.payouts_enabled)).data.object;
    expect(blocked).toMatchObject({
      charges_enabled: true,
      requirements: { currently_due: ['individual.id_number'], eventually_due: [] },
    });
    await expect(
      stripe.payouts.create({ amount: 100, currency: 'usd' }, { stripeAccount: account.id }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'payouts_not_allowed' });

    // The representative person is the individual: giving its ID number lifts the block too.
    const [person] = (await stripe.accounts.listPersons(account.id)).data;
    await stripe.accounts.updatePerson(account.id, person!.id, { id_number: '000000000' });
    expect(await stripe.accounts.retrieve(account.id)).toMatchObject({
      payouts_enabled: true,
      requirements: { currently_due: [] },
    });
  });

  it('tok_visa_triggerNextRequirements makes the next requirements currently due, with a deadline, and blocks nothing', async () => {
    const account = await payableAccount(server);
    const before = Math.floor(Date.now() / 1000);
    await stripe.paymentIntents.create(
      {
        amount: 1500,
        currency: 'usd',
        payment_method: 'pm_card_visa_triggerNextRequirements',
        confirm: true,
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      },
      { stripeAccount: account.id },
    );
    const asked = (
      await updated(account.id, (a) => (a.requirements?.currently_due ?? []).length > 0)
    ).data.object;
    expect(asked).toMatchObject({
      charges_enabled: true,
      payouts_enabled: true,
      requirements: {
        currently_due: ['individual.id_number'],
        eventually_due: ['individual.id_number'],
        past_due: [],
        disabled_reason: null,
      },
    });
    expect(asked.requirements!.current_deadline).toBeGreaterThanOrEqual(before + 29 * 86_400);
  });

  it('a trigger card on the platform’s own charge changes no account; the card number works too', async () => {
    const account = await payableAccount(server);
    const charge = await stripe.charges.create({
      amount: 1200,
      currency: 'usd',
      source: 'tok_visa_triggerChargeBlock',
      transfer_data: { destination: account.id },
    });
    expect(charge.status).toBe('succeeded');
    await events.none(
      'account.updated',
      account.id,
      (a: Stripe.Account) => a.id === account.id && !a.charges_enabled && a.details_submitted,
    );
    expect((await stripe.accounts.retrieve(account.id)).charges_enabled).toBe(true);

    const pm = await stripe.paymentMethods.create(
      { type: 'card', card: { number: '4000000000004236', exp_month: 12, exp_year: 2034 } },
      { stripeAccount: account.id },
    );
    await stripe.paymentIntents.create(
      {
        amount: 900,
        currency: 'usd',
        payment_method: pm.id,
        confirm: true,
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      },
      { stripeAccount: account.id },
    );
    await updated(account.id, (a) => !a.payouts_enabled);
  });
});
