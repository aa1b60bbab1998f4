import type Stripe from 'stripe';
import { newId, randomToken } from '../domain/ids.js';
import type { TestCard } from '../domain/test-instruments.js';
import { errors } from '../stripe/errors.js';
import {
  array,
  effect,
  expandParam,
  integer,
  object,
  oneOf,
  required,
  string,
} from '../stripe/params.js';
import { writeDialect, type WriteContext } from '../services/context.js';
import { emitEvent } from '../services/emit-event.js';
import type { Scope } from '../scope/scope.js';
import type { ObjectRow } from '../storage/repositories/objects.js';
import { listOwnObjects } from '../scope/finders.js';
import {
  cashCurrency,
  cashState,
  FUND_TEST,
  lockCustomer,
  recordTransaction,
  renderCashBalance,
  saveCashState,
  type CashBalanceState,
} from './cash-balances.js';
import { buildCharge, type ChargeInternal } from './charges.js';
import {
  createObject,
  parseData,
  requireObject,
  requireObjectToChange,
  saveObject,
} from './common.js';
import {
  addressesFor,
  checkBankTransfer,
  EU_COUNTRIES,
  transferTypeField,
  transferTypes,
  type BankTransferParams,
  type TransferType,
} from './funding-instructions.js';
import { post, type Resource } from './route.js';
import { intentCharge, settleCharge, termsOf, withGroupOf } from './settlement.js';
import { testModeOnly } from './treasury/ledger.js';

/**
 * PaymentIntents paid from a customer's cash balance (the `customer_balance` payment method,
 * docs.stripe.com/payments/bank-transfers): confirmed, the intent takes what the balance holds
 * in its currency and waits (`requires_action`, `display_bank_transfer_instructions`) for the
 * rest to come by bank transfer; funds that land are applied to it automatically or with
 * `apply_customer_balance` (the balance's `reconciliation_mode`). Each application is an
 * `applied_to_payment` cash balance transaction; a partly funded intent sends
 * `payment_intent.partially_funded`, a fully funded one is charged and succeeds.
 */

/** The test that proves customer_balance PaymentIntents, their options and their funding. */
export const CUSTOMER_BALANCE_TEST =
  'a customer_balance PaymentIntent waits for a bank transfer, is partially funded, then succeeds';

/** The test that proves apply_customer_balance. */
export const APPLY_TEST =
  'apply_customer_balance pays a waiting PaymentIntent from the balance, in part or in full, in manual reconciliation';

/** The test that proves automatic reconciliation's order (reference first, then oldest). */
export const RECONCILE_TEST =
  'automatic reconciliation pays the PaymentIntent whose reference the transfer names first, then the oldest';

const bankTransferParams = {
  type: transferTypeField,
  eu_bank_transfer: object({ country: required(oneOf(EU_COUNTRIES)) }),
  requested_address_types: array(string()),
};

/** `payment_method_options[customer_balance]` of a PaymentIntent. */
export const customerBalanceOptions = effect(
  object({
    funding_type: oneOf(['bank_transfer'] as const),
    bank_transfer: object(bankTransferParams),
    setup_future_usage: oneOf(['none'] as const),
  }),
  CUSTOMER_BALANCE_TEST,
);

export interface CustomerBalanceOptions {
  funding_type?: 'bank_transfer' | undefined;
  bank_transfer?: BankTransferParams | undefined;
  setup_future_usage?: 'none' | undefined;
}

/** The options as they read back on the PaymentIntent (`payment_method_options.customer_balance`). */
export function renderCustomerBalanceOptions(
  given: CustomerBalanceOptions,
): Stripe.PaymentIntent.PaymentMethodOptions.CustomerBalance {
  const bt = given.bank_transfer;
  return {
    funding_type: given.funding_type ?? null,
    ...(given.setup_future_usage ? { setup_future_usage: given.setup_future_usage } : {}),
    ...(bt
      ? {
          bank_transfer: {
            ...(bt.eu_bank_transfer ? { eu_bank_transfer: bt.eu_bank_transfer } : {}),
            ...(bt.requested_address_types
              ? { requested_address_types: bt.requested_address_types }
              : {}),
            type: bt.type ?? null,
          },
        }
      : {}),
  } as Stripe.PaymentIntent.PaymentMethodOptions.CustomerBalance;
}

type Waiting = Stripe.PaymentIntent & {
  next_action: { display_bank_transfer_instructions: { amount_remaining: number } };
};

