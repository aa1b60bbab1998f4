import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import {
  effect,
  expandParam,
  integer,
  listParams,
  object,
  oneOf,
  required,
  string,
} from '../stripe/params.js';
import type { WriteContext } from '../services/context.js';
import { emitEvent } from '../services/emit-event.js';
import type { ObjectRow } from '../storage/repositories/objects.js';
import type { Scope } from '../scope/scope.js';
import {
  createObject,
  listVisible,
  parseData,
  parseInternal,
  requireObject,
  requireObjectToChange,
  saveObject,
} from './common.js';
import { get, post, type Resource } from './route.js';
import { testModeOnly } from './treasury/ledger.js';

/**
 * Customer cash balances (docs.stripe.com/payments/customer-balance): funds a customer sent by
 * bank transfer, held per currency until they pay a PaymentIntent. The balance lives on its
 * customer (the customer row's internal state), so that every change to it locks the customer;
 * each change is a `customer_cash_balance_transaction` (`ccsbtxn_`) under the customer.
 */

export type ReconciliationMode = 'automatic' | 'manual';

export interface CashBalanceState {
  /** Per currency, what is available; absent until the customer is first funded. */
  available?: Record<string, number>;
  /** Set for this customer; unset means the merchant default (automatic). */
  reconciliationMode?: ReconciliationMode;
}

interface CustomerInternal {
  cashBalance?: CashBalanceState;
}

/** The bank transfer type that funds a cash balance in each currency Stripe supports. */
export const transferTypes: Record<
  string,
  Stripe.PaymentIntent.NextAction.DisplayBankTransferInstructions.Type
> = {
  eur: 'eu_bank_transfer',
  gbp: 'gb_bank_transfer',
  jpy: 'jp_bank_transfer',
  mxn: 'mx_bank_transfer',
  usd: 'us_bank_transfer',
};

export const TRANSACTION = 'customer_cash_balance_transaction';

/** The test that proves a funded cash balance, its transactions and events. */
export const FUND_TEST =
  'fund_cash_balance records a funded transaction, sends customer_cash_balance_transaction.created and cash_balance.funds_available';

/** The test that proves reconciliation_mode reads back and decides where funds go. */
export const MODE_TEST =
  'settings[reconciliation_mode] reads back on the cash balance, set on the customer or the balance';

/** A currency a cash balance holds, lowercase, or a Stripe-style error naming `param`. */
export function cashCurrency(value: string, param: string): string {
  const currency = value.toLowerCase();
  if (!transferTypes[currency])
    throw errors.invalidRequest(
      `Cash balances are held in ${Object.keys(transferTypes).join(', ')}; ${currency} is not supported.`,
      param,
      'currency_not_supported',
    );
  return currency;
}

export const cashState = (row: ObjectRow): CashBalanceState =>
  parseInternal<CustomerInternal>(row).cashBalance ?? {};

/** The `cash_balance` object of a customer, as Stripe renders it. */
export function renderCashBalance(row: ObjectRow, state: CashBalanceState): Stripe.CashBalance {
  return {
    object: 'cash_balance',
    available: state.available ?? null,
    customer: row.id,
    livemode: row.livemode === 1,
    settings: {
      reconciliation_mode: state.reconciliationMode ?? 'automatic',
      using_merchant_default: state.reconciliationMode === undefined,
    },
  } as Stripe.CashBalance;
}

/** Saves a customer's cash balance state; the customer object itself is unchanged. */
export async function saveCashState(
  w: WriteContext,
  row: ObjectRow,
  state: CashBalanceState,
): Promise<void> {
  await saveObject(w.db, row.id, parseData(row), {
    ...parseInternal<CustomerInternal>(row),
    cashBalance: state,
  });
}

/** The state with `settings[reconciliation_mode]` applied (`merchant_default` unsets it). */
export function withReconciliationMode(
  state: CashBalanceState,
  mode: ReconciliationMode | 'merchant_default' | undefined,
): CashBalanceState {
  if (!mode) return state;
  const next = { ...state };
  if (mode === 'merchant_default') delete next.reconciliationMode;
  else next.reconciliationMode = mode;
  return next;
}

/** A customer of the caller's scope, locked for a change to its cash balance. */
export const lockCustomer = (w: WriteContext, caller: Scope, id: string, param = 'customer') =>
  requireObjectToChange(w, caller, 'customer', id, 'customer', param);

type TransactionDetails = Partial<
  Pick<Stripe.CustomerCashBalanceTransaction, 'funded' | 'applied_to_payment'>
>;

/**
 * Moves `netAmount` into (positive) or out of (negative) a customer's balance in `currency`,
 * records the transaction and sends `customer_cash_balance_transaction.created`. Returns the
 * transaction and the state after it (not yet saved: the caller saves it once).
 */
