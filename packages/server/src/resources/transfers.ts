import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import {
  applyMetadata,
  effect,
  expandParam,
  integer,
  listParams,
  metadata,
  range,
  refused,
  required,
  string,
} from '../stripe/params.js';
import { listFilterTest } from './shared-params.js';

const reversalTest = "a transfer reversal's description is its balance transactions'";
import { get, post, type Resource } from './route.js';
import { newId, randomToken } from '../domain/ids.js';
import { creditFunds, lockBalances, withdrawAvailable } from '../services/balance.js';
import type { WriteContext } from '../services/context.js';
import { emitEvent } from '../services/emit-event.js';
import { asPlatform, requireAccount, requireTransfersEnabled } from './accounts.js';
import {
  createObject,
  listVisible,
  parseData,
  requireObject,
  requireObjectToChange,
  saveObject,
} from './common.js';

/** A transfer from the platform to a connected account, as Stripe renders it. */
function transferObject(
  w: WriteContext,
  t: {
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
  },
): Stripe.Transfer {
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
 * Moves `amount` to the destination's balance as a transfer (`transfer.created`, on the
 * platform): from a destination charge (its funds follow the charge's, `availableAt`), or from the
 * platform's available balance (`POST /v1/transfers`, available at once).
 */
export async function createTransfer(
  w: WriteContext,
  t: Parameters<typeof transferObject>[1],
  availableAt: number | 'now',
): Promise<Stripe.Transfer> {
  const tr = transferObject(w, t);
  await createObject(w, { type: 'transfer', id: tr.id, data: () => tr });
  await emitEvent(w, { type: 'transfer.created', object: tr as never });
  await creditFunds(
    w,
    { accountId: t.destination, livemode: w.livemode },
    {
      currency: t.currency,
      amount: t.amount,
      fee: 0,
      type: 'payment',
      source: tr.destination_payment as string,
      description: null,
    },
    availableAt,
  );
  return tr;
}

/**
 * `POST /v1/transfers` (separate charges and transfers): the platform sends part of its available
 * balance to a connected account, which gets it available at once. `GET /v1/transfers[/:id]`.
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
        if (params.source_transaction)
          await requireObject(w.db, caller, 'charge', params.source_transaction);
        const scope = { accountId: null, livemode: w.livemode };
        const id = newId('tr', 24);
        const balanceTransaction = await withdrawAvailable(w, scope, {
          currency,
          amount: params.amount,
          type: 'transfer',
          source: id,
          description: params.description ?? null,
        });
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
            transferGroup: params.transfer_group,
            balanceTransaction,
          },
          'now',
        );
      },
    ),

    post(
      '/v1/transfers/:id/reversals',
      {
        amount: integer({ min: 1 }),
        // A reversal has no description of its own: it is its balance transactions'.
        description: effect(string(), reversalTest),
        metadata: metadata(),
        refund_application_fee: refused('application fees are not modelled'),
        ...expandParam,
      },
      async ({ w, caller, path, params }) => {
        const row = await requireObjectToChange(w, asPlatform(caller), 'transfer', path.id!);
        const transfer = parseData<Stripe.Transfer>(row);
        const left = transfer.amount - transfer.amount_reversed;
        const amount = params.amount ?? left;
        if (amount > left)
          throw errors.invalidRequest(
            `Transfer ${transfer.id} has only ${left} left to reverse; ${amount} was asked.`,
            'amount',
          );
        if (amount <= 0)
          throw errors.invalidRequest(`Transfer ${transfer.id} is already fully reversed.`);
        const destination = transfer.destination as string;
        const currency = transfer.currency;
        // Back from the account's available balance to the platform's, at once: on the account a
        // refund of the payment the transfer made there, on the platform a transfer refund.
        const id = newId('trr', 24);
        const paymentRefund = `pyr_${randomToken(24)}`;
        await lockBalances(w, [
          { accountId: null, livemode: w.livemode },
          { accountId: destination, livemode: w.livemode },
        ]);
        await withdrawAvailable(
          w,
          { accountId: destination, livemode: w.livemode },
          {
            currency,
            amount,
            type: 'payment_refund',
            source: paymentRefund,
            description: params.description ?? null,
          },
        );
        const balanceTransaction = await creditFunds(
          w,
          { accountId: null, livemode: w.livemode },
          {
            currency,
            amount,
            fee: 0,
            type: 'transfer_refund',
            source: id,
            description: params.description ?? null,
          },
          'now',
        );
        const reversal = {
          id,
          object: 'transfer_reversal',
          amount,
          balance_transaction: balanceTransaction,
          created: Math.floor(w.now / 1000),
          currency,
          destination_payment_refund: paymentRefund,
          metadata: applyMetadata({}, params.metadata),
          source_refund: null,
          transfer: transfer.id,
        } as Stripe.TransferReversal;
        const reversed = transfer.amount_reversed + amount;
        const next = {
          ...transfer,
          amount_reversed: reversed,
          reversed: reversed === transfer.amount,
          reversals: {
            ...transfer.reversals,
            data: [reversal, ...transfer.reversals.data],
          },
        } as Stripe.Transfer;
        await saveObject(w.db, row.id, next);
        await emitEvent(w, {
          type: 'transfer.reversed',
          object: next as never,
          previousAttributes: {
            amount_reversed: transfer.amount_reversed,
            reversed: transfer.reversed,
          },
        });
        return reversal;
      },
    ),

    get('/v1/transfers/:id', expandParam, async ({ db, caller, path }) =>
      parseData(await requireObject(db, asPlatform(caller), 'transfer', path.id!)),
    ),

    get(
      '/v1/transfers',
      {
        ...listParams,
        created: effect(range(), listFilterTest),
        destination: effect(string(), listFilterTest),
        transfer_group: effect(string(), listFilterTest),
      },
      async ({ services, caller, params, url }) => {
        const where: Record<string, string> = {};
        if (params.destination) where.destination = params.destination;
        if (params.transfer_group) where.transfer_group = params.transfer_group;
        return listVisible(
          services.dialect,
          asPlatform(caller),
          url,
          { type: 'transfer', where, created: params.created },
          params,
        );
      },
    ),
  ],
};
