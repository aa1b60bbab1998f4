import type Stripe from 'stripe';
import { newId } from '../../domain/ids.js';
import type { WriteContext } from '../../services/context.js';
import type { Scope } from '../../scope/scope.js';
import { emitEvent } from '../../services/emit-event.js';
import { errors } from '../../stripe/errors.js';
import {
  applied,
  applyMetadata,
  effect,
  expandParam,
  integer,
  metadata,
  required,
  string,
} from '../../stripe/params.js';
import {
  createObject,
  parseData,
  parseInternal,
  requireObjectToChange,
  saveChanged,
  saveObject,
} from '../common.js';
import { post, type Resource } from '../route.js';
import { cardCurrency, requireCard } from './cards.js';
import { issuingReads } from './list.js';
import { merchantData, type MerchantParams } from './merchant.js';

/**
 * Issuing transactions (`ipi_...`): money that left (`capture`, a negative amount) or came back
 * to (`refund`, positive) an Issuing card, made in test mode by capturing an authorization or by
 * Stripe's test helpers (a capture with no authorization, a refund of a transaction, a refund
 * with no transaction). Events: `issuing_transaction.created`, `.updated`, and
 * `issuing_transaction.purchase_details_receipt_updated` when a transaction comes with a receipt.
 */

export const TRANSACTION_LABEL = 'issuing transaction';

interface TransactionInternal {
  /** What was refunded of a capture. */
  refunded: number;
}

export interface NewTransaction {
  type: 'capture' | 'refund';
  /** Positive: the sign comes from the type. */
  amount: number;
  currency: string;
  card: Stripe.Issuing.Card;
  authorization: string | null;
  merchant: Stripe.Issuing.Authorization.MerchantData;
  wallet: string | null;
  purchaseDetails?: Record<string, unknown> | undefined;
}

/** The purchase details sent, with every member Stripe's object has (unset: null). */
function purchaseDetails(sent: Record<string, unknown>): Record<string, unknown> {
  const receipt = (sent.receipt as Array<Record<string, unknown>> | undefined)?.map((line) => ({
    description: null,
    total: null,
    unit_cost: null,
    ...line,
    quantity: line.quantity === undefined ? null : Number(line.quantity),
  }));
  return {
    flight: null,
    fuel: null,
    lodging: null,
    reference: null,
    ...sent,
    receipt: receipt ?? null,
  };
}

/** Creates a transaction in the caller's scope, with its events. */
export async function createTransaction(
  w: WriteContext,
  spec: NewTransaction,
): Promise<Stripe.Issuing.Transaction> {
  const signed = spec.type === 'capture' ? -spec.amount : spec.amount;
  const cardholder = spec.card.cardholder;
  const { data } = await createObject<Stripe.Issuing.Transaction>(w, {
    type: 'issuing.transaction',
    id: newId('ipi', 24),
    internal: { refunded: 0 } satisfies TransactionInternal,
    parentId: spec.card.id,
    data: (id, created) =>
      ({
        id,
        object: 'issuing.transaction',
        amount: signed,
        amount_details: { atm_fee: null, cashback_amount: null },
        authorization: spec.authorization,
        balance_transaction: null,
        card: spec.card.id,
        cardholder: typeof cardholder === 'string' ? cardholder : (cardholder?.id ?? null),
        created,
        currency: spec.currency,
        dispute: null,
        livemode: w.livemode,
        merchant_amount: signed,
        merchant_currency: spec.currency,
        merchant_data: spec.merchant,
        metadata: {},
        network_data: {
          authorization_code: null,
          processing_date: new Date(created * 1000).toISOString().slice(0, 10),
          transaction_id: null,
        },
        purchase_details: spec.purchaseDetails ? purchaseDetails(spec.purchaseDetails) : null,
        treasury: null,
        type: spec.type,
        wallet: spec.wallet,
      }) as unknown as Stripe.Issuing.Transaction,
  });
  await emitEvent(w, { type: 'issuing_transaction.created', object: data as never });
  if (spec.purchaseDetails?.receipt)
    await emitEvent(w, {
      type: 'issuing_transaction.purchase_details_receipt_updated',
      object: data as never,
    });
  return data;
}

const UNLINKED_TEST =
  'a force capture and an unlinked refund make transactions of their amount on the card they name';

const helperParams = {
  amount: required(effect(integer({ min: 1 }), UNLINKED_TEST)),
  card: required(effect(string(), UNLINKED_TEST)),
  currency: applied<string>(),
  merchant_data: applied<MerchantParams>(),
  purchase_details: applied<Record<string, unknown>>(),
  ...expandParam,
};

/** `create_force_capture` and `create_unlinked_refund`: a transaction with no authorization. */
const unlinked = (type: 'capture' | 'refund') =>
  post(
    `/v1/test_helpers/issuing/transactions/${type === 'capture' ? 'create_force_capture' : 'create_unlinked_refund'}`,
    helperParams,
    async ({ w, caller, params }) => {
      const { card } = await requireCard(w.db, caller, params.card);
      return createTransaction(w, {
        type,
        amount: params.amount,
        currency: cardCurrency(card, params.currency),
        card,
        authorization: null,
        merchant: merchantData(params.merchant_data),
        wallet: null,
        purchaseDetails: params.purchase_details,
      });
    },
  );

/** A transaction of the caller's scope, locked to change it. */
const own = (w: WriteContext, caller: Scope, id: string) =>
  requireObjectToChange(w, caller, 'issuing.transaction', id, TRANSACTION_LABEL);

export const issuingTransactions: Resource = {
  name: 'issuing.transactions',
  routes: [
    ...issuingReads('/v1/issuing/transactions', {
      type: 'issuing.transaction',
      label: TRANSACTION_LABEL,
      filters: { card: 'card', cardholder: 'cardholder', type: 'type' },
      test: 'lists Issuing transactions by card, cardholder, type and created',
    }),
    post(
      '/v1/issuing/transactions/:id',
      { metadata: metadata(), ...expandParam },
      async ({ w, caller, path, params }) => {
        const row = await own(w, caller, path.id!);
        const before = parseData<Stripe.Issuing.Transaction>(row);
        const after = { ...before, metadata: applyMetadata(before.metadata, params.metadata) };
        return saveChanged(w, row.id, before, after, 'issuing_transaction.updated');
      },
    ),
    unlinked('capture'),
    unlinked('refund'),
    post(
      '/v1/test_helpers/issuing/transactions/:id/refund',
      {
        refund_amount: effect(
          integer({ min: 1 }),
          'authorize, capture and refund an Issuing card purchase, with its events',
        ),
        ...expandParam,
      },
      async ({ w, caller, path, params }) => {
        const row = await own(w, caller, path.id!);
        const captured = parseData<Stripe.Issuing.Transaction>(row);
        if (captured.type !== 'capture')
          throw errors.invalidRequest(
            `Transaction ${captured.id} is a refund: only a capture can be refunded.`,
          );
        const { refunded } = parseInternal<TransactionInternal>(row);
        const left = -captured.amount - refunded;
        const amount = params.refund_amount ?? left;
        if (amount > left)
          throw errors.invalidRequest(
            `Refund amount (${amount}) is greater than what is left to refund of the transaction (${left}).`,
            'refund_amount',
          );
        await saveObject(w.db, row.id, captured, { refunded: refunded + amount });
        const { card } = await requireCard(w.db, caller, captured.card as string);
        return createTransaction(w, {
          type: 'refund',
          amount,
          currency: captured.currency,
          card,
          authorization: captured.authorization as string | null,
          merchant: captured.merchant_data,
          wallet: captured.wallet,
        });
      },
    ),
  ],
};
