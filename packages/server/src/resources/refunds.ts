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
  oneOf,
  string,
  type MetadataPatch,
} from '../stripe/params.js';
import { get, post, type Caller, type Resource } from './route.js';
import { newId, randomToken } from '../domain/ids.js';
import { lockBalances, moveAvailable } from '../services/balance.js';
import type { WriteContext } from '../services/context.js';
import { emitEvent } from '../services/emit-event.js';
import { scheduleTask, type TaskPayload } from '../services/scheduler.js';
import type { ObjectRow } from '../storage/repositories/objects.js';
import { refundFeeInProportion } from './application-fees.js';
import { chargeCard, type ChargeInternal } from './charges.js';
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
import { closeReviewOnRefund } from './reviews.js';
import { reverseTransfer } from './transfers.js';
import { testModeOnly } from './treasury/ledger.js';

/**
 * Refunds (`re_...`) of card charges, full or partial, as on Stripe: the amount leaves the
 * available balance of the account that owns the charge (which may go below zero; Stripe's fee is
 * not returned), with `charge.refunded` and `refund.created` on that account. On a destination
 * charge, `reverse_transfer` takes the refunded share of the transfer back from the destination
 * (`transfer.reversed`); `refund_application_fee` gives back the same share of the application fee
 * (`application_fee.refunded`, on the platform). A charge made with `pm_card_refundFail`
 * (4000000000005126, `tok_refundFail`) has its refunds succeed, then fail: the funds come back,
 * with `refund.failed`, `refund.updated` and `charge.refund.updated`.
 */

const refundsTest =
  'a destination charge with a fee, refunded in two parts with reverse_transfer and refund_application_fee';

interface RefundRequest {
  amount?: number | undefined;
  reason?: Stripe.RefundCreateParams.Reason | undefined;
  metadata?: MetadataPatch | undefined;
  instructions_email?: string | undefined;
  reverse_transfer?: boolean | undefined;
  refund_application_fee?: boolean | undefined;
}

const requestParams = {
  amount: integer({ min: 1 }),
  reason: oneOf(['duplicate', 'fraudulent', 'requested_by_customer'] as const),
  metadata: metadata(),
  instructions_email: string(),
  reverse_transfer: effect(boolean(), refundsTest),
  refund_application_fee: effect(boolean(), refundsTest),
  ...expandParam,
};

/** The refund's balance: the account the request acts as, which owns the charge. */
const ownerBalance = (w: WriteContext) => ({ accountId: w.accountId, livemode: w.livemode });

/**
 * Refunds (part of) a charge; returns the refund and the charge after it. `cancelingIntent`: its
 * PaymentIntent is being canceled, which releases an uncaptured charge (refused otherwise).
 */
