import type Stripe from 'stripe';
import { listFilterTest } from './shared-params.js';
import { errors } from '../stripe/errors.js';
import {
  applyMetadata,
  effect,
  expandParam,
  integer,
  listParams,
  metadata,
  range,
  string,
} from '../stripe/params.js';
import { get, post, type Resource } from './route.js';
import { newId } from '../domain/ids.js';
import { platformView, type Scope } from '../scope/scope.js';
import { lockBalances, moveAvailable } from '../services/balance.js';
import type { WriteContext } from '../services/context.js';
import { emitEvent } from '../services/emit-event.js';
import type { ObjectRow } from '../storage/repositories/objects.js';
import {
  createObject,
  findObjectToChange,
  listVisible,
  parseData,
  requireObject,
  requireObjectToChange,
  saveObject,
} from './common.js';

/**
 * Application fees (`fee_...`): what the platform takes from a charge made with
 * `application_fee_amount`, on a connected account (a direct charge, with Stripe-Account) or on
 * the platform with `transfer_data[destination]` (a destination charge, where the fee comes out
 * of the payment the transfer makes in the destination account). They are the platform's
 * objects, with their events (`application_fee.created`, `application_fee.refunded`,
 * `application_fee.refund.updated`) in "your account" scope, wherever the charge was made.
 */

const platformScope = (w: WriteContext) => ({ accountId: null, livemode: w.livemode });

/** Creates the fee of a charge and announces it to the platform; the funds are the caller's. */
export async function createApplicationFee(
  w: WriteContext,
  fee: {
    id: string;
    amount: number;
    currency: string;
    /** The account the fee was taken from. */
    account: string;
    /** The charge it was taken from: the direct charge, or the destination's payment (`py_`). */
    charge: string;
    /** A destination charge's own charge on the platform. */
    originatingTransaction: string | null;
    balanceTransaction: string;
  },
): Promise<Stripe.ApplicationFee> {
  const created = Math.floor(w.now / 1000);
  const data: Stripe.ApplicationFee = {
    id: fee.id,
    object: 'application_fee',
    account: fee.account,
    amount: fee.amount,
    amount_refunded: 0,
    application: w.platform.application_id,
    balance_transaction: fee.balanceTransaction,
    charge: fee.charge,
    created,
    currency: fee.currency,
    fee_source: { charge: fee.charge, type: 'charge' },
    livemode: w.livemode,
    originating_transaction: fee.originatingTransaction,
    refunded: false,
    refunds: {
      object: 'list',
      data: [],
      has_more: false,
      url: `/v1/application_fees/${fee.id}/refunds`,
    },
  } as Stripe.ApplicationFee;
  await createObject(w, { type: 'application_fee', id: fee.id, data: () => data, accountId: null });
  await emitEvent(w, { type: 'application_fee.created', object: data as never, account: null });
  return data;
}

/**
 * Refunds (part of) an application fee: the platform gives it back to the account it was taken
 * from (`application_fee_refund` on both sides, at once), with `application_fee.refunded`.
 */
export async function refundApplicationFee(
  w: WriteContext,
  row: ObjectRow,
  options: { amount?: number | undefined; metadata?: Record<string, string> },
): Promise<{ fee: Stripe.ApplicationFee; refund: Stripe.FeeRefund }> {
  const fee = parseData<Stripe.ApplicationFee>(row);
  const left = fee.amount - fee.amount_refunded;
  const amount = options.amount ?? left;
  if (left === 0)
    throw errors.invalidRequest(
      `Application fee ${fee.id} has already been refunded.`,
      undefined,
      'charge_already_refunded',
    );
  if (amount > left)
    throw errors.invalidRequest(
      `Refund amount (${amount}) is greater than the unrefunded amount of application fee ${fee.id} (${left}).`,
      'amount',
      'amount_too_large',
    );
  const id = newId('fr', 24);
  const account = { accountId: fee.account as string, livemode: w.livemode };
  await lockBalances(w, [platformScope(w), account]);
  const movement = {
    currency: fee.currency,
    fee: 0,
    type: 'application_fee_refund' as const,
    source: id,
    description: null,
  };
  const balanceTransaction = await moveAvailable(w, platformScope(w), {
    ...movement,
    amount: -amount,
  });
  await moveAvailable(w, account, { ...movement, amount });
  const refund: Stripe.FeeRefund = {
    id,
    object: 'fee_refund',
    amount,
    balance_transaction: balanceTransaction,
    created: Math.floor(w.now / 1000),
    currency: fee.currency,
    fee: fee.id,
    metadata: options.metadata ?? {},
  };
  await createObject(w, {
    type: 'fee_refund',
    id,
    data: () => refund,
    parentId: fee.id,
    accountId: null,
  });
  const refunded = fee.amount_refunded + amount;
  const next: Stripe.ApplicationFee = {
    ...fee,
    amount_refunded: refunded,
    refunded: refunded === fee.amount,
    refunds: { ...fee.refunds, data: [refund, ...fee.refunds.data] },
  };
  await saveObject(w.db, fee.id, next);
  await emitEvent(w, {
    type: 'application_fee.refunded',
    object: next as never,
    previousAttributes: {
      amount_refunded: fee.amount_refunded,
      refunded: fee.refunded,
      refunds: fee.refunds,
    },
    account: null,
  });
  return { fee: next, refund };
}

