import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import { newId } from '../domain/ids.js';
import {
  findObject,
  findObjectForUpdate,
  insertObject,
  insertObjectIfMissing,
  updateObject,
} from '../storage/repositories/objects.js';
import type { WriteContext } from './context.js';
import { emitEvent } from './emit-event.js';
import { scheduleAutomaticPayout } from './payout-schedule.js';
import { scheduleTask, type TaskPayload } from './scheduler.js';

/**
 * Balances: per platform or connected account, per mode, amounts `available` and `pending` by
 * currency. Charges add pending funds that become available after a delay on the server's clock
 * (at once with bypass-pending cards), emitting `balance.available`; payouts take available funds.
 */
export interface BalanceScope {
  accountId: string | null;
  livemode: boolean;
}

const balanceId = (platformId: string, s: BalanceScope) =>
  `balance_${platformId}_${s.accountId ?? 'self'}_${s.livemode ? 'live' : 'test'}`;

function emptyBalance(s: BalanceScope, currency: string): Stripe.Balance {
  const balance: Stripe.Balance = {
    object: 'balance',
    available: [{ amount: 0, currency, source_types: { card: 0 } }],
    livemode: s.livemode,
    pending: [{ amount: 0, currency, source_types: { card: 0 } }],
  };
  if (s.accountId === null) balance.connect_reserved = [{ amount: 0, currency }];
  return balance;
}

/**
 * A balance nothing has moved yet shows zero in the account's default currency (`eur` for an
 * account in Germany), as on Stripe; the platform's is in `usd`.
 */
async function newBalance(w: Pick<WriteContext, 'db'>, s: BalanceScope): Promise<Stripe.Balance> {
  const account = s.accountId === null ? undefined : await findObject(w.db, s.accountId);
  const currency = account
    ? ((JSON.parse(account.data) as Stripe.Account).default_currency ?? 'usd')
    : 'usd';
  return emptyBalance(s, currency);
}

export async function readBalance(
  w: Pick<WriteContext, 'db' | 'platform'>,
  s: BalanceScope,
): Promise<Stripe.Balance> {
  const row = await findObject(w.db, balanceId(w.platform.id, s));
  return row ? (JSON.parse(row.data) as Stripe.Balance) : newBalance(w, s);
}

/**
 * Reads a balance to change it, locked until the transaction ends: two requests moving funds of
 * one account at once (possible with several processes on PostgreSQL) must not lose either change.
 */
async function lockBalance(w: WriteContext, s: BalanceScope): Promise<Stripe.Balance> {
  const id = balanceId(w.platform.id, s);
  const existing = await findObjectForUpdate(w.services.dialect, w.db, id);
  if (existing) return JSON.parse(existing.data) as Stripe.Balance;
  // The first movement: two at once both insert-if-missing, then both lock the one row.
  await insertObjectIfMissing(w.db, {
    id,
    platform_id: w.platform.id,
    account_id: s.accountId,
    livemode: s.livemode ? 1 : 0,
    type: 'balance',
    data: JSON.stringify(await newBalance(w, s)),
    internal: '{}',
    parent_id: null,
    created: Math.floor(w.now / 1000),
    deleted: 0,
  });
  const row = await findObjectForUpdate(w.services.dialect, w.db, id);
  if (!row) throw new Error(`balance ${id} was not created`);
  return JSON.parse(row.data) as Stripe.Balance;
}

/**
 * Locks several balances in one order (the platform's, then its accounts' by id), for a write
 * that moves funds between them: a transfer and its reversal move funds in opposite directions,
 * and locking in the order of the movement would deadlock the two on PostgreSQL.
 */
export async function lockBalances(w: WriteContext, scopes: BalanceScope[]): Promise<void> {
  const ordered = [...scopes].sort((a, b) => (a.accountId ?? '').localeCompare(b.accountId ?? ''));
  for (const s of ordered) await lockBalance(w, s);
}

async function writeBalance(
  w: WriteContext,
  s: BalanceScope,
  balance: Stripe.Balance,
): Promise<void> {
  await updateObject(w.db, balanceId(w.platform.id, s), { data: JSON.stringify(balance) });
}

type Bucket = 'available' | 'pending';

function adjust(balance: Stripe.Balance, bucket: Bucket, currency: string, amount: number): void {
  const list = balance[bucket];
  let entry = list.find((e) => e.currency === currency);
  if (!entry) {
    entry = { amount: 0, currency, source_types: { card: 0 } };
    list.push(entry);
  }
  entry.amount += amount;
  if (entry.source_types) entry.source_types.card = (entry.source_types.card ?? 0) + amount;
}

