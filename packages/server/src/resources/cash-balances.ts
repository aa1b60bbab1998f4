import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import {
  array,
  effect,
  expandParam,
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
import {
  checkBankTransfer,
  EU_COUNTRIES,
  fundingInstructions,
  transferTypeField,
  transferTypes,
} from './funding-instructions.js';

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

export const TRANSACTION = 'customer_cash_balance_transaction';

/** The test that proves a funded cash balance, its transactions and events. */
export const FUND_TEST =
  'fund_cash_balance records a funded transaction, sends customer_cash_balance_transaction.created and cash_balance.funds_available';

/** The test that proves funding instructions. */
export const INSTRUCTIONS_TEST =
  'funding_instructions gives each customer the same virtual bank account per transfer type';

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
  Pick<
    Stripe.CustomerCashBalanceTransaction,
    'funded' | 'applied_to_payment' | 'unapplied_from_payment'
  >
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
      '/v1/customers/:customer/funding_instructions',
      {
        bank_transfer: required(
          effect(
            object({
              type: required(transferTypeField),
              eu_bank_transfer: object({ country: required(oneOf(EU_COUNTRIES)) }),
              requested_address_types: array(string()),
            }),
            INSTRUCTIONS_TEST,
          ),
        ),
        currency: required(effect(string(), INSTRUCTIONS_TEST)),
        funding_type: required(effect(oneOf(['bank_transfer'] as const), INSTRUCTIONS_TEST)),
        ...expandParam,
      },
      async ({ w, caller, path, params }) => {
        const customer = await requireObject(w.db, caller, 'customer', path.customer!);
        const currency = cashCurrency(params.currency, 'currency');
        const transfer = checkBankTransfer(
          params.bank_transfer,
          currency,
          'bank_transfer',
          'currency',
        );
        return fundingInstructions(customer.id, customer.livemode === 1, currency, transfer);
      },
    ),
  ],
};
