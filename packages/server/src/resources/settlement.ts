import type Stripe from 'stripe';
import { newId } from '../domain/ids.js';
import { stripeFee, type TestCard } from '../domain/test-instruments.js';
import { lockBalances, postFunds, stripeFeeDetail, type Movement } from '../services/balance.js';
import type { WriteContext } from '../services/context.js';
import { fundsHoldMs } from '../services/payout-schedule.js';
import { createApplicationFee } from './application-fees.js';
import { createTransfer } from './transfers.js';
import type { ChargeInput } from './charges.js';

/**
 * What a captured charge does with its money, as on Stripe (docs.stripe.com/connect/charges):
 * - a charge on the platform or on a connected account (a direct charge, with Stripe-Account):
 *   its owner's balance gets it, less Stripe's fee; a direct charge's `application_fee_amount`
 *   goes to the platform as an application fee, out of the same balance transaction;
 * - a destination charge (`transfer_data[destination]`): the platform gets the charge and
 *   transfers `transfer_data[amount]` (by default all of it) to the destination, whose payment
 *   pays `application_fee_amount` back to the platform as an application fee.
 * Every part follows the charge's funds: pending until they become available (at once with
 * bypass-pending cards).
 */
export interface ChargeTerms {
  /** The amount captured. */
  amount: number;
  applicationFeeAmount: number | null;
  transferData: { destination: string; amount?: number | null } | null;
  /** The group the charge's transfer joins; a destination charge without one gets `group_<id>`. */
  transferGroup: string | null;
  /** What `group_...` is made from: the payment intent, or the charge of the Charges API. */
  groupOf: string;
  /** Stripe's fee, where it is not a card's (a bank debit's). */
  fee?: number;
}

/** A payment intent's charge terms: what it captures, where its money goes. */
export function termsOf(pi: Stripe.PaymentIntent, amount: number): ChargeTerms {
  return {
    amount,
    applicationFeeAmount: pi.application_fee_amount,
    transferData: pi.transfer_data
      ? {
          destination: pi.transfer_data.destination as string,
          amount: pi.transfer_data.amount ?? null,
        }
      : null,
    transferGroup: pi.transfer_group,
    groupOf: pi.id,
  };
}

/** What a payment intent's charge is made of (charges.ts buildCharge): the intent's terms. */
export function intentCharge(
  pi: Stripe.PaymentIntent,
  c: { id: string; now: number; card: TestCard; paymentMethod: string; captured: boolean },
): ChargeInput {
  return {
    id: c.id,
    created: Math.floor(c.now / 1000),
    livemode: pi.livemode,
    amount: pi.amount,
    currency: pi.currency,
    card: c.card,
    paymentMethod: c.paymentMethod,
    paymentIntent: pi.id,
    customer: (pi.customer as string | null) ?? null,
    description: pi.description,
    metadata: pi.metadata,
    shipping: pi.shipping as Stripe.Charge.Shipping | null,
    receiptEmail: pi.receipt_email,
    captured: c.captured,
    balanceTransaction: null,
    applicationFeeAmount: pi.application_fee_amount,
    transferData: pi.transfer_data
      ? {
          amount: pi.transfer_data.amount ?? null,
          destination: pi.transfer_data.destination as string,
        }
      : null,
    transfer: null,
    onBehalfOf: (pi.on_behalf_of as string | null) ?? null,
    transferGroup: pi.transfer_group,
    statementDescriptor: pi.statement_descriptor,
  };
}

/** A destination charge's transfer group reads back on its payment intent, as on Stripe. */
export const withGroupOf = (
  pi: Stripe.PaymentIntent,
  charge: Stripe.Charge,
): Stripe.PaymentIntent =>
  charge.transfer_group && !pi.transfer_group
    ? { ...pi, transfer_group: charge.transfer_group }
    : pi;

/**
 * When a charge's funds become available on the server's clock, or at once: a direct charge's are
 * held as its account's payout schedule says (`delay_days`).
 */
async function fundsAvailableAt(w: WriteContext, card: TestCard): Promise<number | 'now'> {
  return card.outcome.kind === 'succeeded' && card.outcome.availableImmediately
    ? 'now'
    : w.now + (await fundsHoldMs(w, w.accountId));
}