export interface Movement {
  currency: string;
  /** Gross amount (negative for payouts). */
  amount: number;
  fee: number;
  /** What `fee` is made of; by default all of it is Stripe's processing fee. */
  feeDetails?: Stripe.BalanceTransaction.FeeDetail[];
  type: Stripe.BalanceTransaction.Type;
  source: string;
  description: string | null;
  /** Stripe's `reporting_category`, where the type alone does not say it (a dispute's reversal). */
  reportingCategory?: string;
}

/** Stripe's `reporting_category` for the balance transaction types Switchboard records. */
function reportingCategory(type: Stripe.BalanceTransaction.Type): string {
  switch (type) {
    case 'payout':
    case 'topup':
    case 'transfer':
    case 'refund_failure':
      return type;
    case 'transfer_refund':
      return 'transfer_reversal';
    case 'payment_refund':
    case 'refund':
      return 'refund';
    case 'application_fee':
      return 'platform_earning';
    case 'application_fee_refund':
      return 'platform_earning_refund';
    case 'adjustment':
      return 'dispute';
    default:
      return 'charge';
  }
}

/** Stripe's processing fee as a balance transaction's `fee_details` entry. */
export const stripeFeeDetail = (
  amount: number,
  currency: string,
  description = 'Stripe processing fees',
): Stripe.BalanceTransaction.FeeDetail => ({
  amount,
  application: null,
  currency,
  description,
  type: 'stripe_fee',
});

/** Records a balance transaction (`txn_...`) in the scope's account; returns its id. */
export async function recordBalanceTransaction(
  w: WriteContext,
  s: BalanceScope,
  m: Movement,
  availableOnMs: number,
  status: 'pending' | 'available',
): Promise<string> {
  const id = newId('txn', 24);
  const created = Math.floor(w.now / 1000);
  const txn: Stripe.BalanceTransaction = {
    id,
    object: 'balance_transaction',
    amount: m.amount,
    available_on: Math.floor(availableOnMs / 1000),
    created,
    currency: m.currency,
    description: m.description,
    exchange_rate: null,
    fee: m.fee,
    fee_details: m.feeDetails ?? (m.fee ? [stripeFeeDetail(m.fee, m.currency)] : []),
    net: m.amount - m.fee,
    reporting_category: m.reportingCategory ?? reportingCategory(m.type),
    source: m.source,
    status,
    type: m.type,
  } as Stripe.BalanceTransaction;
  await insertObject(w.db, {
    id,
    platform_id: w.platform.id,
    account_id: s.accountId,
    livemode: s.livemode ? 1 : 0,
    type: 'balance_transaction',
    data: JSON.stringify(txn),
    internal: '{}',
    parent_id: null,
    created,
    deleted: 0,
  });
  return id;
}

/**
 * Funds from a charge: pending until `availableAt` (clock ms), or available now (bypass-pending
 * cards), in which case `balance.available` is emitted at once.
 */
export async function creditFunds(
  w: WriteContext,
  s: BalanceScope,
  m: Movement,
  availableAt: number | 'now',
): Promise<string> {
  const [txn] = await postFunds(w, s, [m], availableAt);
  return txn!;
}

/**
 * Several balance transactions of one account that become available together (a destination
 * charge on the platform: the charge, its transfer and its application fee): each is recorded,
 * their nets move as one, with one `balance.available` when they become available. Returns the
 * transactions' ids, in order.
 */
export async function postFunds(
  w: WriteContext,
  s: BalanceScope,
  movements: readonly Movement[],
  availableAt: number | 'now',
): Promise<string[]> {
  const currency = movements[0]!.currency;
  const net = movements.reduce((sum, m) => sum + m.amount - m.fee, 0);
  const balance = await lockBalance(w, s);
  const txns: string[] = [];
  for (const m of movements) {
    txns.push(
      await recordBalanceTransaction(
        w,
        s,
        m,
        availableAt === 'now' ? w.now : availableAt,
        availableAt === 'now' ? 'available' : 'pending',
      ),
    );
  }
  if (availableAt === 'now') {
    adjust(balance, 'available', currency, net);
    await writeBalance(w, s, balance);
    await emitBalanceAvailable(w, s, balance);
    return txns;
  }
  adjust(balance, 'pending', currency, net);
  await writeBalance(w, s, balance);
  await scheduleTask(w, 'balance.release', availableAt, {
    livemode: s.livemode,
    accountId: s.accountId,
    currency,
    amount: net,
    balance_transactions: txns,
  });
  return txns;
}

