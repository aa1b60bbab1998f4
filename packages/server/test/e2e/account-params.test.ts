import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver } from '../helpers/receiver.js';
import { schemaErrors } from '../helpers/schemas.js';
import { startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';

const DAY = 86_400;

/** Moves the manual clock as a test script would: POST /v1/switchboard/clock/advance. */
async function advanceTo(server: TestServer, unix: number): Promise<void> {
  const res = await fetch(`${server.url}/v1/switchboard/clock/advance`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${TEST_KEY}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: `to=${unix}`,
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

async function clockNow(stripe: Stripe): Promise<number> {
  return ((await stripe.rawRequest('GET', '/v1/switchboard/clock')) as unknown as { now: number })
    .now;
}

/** 00:00 UTC of the next `weekday` (0 Sunday .. 6 Saturday) strictly after `unix`. */
function nextWeekday(unix: number, weekday: number): number {
  const midnight = Math.floor(unix / DAY) * DAY;
  const today = new Date(midnight * 1000).getUTCDay();
  return midnight + ((weekday - today + 7) % 7 || 7) * DAY;
}

/** What `accounts.create` is given by an Express platform that prefills its sellers' details. */
const individual = {
  first_name: 'Jenny',
  last_name: 'Rosen',
  email: 'jenny.rosen@example.com',
  phone: '+14155550100',
  dob: { day: 1, month: 1, year: 1901 },
  address: {
    line1: 'address_full_match',
    city: 'South San Francisco',
    state: 'CA',
    postal_code: '94080',
    country: 'US',
  },
  ssn_last_4: '0000',
  id_number: '000000000',
  political_exposure: 'none' as const,
  metadata: { seller: 's_42' },
  relationship: { title: 'Owner', percent_ownership: 100 },
};

const settings = {
  payouts: {
    schedule: { interval: 'weekly' as const, weekly_anchor: 'friday' as const, delay_days: 3 },
    statement_descriptor: 'JENNY PAYOUT',
    debit_negative_balances: true,
  },
  payments: { statement_descriptor: 'JENNY ROSEN STUDIO' },
  card_payments: {
    statement_descriptor_prefix: 'JENNY',
    decline_on: { avs_failure: false, cvc_failure: true },
  },
  branding: { primary_color: '#ff5733', secondary_color: '#33c1ff' },
  bacs_debit_payments: { display_name: 'Jenny Rosen' },
};

const businessProfile = {
  mcc: '5734',
  url: 'https://accessible.stripe.com',
  name: 'Jenny Rosen Studio',
  product_description: 'Handmade prints',
  support_email: 'support@example.com',
  support_phone: '+14155550101',
  support_url: 'https://example.com/support',
  support_address: { line1: '1 Main St', city: 'Oakland', state: 'CA', postal_code: '94607' },
  estimated_worker_count: 3,
  annual_revenue: { amount: 120_000_00, currency: 'usd', fiscal_year_end: '2025-12-31' },
  monthly_estimated_revenue: { amount: 10_000_00, currency: 'usd' },
  minority_owned_business_designation: ['women_owned_business' as const],
};

describe('account parameters: applied, read back, and what they enable', () => {
  let server: TestServer;
  let receiver: Receiver;
  let stripe: Stripe;

  beforeAll(async () => {
    server = await startTestServer({ config: { clock: 'manual' } });
    receiver = await new Receiver().start();
    stripe = server.stripe();
    const connect = await stripe.webhookEndpoints.create({
      url: receiver.url('/connect'),
      enabled_events: ['*'],
      connect: true,
    });
    const own = await stripe.webhookEndpoints.create({
      url: receiver.url('/platform'),
      enabled_events: ['*'],
    });
    receiver.expect('/connect', connect.secret!);
    receiver.expect('/platform', own.secret!);
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  const events = (account: string, type?: string) =>
    receiver
      .at('/connect')
      .map((r) => r.event as unknown as Stripe.Event)
      .filter((e) => e.account === account && (type === undefined || e.type === type));

  it('creates an Express account with individual, settings and external_account: every field reads back, the representative is a Person', async () => {
    const account = await stripe.accounts.create({
      type: 'express',
      country: 'US',
      email: 'jenny.rosen@example.com',
      default_currency: 'usd',
      business_type: 'individual',
      capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
      individual,
      business_profile: businessProfile,
      settings,
      external_account: 'btok_us',
      groups: { payments_pricing: 'standard_pricing' },
      metadata: { internal_id: '42' },
    });
    expect(schemaErrors(account)).toEqual([]);
    const read = await stripe.accounts.retrieve(account.id);
    expect(read).toEqual(account);

    // individual: the representative person, listed with the account's persons.
    const persons = await stripe.accounts.listPersons(account.id);
    expect(persons.data).toHaveLength(1);
    const person = persons.data[0]!;
    expect(read.individual).toEqual(person);
    expect(schemaErrors(person)).toEqual([]);
    expect(person).toMatchObject({
      object: 'person',
      account: account.id,
      first_name: 'Jenny',
      last_name: 'Rosen',
      email: 'jenny.rosen@example.com',
      phone: '+14155550100',
      dob: { day: 1, month: 1, year: 1901 },
      address: { ...individual.address, line2: null },
      ssn_last_4_provided: true,
      id_number_provided: true,
      political_exposure: 'none',
      metadata: { seller: 's_42' },
      relationship: { representative: true, title: 'Owner', percent_ownership: 100 },
      requirements: { currently_due: [] },
    });

    // settings, field by field.
    expect(read.settings!.payouts).toEqual({
      schedule: { interval: 'weekly', weekly_anchor: 'friday', delay_days: 3 },
      statement_descriptor: 'JENNY PAYOUT',
      debit_negative_balances: true,
    });
    expect(read.settings!.payments).toMatchObject({ statement_descriptor: 'JENNY ROSEN STUDIO' });
    expect(read.settings!.card_payments).toMatchObject({
      statement_descriptor_prefix: 'JENNY',
      decline_on: { avs_failure: false, cvc_failure: true },
    });
    expect(read.settings!.branding).toEqual({
      icon: null,
      logo: null,
      primary_color: '#ff5733',
      secondary_color: '#33c1ff',
    });
    expect(read.settings!.bacs_debit_payments).toMatchObject({ display_name: 'Jenny Rosen' });

    // external_account: listed under the account.
    const banks = await stripe.accounts.listExternalAccounts(account.id);
    expect(banks.data).toHaveLength(1);
    expect(banks.data[0]).toMatchObject({
      object: 'bank_account',
      account: account.id,
      last4: '6789',
      default_for_currency: true,
      currency: 'usd',
    });
    expect(read.external_accounts!.data).toEqual(banks.data);

    expect(read.business_profile).toMatchObject({
      ...businessProfile,
      support_address: { ...businessProfile.support_address, country: null, line2: null },
    });
    expect(read).toMatchObject({
      email: 'jenny.rosen@example.com',
      default_currency: 'usd',
      business_type: 'individual',
      metadata: { internal_id: '42' },
      groups: { payments_pricing: 'standard_pricing' },
      capabilities: { card_payments: 'inactive', transfers: 'inactive' },
      charges_enabled: false,
      payouts_enabled: false,
      details_submitted: false,
    });
    // What the prefilled fields leave to Stripe's onboarding: the terms of service.
    expect(read.requirements!.currently_due).toEqual(['tos_acceptance.date', 'tos_acceptance.ip']);

    await receiver.waitFor(
      () =>
        events(account.id, 'person.created').length === 1 &&
        events(account.id, 'account.external_account.created').length === 1 &&
        events(account.id, 'capability.updated').length === 2,
      10_000,
      'person.created, account.external_account.created and capability.updated',
    );
    expect(events(account.id, 'person.created')[0]!.data.object).toMatchObject({ id: person.id });
    expect(events(account.id, 'account.external_account.created')[0]!.data.object).toMatchObject({
      id: banks.data[0]!.id,
    });
    for (const e of events(account.id)) expect(schemaErrors(e), e.type).toEqual([]);

    // Onboarding (the hosted page's test helper) accepts the terms: the account is enabled.
    const onboarded = (await stripe.rawRequest(
      'POST',
      `/v1/test_helpers/accounts/${account.id}/complete_onboarding`,
      {},
    )) as unknown as Stripe.Account;
    expect(onboarded).toMatchObject({
      charges_enabled: true,
      payouts_enabled: true,
      details_submitted: true,
      capabilities: { card_payments: 'active', transfers: 'active' },
      tos_acceptance: { ip: '127.0.0.1' },
    });
    // Nothing prefilled was replaced, and no second person or bank account was made.
    expect(onboarded.individual).toMatchObject({ id: person.id, first_name: 'Jenny' });
    expect((await stripe.accounts.listPersons(account.id)).data).toHaveLength(1);
    expect((await stripe.accounts.listExternalAccounts(account.id)).data).toHaveLength(1);

    // individual on update changes the same person (person.updated).
    const updated = await stripe.accounts.update(account.id, {
      individual: { first_name: 'Janet', address: { line2: 'Unit 2' } },
      tos_acceptance: { user_agent: 'Mozilla/5.0' },
    });
    expect(updated.individual).toMatchObject({
      id: person.id,
      first_name: 'Janet',
      address: { line1: 'address_full_match', line2: 'Unit 2' },
    });
    expect(updated.tos_acceptance).toMatchObject({ ip: '127.0.0.1', user_agent: 'Mozilla/5.0' });
    await receiver.waitFor(() =>
      events(account.id, 'person.updated').some(
        (e) => (e.data.object as Stripe.Person).first_name === 'Janet',
      ),
    );
    const change = events(account.id, 'person.updated').at(-1)!;
    expect(change.data.previous_attributes).toMatchObject({ first_name: 'Jenny' });
  });

  it('pays out on the schedule set: weekly on Fridays, charges held delay_days, then daily, then manual', async () => {
    // A Tuesday noon, so that a charge held 3 days becomes available after Friday's run.
    const tuesdayNoon = nextWeekday(await clockNow(stripe), 2) + DAY / 2;
    await advanceTo(server, tuesdayNoon);
    const account = await stripe.accounts.create({
      type: 'express',
      business_type: 'individual',
      individual,
      business_profile: businessProfile,
      capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
      external_account: 'btok_us',
      settings: {
        payouts: { schedule: { interval: 'weekly', weekly_anchor: 'friday', delay_days: 3 } },
      },
    });
    await stripe.rawRequest(
      'POST',
      `/v1/test_helpers/accounts/${account.id}/complete_onboarding`,
      {},
    );
    const asAccount = { stripeAccount: account.id };
    const bank = (await stripe.accounts.listExternalAccounts(account.id)).data[0]!;

    // Funds available at once (a transfer from the platform's available balance) ...
    await stripe.paymentIntents.create({
      amount: 5000,
      currency: 'usd',
      payment_method: 'pm_card_bypassPending',
      confirm: true,
    });
    await stripe.transfers.create({ amount: 1500, currency: 'usd', destination: account.id });
    // ... and a direct charge, held delay_days (3) on the account's schedule.
    const pi = await stripe.paymentIntents.create(
      { amount: 10_000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true },
      asAccount,
    );
    const charge = await stripe.charges.retrieve(pi.latest_charge as string, {}, asAccount);
    const txn = await stripe.balanceTransactions.retrieve(
      charge.balance_transaction as string,
      {},
      asAccount,
    );
    expect(txn.available_on).toBe(tuesdayNoon + 3 * DAY);
    const net = txn.net;

    const friday = tuesdayNoon - DAY / 2 + 3 * DAY;
    await advanceTo(server, friday - 1);
    expect((await stripe.payouts.list({}, asAccount)).data).toEqual([]);

    // Friday 00:00 UTC: an automatic payout of what is available (the transfer; the charge's
    // funds are still held until Friday noon).
    await advanceTo(server, friday);
    const first = (await stripe.payouts.list({}, asAccount)).data;
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({
      automatic: true,
      amount: 1500,
      currency: 'usd',
      destination: bank.id,
      status: 'pending',
      created: friday,
      arrival_date: friday + DAY,
    });
    expect(schemaErrors(first[0])).toEqual([]);
    await receiver.waitFor(() =>
      events(account.id, 'payout.created').some(
        (e) => (e.data.object as Stripe.Payout).id === first[0]!.id,
      ),
    );

    // The next Friday pays out the charge's funds; the first payout arrived meanwhile.
    await advanceTo(server, friday + 7 * DAY);
    const second = (await stripe.payouts.list({}, asAccount)).data;
    expect(second.map((p) => [p.amount, p.automatic, p.status])).toEqual([
      [net, true, 'pending'],
      [1500, true, 'paid'],
    ]);
    expect(second[0]!.created).toBe(friday + 7 * DAY);
    await receiver.waitFor(() =>
      events(account.id, 'payout.paid').some(
        (e) => (e.data.object as Stripe.Payout).id === first[0]!.id,
      ),
    );

    // daily: every day at 00:00 UTC.
    await stripe.accounts.update(account.id, {
      settings: { payouts: { schedule: { interval: 'daily' } } },
    });
    const daily = await stripe.accounts.retrieve(account.id);
    expect(daily.settings!.payouts!.schedule).toEqual({ interval: 'daily', delay_days: 3 });
    await stripe.transfers.create({ amount: 700, currency: 'usd', destination: account.id });
    await advanceTo(server, friday + 8 * DAY);
    const third = (await stripe.payouts.list({ limit: 1 }, asAccount)).data[0]!;
    expect(third).toMatchObject({ amount: 700, automatic: true, created: friday + 8 * DAY });

    // manual: no automatic payouts; POST /v1/payouts is how funds leave.
    await stripe.accounts.update(account.id, {
      settings: { payouts: { schedule: { interval: 'manual' } } },
    });
    await stripe.transfers.create({ amount: 900, currency: 'usd', destination: account.id });
    await advanceTo(server, friday + 15 * DAY);
    const count = (await stripe.payouts.list({ limit: 100 }, asAccount)).data.length;
    expect(count).toBe(3);
    const balance = await stripe.balance.retrieve({}, asAccount);
    expect(balance.available.find((b) => b.currency === 'usd')!.amount).toBe(900);
    const manual = await stripe.payouts.create({ amount: 900, currency: 'usd' }, asAccount);
    expect(manual).toMatchObject({ automatic: false, amount: 900, destination: bank.id });
    for (const e of events(account.id).filter((x) => x.type.startsWith('payout.')))
      expect(schemaErrors(e), e.type).toEqual([]);
  });

  it('refuses schedules and parameters Stripe refuses or Switchboard does not model, naming them', async () => {
    const account = await stripe.accounts.create({ type: 'custom', country: 'US' });
    const refused = (params: Stripe.AccountUpdateParams | Record<string, unknown>) =>
      stripe.accounts.update(account.id, params as Stripe.AccountUpdateParams).then(
        () => null,
        (e: Stripe.errors.StripeError) => ({ code: e.code, param: e.param, message: e.message }),
      );
    const schedule = (s: Record<string, unknown>) => ({ settings: { payouts: { schedule: s } } });
    expect(await refused(schedule({ delay_days: 1 }))).toMatchObject({
      param: 'settings[payouts][schedule][delay_days]',
    });
    expect(await refused(schedule({ interval: 'manual', delay_days: 4 }))).toMatchObject({
      param: 'settings[payouts][schedule][delay_days]',
    });
    expect(await refused(schedule({ interval: 'weekly' }))).toMatchObject({
      code: 'parameter_missing',
      param: 'settings[payouts][schedule][weekly_anchor]',
    });
    expect(await refused(schedule({ interval: 'monthly' }))).toMatchObject({
      code: 'parameter_missing',
      param: 'settings[payouts][schedule][monthly_anchor]',
    });
    expect(
      await refused({ settings: { payments: { statement_descriptor: 'ABC' } } }),
    ).toMatchObject({ param: 'settings[payments][statement_descriptor]' });
    expect(await refused({ settings: { branding: { primary_color: 'red' } } })).toMatchObject({
      param: 'settings[branding][primary_color]',
    });
    for (const [params, param] of [
      [{ settings: { branding: { icon: 'file_123' } } }, 'settings[branding][icon]'],
      [{ documents: { proof_of_registration: { files: ['file_1'] } } }, 'documents'],
      [{ account_token: 'ct_123' }, 'account_token'],
      [{ company: { verification: { document: { front: 'file_1' } } } }, 'company[verification]'],
      [
        { individual: { verification: { document: { front: 'file_1' } } } },
        'individual[verification]',
      ],
    ] as const) {
      expect(await refused(params), param).toMatchObject({
        code: 'parameter_not_supported',
        param,
      });
    }
    // 'minimum' is the country's least; monthly with an anchor reads back only its anchor.
    const monthly = await stripe.accounts.update(account.id, {
      settings: {
        payouts: { schedule: { interval: 'monthly', monthly_anchor: 31, delay_days: 'minimum' } },
      },
    });
    expect(monthly.settings!.payouts!.schedule).toEqual({
      interval: 'monthly',
      monthly_anchor: 31,
      delay_days: 2,
    });
    // Custom accounts do not debit negative balances unless asked (Stripe's default).
    expect(monthly.settings!.payouts!.debit_negative_balances).toBe(false);
    // Payout days instead of an anchor; an anchor of another interval is refused, naming it.
    const days = await stripe.accounts.update(account.id, {
      settings: { payouts: { schedule: { interval: 'weekly', weekly_payout_days: ['tuesday'] } } },
    });
    expect(days.settings!.payouts!.schedule).toEqual({
      interval: 'weekly',
      weekly_payout_days: ['tuesday'],
      delay_days: 2,
    });
    expect(await refused(schedule({ monthly_payout_days: [1] }))).toMatchObject({
      param: 'settings[payouts][schedule][monthly_payout_days]',
    });
    expect(await refused(schedule({ interval: 'daily', weekly_anchor: 'monday' }))).toMatchObject({
      param: 'settings[payouts][schedule][weekly_anchor]',
    });
  });

  it('company fields and tos_acceptance on a Custom account; its representative completes it', async () => {
    const account = await stripe.accounts.create({
      type: 'custom',
      country: 'US',
      business_type: 'company',
      capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
      company: {
        name: 'Rosen Prints LLC',
        phone: '+14155550102',
        tax_id: '000000000',
        structure: 'multi_member_llc',
        address: { line1: '1 Main St', city: 'Oakland', state: 'CA', postal_code: '94607' },
        owners_provided: true,
        directors_provided: true,
        executives_provided: true,
        ownership_declaration: { date: 1_700_000_000, ip: '203.0.113.7' },
      },
      business_profile: { mcc: '5734', url: 'https://accessible.stripe.com' },
      tos_acceptance: {
        date: 1_700_000_000,
        ip: '203.0.113.7',
        user_agent: 'Mozilla/5.0',
        service_agreement: 'full',
      },
      external_account: {
        object: 'bank_account',
        country: 'US',
        currency: 'usd',
        routing_number: '110000000',
        account_number: '000123456789',
        account_holder_name: 'Rosen Prints LLC',
        account_holder_type: 'company',
      },
    });
    expect(schemaErrors(account)).toEqual([]);
    expect(account.company).toMatchObject({
      name: 'Rosen Prints LLC',
      phone: '+14155550102',
      tax_id_provided: true,
      structure: 'multi_member_llc',
      address: { line1: '1 Main St', city: 'Oakland', state: 'CA', postal_code: '94607' },
      owners_provided: true,
      directors_provided: true,
      executives_provided: true,
      ownership_declaration: { date: 1_700_000_000, ip: '203.0.113.7', user_agent: null },
    });
    expect(account.tos_acceptance).toEqual({
      date: 1_700_000_000,
      ip: '203.0.113.7',
      user_agent: 'Mozilla/5.0',
      service_agreement: 'full',
    });
    expect(account.external_accounts!.data[0]).toMatchObject({
      account_holder_name: 'Rosen Prints LLC',
      account_holder_type: 'company',
    });
    expect(account.individual).toBeUndefined();
    expect(account.requirements!.currently_due).toEqual([
      'representative.first_name',
      'representative.last_name',
    ]);
    expect(account.charges_enabled).toBe(false);
    // The representative, through the persons API, is all that was missing.
    await stripe.accounts.createPerson(account.id, {
      ...individual,
      relationship: { representative: true, executive: true, title: 'CEO' },
    });
    const done = await stripe.accounts.retrieve(account.id);
    expect(done).toMatchObject({
      charges_enabled: true,
      payouts_enabled: true,
      capabilities: { card_payments: 'active', transfers: 'active' },
      requirements: { currently_due: [] },
    });
    expect(schemaErrors(done)).toEqual([]);
    await receiver.waitFor(
      () => events(account.id, 'person.created').length === 1,
      10_000,
      'person.created',
    );
    for (const e of events(account.id)) expect(schemaErrors(e), e.type).toEqual([]);
    // The recipient service agreement cannot take card payments.
    const recipient = await stripe.accounts
      .create({
        type: 'custom',
        tos_acceptance: { service_agreement: 'recipient' },
        capabilities: { card_payments: { requested: true } },
      })
      .catch((e: Stripe.errors.StripeError) => e);
    expect(recipient).toMatchObject({ param: 'capabilities[card_payments]' });
  });

  it('an Express account created without capabilities is neither charges- nor payouts-enabled, and refuses charges and payouts', async () => {
    const account = await stripe.accounts.create({
      type: 'express',
      business_type: 'individual',
      individual,
      business_profile: businessProfile,
      tos_acceptance: { date: 1_700_000_000, ip: '203.0.113.7' },
      external_account: 'btok_us',
    });
    expect(account.requirements!.currently_due).toEqual([]);
    expect(account).toMatchObject({
      capabilities: {},
      charges_enabled: false,
      payouts_enabled: false,
    });
    const asAccount = { stripeAccount: account.id };
    await expect(
      stripe.paymentIntents.create(
        { amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true },
        asAccount,
      ),
    ).rejects.toMatchObject({
      statusCode: 400,
      message:
        'You cannot create a charge on a connected account without the `card_payments` capability enabled.',
    });
    await expect(
      stripe.payouts.create({ amount: 100, currency: 'usd' }, asAccount),
    ).rejects.toMatchObject({ statusCode: 400, code: 'payouts_not_allowed' });
  });

  it('refuses charges, transfers and payouts a Custom account cannot take, moving nothing', async () => {
    // card_payments and transfers requested, nothing provided: neither enabled, no bank account.
    const account = await stripe.accounts.create({
      type: 'custom',
      country: 'US',
      capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
    });
    expect(account).toMatchObject({ charges_enabled: false, payouts_enabled: false });
    const asAccount = { stripeAccount: account.id };
    const platformBefore = await stripe.balance.retrieve();

    // A direct charge: the PaymentIntent is made, its confirmation refused; no charge exists.
    const pi = await stripe.paymentIntents.create(
      { amount: 1000, currency: 'usd', payment_method: 'pm_card_visa' },
      asAccount,
    );
    const direct = await stripe.paymentIntents
      .confirm(pi.id, {}, asAccount)
      .catch((e: Stripe.errors.StripeError) => e);
    expect(direct).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
    expect((direct as Stripe.errors.StripeError).message).toContain(
      'This Connect account cannot currently make test charges.',
    );
    expect(await stripe.paymentIntents.retrieve(pi.id, {}, asAccount)).toMatchObject({
      status: 'requires_confirmation',
      latest_charge: null,
    });

    // A destination charge to it, and a transfer to it.
    const capabilityError = {
      statusCode: 400,
      code: 'insufficient_capabilities_for_transfer',
      message:
        'Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments',
    };
    await expect(
      stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        payment_method: 'pm_card_visa',
        confirm: true,
        transfer_data: { destination: account.id },
      }),
    ).rejects.toMatchObject({ ...capabilityError, param: 'transfer_data[destination]' });
    await expect(
      stripe.transfers.create({ amount: 100, currency: 'usd', destination: account.id }),
    ).rejects.toMatchObject({ ...capabilityError, param: 'destination' });

    // Its payouts.
    await expect(
      stripe.payouts.create({ amount: 100, currency: 'usd' }, asAccount),
    ).rejects.toMatchObject({ statusCode: 400, code: 'payouts_not_allowed' });
    expect(await stripe.balance.retrieve()).toEqual(platformBefore);

    // Everything given but a bank account: payouts are refused, saying so.
    const noBank = await stripe.accounts.create({
      type: 'custom',
      country: 'US',
      business_type: 'individual',
      capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
      individual,
      business_profile: { mcc: '5734', url: 'https://accessible.stripe.com' },
      tos_acceptance: { date: 1_700_000_000, ip: '203.0.113.7' },
    });
    expect(noBank.requirements!.currently_due).toEqual(['external_account']);
    expect(noBank.payouts_enabled).toBe(false);
    const refusal = await stripe.payouts
      .create({ amount: 100, currency: 'usd' }, { stripeAccount: noBank.id })
      .catch((e: Stripe.errors.StripeError) => e);
    expect(refusal).toMatchObject({ statusCode: 400, code: 'payouts_not_allowed' });
    expect((refusal as Stripe.errors.StripeError).message).toContain('no usable bank account');

    // Onboarded, its only bank account (of its default currency) stays, as on Stripe.
    await stripe.rawRequest(
      'POST',
      `/v1/test_helpers/accounts/${account.id}/complete_onboarding`,
      {},
    );
    const bank = (await stripe.accounts.listExternalAccounts(account.id)).data[0]!;
    await expect(stripe.accounts.deleteExternalAccount(account.id, bank.id)).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining('You cannot delete the default external account'),
    });
    expect((await stripe.accounts.retrieve(account.id)).payouts_enabled).toBe(true);
  });
});