/**
 * Moves a captured charge's money: balance transactions, the destination charge's transfer, the
 * application fee. Returns the charge with what this made (`balance_transaction`, `transfer`,
 * `transfer_group`, `application_fee`, `application`) and when its funds become available.
 */
export async function settleCharge(
  w: WriteContext,
  charge: Stripe.Charge,
  card: TestCard,
  terms: ChargeTerms,
): Promise<{ charge: Stripe.Charge; availableAt: number | 'now' }> {
  const availableAt = await fundsAvailableAt(w, card);
  const { amount } = terms;
  const currency = charge.currency;
  const fee = terms.fee ?? stripeFee(amount);
  const applicationFee = terms.applicationFeeAmount ?? 0;
  const feeId = applicationFee > 0 ? newId('fee', 24) : null;
  const chargeMovement: Movement = {
    currency,
    amount,
    fee,
    type: 'charge',
    source: charge.id,
    description: charge.description,
  };
  const owner = { accountId: w.accountId, livemode: charge.livemode };
  const platform = { accountId: null, livemode: charge.livemode };

  if (terms.transferData) {
    const destination = terms.transferData.destination;
    const transferAmount = terms.transferData.amount ?? amount;
    const transferId = newId('tr', 24);
    const transferGroup = terms.transferGroup ?? `group_${terms.groupOf}`;
    await lockBalances(w, [platform, { accountId: destination, livemode: charge.livemode }]);
    const movements: Movement[] = [
      chargeMovement,
      {
        currency,
        amount: -transferAmount,
        fee: 0,
        type: 'transfer',
        source: transferId,
        description: null,
      },
    ];
    if (feeId)
      movements.push({
        currency,
        amount: applicationFee,
        fee: 0,
        type: 'application_fee',
        source: feeId,
        description: null,
      });
    const [chargeTxn, transferTxn, feeTxn] = await postFunds(w, platform, movements, availableAt);
    const transfer = await createTransfer(
      w,
      {
        id: transferId,
        amount: transferAmount,
        currency,
        destination,
        sourceTransaction: charge.id,
        transferGroup,
        balanceTransaction: transferTxn!,
        applicationFee: feeId ? { id: feeId, amount: applicationFee } : null,
      },
      availableAt,
    );
    if (feeId)
      await createApplicationFee(w, {
        id: feeId,
        amount: applicationFee,
        currency,
        account: destination,
        charge: transfer.destination_payment as string,
        originatingTransaction: charge.id,
        balanceTransaction: feeTxn!,
      });
    return {
      availableAt,
      charge: {
        ...charge,
        balance_transaction: chargeTxn!,
        transfer: transfer.id,
        transfer_group: transferGroup,
        application_fee: feeId,
        application_fee_amount: terms.applicationFeeAmount,
      },
    };
  }

  if (feeId && w.accountId) {
    // A direct charge: the account pays the platform's fee out of the charge.
    await lockBalances(w, [platform, owner]);
    const [chargeTxn] = await postFunds(
      w,
      owner,
      [
        {
          ...chargeMovement,
          fee: fee + applicationFee,
          feeDetails: [
            {
              amount: applicationFee,
              application: w.platform.application_id,
              currency,
              description: null,
              type: 'application_fee',
            },
            stripeFeeDetail(fee, currency),
          ],
        },
      ],
      availableAt,
    );
    const [feeTxn] = await postFunds(
      w,
      platform,
      [
        {
          currency,
          amount: applicationFee,
          fee: 0,
          type: 'application_fee',
          source: feeId,
          description: null,
        },
      ],
      availableAt,
    );
    await createApplicationFee(w, {
      id: feeId,
      amount: applicationFee,
      currency,
      account: w.accountId,
      charge: charge.id,
      originatingTransaction: null,
      balanceTransaction: feeTxn!,
    });
    return {
      availableAt,
      charge: {
        ...charge,
        balance_transaction: chargeTxn!,
        application: w.platform.application_id,
        application_fee: feeId,
        application_fee_amount: applicationFee,
      },
    };
  }

  const [chargeTxn] = await postFunds(w, owner, [chargeMovement], availableAt);
  return {
    availableAt,
    charge: {
      ...charge,
      balance_transaction: chargeTxn!,
      ...(w.accountId ? { application: w.platform.application_id } : {}),
    },
  };
}