/** An intent that waits for funds from its customer's cash balance. */
const isWaiting = (pi: Stripe.PaymentIntent): pi is Waiting =>
  pi.status === 'requires_action' && pi.next_action?.type === 'display_bank_transfer_instructions';

/** How a customer balance payment renders through the card-shaped charge builder. */
const cashInstrument: TestCard = {
  brand: 'customer_balance',
  last4: '',
  funding: 'debit',
  country: 'US',
  outcome: { kind: 'succeeded', availableImmediately: true },
};

/**
 * Confirms a customer_balance PaymentIntent: checks its customer and bank transfer options, then
 * takes what the customer's cash balance holds in its currency; what is left to pay waits for a
 * bank transfer (`requires_action` with the customer's bank transfer instructions).
 */
export async function confirmCustomerBalance(
  w: WriteContext,
  caller: Scope,
  pi: Stripe.PaymentIntent,
): Promise<Stripe.PaymentIntent> {
  if (!pi.customer)
    throw errors.invalidRequest(
      'A customer is required to use the customer_balance payment method: pass customer on the PaymentIntent.',
      'customer',
    );
  if (pi.capture_method === 'manual')
    throw errors.invalidRequest(
      'The payment method `customer_balance` does not support manual capture: use capture_method=automatic.',
      'capture_method',
    );
  const options = (pi.payment_method_options?.customer_balance ?? {}) as CustomerBalanceOptions;
  const param = 'payment_method_options[customer_balance]';
  if (options.funding_type !== 'bank_transfer')
    throw errors.parameterMissing(`${param}[funding_type]`);
  const transfer = checkBankTransfer(
    options.bank_transfer ?? {},
    pi.currency,
    `${param}[bank_transfer]`,
    'currency',
  );
  const customer = await lockCustomer(w, caller, pi.customer as string);
  const waiting: Waiting = {
    ...pi,
    status: 'requires_action',
    last_payment_error: null,
    next_action: {
      type: 'display_bank_transfer_instructions',
      display_bank_transfer_instructions: {
        amount_remaining: pi.amount,
        currency: pi.currency,
        financial_addresses: addressesFor(customer.id, transfer),
        hosted_instructions_url: null,
        reference: randomToken(12).toUpperCase(),
        type: transfer.type,
      },
    } as Stripe.PaymentIntent.NextAction,
  } as Waiting;
  const state = cashState(customer);
  const available = state.available?.[pi.currency] ?? 0;
  if (available < pi.amount) {
    await saveObject(w.db, pi.id, waiting);
    await emitEvent(w, { type: 'payment_intent.requires_action', object: waiting as never });
  }
  if (available === 0) return waiting;
  const paid = await applyFunds(w, customer, state, waiting, Math.min(available, pi.amount));
  await saveCashState(w, customer, paid.state);
  return paid.pi;
}

/**
 * Applies `amount` of the customer's cash balance to a waiting intent: an `applied_to_payment`
 * transaction; then the intent is partly funded (`payment_intent.partially_funded`), or paid in
 * full: charged (`charge.succeeded`, funds available at once) and `payment_intent.succeeded`.
 * Returns the intent and the balance's state (not saved).
 */
async function applyFunds(
  w: WriteContext,
  customer: ObjectRow,
  state: CashBalanceState,
  pi: Waiting,
  amount: number,
): Promise<{ pi: Stripe.PaymentIntent; state: CashBalanceState }> {
  const applied = await recordTransaction(w, customer, state, {
    currency: pi.currency,
    netAmount: -amount,
    type: 'applied_to_payment',
    details: { applied_to_payment: { payment_intent: pi.id } },
  });
  const instructions = pi.next_action.display_bank_transfer_instructions;
  const remaining = instructions.amount_remaining - amount;
  if (remaining > 0) {
    const next = {
      ...pi,
      next_action: {
        ...pi.next_action,
        display_bank_transfer_instructions: { ...instructions, amount_remaining: remaining },
      },
    } as Stripe.PaymentIntent;
    await saveObject(w.db, pi.id, next);
    await emitEvent(w, { type: 'payment_intent.partially_funded', object: next as never });
    return { pi: next, state: applied.state };
  }
  const chargeId = newId('ch', 24);
  const built: Stripe.Charge = {
    ...buildCharge(
      intentCharge(pi, {
        id: chargeId,
        now: w.now,
        card: cashInstrument,
        paymentMethod: pi.payment_method as string,
        captured: true,
      }),
    ),
    payment_method_details: {
      type: 'customer_balance',
      customer_balance: {},
    } as Stripe.Charge.PaymentMethodDetails,
  };
  // Stripe's bank transfer fees are not modelled: the whole amount reaches the balance.
  const settled = await settleCharge(w, built, cashInstrument, {
    ...termsOf(pi, pi.amount),
    fee: 0,
  });
  await createObject(w, {
    type: 'charge',
    id: chargeId,
    data: () => settled.charge,
    internal: { availableAt: null } satisfies ChargeInternal,
  });
  await emitEvent(w, { type: 'charge.succeeded', object: settled.charge as never });
  const next: Stripe.PaymentIntent = {
    ...withGroupOf(pi, settled.charge),
    status: 'succeeded',
    next_action: null,
    latest_charge: chargeId,
    amount_received: pi.amount,
  };
  await saveObject(w.db, pi.id, next);
  await emitEvent(w, { type: 'payment_intent.succeeded', object: next as never });
  return { pi: next, state: applied.state };
}

