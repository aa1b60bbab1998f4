import { filteredList } from './list-route.js';
import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import {
  applyMetadata,
  boolean,
  effect,
  expandParam,
  integer,
  listParams,
  metadata,
  nullableString,
  required,
  string,
} from '../stripe/params.js';

const reversalTest = "a transfer reversal's description is its balance transactions'";
import { get, post, type Caller, type Resource } from './route.js';
import { newId, randomToken } from '../domain/ids.js';
import {
  lockBalances,
  moveAvailable,
  postFunds,
  withdrawAvailable,
  type BalanceScope,
} from '../services/balance.js';
import type { WriteContext } from '../services/context.js';
import { emitEvent } from '../services/emit-event.js';
import { asPlatform, requireAccount, requireTransfersEnabled } from './accounts.js';
import { refundFeeInProportion } from './application-fees.js';
import {
  createObject,
  findObjectToChange,
  listVisible,
  parseData,
  parseInternal,
  requireObject,
  requireObjectToChange,
  saveObject,
} from './common.js';
import { emptyBillingDetails } from './shared-params.js';

/** A transfer to make: from a destination charge, or `POST /v1/transfers`. */
export interface NewTransfer {
  /** Its id, when the caller needs it first (to record the balance transaction it is the source of). */
  id?: string;
  amount: number;
  currency: string;
  destination: string;
  description?: string | null | undefined;
  metadata?: Record<string, string>;
  sourceTransaction?: string | null | undefined;
  transferGroup?: string | null | undefined;
  balanceTransaction?: string | null;
  /**
   * The application fee of a destination charge: the destination pays it out of the payment the
   * transfer makes there (its balance transaction's fee), and it is refunded in proportion when
   * the transfer is reversed with `refund_application_fee`.
   */
  applicationFee?: { id: string; amount: number } | null;
}

interface TransferInternal {
  applicationFee?: string | null;
}

/** A transfer from the platform to a connected account, as Stripe renders it. */
function transferObject(w: WriteContext, t: NewTransfer): Stripe.Transfer {
  const id = t.id ?? newId('tr', 24);
  return {
    id,
    object: 'transfer',
    amount: t.amount,
    amount_reversed: 0,
    balance_transaction: t.balanceTransaction ?? null,
    created: Math.floor(w.now / 1000),
    currency: t.currency,
    description: t.description ?? null,
    destination: t.destination,
    destination_payment: `py_${randomToken(24)}`,
    livemode: w.livemode,
    metadata: t.metadata ?? {},
    reversals: { object: 'list', data: [], has_more: false, url: `/v1/transfers/${id}/reversals` },
    reversed: false,
    source_transaction: t.sourceTransaction ?? null,
    source_type: 'card',
    transfer_group: t.transferGroup ?? null,
  } as unknown as Stripe.Transfer;
}

/**
 * The payment (`py_...`) a transfer makes in the destination account: a charge object there, with
 * the payment's balance transaction, and the application fee taken from it, if any.
 */
function destinationPayment(
  w: WriteContext,
  tr: Stripe.Transfer,
  balanceTransaction: string,
  fee: { id: string; amount: number } | null,
): Stripe.Charge {
  const id = tr.destination_payment as string;
  return {
    id,
    object: 'charge',
    amount: tr.amount,
    amount_captured: tr.amount,
    amount_refunded: 0,
    application: w.platform.application_id,
    application_fee: fee?.id ?? null,
    application_fee_amount: fee?.amount ?? null,
    balance_transaction: balanceTransaction,
    billing_details: emptyBillingDetails(),
    calculated_statement_descriptor: null,
    captured: true,
    created: tr.created,
    currency: tr.currency,
    customer: null,
    description: null,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    livemode: tr.livemode,
    metadata: {},
    on_behalf_of: null,
    outcome: null,
    paid: true,
    payment_intent: null,
    payment_method: null,
    payment_method_details: { type: 'stripe_account', stripe_account: {} },
    receipt_email: null,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    refunds: { object: 'list', data: [], has_more: false, url: `/v1/charges/${id}/refunds` },
    review: null,
    shipping: null,
    source_transfer: tr.id,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'succeeded',
    transfer_data: null,
    transfer_group: null,
  } as unknown as Stripe.Charge;
}

