import type Stripe from 'stripe';
import { errors } from '../../stripe/errors.js';
import type { Caller } from '../route.js';
import type { WriteContext } from '../../services/context.js';
import type { ObjectRow } from '../../storage/repositories/objects.js';
import {
  createObject,
  findObjectToChange,
  parseData,
  requireObject,
  requireObjectToChange,
  saveObject,
} from '../common.js';

/**
 * The money of a Treasury financial account, kept as Stripe keeps it: each money movement (a
 * flow: an outbound payment, a received credit, ...) has a Transaction, and each change of the
 * flow's status adds a TransactionEntry whose `balance_impact` moves the financial account's
 * `balance` (`cash`, `inbound_pending`, `outbound_pending`, per currency) and is summed into its
 * Transaction's. A Transaction is `open` while its flow is in flight, `posted` once its money
 * settled, `void` when it never moved (a failed or canceled flow gives back what it held).
 */
export type FinancialAccount = Stripe.Treasury.FinancialAccount;
export type Impact = Stripe.Treasury.Transaction.BalanceImpact;
export type FlowType = Stripe.Treasury.Transaction.FlowType;
export type EntryType = Stripe.Treasury.TransactionEntry.Type;

export const FINANCIAL_ACCOUNT = 'treasury.financial_account';
export const TRANSACTION = 'treasury.transaction';
export const ENTRY = 'treasury.transaction_entry';

/** Stripe's test mode settles a reversal within seconds; the manual clock skips the wait. */
export const TREASURY_SETTLES_MS = 2_000;

export const noImpact = (): Impact => ({ cash: 0, inbound_pending: 0, outbound_pending: 0 });

/** Test helpers answer only in test mode, as on Stripe. */
export function testModeOnly(caller: Caller): void {
  if (caller.livemode)
    throw errors.invalidRequest(
      'Test helpers can only be used with a test-mode key.',
      undefined,
      'livemode_mismatch',
      400,
    );
}

/** A financial account of the caller's scope, locked until the write commits. */
export function lockFinancialAccount(
  w: WriteContext,
  caller: Caller,
  id: string,
  param = 'financial_account',
): Promise<ObjectRow> {
  return requireObjectToChange(w, caller, FINANCIAL_ACCOUNT, id, 'financial account', param);
}

/** A financial account of the caller's scope, to read. */
export function readFinancialAccount(
  w: Pick<WriteContext, 'db'>,
  caller: Caller,
  id: string,
  param = 'financial_account',
): Promise<ObjectRow> {
  return requireObject(w.db, caller, FINANCIAL_ACCOUNT, id, 'financial account', param);
}

/** The cash of a financial account in a currency (0 when it holds none). */
export const cashOf = (fa: FinancialAccount, currency: string): number =>
  fa.balance.cash[currency] ?? 0;

/**
 * Checks a flow out of (or into) a financial account can start: the account open, its platform
 * not restricting that direction, the currency one it holds, the feature active.
 */
export function checkFlow(
  fa: FinancialAccount,
  opts: { currency: string; direction: 'inbound' | 'outbound'; feature: string },
): void {
  if (fa.status !== 'open')
    throw errors.invalidRequest(
      `The financial account ${fa.id} is closed.`,
      'financial_account',
      'financial_account_not_open' as never,
    );
  const restriction = fa.platform_restrictions?.[`${opts.direction}_flows`];
  if (restriction === 'restricted')
    throw errors.invalidRequest(
      `The financial account ${fa.id} has its ${opts.direction} flows restricted by the platform (platform_restrictions[${opts.direction}_flows]).`,
      'financial_account',
      'financial_account_restricted' as never,
    );
  if (!fa.supported_currencies.includes(opts.currency))
    throw errors.parameterInvalid(
      'currency',
      `The financial account ${fa.id} does not hold ${opts.currency.toUpperCase()}; it supports ${fa.supported_currencies.join(', ')}.`,
    );
  if (!(fa.active_features ?? []).includes(opts.feature as never))
    throw errors.invalidRequest(
      `The financial account ${fa.id} does not have the ${opts.feature} feature active: request it with POST /v1/treasury/financial_accounts/${fa.id}/features.`,
      'financial_account',
      'feature_not_enabled' as never,
    );
}