/**
 * A waiting intent canceled: what was applied to it goes back to the customer's cash balance (an
 * `unapplied_from_payment` transaction), as on Stripe.
 */
export async function returnAppliedFunds(
  w: WriteContext,
  caller: Scope,
  pi: Stripe.PaymentIntent,
): Promise<void> {
  if (!isWaiting(pi)) return;
  const applied = pi.amount - pi.next_action.display_bank_transfer_instructions.amount_remaining;
  if (applied <= 0) return;
  const customer = await lockCustomer(w, caller, pi.customer as string);
  const back = await recordTransaction(w, customer, cashState(customer), {
    currency: pi.currency,
    netAmount: applied,
    type: 'unapplied_from_payment',
    details: { unapplied_from_payment: { payment_intent: pi.id } },
  });
  await saveCashState(w, customer, back.state);
}

/** The most open intents automatic reconciliation looks at per transfer (oldest first). */
const RECONCILE_LIMIT = 100;

/**
 * Automatic reconciliation of funds that landed in `currency`: the customer's waiting intent
 * whose reference the transfer names first, then the others, oldest first, each taking what it
 * still needs while funds last (docs.stripe.com/payments/customer-balance/reconciliation).
 */
async function reconcile(
  w: WriteContext,
  caller: Scope,
  customer: ObjectRow,
  state: CashBalanceState,
  funding: { currency: string; reference: string | null },
): Promise<CashBalanceState> {
  // Inside the write's transaction: SQLite has one connection, which the write holds.
  const open = await listOwnObjects(
    writeDialect(w),
    caller,
    {
      type: 'payment_intent',
      where: { customer: customer.id, currency: funding.currency, status: 'requires_action' },
    },
    { limit: RECONCILE_LIMIT },
  );
  const waiting = open.rows
    .map((r) => parseData<Stripe.PaymentIntent>(r))
    .filter(isWaiting)
    .reverse();
  const named = waiting.findIndex(
    (pi) =>
      funding.reference !== null &&
      pi.next_action.display_bank_transfer_instructions.reference === funding.reference,
  );
  if (named > 0) waiting.unshift(...waiting.splice(named, 1));
  let current = state;
  for (const candidate of waiting) {
    const available = current.available?.[funding.currency] ?? 0;
    if (available === 0) break;
    const row = await requireObjectToChange(w, caller, 'payment_intent', candidate.id);
    const pi = parseData<Stripe.PaymentIntent>(row);
    if (!isWaiting(pi)) continue;
    const need = pi.next_action.display_bank_transfer_instructions.amount_remaining;
    current = (await applyFunds(w, customer, current, pi, Math.min(need, available))).state;
  }
  return current;
}

/** Who sent a test bank transfer, as Stripe's test mode shows it, per transfer type. */
function senderDetails(type: TransferType): Record<string, unknown> {
  const sender_name = 'Jenny Rosen';
  switch (type) {
    case 'eu_bank_transfer':
      return { eu_bank_transfer: { bic: 'BANKDEAAXXX', iban_last4: '7089', sender_name } };
    case 'gb_bank_transfer':
      return {
        gb_bank_transfer: { account_number_last4: '4242', sender_name, sort_code: '108800' },
      };
    case 'jp_bank_transfer':
      return {
        jp_bank_transfer: { sender_bank: 'Stripe Test Bank', sender_branch: 'Main', sender_name },
      };
    case 'us_bank_transfer':
      return { us_bank_transfer: { network: 'ach', sender_name } };
    default:
      return {};
  }
}