/**
 * Makes a transfer to the destination (`transfer.created`, on the platform): the destination gets
 * a payment (`py_...`) whose funds become available with the transfer's source (`availableAt`: a
 * charge's funds, or at once). The platform's side of the transfer is the caller's to record.
 */
export async function createTransfer(
  w: WriteContext,
  t: NewTransfer,
  availableAt: number | 'now',
): Promise<Stripe.Transfer> {
  const tr = transferObject(w, t);
  const fee = t.applicationFee ?? null;
  const [paymentTxn] = await postFunds(
    w,
    { accountId: t.destination, livemode: w.livemode },
    [
      {
        currency: t.currency,
        amount: t.amount,
        fee: fee?.amount ?? 0,
        ...(fee
          ? {
              feeDetails: [
                {
                  amount: fee.amount,
                  application: w.platform.application_id,
                  currency: t.currency,
                  description: null,
                  type: 'application_fee',
                },
              ],
            }
          : {}),
        type: 'payment',
        source: tr.destination_payment as string,
        description: null,
      },
    ],
    availableAt,
  );
  await createObject(w, {
    type: 'charge',
    id: tr.destination_payment as string,
    data: () => destinationPayment(w, tr, paymentTxn!, fee),
    accountId: t.destination,
  });
  await createObject(w, {
    type: 'transfer',
    id: tr.id,
    data: () => tr,
    internal: { applicationFee: fee?.id ?? null } satisfies TransferInternal,
    accountId: null,
  });
  await emitEvent(w, { type: 'transfer.created', object: tr as never, account: null });
  return tr;
}

/**
 * Takes (part of) a transfer back from the destination: its payment there is refunded
 * (`pyr_...`, out of the destination's available balance), the platform gets a transfer refund,
 * and `transfer.reversed` follows. A charge's refund with `reverse_transfer` names itself as
 * `sourceRefund`.
 */
export async function reverseTransfer(
  w: WriteContext,
  row: { id: string; internal: string },
  r: {
    amount?: number | undefined;
    description?: string | null | undefined;
    metadata?: Record<string, string>;
    refundApplicationFee?: boolean | undefined;
    sourceRefund?: string | null;
  },
): Promise<Stripe.TransferReversal> {
  const transfer = parseData<Stripe.Transfer>(row as never);
  const left = transfer.amount - transfer.amount_reversed;
  const amount = r.amount ?? left;
  if (left <= 0) throw errors.invalidRequest(`Transfer ${transfer.id} is already fully reversed.`);
  if (amount > left)
    throw errors.invalidRequest(
      `Transfer ${transfer.id} has only ${left} left to reverse; ${amount} was asked.`,
      'amount',
    );
  const currency = transfer.currency;
  const id = newId('trr', 24);
  await lockBalances(w, [
    { accountId: null, livemode: w.livemode },
    { accountId: transfer.destination as string, livemode: w.livemode },
  ]);
  const paymentRefund = await refundDestinationPayment(w, transfer, amount, r.description ?? null);
  const balanceTransaction = await moveAvailable(
    w,
    { accountId: null, livemode: w.livemode },
    {
      currency,
      amount,
      fee: 0,
      type: 'transfer_refund',
      source: id,
      description: r.description ?? null,
    },
  );
  const reversal = {
    id,
    object: 'transfer_reversal',
    amount,
    balance_transaction: balanceTransaction,
    created: Math.floor(w.now / 1000),
    currency,
    destination_payment_refund: paymentRefund,
    metadata: r.metadata ?? {},
    source_refund: r.sourceRefund ?? null,
    transfer: transfer.id,
  } as Stripe.TransferReversal;
  await createObject(w, {
    type: 'transfer_reversal',
    id,
    data: () => reversal,
    parentId: transfer.id,
    accountId: null,
  });
  const reversed = transfer.amount_reversed + amount;
  const next = {
    ...transfer,
    amount_reversed: reversed,
    reversed: reversed === transfer.amount,
    reversals: { ...transfer.reversals, data: [reversal, ...transfer.reversals.data] },
  } as Stripe.Transfer;
  await saveObject(w.db, transfer.id, next);
  await emitEvent(w, {
    type: 'transfer.reversed',
    object: next as never,
    previousAttributes: {
      amount_reversed: transfer.amount_reversed,
      reversed: transfer.reversed,
      reversals: transfer.reversals,
    },
    account: null,
  });
  const feeId = parseInternal<TransferInternal>(row as never).applicationFee;
  if (r.refundApplicationFee && feeId)
    await refundFeeInProportion(w, feeId, amount, transfer.amount, next.reversed);
  return reversal;
}