/** Stripe's error when a financial account's cash cannot cover an amount it is to send. */
export function requireCash(fa: FinancialAccount, currency: string, amount: number, what: string) {
  const cash = cashOf(fa, currency);
  if (cash < amount)
    throw errors.invalidRequest(
      `The financial account ${fa.id} has insufficient funds for this ${what}: its ${currency.toUpperCase()} cash balance is ${cash} and the ${what} is ${amount}.`,
      'amount',
      'insufficient_funds',
    );
}

/** What a new Transaction records of its flow. */
export interface NewTransaction {
  flowType: FlowType;
  flow: string;
  /** Signed: money into the financial account is positive. */
  amount: number;
  currency: string;
  description: string;
}

/** Where a write happens: the financial account's row (locked), and the scope its objects go to. */
export interface Ledger {
  w: WriteContext;
  fa: ObjectRow;
}

const scopeOf = (fa: ObjectRow) => ({ accountId: fa.account_id, livemode: fa.livemode === 1 });

/** Opens a flow's Transaction (no money moves until its first entry). */
export async function openTransaction(l: Ledger, t: NewTransaction): Promise<string> {
  const { id } = await createObject<Stripe.Treasury.Transaction>(l.w, {
    type: TRANSACTION,
    prefix: 'trxn',
    ...scopeOf(l.fa),
    data: (id, created) =>
      ({
        id,
        object: 'treasury.transaction',
        amount: t.amount,
        balance_impact: noImpact(),
        created,
        currency: t.currency,
        description: t.description,
        financial_account: l.fa.id,
        flow: t.flow,
        flow_type: t.flowType,
        livemode: l.fa.livemode === 1,
        status: 'open',
        status_transitions: { posted_at: null, void_at: null },
      }) as Stripe.Treasury.Transaction,
  });
  return id;
}

/**
 * Adds an entry to a flow's Transaction: its impact moves the financial account's balance and is
 * summed into the Transaction's, which then becomes `status` (posted, void) if given.
 */
export async function addEntry(
  l: Ledger,
  transactionId: string,
  type: EntryType,
  impact: Impact,
  status?: 'posted' | 'void',
): Promise<void> {
  const row = (await findObjectToChange(l.w, transactionId))!;
  const txn = parseData<Stripe.Treasury.Transaction>(row);
  const at = Math.floor(l.w.now / 1000);
  if (impact.cash !== 0 || impact.inbound_pending !== 0 || impact.outbound_pending !== 0) {
    const fa = parseData<FinancialAccount>(l.fa);
    const balance = fa.balance;
    for (const key of ['cash', 'inbound_pending', 'outbound_pending'] as const)
      balance[key] = {
        ...balance[key],
        [txn.currency]: (balance[key][txn.currency] ?? 0) + impact[key],
      };
    await saveObject(l.w.db, l.fa.id, fa);
    l.fa = { ...l.fa, data: JSON.stringify(fa) };
    await createObject<Stripe.Treasury.TransactionEntry>(l.w, {
      type: ENTRY,
      prefix: 'trxne',
      parentId: transactionId,
      ...scopeOf(l.fa),
      data: (id, created) =>
        ({
          id,
          object: 'treasury.transaction_entry',
          balance_impact: impact,
          created,
          currency: txn.currency,
          effective_at: created,
          financial_account: l.fa.id,
          flow: txn.flow,
          flow_type: txn.flow_type,
          livemode: l.fa.livemode === 1,
          transaction: transactionId,
          type,
        }) as Stripe.Treasury.TransactionEntry,
    });
  }
  const sum = { ...txn.balance_impact };
  for (const key of ['cash', 'inbound_pending', 'outbound_pending'] as const)
    sum[key] += impact[key];
  const after: Stripe.Treasury.Transaction = {
    ...txn,
    balance_impact: sum,
    ...(status ? { status } : {}),
    status_transitions: {
      ...txn.status_transitions,
      ...(status === 'posted' ? { posted_at: at } : status === 'void' ? { void_at: at } : {}),
    },
  };
  await saveObject(l.w.db, row.id, after);
}

/** A Transaction opened and settled at once (money that arrived or left in one step). */
export async function postedTransaction(
  l: Ledger,
  t: NewTransaction,
  type: EntryType,
  impact: Impact,
): Promise<string> {
  const id = await openTransaction(l, t);
  await addEntry(l, id, type, impact, 'posted');
  return id;
}

/** The financial account a flow belongs to, locked: the flow was found in the caller's scope. */
export async function ledgerOf(w: WriteContext, flow: { financial_account: string | null }) {
  const fa = (await findObjectToChange(w, flow.financial_account!))!;
  return { w, fa } satisfies Ledger;
}