/**
 * Test helper: a bank transfer from the customer lands in its cash balance (a `funded`
 * transaction, `cash_balance.funds_available`); with automatic reconciliation it then pays the
 * customer's waiting intents.
 */
async function fund(
  w: WriteContext,
  caller: Scope,
  customerId: string,
  params: { amount: number; currency: string; reference?: string | undefined },
): Promise<Stripe.CustomerCashBalanceTransaction> {
  const currency = cashCurrency(params.currency, 'currency');
  const customer = await lockCustomer(w, caller, customerId);
  const type = transferTypes[currency]!;
  const reference = params.reference ?? null;
  const funded = await recordTransaction(w, customer, cashState(customer), {
    currency,
    netAmount: params.amount,
    type: 'funded',
    details: {
      funded: {
        bank_transfer: { reference, type, ...senderDetails(type) },
      } as Stripe.CustomerCashBalanceTransaction.Funded,
    },
  });
  await emitEvent(w, {
    type: 'cash_balance.funds_available',
    object: renderCashBalance(customer, funded.state) as never,
  });
  let state = funded.state;
  if ((state.reconciliationMode ?? 'automatic') === 'automatic')
    state = await reconcile(w, caller, customer, state, { currency, reference });
  await saveCashState(w, customer, state);
  return funded.transaction;
}

export const customerBalancePayments: Resource = {
  name: 'customer_balance_payments',
  routes: [
    post(
      '/v1/test_helpers/customers/:customer/fund_cash_balance',
      {
        amount: required(effect(integer({ min: 1 }), FUND_TEST)),
        currency: required(effect(string(), FUND_TEST)),
        reference: effect(string({ maxLength: 5000 }), RECONCILE_TEST),
        ...expandParam,
      },
      async ({ w, caller, path, params }) => {
        testModeOnly(caller as never);
        return fund(w, caller, path.customer!, params);
      },
      { permission: 'cash_balances:write' },
    ),

    post(
      '/v1/payment_intents/:id/apply_customer_balance',
      {
        amount: effect(integer({ min: 1 }), APPLY_TEST),
        currency: effect(string(), APPLY_TEST),
        ...expandParam,
      },
      async ({ w, caller, path, params }) => {
        // The customer first, then the intent: the order funding locks them in.
        const seen = parseData<Stripe.PaymentIntent>(
          await requireObject(w.db, caller, 'payment_intent', path.id!, 'payment_intent'),
        );
        if (!isWaiting(seen))
          throw errors.invalidRequest(
            `This PaymentIntent's customer balance could not be applied because it has a status of ${seen.status}: only a customer_balance PaymentIntent that requires_action can take funds.`,
            undefined,
            'payment_intent_unexpected_state',
          );
        const customer = await lockCustomer(w, caller, seen.customer as string);
        const pi = parseData<Stripe.PaymentIntent>(
          await requireObjectToChange(w, caller, 'payment_intent', seen.id, 'payment_intent'),
        );
        if (!isWaiting(pi)) throw errors.invalidRequest('This PaymentIntent changed meanwhile.');
        if (params.currency !== undefined && params.currency.toLowerCase() !== pi.currency)
          throw errors.invalidRequest(
            `The currency must be the PaymentIntent's (${pi.currency}).`,
            'currency',
          );
        const state = cashState(customer);
        const available = state.available?.[pi.currency] ?? 0;
        const remaining = pi.next_action.display_bank_transfer_instructions.amount_remaining;
        const amount = params.amount ?? Math.min(remaining, available);
        if (amount > remaining)
          throw errors.invalidRequest(
            `The amount (${amount}) is more than the PaymentIntent still needs (${remaining}).`,
            'amount',
          );
        if (amount > available || amount === 0)
          throw errors.invalidRequest(
            `The customer's cash balance holds ${available} ${pi.currency}: not enough to apply ${amount || remaining}.`,
            'amount',
            'insufficient_funds',
          );
        const paid = await applyFunds(w, customer, state, pi, amount);
        await saveCashState(w, customer, paid.state);
        return paid.pi;
      },
      { permission: 'payment_intents:write' },
    ),
  ],
};