/**
 * The destination's side of a reversal: a refund (`pyr_...`) of the payment the transfer made
 * there, taken from its available balance (which may go below zero, as on Stripe).
 */
async function refundDestinationPayment(
  w: WriteContext,
  transfer: Stripe.Transfer,
  amount: number,
  description: string | null,
): Promise<string> {
  const account: BalanceScope = { accountId: transfer.destination as string, livemode: w.livemode };
  const id = `pyr_${randomToken(24)}`;
  const balanceTransaction = await moveAvailable(w, account, {
    currency: transfer.currency,
    amount: -amount,
    fee: 0,
    type: 'payment_refund',
    source: id,
    description,
  });
  const payment = await findObjectToChange(w, transfer.destination_payment as string);
  const refund = {
    id,
    object: 'refund',
    amount,
    balance_transaction: balanceTransaction,
    charge: transfer.destination_payment as string,
    created: Math.floor(w.now / 1000),
    currency: transfer.currency,
    description,
    metadata: {},
    payment_intent: null,
    reason: null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  } as unknown as Stripe.Refund;
  await createObject(w, {
    type: 'refund',
    id,
    data: () => refund,
    parentId: transfer.destination_payment as string,
    accountId: account.accountId,
  });
  if (payment) {
    const py = parseData<Stripe.Charge>(payment);
    const refunded = py.amount_refunded + amount;
    await saveObject(w.db, py.id, {
      ...py,
      amount_refunded: refunded,
      refunded: refunded >= py.amount,
      refunds: py.refunds ? { ...py.refunds, data: [refund, ...py.refunds.data] } : py.refunds,
    });
  }
  return id;
}

/**
 * `source_transaction`: the transfer's funds are the charge's, so it succeeds whatever the
 * platform's available balance, and while the charge's funds are pending the transfer's are too,
 * becoming available in the destination when the charge's do (docs.stripe.com/connect/
 * separate-charges-and-transfers#transfer-availability). A charge without a transfer group takes
 * the transfer's; a transfer without one takes the charge's.
 */
async function fromSourceTransaction(
  w: WriteContext,
  caller: Caller,
  chargeId: string,
  t: { amount: number; currency: string; transferGroup: string | undefined },
): Promise<{ availableAt: number | 'now'; transferGroup: string | null }> {
  const row = await requireObjectToChange(
    w,
    caller,
    'charge',
    chargeId,
    'charge',
    'source_transaction',
  );
  const charge = parseData<Stripe.Charge>(row);
  if (charge.status !== 'succeeded' || !charge.captured)
    throw errors.invalidRequest(
      `The charge ${charge.id} has not been captured: only a captured charge can fund a transfer.`,
      'source_transaction',
    );
  if (charge.currency !== t.currency)
    throw errors.invalidRequest(
      `The currency of source_transaction's balance transaction (${charge.currency}) must be the same as the transfer currency (${t.currency}).`,
      'currency',
    );
  const internal = parseInternal<{ transferred?: number; availableAt?: number | null }>(row);
  const transferred = internal.transferred ?? 0;
  const left = charge.amount_captured - charge.amount_refunded - transferred;
  if (t.amount > left)
    throw errors.invalidRequest(
      `Insufficient funds in the source transaction: ${charge.id} has ${left} ${charge.currency.toUpperCase()} left to transfer (captured ${charge.amount_captured}, refunded ${charge.amount_refunded}, transferred ${transferred}); the transfer is ${t.amount}.`,
      'amount',
      'insufficient_funds',
    );
  const group = charge.transfer_group ?? t.transferGroup ?? null;
  const next = { ...charge, transfer_group: group };
  await saveObject(w.db, charge.id, next, { ...internal, transferred: transferred + t.amount });
  if (charge.transfer_group === null && group !== null)
    await emitEvent(w, {
      type: 'charge.updated',
      object: next as never,
      previousAttributes: { transfer_group: null },
    });
  const pendingUntil = internal.availableAt ?? null;
  return {
    availableAt: pendingUntil !== null && pendingUntil > w.now ? pendingUntil : 'now',
    transferGroup: t.transferGroup ?? group,
  };
}