export async function recordTransaction(
  w: WriteContext,
  customer: ObjectRow,
  state: CashBalanceState,
  move: {
    currency: string;
    netAmount: number;
    type: Stripe.CustomerCashBalanceTransaction.Type;
    details: TransactionDetails;
  },
): Promise<{ transaction: Stripe.CustomerCashBalanceTransaction; state: CashBalanceState }> {
  const balance = (state.available?.[move.currency] ?? 0) + move.netAmount;
  const next: CashBalanceState = {
    ...state,
    available: { ...state.available, [move.currency]: balance },
  };
  const { data } = await createObject<Stripe.CustomerCashBalanceTransaction>(w, {
    type: TRANSACTION,
    prefix: 'ccsbtxn',
    parentId: customer.id,
    accountId: customer.account_id,
    data: (id, created) =>
      ({
        id,
        object: TRANSACTION,
        created,
        currency: move.currency,
        customer: customer.id,
        ending_balance: balance,
        livemode: customer.livemode === 1,
        net_amount: move.netAmount,
        type: move.type,
        ...move.details,
      }) as Stripe.CustomerCashBalanceTransaction,
  });
  await emitEvent(w, { type: `${TRANSACTION}.created`, object: data as never });
  return { transaction: data, state: next };
}

/** Who sent a test bank transfer, as Stripe's test mode shows it, per transfer type. */
function senderDetails(type: string): Record<string, unknown> {
  switch (type) {
    case 'eu_bank_transfer':
      return {
        eu_bank_transfer: { bic: 'BANKDEAAXXX', iban_last4: '7089', sender_name: 'Jenny Rosen' },
      };
    case 'gb_bank_transfer':
      return {
        gb_bank_transfer: {
          account_number_last4: '4242',
          sender_name: 'Jenny Rosen',
          sort_code: '108800',
        },
      };
    case 'jp_bank_transfer':
      return {
        jp_bank_transfer: {
          sender_bank: 'Stripe Test Bank',
          sender_branch: 'Main',
          sender_name: 'Jenny Rosen',
        },
      };
    case 'us_bank_transfer':
      return { us_bank_transfer: { network: 'ach', sender_name: 'Jenny Rosen' } };
    default:
      return {};
  }
}

/** Test helper: a bank transfer from the customer lands in its cash balance. */
async function fund(
  w: WriteContext,
  caller: Scope,
  customerId: string,
  params: { amount: number; currency: string; reference?: string | undefined },
): Promise<Stripe.CustomerCashBalanceTransaction> {
  const currency = cashCurrency(params.currency, 'currency');
  const customer = await lockCustomer(w, caller, customerId, 'customer');
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
  await saveCashState(w, customer, funded.state);
  return funded.transaction;
}

export const cashBalances: Resource = {
  name: 'cash_balances',
  routes: [
    get('/v1/customers/:customer/cash_balance', expandParam, async ({ db, caller, path }) => {
      const row = await requireObject(db, caller, 'customer', path.customer!);
      return renderCashBalance(row, cashState(row));
    }),

    post(
      '/v1/customers/:customer/cash_balance',
      {
        settings: object({
          reconciliation_mode: effect(
            oneOf(['automatic', 'manual', 'merchant_default'] as const),
            MODE_TEST,
          ),
        }),
        ...expandParam,
      },
      async ({ w, caller, path, params }) => {
        const row = await lockCustomer(w, caller, path.customer!, 'id');
        const state = withReconciliationMode(cashState(row), params.settings?.reconciliation_mode);
        await saveCashState(w, row, state);
        return renderCashBalance(row, state);
      },
    ),

    get(
      '/v1/customers/:customer/cash_balance_transactions',
      listParams,
      async ({ db, services, caller, path, params, url }) => {
        const customer = await requireObject(db, caller, 'customer', path.customer!);
        return listVisible(
          services.dialect,
          caller,
          url,
          { type: TRANSACTION, parentId: customer.id },
          params,
          TRANSACTION,
        );
      },
    ),

    get(
      '/v1/customers/:customer/cash_balance_transactions/:id',
      expandParam,
      async ({ db, caller, path }) => {
        const customer = await requireObject(db, caller, 'customer', path.customer!);
        const row = await requireObject(db, caller, TRANSACTION, path.id!, TRANSACTION);
        if (row.parent_id !== customer.id) throw errors.resourceMissing(TRANSACTION, path.id!);
        return parseData(row);
      },
    ),

    post(
      '/v1/test_helpers/customers/:customer/fund_cash_balance',
      {
        amount: required(effect(integer({ min: 1 }), FUND_TEST)),
        currency: required(effect(string(), FUND_TEST)),
        reference: effect(string({ maxLength: 5000 }), FUND_TEST),
        ...expandParam,
      },
      async ({ w, caller, path, params }) => {
        testModeOnly(caller as never);
        return fund(w, caller, path.customer!, params);
      },
    ),
  ],
};