export async function refundCharge(
  w: WriteContext,
  row: ObjectRow,
  p: RefundRequest,
  { cancelingIntent = false } = {},
): Promise<{ refund: Stripe.Refund; charge: Stripe.Charge }> {
  const charge = parseData<Stripe.Charge>(row);
  if (charge.status !== 'succeeded')
    throw errors.invalidRequest(
      `Charge ${charge.id} has not succeeded: there is nothing to refund.`,
    );
  if (!charge.captured && charge.payment_intent && !cancelingIntent)
    throw errors.invalidRequest(
      `Charge ${charge.id} has not been captured: cancel its PaymentIntent (${charge.payment_intent as string}) to release it.`,
      undefined,
      'charge_not_refundable',
    );
  if (parseInternal<ChargeInternal>(row).chargedBack)
    throw errors.invalidRequest(
      `Charge ${charge.id} has been charged back; cannot issue a refund.`,
      undefined,
      'charge_disputed',
    );
  const refundable = charge.captured
    ? charge.amount_captured - charge.amount_refunded
    : charge.amount - charge.amount_refunded;
  if (refundable <= 0)
    throw errors.invalidRequest(
      `Charge ${charge.id} has already been refunded.`,
      undefined,
      'charge_already_refunded',
    );
  const amount = p.amount ?? refundable;
  if (amount > refundable)
    throw errors.invalidRequest(
      `Refund amount (${amount}) is greater than unrefunded amount on charge (${refundable}).`,
      'amount',
      'amount_too_large',
    );
  if (!charge.captured && amount !== refundable)
    throw errors.invalidRequest(
      `Charge ${charge.id} has not been captured: refunding it releases the whole authorization (${refundable}).`,
      'amount',
    );
  const id = newId('re', 24);
  const everything = amount === refundable;
  // Reversing the transfer or refunding the fee moves funds between the platform and an account.
  const destination = charge.transfer_data?.destination as string | undefined;
  if (charge.captured && (p.reverse_transfer || p.refund_application_fee))
    await lockBalances(w, [
      ownerBalance(w),
      { accountId: null, livemode: w.livemode },
      ...(destination ? [{ accountId: destination, livemode: w.livemode }] : []),
    ]);
  // An uncaptured charge moved no money: refunding it releases the authorization.
  const balanceTransaction = charge.captured
    ? await moveAvailable(w, ownerBalance(w), {
        currency: charge.currency,
        amount: -amount,
        fee: 0,
        type: 'refund',
        source: id,
        description: null,
      })
    : null;
  let transferReversal: string | null = null;
  if (p.reverse_transfer && charge.transfer) {
    const transfer = await findObjectToChange(w, charge.transfer as string);
    const t = transfer ? parseData<Stripe.Transfer>(transfer) : null;
    if (transfer && t && t.amount_reversed < t.amount) {
      const share = everything
        ? t.amount - t.amount_reversed
        : Math.min(t.amount - t.amount_reversed, Math.floor((t.amount * amount) / charge.amount));
      if (share > 0)
        transferReversal = (await reverseTransfer(w, transfer, { amount: share, sourceRefund: id }))
          .id;
    }
  }
  if (p.refund_application_fee && charge.application_fee)
    await refundFeeInProportion(
      w,
      charge.application_fee as string,
      amount,
      charge.amount_captured || charge.amount,
      everything,
    );
  const refund = {
    id,
    object: 'refund',
    amount,
    balance_transaction: balanceTransaction,
    charge: charge.id,
    created: Math.floor(w.now / 1000),
    currency: charge.currency,
    destination_details: {
      card: {
        reference: randomToken(12).toUpperCase(),
        reference_status: 'available',
        reference_type: 'acquirer_reference_number',
        type: charge.captured ? 'refund' : 'reversal',
      },
      type: 'card',
    },
    ...(p.instructions_email !== undefined ? { instructions_email: p.instructions_email } : {}),
    metadata: applyMetadata({}, p.metadata),
    payment_intent: charge.payment_intent,
    reason: p.reason ?? null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: transferReversal,
  } as unknown as Stripe.Refund;
  await createObject(w, { type: 'refund', id, data: () => refund, parentId: charge.id });
  const refunded = charge.amount_refunded + amount;
  const next: Stripe.Charge = {
    ...charge,
    amount_refunded: refunded,
    refunded: refunded >= charge.amount,
    refunds: charge.refunds
      ? { ...charge.refunds, data: [refund, ...charge.refunds.data] }
      : charge.refunds,
  };
  await saveObject(w.db, charge.id, next);
  await emitEvent(w, {
    type: 'charge.refunded',
    object: next as never,
    previousAttributes: {
      amount_refunded: charge.amount_refunded,
      refunded: charge.refunded,
      ...(charge.refunds ? { refunds: charge.refunds } : {}),
    },
  });
  await emitEvent(w, { type: 'refund.created', object: refund as never });
  await closeReviewOnRefund(w, next, p.reason === 'fraudulent');
  if (chargeCard(row)?.after?.refundFails && balanceTransaction)
    await scheduleTask(w, 'refund.fail', w.now, {
      livemode: w.livemode,
      accountId: w.accountId,
      refund: id,
    });
  return { refund, charge: next };
}

/** Writes a refund as it now is, in its own row and in its charge's `refunds`. */
async function saveRefund(w: WriteContext, refund: Stripe.Refund): Promise<Stripe.Charge | null> {
  await saveObject(w.db, refund.id, refund);
  const row = await findObjectToChange(w, refund.charge as string);
  if (!row) return null;
  const charge = parseData<Stripe.Charge>(row);
  const next: Stripe.Charge = {
    ...charge,
    refunds: charge.refunds
      ? {
          ...charge.refunds,
          data: charge.refunds.data.map((r) => (r.id === refund.id ? refund : r)),
        }
      : charge.refunds,
  };
  await saveObject(w.db, charge.id, next);
  return next;
}