const requireTransfer = (db: WriteContext['db'], caller: Caller, id: string) =>
  requireObject(db, asPlatform(caller), 'transfer', id);

async function requireReversal(
  db: WriteContext['db'],
  caller: Caller,
  transferId: string,
  id: string,
  lock?: WriteContext,
) {
  const scope = asPlatform(caller);
  const row = lock
    ? await requireObjectToChange(lock, scope, 'transfer_reversal', id, 'transfer reversal')
    : await requireObject(db, scope, 'transfer_reversal', id, 'transfer reversal');
  if (row.parent_id !== transferId) throw errors.resourceMissing('transfer reversal', id);
  return row;
}

/**
 * `POST /v1/transfers` (separate charges and transfers): the platform sends part of its available
 * balance to a connected account, which gets it available at once, or, with
 * `source_transaction`, the funds of one of its charges, available when the charge's are.
 * `GET /v1/transfers[/:id]`, `POST /v1/transfers/:id` (`transfer.updated`).
 * `POST /v1/transfers/:id/reversals` takes (part of) it back from the account's available balance
 * (`transfer.reversed`).
 */
export const transfers: Resource = {
  name: 'transfers',
  routes: [
    post(
      '/v1/transfers',
      {
        amount: required(integer({ min: 1 })),
        currency: required(string()),
        destination: required(string()),
        description: string(),
        metadata: metadata(),
        source_transaction: string(),
        transfer_group: string(),
        ...expandParam,
      },
      async ({ w, caller, params }) => {
        if (caller.accountId)
          throw errors.stripeAccountNotAllowed(
            'Transfers go from the platform to a connected account: remove the Stripe-Account header.',
          );
        const destination = await requireAccount(w.db, asPlatform(caller), params.destination);
        if (destination.livemode !== (w.livemode ? 1 : 0))
          throw errors.invalidRequest(
            `The destination '${destination.id}' is a ${destination.livemode === 1 ? 'live' : 'test'} mode account.`,
            'destination',
          );
        await requireTransfersEnabled(w, destination, 'destination');
        const currency = params.currency.toLowerCase();
        const scope = { accountId: null, livemode: w.livemode };
        const id = newId('tr', 24);
        const movement = {
          currency,
          amount: -params.amount,
          fee: 0,
          type: 'transfer' as const,
          source: id,
          description: params.description ?? null,
        };
        let availableAt: number | 'now' = 'now';
        let transferGroup: string | null | undefined = params.transfer_group;
        let balanceTransaction: string;
        if (params.source_transaction) {
          const source = await fromSourceTransaction(w, caller, params.source_transaction, {
            amount: params.amount,
            currency,
            transferGroup: params.transfer_group,
          });
          availableAt = source.availableAt;
          transferGroup = source.transferGroup;
          balanceTransaction =
            availableAt === 'now'
              ? await moveAvailable(w, scope, movement)
              : (await postFunds(w, scope, [movement], availableAt))[0]!;
        } else {
          balanceTransaction = await withdrawAvailable(w, scope, {
            ...movement,
            amount: params.amount,
          });
        }
        return createTransfer(
          w,
          {
            id,
            amount: params.amount,
            currency,
            destination: destination.id,
            description: params.description,
            metadata: applyMetadata({}, params.metadata),
            sourceTransaction: params.source_transaction,
            transferGroup,
            balanceTransaction,
          },
          availableAt,
        );
      },
    ),

    post(
      '/v1/transfers/:id',
      { description: nullableString(), metadata: metadata(), ...expandParam },
      async ({ w, caller, path, params }) => {
        const row = await requireObjectToChange(w, asPlatform(caller), 'transfer', path.id!);
        const before = parseData<Stripe.Transfer>(row);
        const after: Stripe.Transfer = {
          ...before,
          description: params.description === undefined ? before.description : params.description,
          metadata: applyMetadata(before.metadata, params.metadata),
        };
        const previous: Record<string, unknown> = {};
        if (after.description !== before.description) previous.description = before.description;
        if (JSON.stringify(after.metadata) !== JSON.stringify(before.metadata))
          previous.metadata = before.metadata;
        await saveObject(w.db, row.id, after);
        if (Object.keys(previous).length > 0)
          await emitEvent(w, {
            type: 'transfer.updated',
            object: after as never,
            previousAttributes: previous,
            account: null,
          });
        return after;
      },
    ),

    post(
      '/v1/transfers/:id/reversals',
      {
        amount: integer({ min: 1 }),
        // A reversal has no description of its own: it is its balance transactions'.
        description: effect(string(), reversalTest),
        metadata: metadata(),
        refund_application_fee: effect(
          boolean(),
          "a transfer's reversal with refund_application_fee gives back the fee's share",
        ),
        ...expandParam,
      },
      async ({ w, caller, path, params }) => {
        const row = await requireObjectToChange(w, asPlatform(caller), 'transfer', path.id!);
        return reverseTransfer(w, row, {
          amount: params.amount,
          description: params.description,
          metadata: applyMetadata({}, params.metadata),
          refundApplicationFee: params.refund_application_fee,
        });
      },
    ),

    get(
      '/v1/transfers/:id/reversals',
      listParams,
      async ({ db, services, caller, path, params, url }) => {
        const transfer = await requireTransfer(db, caller, path.id!);
        return listVisible(
          services.dialect,
          asPlatform(caller),
          url,
          { type: 'transfer_reversal', parentId: transfer.id },
          params,
          'transfer reversal',
        );
      },
    ),

    get('/v1/transfers/:transfer/reversals/:id', expandParam, async ({ db, caller, path }) => {
      await requireTransfer(db, caller, path.transfer!);
      return parseData(await requireReversal(db, caller, path.transfer!, path.id!));
    }),

    post(
      '/v1/transfers/:transfer/reversals/:id',
      { metadata: metadata(), ...expandParam },
      async ({ w, caller, path, params }) => {
        await requireTransfer(w.db, caller, path.transfer!);
        const row = await requireReversal(w.db, caller, path.transfer!, path.id!, w);
        const before = parseData<Stripe.TransferReversal>(row);
        const after: Stripe.TransferReversal = {
          ...before,
          metadata: applyMetadata(before.metadata ?? {}, params.metadata),
        };
        await saveObject(w.db, row.id, after);
        const transferRow = await requireObjectToChange(
          w,
          asPlatform(caller),
          'transfer',
          path.transfer!,
        );
        const transfer = parseData<Stripe.Transfer>(transferRow);
        await saveObject(w.db, transfer.id, {
          ...transfer,
          reversals: {
            ...transfer.reversals,
            data: transfer.reversals.data.map((r) => (r.id === after.id ? after : r)),
          },
        });
        return after;
      },
    ),

    get('/v1/transfers/:id', expandParam, async ({ db, caller, path }) =>
      parseData(await requireTransfer(db, caller, path.id!)),
    ),

    filteredList('/v1/transfers', {
      type: 'transfer',
      filters: ['destination', 'transfer_group'],
      scope: asPlatform,
    }),
  ],
};