/**
 * A movement of available funds that may take the balance below zero, as Stripe lets refunds and
 * disputes do (the account owes the difference): recorded as available now; returns its id.
 */
export async function moveAvailable(
  w: WriteContext,
  s: BalanceScope,
  m: Movement,
): Promise<string> {
  const balance = await lockBalance(w, s);
  adjust(balance, 'available', m.currency, m.amount - m.fee);
  await writeBalance(w, s, balance);
  return recordBalanceTransaction(w, s, m, w.now, 'available');
}

/**
 * Funds became available: `balance.available`, and a connected account's next automatic payout
 * is scheduled (its payout schedule pays them out).
 */
async function emitBalanceAvailable(
  w: WriteContext,
  s: BalanceScope,
  balance: Stripe.Balance,
): Promise<void> {
  await emitEvent(w, {
    type: 'balance.available',
    object: balance as never,
    account: s.accountId,
    livemode: s.livemode,
  });
  if (s.accountId) await scheduleAutomaticPayout(w, s.accountId, s.livemode);
}

/** What takes available funds, as balance transaction type and as a refusal names it. */
const withdrawals = {
  payout: 'payout',
  transfer: 'transfer',
  // A reversal refunds the account's side of the transfer (its `py_...` payment).
  payment_refund: 'transfer reversal',
} as const;

/** Takes available funds (a payout, a transfer); refuses when the balance is too low. */
async function debitAvailable(
  w: WriteContext,
  s: BalanceScope,
  currency: string,
  amount: number,
  what: (typeof withdrawals)[keyof typeof withdrawals],
): Promise<void> {
  const balance = await lockBalance(w, s);
  const available = balance.available.find((e) => e.currency === currency)?.amount ?? 0;
  if (available < amount) {
    throw errors.invalidRequest(
      `You have insufficient funds in your Stripe account for this ${what}. Your ${currency.toUpperCase()} available balance is ${available} and the ${what} is ${amount}. (Test charges with pm_card_bypassPending make funds available at once.)`,
      'amount',
      'balance_insufficient',
    );
  }
  adjust(balance, 'available', currency, -amount);
  await writeBalance(w, s, balance);
}

/**
 * Takes `amount` out of the available balance for a payout, a transfer or a transfer's reversal
 * (`source`) and records it as a negative balance transaction of that type; returns the
 * transaction's id.
 */
export async function withdrawAvailable(
  w: WriteContext,
  s: BalanceScope,
  m: {
    currency: string;
    amount: number;
    type: keyof typeof withdrawals;
    source: string;
    description: string | null;
  },
): Promise<string> {
  await debitAvailable(w, s, m.currency, m.amount, withdrawals[m.type]);
  return recordBalanceTransaction(w, s, { ...m, amount: -m.amount, fee: 0 }, w.now, 'available');
}

/** Gives funds back to the available balance (a failed or canceled payout), without an event. */
export async function returnFunds(
  w: WriteContext,
  s: BalanceScope,
  currency: string,
  amount: number,
): Promise<void> {
  const balance = await lockBalance(w, s);
  adjust(balance, 'available', currency, amount);
  await writeBalance(w, s, balance);
}

/** The scheduled task: pending funds reach their availability date. */
export async function releasePending(w: WriteContext, payload: TaskPayload): Promise<void> {
  const s = { accountId: payload.accountId, livemode: payload.livemode };
  const balance = await lockBalance(w, s);
  const amount = payload.amount as number;
  const currency = payload.currency as string;
  adjust(balance, 'pending', currency, -amount);
  adjust(balance, 'available', currency, amount);
  await writeBalance(w, s, balance);
  // Tasks scheduled before several transactions could move together name one.
  const ids =
    (payload.balance_transactions as string[] | undefined) ??
    (payload.balance_transaction ? [payload.balance_transaction as string] : []);
  for (const id of ids) {
    const txn = await findObject(w.db, id);
    if (!txn) continue;
    const data = JSON.parse(txn.data) as Stripe.BalanceTransaction;
    await updateObject(w.db, txn.id, { data: JSON.stringify({ ...data, status: 'available' }) });
  }
  await emitBalanceAvailable(w, s, balance);
}
