import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Operation } from '../../src/stripe/catalogue.js';
import {
  at,
  leaves,
  modelledOperations,
  node,
  readsBack,
  requestWith,
  sample,
  toForm,
  type Leaf,
} from '../helpers/param-walk.js';
import { onboardedAccount } from '../helpers/accounts.js';
import { pdf } from '../helpers/files.js';
import { plainSetups } from '../helpers/plain.js';
import { startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';

/**
 * A modelled operation never drops a parameter the spec accepts: each one its route applies
 * reads back (or has an effect a named test checks), each other one is refused with
 * parameter_not_supported, naming it. Generated from the catalogue: a parameter added to the
 * spec, or to a route, is walked without a line here.
 */
const modelled = modelledOperations();

/** The titles of every test in the repository, for effects that name the test that checks them. */
function testTitles(): Set<string> {
  const root = fileURLToPath(new URL('../../../../', import.meta.url));
  const titles = new Set<string>();
  const visit = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) visit(path);
      else if (name.endsWith('.test.ts')) {
        const text = readFileSync(path, 'utf8').replace(/\s*\n\s*/g, ' ');
        for (const m of text.matchAll(/\bit\(\s*(['"`])((?:\\.|(?!\1).)*)\1/g)) {
          titles.add(m[2]!.replace(/\\(.)/g, '$1'));
        }
      }
    }
  };
  visit(join(root, 'packages'));
  return titles;
}

const isEmptyObject = (v: unknown) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;

describe('every parameter of every modelled operation is applied or refused', () => {
  it('knows at least the operations Switchboard modelled before the catalogue', () => {
    expect(modelled.length).toBeGreaterThanOrEqual(69);
  });

  it('classifies only parameters the spec has, and names a real test for each effect', () => {
    const titles = testTitles();
    const problems: string[] = [];
    for (const { route, op } of modelled) {
      const props = node(op.q).p ?? {};
      for (const [name, field] of Object.entries(route.params)) {
        if (field.use === 'extension') continue;
        if (!(name in props))
          problems.push(`${op.id}: ${name} is not a parameter of the operation`);
      }
      for (const leaf of leaves(route, op)) {
        if (leaf.use === 'effect' && !titles.has(leaf.field!.note!)) {
          problems.push(`${op.id}: ${leaf.param} names no test: '${leaf.field!.note}'`);
        }
        if (leaf.use === 'unclassified' && node(op.q).r?.includes(leaf.param)) {
          problems.push(`${op.id}: the required ${leaf.param} is not applied`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('modelled operations, parameter by parameter, against a real server', () => {
  let server: TestServer;
  let stripe: Stripe;

  beforeAll(async () => {
    // The walk creates an object per parameter: lift the caps on endpoints and destinations.
    server = await startTestServer({
      config: { maxEventDestinations: '1000', maxEndpoints: '1000' },
    });
    stripe = server.stripe();
  });
  afterAll(() => server.close());

  async function send(
    op: Operation,
    path: Record<string, string>,
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
  ) {
    const url = `${server.url}${op.p.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(path[name] ?? 'xx_placeholder'))}`;
    const json = op.p.startsWith('/v2/');
    if (op.mp) {
      // A file upload: its parameters as multipart/form-data, `file` with a PDF's bytes.
      const form = new FormData();
      for (const [name, value] of new URLSearchParams(toForm({ ...body, file: undefined })))
        form.append(name, value);
      form.append(
        'file',
        new Blob([new Uint8Array(pdf('walk'))], { type: 'application/pdf' }),
        'walk.pdf',
      );
      const res = await fetch(url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TEST_KEY}`, ...headers },
        body: form,
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    }
    const encoded = json ? JSON.stringify(body) : toForm(body);
    const res = await fetch(op.m === 'POST' ? url : `${url}?${toForm(body)}`, {
      method: op.m,
      headers: {
        Authorization: `Bearer ${TEST_KEY}`,
        'Content-Type': json ? 'application/json' : 'application/x-www-form-urlencoded',
        ...headers,
      },
      body: op.m === 'POST' ? encoded : undefined,
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  it('refuses each parameter a route does not apply with parameter_not_supported, naming it', async () => {
    const problems: string[] = [];
    let refused = 0;
    for (const { route, op } of modelled) {
      for (const leaf of leaves(route, op)) {
        if (leaf.use !== 'refused' && leaf.use !== 'unclassified') continue;
        const value = sample(leaf.node, leaf.path.at(-1)!, true);
        // An object with no members (`affirm: {}`) puts nothing in a form: it cannot be sent.
        if (!op.p.startsWith('/v2/') && isEmptyObject(value)) continue;
        const body = requestWith(op, {}, leaf, value);
        const res = await send(op, {}, body);
        const error = res.json.error as { code?: string; param?: string; message?: string };
        if (
          res.status !== 400 ||
          error?.code !== 'parameter_not_supported' ||
          error.param !== leaf.param
        ) {
          problems.push(
            `${op.id} ${leaf.param}: ${res.status} ${JSON.stringify(error ?? res.json).slice(0, 200)}`,
          );
        } else {
          expect(error.message).toContain(leaf.param);
          refused++;
        }
      }
    }
    expect(problems).toEqual([]);
    expect(refused).toBeGreaterThan(100);
  }, 300_000);

  /**
   * What each operation needs to succeed: the ids in its path, the parameters it must have, the
   * account it acts as. Several variants when a parameter applies to some objects only (a card's
   * fields are refused on a bank account).
   */
  interface Variant {
    path?: Record<string, string>;
    base?: Record<string, unknown>;
    /** Ids and such for parameters that name objects (`customer`). */
    values?: Record<string, unknown>;
    /** Parameters this variant cannot take (`controller` beside `type`). */
    skip?: string[];
  }
  type Setup = () => Promise<Variant[]>;
  const custom = () => stripe.accounts.create({ type: 'custom', country: 'US' });
  const fund = async () => {
    await stripe.paymentIntents.create({
      amount: 500_000,
      currency: 'usd',
      confirm: true,
      payment_method: 'pm_card_bypassPending',
    });
  };
  /** A new card payment method, attached to nobody. */
  const card = () => stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } });
  const bankDetails = {
    type: 'us_bank_account',
    us_bank_account: {
      account_number: '000123456789',
      routing_number: '110000000',
      account_holder_type: 'individual',
    },
    billing_details: { name: 'Jenny Rosen' },
  };
  const intent = (params: Partial<Stripe.PaymentIntentCreateParams> = {}) =>
    stripe.paymentIntents.create({ amount: 1000, currency: 'usd', ...params });
  const paidCharge = () =>
    stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_bypassPending' });
  /** A destination charge's application fee, on the platform. */
  const feeOfCharge = async () => {
    const account = await onboardedAccount(stripe, {
      type: 'custom',
      capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
    });
    const charge = await stripe.charges.create({
      amount: 1000,
      currency: 'usd',
      source: 'tok_bypassPending',
      transfer_data: { destination: account.id },
      application_fee_amount: 100,
    });
    return charge.application_fee as string;
  };
  const paidIntent = async () =>
    (await intent({ confirm: true, payment_method: 'pm_card_bypassPending' })).id;
  /** A payment intent's charge to refund, naming the payment intent too. */
  const refundVariant = async () => {
    const pi = await intent({ confirm: true, payment_method: 'pm_card_bypassPending' });
    return {
      path: { charge: pi.latest_charge as string },
      values: { amount: 100, payment_intent: pi.id },
    };
  };
  let lastDisputed = '';
  /** A charge disputed by Stripe's test card, and its dispute. */
  const disputeOf = async () => {
    const charge = await stripe.charges.create({
      amount: 1000,
      currency: 'usd',
      source: 'tok_createDispute',
    });
    lastDisputed = charge.id;
    const list = await stripe.disputes.list({ charge: charge.id });
    return list.data[0]!.id;
  };
  const evidenceFile = () =>
    stripe.files.create({
      file: { data: pdf('evidence'), name: 'evidence.pdf', type: 'application/pdf' },
      purpose: 'dispute_evidence',
    });
  /** Evidence that names files: a file of the caller's for each. */
  const evidenceFiles = async () => {
    const id = (await evidenceFile()).id;
    const keys = ['cancellation_policy', 'customer_communication', 'customer_signature'];
    keys.push('duplicate_charge_documentation', 'receipt', 'refund_policy');
    keys.push('service_documentation', 'shipping_documentation', 'uncategorized_file');
    return Object.fromEntries(keys.map((k) => [`evidence[${k}]`, id]));
  };
  /** An active Issuing card of a new cardholder. */
  const issuingCard = async () => {
    const holder = await stripe.issuing.cardholders.create({
      name: 'Walked',
      type: 'individual',
      billing: {
        address: { line1: 'x', city: 'y', state: 'CA', postal_code: '94111', country: 'US' },
      },
    });
    return (
      await stripe.issuing.cards.create({
        cardholder: holder.id,
        currency: 'usd',
        type: 'virtual',
        status: 'active',
      })
    ).id;
  };
  /** A captured Issuing transaction of 5000 (a force capture). */
  const issuingTransaction = async () =>
    (
      await stripe.testHelpers.issuing.transactions.createForceCapture({
        card: await issuingCard(),
        amount: 5000,
      })
    ).id;
  /** A real-time authorization request (the official CLI's route), waiting for a decision. */
  const pendingRequest = async () => {
    const res = await fetch(
      `${server.url}/v1/issuing/cards/${await issuingCard()}/test/authorizations`,
      {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${TEST_KEY}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: 'held_amount=100',
      },
    );
    return ((await res.json()) as { id: string }).id;
  };
  /** What a dispute's evidence needs: another transaction for a duplicate's original, files. */
  const disputeValues = async () => {
    const file = (await evidenceFile()).id;
    const files = ['canceled', 'duplicate', 'fraudulent', 'merchandise_not_as_described']
      .concat(['not_received', 'other', 'service_not_as_described'])
      .map((reason) => [`evidence[${reason}][additional_documentation]`, file]);
    for (const k of ['card_statement', 'cash_receipt', 'check_image'])
      files.push([`evidence[duplicate][${k}]`, file]);
    return {
      amount: 100,
      'evidence[duplicate][original_transaction]': await issuingTransaction(),
      ...Object.fromEntries(files),
    };
  };
  /** A Treasury financial account with the features its flows need, and cash in it. */
  const financialAccount = async (cash = 0) => {
    const fa = (
      await stripe.treasury.financialAccounts.create({
        supported_currencies: ['usd'],
        features: {
          inbound_transfers: { ach: { requested: true } },
          outbound_payments: { ach: { requested: true } },
          outbound_transfers: { ach: { requested: true } },
        },
      })
    ).id;
    if (cash > 0)
      await stripe.testHelpers.treasury.receivedCredits.create({
        financial_account: fa,
        amount: cash,
        currency: 'usd',
        network: 'ach',
      });
    return fa;
  };
  const treasuryFlow = (financial_account: string) => ({
    financial_account,
    amount: 100,
    currency: 'usd',
  });
  const setups: Record<string, Setup> = {
    // A default payment method must be the customer's: attached at creation, or before.
    PostCustomers: async () => {
      const pm = await card();
      return [
        {
          base: { payment_method: pm.id },
          values: { 'invoice_settings[default_payment_method]': pm.id, source: 'tok_visa' },
        },
      ];
    },
    // A default source must be one of the customer's cards; source saves a new one.
    PostCustomersCustomer: async () => {
      const made = await stripe.customers.create({ source: 'tok_visa' });
      const customer = made.id;
      const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer });
      const other = await stripe.customers.createSource(customer, { source: 'tok_mastercard' });
      return [
        {
          path: { customer },
          values: {
            'invoice_settings[default_payment_method]': pm.id,
            default_source: other.id,
            source: 'tok_amex',
          },
        },
      ];
    },
    PostCustomersCustomerSources: async () => [
      {
        path: { customer: (await stripe.customers.create()).id },
        base: { source: 'tok_visa' },
      },
    ],
    PostCustomersCustomerSourcesId: async () => {
      const customer = (await stripe.customers.create({ source: 'tok_visa' })).id;
      const list = await stripe.customers.listSources(customer);
      const bank = await stripe.customers.createSource(customer, { source: 'btok_us' });
      return [
        { path: { customer, id: list.data[0]!.id }, values: { exp_month: '11', exp_year: '2036' } },
        { path: { customer, id: bank.id } },
      ];
    },
    PostCustomersCustomerCardsId: async () => {
      const customer = (await stripe.customers.create({ source: 'tok_visa' })).id;
      const list = await stripe.customers.listSources(customer);
      return [
        { path: { customer, id: list.data[0]!.id }, values: { exp_month: '11', exp_year: '2036' } },
      ];
    },
    PostCustomersCustomerBankAccounts: async () => [
      {
        path: { customer: (await stripe.customers.create()).id },
        base: { source: 'btok_us' },
      },
    ],
    PostCustomersCustomerBankAccountsId: async () => {
      const customer = (await stripe.customers.create({ source: 'btok_us' })).id;
      const list = await stripe.customers.listSources(customer);
      return [{ path: { customer, id: list.data[0]!.id } }];
    },
    GetCustomersCustomerSourcesId: async () => {
      const customer = (await stripe.customers.create({ source: 'tok_visa' })).id;
      const list = await stripe.customers.listSources(customer);
      return [{ path: { customer, id: list.data[0]!.id } }];
    },
    DeleteCustomersCustomerSourcesId: async () => {
      const customer = (await stripe.customers.create({ source: 'tok_visa' })).id;
      const list = await stripe.customers.listSources(customer);
      return [{ path: { customer, id: list.data[0]!.id } }];
    },
    PostPaymentMethods: async () => [
      {
        base: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2031 } },
        skip: ['us_bank_account'],
      },
      { base: bankDetails, skip: ['card'] },
    ],
    PostPaymentMethodsPaymentMethod: async () => {
      const customer = (await stripe.customers.create()).id;
      const visa = await stripe.paymentMethods.attach('pm_card_visa', { customer });
      const bank = await stripe.paymentMethods.create(bankDetails as never);
      await stripe.paymentMethods.attach(bank.id, { customer });
      return [
        { path: { payment_method: visa.id }, skip: ['us_bank_account'] },
        { path: { payment_method: bank.id }, skip: ['card'] },
      ];
    },
    PostPaymentMethodsPaymentMethodAttach: async () => [
      {
        path: { payment_method: (await card()).id },
        values: { customer: (await stripe.customers.create()).id },
      },
    ],
    PostCheckoutSessions: async () => {
      const price = await stripe.prices.create({
        product_data: { name: 'Walked' },
        currency: 'usd',
        unit_amount: 100,
      });
      const customer = (await stripe.customers.create()).id;
      return [
        {
          base: {
            mode: 'payment',
            success_url: 'https://example.com/done',
            line_items: [{ price: price.id, quantity: 1 }],
          },
          values: { customer, currency: 'usd', mode: 'payment', payment_method_types: ['card'] },
        },
      ];
    },
    PostProducts: async () => [{}],
    PostProductsId: async () => {
      const product = await stripe.products.create({ name: 'Walked' });
      const price = await stripe.prices.create({
        product: product.id,
        currency: 'usd',
        unit_amount: 100,
      });
      return [{ path: { id: product.id }, values: { default_price: price.id } }];
    },
    PostPrices: async () => {
      const product = (await stripe.products.create({ name: 'Walked' })).id;
      const base = { currency: 'usd', product };
      return [
        {
          base: { ...base, unit_amount: 100 },
          values: { lookup_key: `walk_${randomUUID()}` },
          skip: ['unit_amount_decimal'],
        },
        {
          base: { ...base, unit_amount_decimal: '150' },
          values: { lookup_key: `walk_${randomUUID()}` },
          skip: ['unit_amount'],
        },
      ];
    },
    PostPricesPrice: async () => {
      const price = await stripe.prices.create({
        product_data: { name: 'Walked' },
        currency: 'usd',
        unit_amount: 100,
      });
      return [{ path: { price: price.id }, values: { lookup_key: `walk_${randomUUID()}` } }];
    },
    PostSetupIntents: async () => {
      const account = (await custom()).id;
      const customer = (await stripe.customers.create()).id;
      return [{ values: { customer, on_behalf_of: account, payment_method: (await card()).id } }];
    },
    PostSetupIntentsIntent: async () => [
      {
        path: { intent: (await stripe.setupIntents.create()).id },
        values: {
          customer: (await stripe.customers.create()).id,
          payment_method: (await card()).id,
        },
      },
    ],
    PostSetupIntentsIntentConfirm: async () => [
      {
        path: { intent: (await stripe.setupIntents.create()).id },
        base: { payment_method: (await card()).id },
      },
    ],
    PostSetupIntentsIntentCancel: async () => [
      { path: { intent: (await stripe.setupIntents.create()).id } },
    ],
    PostCoupons: async () => {
      const repeating = { duration: 'repeating', duration_in_months: 3 };
      return [
        {
          base: { percent_off: 10, ...repeating },
          values: { id: `walk_${randomUUID()}` },
          skip: ['amount_off', 'currency'],
        },
        {
          base: { amount_off: 100, currency: 'usd', ...repeating },
          values: { id: `walk_${randomUUID()}` },
          skip: ['percent_off'],
        },
      ];
    },
    PostCouponsCoupon: async () => [
      { path: { coupon: (await stripe.coupons.create({ percent_off: 10 })).id } },
    ],
    PostTaxRates: async () => [{}],
    PostTaxRatesTaxRate: async () => [
      {
        path: {
          tax_rate: (
            await stripe.taxRates.create({ display_name: 'VAT', inclusive: false, percentage: 19 })
          ).id,
        },
      },
    ],
    PostTestHelpersIssuingAuthorizations: async () => [
      { base: { card: await issuingCard(), amount: 100 } },
    ],
    PostIssuingAuthorizationsAuthorization: async () => [
      {
        path: {
          authorization: (
            await stripe.testHelpers.issuing.authorizations.create({
              card: await issuingCard(),
              amount: 100,
            })
          ).id,
        },
      },
    ],
    PostIssuingAuthorizationsAuthorizationApprove: async () => [
      { path: { authorization: await pendingRequest() } },
    ],
    PostIssuingAuthorizationsAuthorizationDecline: async () => [
      { path: { authorization: await pendingRequest() } },
    ],
    PostIssuingTransactionsTransaction: async () => [
      { path: { transaction: await issuingTransaction() } },
    ],
    PostTestHelpersIssuingTransactionsCreateForceCapture: async () => [
      { base: { card: await issuingCard(), amount: 100 } },
    ],
    PostTestHelpersIssuingTransactionsCreateUnlinkedRefund: async () => [
      { base: { card: await issuingCard(), amount: 100 } },
    ],
    PostIssuingDisputes: async () => [
      { base: { transaction: await issuingTransaction() }, values: await disputeValues() },
    ],
    PostIssuingDisputesDispute: async () => [
      {
        path: {
          dispute: (
            await stripe.issuing.disputes.create({ transaction: await issuingTransaction() })
          ).id,
        },
        values: await disputeValues(),
      },
    ],
    PostIssuingDisputesDisputeSubmit: async () => [
      {
        path: {
          dispute: (
            await stripe.issuing.disputes.create({
              transaction: await issuingTransaction(),
              evidence: { reason: 'other', other: { explanation: 'Walked' } },
            })
          ).id,
        },
      },
    ],
    PostTokens: async () => [
      {
        base: { card: { number: '4242424242424242', exp_month: 12, exp_year: 2031 } },
        skip: ['bank_account'],
      },
      {
        base: {
          bank_account: {
            country: 'US',
            currency: 'usd',
            account_number: '000123456789',
            routing_number: '110000000',
          },
        },
        skip: ['card'],
      },
    ],
    PostAccounts: async () => [
      { base: { type: 'custom' }, skip: ['controller'] },
      { base: { controller: { stripe_dashboard: { type: 'express' } } }, skip: ['type'] },
    ],
    PostAccountsAccount: async () => [{ path: { account: (await custom()).id } }],
    PostAccountsAccountPersons: async () => [{ path: { account: (await custom()).id } }],
    PostAccountsAccountPersonsPerson: async () => {
      const account = (await custom()).id;
      const person = (await stripe.accounts.createPerson(account, { first_name: 'J' })).id;
      return [{ path: { account, person } }];
    },
    PostAccountsAccountExternalAccounts: async () => {
      const account = (await custom()).id;
      return [{ path: { account }, base: { external_account: 'btok_us' } }];
    },
    PostAccountsAccountExternalAccountsId: async () => {
      const account = (await custom()).id;
      const bank = await stripe.accounts.createExternalAccount(account, {
        external_account: 'btok_us',
      });
      const card = await stripe.accounts.createExternalAccount(account, {
        external_account: 'tok_visa_debit',
      });
      return [{ path: { account, id: bank.id } }, { path: { account, id: card.id } }];
    },
    PostAccountSessions: async () => [{ base: { account: (await custom()).id } }],
    PostAccountsAccountCapabilitiesCapability: async () => [
      { path: { account: (await custom()).id, capability: 'transfers' } },
    ],
    PostTreasuryFinancialAccounts: async () => [{ base: { supported_currencies: ['usd'] } }],
    PostTreasuryFinancialAccountsFinancialAccount: async () => [
      { path: { financial_account: await financialAccount() } },
    ],
    PostTreasuryFinancialAccountsFinancialAccountFeatures: async () => [
      { path: { financial_account: await financialAccount() } },
    ],
    PostTreasuryInboundTransfers: async () => {
      const pm = await stripe.paymentMethods.create(bankDetails as never);
      return [
        { base: { ...treasuryFlow(await financialAccount()), origin_payment_method: pm.id } },
      ];
    },
    PostTreasuryOutboundPayments: async () => {
      const base = treasuryFlow(await financialAccount(1_000));
      const customer = (await stripe.customers.create()).id;
      const pm = await stripe.paymentMethods.create(bankDetails as never);
      await stripe.paymentMethods.attach(pm.id, { customer });
      return [
        {
          base: { ...base, destination_payment_method: pm.id, customer },
          skip: ['destination_payment_method_data'],
        },
        {
          base: {
            ...base,
            destination_payment_method_data: {
              type: 'us_bank_account',
              us_bank_account: { account_number: '000123456789', routing_number: '110000000' },
            },
          },
          skip: ['destination_payment_method', 'customer'],
        },
      ];
    },
    PostTreasuryOutboundTransfers: async () => {
      const pm = await stripe.paymentMethods.create(bankDetails as never);
      return [
        {
          base: {
            ...treasuryFlow(await financialAccount(1_000)),
            destination_payment_method: pm.id,
          },
        },
      ];
    },
    PostTestHelpersTreasuryReceivedCredits: async () => [
      { base: { ...treasuryFlow(await financialAccount()), network: 'ach' } },
    ],
    PostTestHelpersTreasuryReceivedDebits: async () => [
      { base: { ...treasuryFlow(await financialAccount(1_000)), network: 'ach' } },
    ],
    // Each reversal reverses its own credit or debit: one may be reversed once.
    PostTreasuryCreditReversals: async () => {
      const rc = await stripe.testHelpers.treasury.receivedCredits.create({
        ...treasuryFlow(await financialAccount()),
        network: 'ach',
      });
      return [{ base: { received_credit: rc.id } }];
    },
    PostTreasuryDebitReversals: async () => {
      const rd = await stripe.testHelpers.treasury.receivedDebits.create({
        ...treasuryFlow(await financialAccount(1_000)),
        network: 'ach',
      });
      return [{ base: { received_debit: rd.id } }];
    },
    PostPayouts: async () => {
      await fund();
      const platform = (await stripe.accounts.retrieveCurrent()).id;
      const bank = await stripe.accounts.createExternalAccount(platform, {
        external_account: 'btok_us',
      });
      return [{ base: { amount: 100, currency: 'usd' }, values: { destination: bank.id } }];
    },
    PostPayoutsPayout: async () => {
      await fund();
      const payout = await stripe.payouts.create({ amount: 100, currency: 'usd' });
      return [{ path: { payout: payout.id } }];
    },
    PostTopups: async () => [
      { base: { amount: 100, currency: 'usd' }, values: { source: 'btok_us_verified' } },
    ],
    PostIdentityVerificationSessions: async () => [
      {
        base: { type: 'document' },
        values: { related_customer: (await stripe.customers.create()).id },
      },
    ],
    PostIdentityVerificationSessionsSession: async () => [
      {
        path: {
          session: (await stripe.identity.verificationSessions.create({ type: 'document' })).id,
        },
      },
    ],
    PostTopupsTopup: async () => [
      { path: { topup: (await stripe.topups.create({ amount: 100, currency: 'usd' })).id } },
    ],
    PostTransfers: async () => {
      await fund();
      const account = await onboardedAccount(stripe, {
        type: 'custom',
        capabilities: { transfers: { requested: true } },
      });
      const charge = (
        await intent({ confirm: true, payment_method: 'pm_card_visa', amount: 100_000 })
      ).latest_charge as string;
      return [
        {
          base: { amount: 100, currency: 'usd', destination: account.id },
          values: { source_transaction: charge },
        },
      ];
    },
    PostCharges: async () => {
      const account = (
        await onboardedAccount(stripe, {
          type: 'custom',
          capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
        })
      ).id;
      return [
        {
          base: { amount: 1000, currency: 'usd', source: 'tok_visa' },
          values: { on_behalf_of: account, customer: (await stripe.customers.create()).id },
          skip: [
            'card',
            'destination',
            'application_fee',
            'application_fee_amount',
            'transfer_data',
          ],
        },
        {
          base: {
            amount: 1000,
            currency: 'usd',
            source: 'tok_visa',
            transfer_data: { destination: account },
          },
          values: {
            'transfer_data[destination]': account,
            'transfer_data[amount]': 500,
            application_fee_amount: 100,
          },
          skip: ['card', 'destination', 'application_fee', 'customer', 'on_behalf_of'],
        },
      ];
    },
    PostChargesCharge: async () => [
      {
        path: { charge: (await paidCharge()).id },
        values: { customer: (await stripe.customers.create()).id },
      },
    ],
    PostChargesChargeCapture: async () => [
      {
        path: {
          charge: (
            await stripe.charges.create({
              amount: 1000,
              currency: 'usd',
              source: 'tok_visa',
              capture: false,
            })
          ).id,
        },
        values: { amount: 900 },
        skip: ['application_fee', 'application_fee_amount', 'transfer_data'],
      },
    ],
    PostRefunds: async () => [
      {
        base: { charge: (await paidCharge()).id },
        values: { amount: 100 },
        skip: ['payment_intent'],
      },
      { base: { payment_intent: await paidIntent() }, values: { amount: 100 }, skip: ['charge'] },
    ],
    PostChargesChargeRefunds: async () => [await refundVariant()],
    PostChargesChargeRefund: async () => [await refundVariant()],
    PostRefundsRefund: async () => [
      { path: { refund: (await stripe.refunds.create({ charge: (await paidCharge()).id })).id } },
    ],
    PostChargesChargeRefundsRefund: async () => {
      const charge = (await paidCharge()).id;
      return [{ path: { charge, refund: (await stripe.refunds.create({ charge })).id } }];
    },
    PostApplicationFeesIdRefunds: async () => [
      { path: { id: await feeOfCharge() }, values: { amount: 10 } },
    ],
    PostApplicationFeesIdRefund: async () => [
      { path: { id: await feeOfCharge() }, values: { amount: 10 } },
    ],
    PostApplicationFeesFeeRefundsId: async () => {
      const fee = await feeOfCharge();
      const refund = await stripe.applicationFees.createRefund(fee, { amount: 10 });
      return [{ path: { fee, id: refund.id } }];
    },
    PostDisputesDispute: async () => [
      {
        path: { dispute: await disputeOf() },
        values: { submit: false, ...(await evidenceFiles()) },
      },
    ],
    PostChargesChargeDispute: async () => {
      await disputeOf();
      return [
        { path: { charge: lastDisputed }, values: { submit: false, ...(await evidenceFiles()) } },
      ];
    },
    PostPaymentLinks: async () => {
      const account = (await custom()).id;
      const price = await stripe.prices.create({
        currency: 'usd',
        unit_amount: 100,
        product_data: { name: 'Walked' },
      });
      return [
        {
          base: { line_items: [{ price: price.id, quantity: 1 }] },
          values: {
            currency: 'usd',
            on_behalf_of: account,
            'transfer_data[destination]': account,
            'after_completion[redirect][url]': 'https://example.com/done',
          },
        },
      ];
    },
    PostPaymentLinksPaymentLink: async () => {
      const price = await stripe.prices.create({
        currency: 'usd',
        unit_amount: 100,
        product_data: { name: 'Walked' },
      });
      const link = await stripe.paymentLinks.create({
        line_items: [{ price: price.id, quantity: 1 }],
      });
      return [
        {
          path: { payment_link: link.id },
          values: { 'after_completion[redirect][url]': 'https://example.com/done' },
        },
      ];
    },
    // Stripe's purpose for files of evidence; the walk sends a PDF.
    PostBillingPortalSessions: async () => {
      const configuration = await stripe.billingPortal.configurations.create({
        business_profile: { headline: 'Walk' },
        features: { invoice_history: { enabled: true } },
      });
      return [
        {
          base: { customer: (await stripe.customers.create()).id },
          values: { configuration: configuration.id, on_behalf_of: (await custom()).id },
        },
      ];
    },
    PostAppsSecrets: async () => [{ base: { scope: { type: 'user', user: 'usr_walk' } } }],
    PostReportingReportRuns: async () => [
      { base: { report_type: 'balance_change_from_activity.itemized.1' } },
    ],
    PostFiles: async () => [{ base: { purpose: 'dispute_evidence' } }],
    PostFileLinks: async () => [
      {
        base: { file: (await evidenceFile()).id },
        values: { expires_at: Math.floor(Date.now() / 1000) + 3600 },
      },
    ],
    PostFileLinksLink: async () => {
      const link = await stripe.fileLinks.create({ file: (await evidenceFile()).id });
      return [
        { path: { link: link.id }, values: { expires_at: Math.floor(Date.now() / 1000) + 3600 } },
      ];
    },
    PostTransfersTransfer: async () => {
      await fund();
      const account = await onboardedAccount(stripe, {
        type: 'custom',
        capabilities: { transfers: { requested: true } },
      });
      const transfer = await stripe.transfers.create({
        amount: 100,
        currency: 'usd',
        destination: account.id,
      });
      return [{ path: { transfer: transfer.id } }];
    },
    PostTransfersTransferReversalsId: async () => {
      await fund();
      const account = await onboardedAccount(stripe, {
        type: 'custom',
        capabilities: { transfers: { requested: true } },
      });
      const transfer = await stripe.transfers.create({
        amount: 100,
        currency: 'usd',
        destination: account.id,
      });
      const reversal = await stripe.transfers.createReversal(transfer.id, { amount: 10 });
      return [{ path: { transfer: transfer.id, id: reversal.id } }];
    },
    PostTransfersIdReversals: async () => {
      await fund();
      const account = await onboardedAccount(stripe, {
        type: 'custom',
        capabilities: { transfers: { requested: true } },
      });
      const transfer = await stripe.transfers.create({
        amount: 10_000,
        currency: 'usd',
        destination: account.id,
      });
      return [{ path: { id: transfer.id }, base: { amount: 1 } }];
    },
    PostWebhookEndpoints: async () => [
      { base: { url: 'https://example.com/hook', enabled_events: ['*'] } },
    ],
    PostWebhookEndpointsWebhookEndpoint: async () => {
      const we = await stripe.webhookEndpoints.create({
        url: 'https://example.com/hook',
        enabled_events: ['*'],
      });
      return [{ path: { webhook_endpoint: we.id } }];
    },
    PostPaymentIntents: async () => {
      const account = await onboardedAccount(stripe, {
        type: 'custom',
        capabilities: { transfers: { requested: true }, card_payments: { requested: true } },
      });
      const customer = (await stripe.customers.create()).id;
      return [
        {
          base: { amount: 1000, currency: 'usd', transfer_data: { destination: account.id } },
          values: { customer, on_behalf_of: account.id, payment_method: (await card()).id },
        },
      ];
    },
    PostPaymentIntentsIntent: async () => [
      {
        path: { intent: (await intent()).id },
        values: {
          customer: (await stripe.customers.create()).id,
          payment_method: (await card()).id,
        },
      },
    ],
    PostPaymentIntentsIntentConfirm: async () => [
      { path: { intent: (await intent()).id }, base: { payment_method: (await card()).id } },
    ],
    PostPaymentIntentsIntentCancel: async () => [{ path: { intent: (await intent()).id } }],
    PostPaymentIntentsIntentIncrementAuthorization: async () => {
      const pi = await intent({
        capture_method: 'manual',
        confirm: true,
        payment_method: 'pm_card_visa',
        payment_method_options: { card: { request_incremental_authorization: 'if_available' } },
      });
      return [{ path: { intent: pi.id }, base: { amount: 2000 } }];
    },
    PostPaymentIntentsIntentCapture: async () => {
      const pi = await intent({
        capture_method: 'manual',
        confirm: true,
        payment_method: 'pm_card_visa',
      });
      return [{ path: { intent: pi.id } }];
    },
    // The plain resources (resources/plain/table.ts): generated from their entries.
    ...plainSetups(() => server),
    PostV2CoreAccounts: async () => [{}],
    PostV2CoreAccountsId: async () => {
      const account = await stripe.v2.core.accounts.create({ display_name: 'x' });
      return [{ path: { id: account.id } }];
    },
    PostV2CoreAccountsIdClose: async () => {
      const account = await stripe.v2.core.accounts.create({
        display_name: 'x',
        configuration: { merchant: { capabilities: {} } },
      });
      return [{ path: { id: account.id } }];
    },
    PostV2CoreEventDestinations: async () => {
      const base = {
        name: 'x',
        type: 'webhook_endpoint',
        enabled_events: ['v2.core.account.created'],
        webhook_endpoint: { url: 'https://example.com/hook' },
        include: ['webhook_endpoint.url'],
      };
      return [
        { base: { ...base, event_payload: 'thin' }, skip: ['snapshot_api_version'] },
        {
          base: { ...base, event_payload: 'snapshot', enabled_events: ['customer.created'] },
          skip: ['event_payload', 'enabled_events'],
        },
      ];
    },
    PostV2CoreEventDestinationsId: async () => {
      const d = await stripe.v2.core.eventDestinations.create({
        name: 'x',
        type: 'webhook_endpoint',
        event_payload: 'thin',
        enabled_events: ['v2.core.account.created'],
        webhook_endpoint: { url: 'https://example.com/hook' },
      });
      return [{ path: { id: d.id }, base: { include: ['webhook_endpoint.url'] } }];
    },
  };

  /** Per operation, values a parameter needs where the spec's first choice will not do. */
  const values: Record<string, unknown> = {
    'PostAccounts type': 'custom',
    'PostAccounts country': 'US',
    'PostAccountsAccountPersonsPerson relationship[percent_ownership]': 25,
    'PostAccountsAccountPersons relationship[percent_ownership]': 25,
    'PostAccountsAccountPersons dob[year]': 1990,
    'PostAccountsAccountPersonsPerson dob[year]': 1990,
    'PostAccountsAccountExternalAccountsId exp_year': '2031',
    'PostAccountsAccountExternalAccountsId exp_month': '12',
    'PostPaymentIntents payment_method_types': ['card'],
    'PostPaymentIntentsIntent payment_method_types': ['card'],
    'PostPaymentIntents statement_descriptor': 'SWITCHBOARD',
    'PostPaymentIntentsIntent statement_descriptor': 'SWITCHBOARD',
    'PostPaymentIntents statement_descriptor_suffix': 'TEST',
    'PostPaymentIntentsIntent statement_descriptor_suffix': 'TEST',
    'PostCustomers test_clock': 'clock_123',
    'PostCustomers invoice_prefix': 'ABCD',
    'PostCustomersCustomer invoice_prefix': 'ABCD',
    'PostWebhookEndpoints api_version': '2023-08-16',
    'PostV2CoreAccounts dashboard': 'none',
    'PostV2CoreAccountsId dashboard': 'none',
    'PostV2CoreAccountsIdClose applied_configurations': ['merchant'],
    'PostV2CoreEventDestinations events_from': ['@self'],
    'PostV2CoreEventDestinations snapshot_api_version': '2024-06-20',
    'PostV2CoreEventDestinations event_payload': 'thin',
    'PostV2CoreEventDestinations type': 'webhook_endpoint',
    'PostV2CoreEventDestinations enabled_events': ['v2.core.account.created'],
    'PostV2CoreEventDestinationsId enabled_events': ['v2.core.account.created'],
    'PostAppsSecrets scope[type]': 'user',
    'PostAppsSecrets expires_at': Math.floor(Date.now() / 1000) + 86_400,
    'PostReportingReportRuns parameters[interval_end]': Math.floor(Date.now() / 1000) - 1,
    'PostReportingReportRuns parameters[columns]': ['gross'],
    'PostAccountSessions components': { account_onboarding: { enabled: true } },
    ...Object.fromEntries(
      ['PostAccounts', 'PostAccountsAccount'].flatMap((op) => [
        [`${op} settings[branding][primary_color]`, '#ff5500'],
        [`${op} settings[branding][secondary_color]`, '#0055ff'],
        [`${op} settings[card_payments][statement_descriptor_prefix]`, 'SWITCH'],
        [`${op} settings[payments][statement_descriptor]`, 'SWITCHBOARD'],
        [`${op} settings[payouts][schedule][delay_days]`, 7],
        [`${op} tos_acceptance[service_agreement]`, 'full'],
      ]),
    ),
    'PostSetupIntents payment_method_types': ['card'],
    'PostSetupIntentsIntent payment_method_types': ['card'],
    'PostAccountsAccountPersons political_exposure': 'existing',
    'PostAccountsAccountPersonsPerson political_exposure': 'existing',
    'PostPaymentMethodsPaymentMethod card[exp_month]': 12,
    'PostPaymentMethodsPaymentMethod card[exp_year]': 2031,
  };
  // Stripe's older paths take the newer paths' setups and values (the same ids in their paths).
  for (const [older, newer] of [
    ['PostAccountsAccountPeople', 'PostAccountsAccountPersons'],
    ['PostAccountsAccountPeoplePerson', 'PostAccountsAccountPersonsPerson'],
    ['PostAccountsAccountBankAccounts', 'PostAccountsAccountExternalAccounts'],
    ['PostAccountsAccountBankAccountsId', 'PostAccountsAccountExternalAccountsId'],
    ['PostCustomersCustomerCards', 'PostCustomersCustomerSources'],
  ] as const) {
    setups[older] = setups[newer]!;
    for (const [key, value] of Object.entries(values))
      if (key.startsWith(`${newer} `)) values[key.replace(newer, older)] = value;
  }

  const valueFor = (op: Operation, leaf: Leaf, variant: Variant) => {
    const key = `${op.id} ${leaf.param}`;
    if (key in values) return values[key];
    if (variant.values && leaf.param in variant.values) return variant.values[leaf.param];
    return at(variant.base, leaf.path) ?? sample(leaf.node, leaf.path.at(-1)!, true);
  };

  it('expands ids into objects, in lists too, and refuses what cannot be expanded', async () => {
    const customer = await stripe.customers.create({ email: 'expand@example.com' });
    const pi = await intent({
      customer: customer.id,
      confirm: true,
      payment_method: 'pm_card_visa',
    });
    const got = await stripe.paymentIntents.retrieve(pi.id, {
      expand: ['customer', 'latest_charge.balance_transaction'],
    });
    expect((got.customer as Stripe.Customer).email).toBe('expand@example.com');
    const charge = got.latest_charge as Stripe.Charge;
    expect(charge.object).toBe('charge');
    expect((charge.balance_transaction as Stripe.BalanceTransaction).object).toBe(
      'balance_transaction',
    );
    // In a list, through `data.`; on a write's answer too.
    const list = await stripe.charges.list({ customer: customer.id, expand: ['data.customer'] });
    expect(list.data.map((c) => (c.customer as Stripe.Customer).id)).toEqual([customer.id]);
    const open = await intent({ customer: customer.id });
    const updated = await stripe.paymentIntents.update(open.id, {
      metadata: { k: 'v' },
      expand: ['customer'],
    });
    expect((updated.customer as Stripe.Customer).id).toBe(customer.id);

    await expect(
      stripe.customers.retrieve(customer.id, { expand: ['nothing_here'] }),
    ).rejects.toMatchObject({
      statusCode: 400,
      message: 'This property cannot be expanded (nothing_here).',
    });
    await expect(stripe.charges.list({ expand: ['customer'] })).rejects.toMatchObject({
      statusCode: 400,
    });
    await expect(
      stripe.customers.retrieve(customer.id, { expand: ['tax_ids'] }),
    ).rejects.toMatchObject({ code: 'parameter_not_supported', param: 'expand[0]' });
    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    await stripe.customers.update(customer.id, {
      invoice_settings: { default_payment_method: pm.id },
    });
    const withDefault = await stripe.customers.retrieve(customer.id, {
      expand: ['invoice_settings.default_payment_method'],
    });
    expect((withDefault as Stripe.Customer).invoice_settings.default_payment_method).toMatchObject({
      id: pm.id,
      object: 'payment_method',
    });
  });

  it('each list filter narrows the list to the objects that match it', async () => {
    type Item = { id: string } & Record<string, unknown>;
    type Lister = (params: Record<string, unknown>) => Promise<{ data: Item[] }>;
    /** The filter keeps what matches, and only that, out of a list that has both kinds. */
    const narrows = async (
      list: Lister,
      params: Record<string, unknown>,
      match: (i: Item) => boolean,
    ) => {
      const all = (await list({ limit: 100 })).data;
      const some = (await list({ ...params, limit: 100 })).data;
      const label = JSON.stringify(params);
      expect(some.length, label).toBeGreaterThan(0);
      expect(some.every(match), label).toBe(true);
      expect(
        all.some((i) => !match(i)),
        label,
      ).toBe(true);
      expect(some.length, label).toBe(all.filter(match).length);
    };
    /** A range past the newest object keeps none; one up to it keeps all. */
    const ranges = async (list: Lister, field: string) => {
      const all = (await list({ limit: 100 })).data;
      const newest = Math.max(...all.map((i) => Number(i[field])));
      expect((await list({ [field]: { gt: newest }, limit: 100 })).data).toEqual([]);
      expect((await list({ [field]: { lte: newest }, limit: 100 })).data.length).toBe(all.length);
    };
    const l = <T>(fn: (p: never) => Promise<{ data: T[] }>): Lister => fn as unknown as Lister;

    const [c1, c2] = [
      await stripe.customers.create({ email: 'one@example.com', test_clock: 'clock_one' } as never),
      await stripe.customers.create({ email: 'two@example.com' }),
    ];
    const pi1 = await intent({
      customer: c1.id,
      confirm: true,
      payment_method: 'pm_card_bypassPending',
      amount: 400_000,
      transfer_group: 'group_one',
    });
    await intent({ customer: c2.id });
    const account = await onboardedAccount(stripe, {
      type: 'custom',
      capabilities: { transfers: { requested: true } },
    });
    const other = await onboardedAccount(stripe, {
      type: 'custom',
      capabilities: { transfers: { requested: true } },
    });
    await stripe.transfers.create({
      amount: 100,
      currency: 'usd',
      destination: account.id,
      transfer_group: 'group_one',
    });
    await stripe.transfers.create({ amount: 100, currency: 'usd', destination: other.id });
    const platform = (await stripe.accounts.retrieveCurrent()).id;
    const bank = await stripe.accounts.createExternalAccount(platform, {
      external_account: 'btok_us',
    });
    const second = await stripe.accounts.createExternalAccount(platform, {
      external_account: 'btok_us',
    });
    await stripe.payouts.create({ amount: 100, currency: 'usd', destination: bank.id });
    await stripe.payouts.create({
      amount: 100,
      currency: 'usd',
      destination: second.id,
      status: 'failed',
    } as never);
    // A failed payout disables its bank account until it is updated.
    await stripe.accounts.updateExternalAccount(platform, second.id, {
      metadata: { fixed: 'yes' },
    });
    await stripe.accounts.createExternalAccount(account.id, { external_account: 'tok_visa_debit' });
    await stripe.accounts.createExternalAccount(account.id, { external_account: 'btok_us' });
    await stripe.accounts.createPerson(account.id, {
      first_name: 'R',
      relationship: { representative: true },
    });
    await stripe.accounts.createPerson(account.id, {
      first_name: 'O',
      relationship: { owner: true },
    });

    await narrows(
      l(stripe.customers.list.bind(stripe.customers)),
      { email: c1.email },
      (c) => c.email === c1.email,
    );
    await narrows(
      l(stripe.customers.list.bind(stripe.customers)),
      { test_clock: 'clock_one' },
      (c) => c.test_clock === 'clock_one',
    );
    await ranges(l(stripe.customers.list.bind(stripe.customers)), 'created');
    await narrows(
      l(stripe.paymentIntents.list.bind(stripe.paymentIntents)),
      { customer: c1.id },
      (p) => p.customer === c1.id,
    );
    await ranges(l(stripe.paymentIntents.list.bind(stripe.paymentIntents)), 'created');
    await narrows(
      l(stripe.charges.list.bind(stripe.charges)),
      { customer: c1.id },
      (c) => c.customer === c1.id,
    );
    await narrows(
      l(stripe.charges.list.bind(stripe.charges)),
      { payment_intent: pi1.id },
      (c) => c.payment_intent === pi1.id,
    );
    await narrows(
      l(stripe.charges.list.bind(stripe.charges)),
      { transfer_group: 'group_one' },
      (c) => c.transfer_group === 'group_one',
    );
    await ranges(l(stripe.charges.list.bind(stripe.charges)), 'created');
    await narrows(
      l(stripe.transfers.list.bind(stripe.transfers)),
      { destination: account.id },
      (t) => t.destination === account.id,
    );
    await narrows(
      l(stripe.transfers.list.bind(stripe.transfers)),
      { transfer_group: 'group_one' },
      (t) => t.transfer_group === 'group_one',
    );
    await ranges(l(stripe.transfers.list.bind(stripe.transfers)), 'created');
    await narrows(
      l(stripe.payouts.list.bind(stripe.payouts)),
      { status: 'failed' },
      (p) => p.status === 'failed',
    );
    await narrows(
      l(stripe.payouts.list.bind(stripe.payouts)),
      { destination: bank.id },
      (p) => p.destination === bank.id,
    );
    await ranges(l(stripe.payouts.list.bind(stripe.payouts)), 'created');
    await ranges(l(stripe.payouts.list.bind(stripe.payouts)), 'arrival_date');
    const txns = l(stripe.balanceTransactions.list.bind(stripe.balanceTransactions));
    await narrows(txns, { type: 'payout' }, (t) => t.type === 'payout');
    await narrows(txns, { source: pi1.latest_charge }, (t) => t.source === pi1.latest_charge);
    expect((await txns({ currency: 'eur' })).data).toEqual([]);
    expect((await txns({ currency: 'usd', limit: 100 })).data.length).toBe(
      (await txns({ limit: 100 })).data.length,
    );
    await ranges(txns, 'created');
    await ranges(l(stripe.accounts.list.bind(stripe.accounts)), 'created');
    const externals = l((p: Stripe.AccountListExternalAccountsParams) =>
      stripe.accounts.listExternalAccounts(account.id, p),
    );
    await narrows(externals, { object: 'card' }, (e) => e.object === 'card');
    const people = l((p: Stripe.AccountListPersonsParams) =>
      stripe.accounts.listPersons(account.id, p),
    );
    await narrows(
      people,
      { relationship: { representative: true } },
      (p) => (p.relationship as { representative: boolean }).representative,
    );
    // Payment methods: by customer and type; a customer's by type and allow_redisplay.
    const holder = (await stripe.customers.create()).id;
    await stripe.paymentMethods.attach('pm_card_visa', { customer: holder });
    const bankPm = await stripe.paymentMethods.create({
      ...bankDetails,
      allow_redisplay: 'always',
    } as never);
    await stripe.paymentMethods.attach(bankPm.id, { customer: holder });
    await card();
    const methods = l(stripe.paymentMethods.list.bind(stripe.paymentMethods));
    await narrows(methods, { customer: holder }, (p) => p.customer === holder);
    await narrows(methods, { type: 'us_bank_account' }, (p) => p.type === 'us_bank_account');
    const held = l((p: Stripe.CustomerListPaymentMethodsParams) =>
      stripe.customers.listPaymentMethods(holder, p),
    );
    await narrows(held, { type: 'card' }, (p) => p.type === 'card');
    await narrows(held, { allow_redisplay: 'always' }, (p) => p.allow_redisplay === 'always');
    // Setup intents: by customer and payment method.
    const saved = await stripe.setupIntents.create({
      customer: holder,
      payment_method: (await card()).id,
    });
    await stripe.setupIntents.create();
    const setups = l(stripe.setupIntents.list.bind(stripe.setupIntents));
    await narrows(setups, { customer: holder }, (s) => s.customer === holder);
    await narrows(
      setups,
      { payment_method: saved.payment_method },
      (s) => s.payment_method === saved.payment_method,
    );
    await ranges(setups, 'created');
    // Setup attempts of one intent: by created.
    const attempted = await stripe.setupIntents.create({
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    await ranges(
      (q) => stripe.setupAttempts.list({ ...q, setup_intent: attempted.id }) as never,
      'created',
    );
    // Identity verification sessions: by status, client_reference_id, related_customer, created.
    const person = (await stripe.customers.create()).id;
    await stripe.identity.verificationSessions.create({
      type: 'document',
      client_reference_id: 'walk_ref',
      related_customer: person,
    } as never);
    await stripe.identity.verificationSessions.cancel(
      (await stripe.identity.verificationSessions.create({ type: 'document' })).id,
    );
    const sessions = l(
      stripe.identity.verificationSessions.list.bind(stripe.identity.verificationSessions),
    );
    await narrows(sessions, { status: 'canceled' }, (s) => s.status === 'canceled');
    await narrows(
      sessions,
      { client_reference_id: 'walk_ref' } as never,
      (s) => s.client_reference_id === 'walk_ref',
    );
    await narrows(
      sessions,
      { related_customer: person } as never,
      (s) => s.related_customer === person,
    );
    await ranges(sessions, 'created');
    // Top-ups: by status, amount and created; open reviews: by created.
    const kept = await stripe.topups.create({ amount: 300, currency: 'usd' });
    await stripe.topups.cancel((await stripe.topups.create({ amount: 900, currency: 'usd' })).id);
    const topups = l(stripe.topups.list.bind(stripe.topups));
    await narrows(topups, { status: 'canceled' }, (t) => t.status === 'canceled');
    await narrows(topups, { amount: { lte: kept.amount } }, (t) => Number(t.amount) <= kept.amount);
    await ranges(topups, 'amount');
    await ranges(topups, 'created');
    await intent({ confirm: true, payment_method: 'pm_card_riskLevelElevated' });
    await ranges(l(stripe.reviews.list.bind(stripe.reviews)), 'created');
    // Coupons: by created.
    await stripe.coupons.create({ percent_off: 5 });
    await ranges(l(stripe.coupons.list.bind(stripe.coupons)), 'created');
    // Tax rates: by active and inclusive.
    await stripe.taxRates.create({ display_name: 'GST', inclusive: true, percentage: 10 });
    await stripe.taxRates.create({
      display_name: 'Old',
      inclusive: false,
      percentage: 5,
      active: false,
    });
    const rates = l(stripe.taxRates.list.bind(stripe.taxRates));
    await narrows(rates, { inclusive: true }, (r) => r.inclusive === true);
    await narrows(rates, { active: false }, (r) => r.active === false);
    await ranges(rates, 'created');
    // Products and prices.
    const service = await stripe.products.create({
      name: 'Service',
      type: 'service',
      url: 'https://example.com/service',
    });
    const good = await stripe.products.create({
      name: 'Good',
      type: 'good',
      shippable: true,
      active: false,
    });
    const products = l(stripe.products.list.bind(stripe.products));
    await narrows(products, { type: 'service' }, (p) => p.type === 'service');
    await narrows(products, { url: service.url }, (p) => p.url === service.url);
    await narrows(products, { active: false }, (p) => p.active === false);
    await narrows(products, { shippable: true }, (p) => p.shippable === true);
    await narrows(products, { ids: [good.id] }, (p) => p.id === good.id);
    await ranges(products, 'created');
    const monthly = await stripe.prices.create({
      product: service.id,
      currency: 'eur',
      unit_amount: 900,
      lookup_key: `filter_${randomUUID()}`,
      recurring: { interval: 'month', usage_type: 'licensed' },
    });
    await stripe.prices.create({
      product: good.id,
      currency: 'usd',
      unit_amount: 100,
      active: false,
    });
    const priceList = l(stripe.prices.list.bind(stripe.prices));
    await narrows(priceList, { active: false }, (p) => p.active === false);
    await narrows(priceList, { currency: 'eur' }, (p) => p.currency === 'eur');
    await narrows(priceList, { product: service.id }, (p) => p.product === service.id);
    await narrows(priceList, { type: 'recurring' }, (p) => p.type === 'recurring');
    await narrows(
      priceList,
      { lookup_keys: [monthly.lookup_key] },
      (p) => p.lookup_key === monthly.lookup_key,
    );
    await narrows(
      priceList,
      { recurring: { interval: 'month' } },
      (p) => (p.recurring as { interval?: string } | null)?.interval === 'month',
    );
    await narrows(
      priceList,
      { recurring: { usage_type: 'licensed' } },
      (p) => (p.recurring as { usage_type?: string } | null)?.usage_type === 'licensed',
    );
    await ranges(priceList, 'created');
  });

  it('a token shows what its card or bank details were: last4, cvc_check, the account type', async () => {
    const card = await stripe.tokens.create({
      card: { number: '5555555555554444', exp_month: '12', exp_year: '2031', cvc: '123' },
    });
    expect(card.card).toMatchObject({ last4: '4444', cvc_check: 'unchecked' });
    const noCvc = await stripe.tokens.create({
      card: { number: '4242424242424242', exp_month: '12', exp_year: '2031' },
    });
    expect(noCvc.card!.cvc_check).toBeNull();
    const bank = await stripe.tokens.create({
      bank_account: {
        country: 'US',
        currency: 'usd',
        account_number: '000999888777',
        routing_number: '110000000',
        account_type: 'savings',
      } as never,
    });
    expect(bank.bank_account).toMatchObject({ last4: '8777', account_type: 'savings' });
  });

  it('off_session declines a card that needs authentication; on session it waits for 3D Secure and goes back to return_url', async () => {
    const offSession = intent({
      confirm: true,
      payment_method: 'pm_card_authenticationRequired',
      off_session: true,
    });
    await expect(offSession).rejects.toMatchObject({
      statusCode: 402,
      code: 'authentication_required',
    });
    const onSession = await intent({
      confirm: true,
      payment_method: 'pm_card_authenticationRequired',
      return_url: 'https://example.com/back',
    });
    expect(onSession.status).toBe('requires_action');
    expect(onSession.next_action?.redirect_to_url?.return_url).toBe('https://example.com/back');
    const later = await intent({ payment_method: 'pm_card_authenticationRequired' });
    await expect(
      stripe.paymentIntents.confirm(later.id, { off_session: true }),
    ).rejects.toMatchObject({ code: 'authentication_required' });
  });

  it('identity numbers read back as provided, never as themselves', async () => {
    const account = await custom();
    const person = await stripe.accounts.createPerson(account.id, {
      id_number: '000000000',
      ssn_last_4: '0000',
      id_number_secondary: '111111111',
    } as never);
    expect(person).toMatchObject({
      id_number_provided: true,
      ssn_last_4_provided: true,
      id_number_secondary_provided: true,
    });
    expect(JSON.stringify(person)).not.toMatch(/000000000|111111111|"0000"/);
    const updated = await stripe.accounts.updatePerson(account.id, person.id, { first_name: 'J' });
    expect(updated.id_number_provided).toBe(true);
  });

  it('checks client_secret on retrieve', async () => {
    const pi = await intent();
    expect(
      (await stripe.paymentIntents.retrieve(pi.id, { client_secret: pi.client_secret! })).id,
    ).toBe(pi.id);
    await expect(
      stripe.paymentIntents.retrieve(pi.id, { client_secret: `${pi.id}_secret_wrong` }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'client_secret' });
  });

  it('captures less than authorized', async () => {
    const pi = await intent({
      capture_method: 'manual',
      confirm: true,
      payment_method: 'pm_card_visa',
    });
    expect(pi.amount_capturable).toBe(1000);
    const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 600 });
    expect(captured).toMatchObject({
      status: 'succeeded',
      amount_received: 600,
      amount_capturable: 0,
    });
    expect((await stripe.charges.retrieve(captured.latest_charge as string)).amount_captured).toBe(
      600,
    );
  });

  it("a transfer reversal's description is its balance transactions'", async () => {
    await fund();
    const account = await onboardedAccount(stripe, {
      type: 'custom',
      capabilities: { transfers: { requested: true } },
    });
    const transfer = await stripe.transfers.create({
      amount: 500,
      currency: 'usd',
      destination: account.id,
    });
    const reversal = await stripe.transfers.createReversal(transfer.id, {
      amount: 200,
      description: 'Order refunded',
    });
    const txn = await stripe.balanceTransactions.retrieve(reversal.balance_transaction as string);
    expect(txn).toMatchObject({
      description: 'Order refunded',
      type: 'transfer_refund',
      amount: 200,
    });
  });

  it('a v2 account reads back identity, configuration and defaults with include', async () => {
    const created = await stripe.v2.core.accounts.create({
      display_name: 'Included',
      identity: { country: 'us', entity_type: 'individual' },
      configuration: { customer: {} },
      defaults: { currency: 'usd' },
      include: ['identity'],
    });
    expect(created.identity).toMatchObject({ country: 'us', entity_type: 'individual' });
    expect(created.configuration).toBeNull();
    const all = await stripe.v2.core.accounts.retrieve(created.id, {
      include: ['identity', 'configuration.customer', 'defaults'],
    });
    expect(all.configuration!.customer).toMatchObject({ applied: true });
    expect(all.defaults).toMatchObject({ currency: 'usd' });
    const none = await stripe.v2.core.accounts.retrieve(created.id);
    expect([none.identity, none.defaults, none.configuration]).toEqual([null, null, null]);
    const updated = await stripe.v2.core.accounts.update(created.id, {
      identity: { country: 'gb' },
      include: ['identity'],
    });
    expect(updated.identity).toMatchObject({ country: 'gb' });
  });

  it('reads back each parameter a route applies, in the object it answers with', async () => {
    const problems: string[] = [];
    let checked = 0;
    for (const { route, op } of modelled) {
      const reads = leaves(route, op).filter((l) => l.use === 'reads' && l.param !== 'expand');
      if (reads.length === 0) continue;
      const setup = setups[op.id];
      if (!setup) {
        problems.push(`${op.id}: no setup to walk ${reads.map((l) => l.param).join(', ')}`);
        continue;
      }
      for (const leaf of reads) {
        let readBack = false;
        const outcomes: string[] = [];
        let value: unknown;
        for (const variant of await setup()) {
          if (variant.skip?.includes(leaf.path[0]!)) continue;
          value = valueFor(op, leaf, variant);
          const body = requestWith(op, variant.base ?? {}, leaf, value);
          const res = await send(op, variant.path ?? {}, body);
          const error = res.json.error as { code?: string; param?: string } | undefined;
          if (res.status === 200 && readsBack(value, at(res.json, leaf.path))) readBack = true;
          else if (error?.code === 'parameter_not_supported' && error.param === leaf.param)
            continue;
          else
            outcomes.push(
              `${res.status} ${String(JSON.stringify(error ?? at(res.json, leaf.path))).slice(0, 160)}`,
            );
        }
        if (!readBack || outcomes.length)
          problems.push(
            `${op.id} ${leaf.param}=${JSON.stringify(value)}: ${outcomes.join('; ') || 'refused everywhere'}`,
          );
        else checked++;
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  }, 300_000);
});