/** The scheduled task: a refund of a `pm_card_refundFail` charge fails, and its funds return. */
async function failRefund(w: WriteContext, payload: TaskPayload): Promise<void> {
  const row = await findObjectToChange(w, payload.refund as string);
  if (!row) return;
  const before = parseData<Stripe.Refund>(row);
  if (before.status !== 'succeeded') return;
  const failureTxn = await moveAvailable(w, ownerBalance(w), {
    currency: before.currency,
    amount: before.amount,
    fee: 0,
    type: 'refund_failure',
    source: before.id,
    description: 'REFUND FOR FAILED REFUND',
  });
  const after = {
    ...before,
    status: 'failed',
    failure_reason: 'expired_or_canceled_card',
    failure_balance_transaction: failureTxn,
  } as Stripe.Refund;
  await saveRefund(w, after);
  const chargeRow = await findObjectToChange(w, before.charge as string);
  if (chargeRow) {
    const charge = parseData<Stripe.Charge>(chargeRow);
    const refunded = charge.amount_refunded - before.amount;
    await saveObject(w.db, charge.id, { ...charge, amount_refunded: refunded, refunded: false });
  }
  const previousAttributes = { status: 'succeeded' };
  await emitEvent(w, { type: 'charge.refund.updated', object: after as never, previousAttributes });
  await emitEvent(w, { type: 'refund.updated', object: after as never, previousAttributes });
  await emitEvent(w, { type: 'refund.failed', object: after as never });
}

/** Updates a refund's metadata: `refund.updated` and `charge.refund.updated`. */
async function updateRefund(
  w: WriteContext,
  row: ObjectRow,
  patch: MetadataPatch | undefined,
): Promise<Stripe.Refund> {
  const before = parseData<Stripe.Refund>(row);
  const after: Stripe.Refund = { ...before, metadata: applyMetadata(before.metadata ?? {}, patch) };
  if (JSON.stringify(after.metadata) === JSON.stringify(before.metadata)) return before;
  await saveRefund(w, after);
  const previousAttributes = { metadata: before.metadata };
  await emitEvent(w, { type: 'charge.refund.updated', object: after as never, previousAttributes });
  await emitEvent(w, { type: 'refund.updated', object: after as never, previousAttributes });
  return after;
}

/** The charge a refund is for: `charge`, or `payment_intent`'s latest charge (both must agree). */
async function chargeToRefund(
  w: WriteContext,
  caller: Caller,
  p: { charge?: string | undefined; payment_intent?: string | undefined },
): Promise<ObjectRow> {
  let chargeId = p.charge;
  if (p.payment_intent !== undefined) {
    const pi = parseData<Stripe.PaymentIntent>(
      await requireObject(
        w.db,
        caller,
        'payment_intent',
        p.payment_intent,
        'payment_intent',
        'payment_intent',
      ),
    );
    if (!pi.latest_charge || pi.status !== 'succeeded')
      throw errors.invalidRequest(
        `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`,
        'payment_intent',
        'charge_not_refundable',
      );
    if (chargeId !== undefined && chargeId !== pi.latest_charge)
      throw errors.invalidRequest(
        `The charge ${chargeId} is not the charge of PaymentIntent ${pi.id}.`,
        'charge',
      );
    chargeId = pi.latest_charge as string;
  }
  if (chargeId === undefined)
    throw errors.invalidRequest(
      'One of the following params should be provided for this request: payment_intent or charge.',
      undefined,
      'parameter_missing',
    );
  return requireObjectToChange(
    w,
    caller,
    'charge',
    chargeId,
    'charge',
    p.charge ? 'charge' : 'payment_intent',
  );
}

/** A refund of the caller's, of the charge named in the path when there is one. */
function ofCharge(row: ObjectRow, id: string, chargeId: string | undefined): ObjectRow {
  if (chargeId !== undefined && row.parent_id !== chargeId)
    throw errors.resourceMissing('refund', id);
  return row;
}

const requireRefund = async (
  db: WriteContext['db'],
  caller: Caller,
  id: string,
  chargeId?: string,
) => ofCharge(await requireObject(db, caller, 'refund', id), id, chargeId);