/**
 * The application fee a charge's refund or a transfer's reversal refunds in proportion
 * (`refund_application_fee`): the part of the fee that `part` of `whole` stands for, rounded
 * down, all that is left when the rest is refunded.
 */
export async function refundFeeInProportion(
  w: WriteContext,
  feeId: string,
  part: number,
  whole: number,
  everything: boolean,
): Promise<Stripe.FeeRefund | null> {
  // The fee is the platform's; the charge or transfer that names it is already in hand.
  const row = await findObjectToChange(w, feeId);
  if (!row) return null;
  const fee = parseData<Stripe.ApplicationFee>(row);
  const left = fee.amount - fee.amount_refunded;
  const amount = everything ? left : Math.min(left, Math.floor((fee.amount * part) / whole));
  if (amount <= 0) return null;
  return (await refundApplicationFee(w, row, { amount })).refund;
}

const requireFee = (db: WriteContext['db'], caller: Scope, id: string) =>
  requireObject(db, platformView(caller), 'application_fee', id, 'application fee');

async function requireFeeRefund(
  db: WriteContext['db'],
  caller: Scope,
  feeId: string,
  id: string,
  lock?: WriteContext,
): Promise<ObjectRow> {
  const scope = platformView(caller);
  const row = lock
    ? await requireObjectToChange(lock, scope, 'fee_refund', id, 'fee refund')
    : await requireObject(db, scope, 'fee_refund', id, 'fee refund');
  if (row.parent_id !== feeId) throw errors.resourceMissing('fee refund', id);
  return row;
}

const refundParams = {
  amount: integer({ min: 1 }),
  metadata: metadata(),
  ...expandParam,
};

export const applicationFees: Resource = {
  name: 'application_fees',
  routes: [
    get('/v1/application_fees/:id', expandParam, async ({ db, caller, path }) =>
      parseData(await requireFee(db, caller, path.id!)),
    ),

    get(
      '/v1/application_fees',
      {
        ...listParams,
        charge: effect(string(), listFilterTest),
        created: effect(range(), listFilterTest),
      },
      async ({ services, caller, params, url }) =>
        listVisible(
          services.dialect,
          platformView(caller),
          url,
          {
            type: 'application_fee',
            where: params.charge ? { charge: params.charge } : undefined,
            created: params.created,
          },
          params,
          'application fee',
        ),
    ),

    post('/v1/application_fees/:id/refunds', refundParams, async ({ w, caller, path, params }) => {
      const row = await requireObjectToChange(
        w,
        platformView(caller),
        'application_fee',
        path.id!,
        'application fee',
      );
      const { refund } = await refundApplicationFee(w, row, {
        amount: params.amount,
        metadata: applyMetadata({}, params.metadata),
      });
      return refund;
    }),

    // The older form: refunds, and answers with the fee.
    post(
      '/v1/application_fees/:id/refund',
      {
        amount: effect(
          integer({ min: 1 }),
          "a transfer's reversal with refund_application_fee gives back the fee's share",
        ),
        ...expandParam,
      },
      async ({ w, caller, path, params }) => {
        const row = await requireObjectToChange(
          w,
          platformView(caller),
          'application_fee',
          path.id!,
          'application fee',
        );
        return (await refundApplicationFee(w, row, { amount: params.amount })).fee;
      },
    ),

    get(
      '/v1/application_fees/:id/refunds',
      listParams,
      async ({ db, services, caller, path, params, url }) => {
        const fee = await requireFee(db, caller, path.id!);
        return listVisible(
          services.dialect,
          platformView(caller),
          url,
          { type: 'fee_refund', parentId: fee.id },
          params,
          'fee refund',
        );
      },
    ),

    get('/v1/application_fees/:fee/refunds/:id', expandParam, async ({ db, caller, path }) => {
      await requireFee(db, caller, path.fee!);
      return parseData(await requireFeeRefund(db, caller, path.fee!, path.id!));
    }),

    post(
      '/v1/application_fees/:fee/refunds/:id',
      { metadata: metadata(), ...expandParam },
      async ({ w, caller, path, params }) => {
        await requireFee(w.db, caller, path.fee!);
        const row = await requireFeeRefund(w.db, caller, path.fee!, path.id!, w);
        const before = parseData<Stripe.FeeRefund>(row);
        const after: Stripe.FeeRefund = {
          ...before,
          metadata: applyMetadata(before.metadata ?? {}, params.metadata),
        };
        await saveObject(w.db, row.id, after);
        await syncFeeRefund(w, after);
        await emitEvent(w, {
          type: 'application_fee.refund.updated',
          object: after as never,
          previousAttributes: { metadata: before.metadata },
          account: null,
        });
        return after;
      },
    ),
  ],
};

/** Keeps the copy of a fee refund inside its fee's `refunds` list as the refund is. */
async function syncFeeRefund(w: WriteContext, refund: Stripe.FeeRefund): Promise<void> {
  const row = await findObjectToChange(w, refund.fee as string);
  if (!row) return;
  const fee = parseData<Stripe.ApplicationFee>(row);
  await saveObject(w.db, fee.id, {
    ...fee,
    refunds: {
      ...fee.refunds,
      data: fee.refunds.data.map((r) => (r.id === refund.id ? refund : r)),
    },
  });
}