const requireRefundToChange = async (
  w: WriteContext,
  caller: Caller,
  id: string,
  chargeId?: string,
) => ofCharge(await requireObjectToChange(w, caller, 'refund', id), id, chargeId);

export const refunds: Resource = {
  name: 'refunds',
  routes: [
    post(
      '/v1/refunds',
      { ...requestParams, charge: string(), payment_intent: string() },
      async ({ w, caller, params }) =>
        (await refundCharge(w, await chargeToRefund(w, caller, params), params)).refund,
    ),
    post(
      '/v1/charges/:id/refunds',
      { ...requestParams, payment_intent: string() },
      async ({ w, caller, path, params }) =>
        (
          await refundCharge(
            w,
            await chargeToRefund(w, caller, { ...params, charge: path.id! }),
            params,
          )
        ).refund,
    ),
    // The older form: refunds, and answers with the charge.
    post(
      '/v1/charges/:id/refund',
      {
        amount: effect(integer({ min: 1 }), refundsTest),
        metadata: effect(metadata(), refundsTest),
        reason: effect(requestParams.reason, refundsTest),
        instructions_email: effect(string(), refundsTest),
        reverse_transfer: requestParams.reverse_transfer,
        refund_application_fee: requestParams.refund_application_fee,
        payment_intent: effect(string(), refundsTest),
        ...expandParam,
      },
      async ({ w, caller, path, params }) =>
        (
          await refundCharge(
            w,
            await chargeToRefund(w, caller, { ...params, charge: path.id! }),
            params,
          )
        ).charge,
    ),

    get('/v1/refunds/:id', expandParam, async ({ db, caller, path }) =>
      parseData(await requireRefund(db, caller, path.id!)),
    ),
    get('/v1/charges/:charge/refunds/:id', expandParam, async ({ db, caller, path }) =>
      parseData(await requireRefund(db, caller, path.id!, path.charge!)),
    ),
    post(
      '/v1/refunds/:id',
      { metadata: metadata(), ...expandParam },
      async ({ w, caller, path, params }) =>
        updateRefund(w, await requireRefundToChange(w, caller, path.id!), params.metadata),
    ),
    post(
      '/v1/charges/:charge/refunds/:id',
      { metadata: metadata(), ...expandParam },
      async ({ w, caller, path, params }) =>
        updateRefund(
          w,
          await requireRefundToChange(w, caller, path.id!, path.charge!),
          params.metadata,
        ),
    ),
    post('/v1/refunds/:id/cancel', expandParam, async ({ w, caller, path }) => {
      const refund = parseData<Stripe.Refund>(await requireRefundToChange(w, caller, path.id!));
      // Card refunds are sent at once: only refunds waiting on the customer can be canceled.
      throw errors.invalidRequest(
        `Refund ${refund.id} can no longer be canceled because it has a status of ${refund.status}. Only refunds with a status of requires_action can be canceled.`,
        undefined,
        'refund_cannot_be_canceled',
      );
    }),

    /**
     * Test helper: expires a refund waiting for the customer (`requires_action`). Card refunds
     * are sent at once and never wait, so every refund here is refused as Stripe refuses them.
     */
    post('/v1/test_helpers/refunds/:id/expire', expandParam, async ({ w, caller, path }) => {
      testModeOnly(caller);
      const refund = parseData<Stripe.Refund>(await requireRefundToChange(w, caller, path.id!));
      throw errors.invalidRequest(
        `Refund ${refund.id} cannot be expired because it has a status of ${refund.status}. Only refunds with a status of requires_action can be expired.`,
        undefined,
        'refund_cannot_be_expired',
      );
    }),

    filteredList('/v1/refunds', { type: 'refund', filters: ['charge', 'payment_intent'] }),
    get(
      '/v1/charges/:id/refunds',
      listParams,
      async ({ db, services, caller, path, params, url }) => {
        const charge = await requireObject(db, caller, 'charge', path.id!);
        return listVisible(
          services.dialect,
          caller,
          url,
          { type: 'refund', parentId: charge.id },
          params,
        );
      },
    ),
  ],
  tasks: { 'refund.fail': failRefund },
};
