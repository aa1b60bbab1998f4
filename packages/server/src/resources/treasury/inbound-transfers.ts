import type Stripe from 'stripe';
import { newId } from '../../domain/ids.js';
import { errors } from '../../stripe/errors.js';
import {
  applyMetadata,
  effect,
  expandParam,
  integer,
  metadata,
  object,
  oneOf,
  required,
  string,
} from '../../stripe/params.js';
import { emitEvent } from '../../services/emit-event.js';
import type { WriteContext } from '../../services/context.js';
import type { ObjectRow } from '../../storage/repositories/objects.js';
import {
  createObject,
  parseData,
  requireObject,
  requireObjectToChange,
  saveObject,
} from '../common.js';
import { get, post, type Caller, type Route } from '../route.js';
import {
  addEntry,
  checkFlow,
  ledgerOf,
  lockFinancialAccount,
  openTransaction,
  testModeOnly,
  type FinancialAccount,
} from './ledger.js';
import { flowList } from './lists.js';
import { bankDetails, bankPaymentMethod } from './outbound.js';
import { receiveDebit } from './received.js';

/**
 * InboundTransfers: money the account holder pulls from their own bank account (a
 * us_bank_account payment method of the caller's scope) into a financial account. Created
 * `processing` with an open Transaction (Stripe keeps `inbound_pending` at 0: nothing moves yet);
 * Stripe's test helpers then `succeed` it (cash in, the Transaction posted), `fail` it (the
 * Transaction void) or, once succeeded, `return` it (a ReceivedDebit takes the cash back,
 * `returned: true`); it can be canceled while processing.
 */
type InboundTransfer = Stripe.Treasury.InboundTransfer;

export const failureDetailsTest =
  'an inbound transfer failed with a code shows it in failure_details';

const failureCodes = [
  'account_closed',
  'account_frozen',
  'bank_account_restricted',
  'bank_ownership_changed',
  'debit_not_authorized',
  'incorrect_account_holder_address',
  'incorrect_account_holder_name',
  'incorrect_account_holder_tax_id',
  'insufficient_funds',
  'invalid_account_number',
  'invalid_currency',
  'no_account',
  'other',
] as const;

const own = (w: WriteContext, caller: Caller, id: string) =>
  requireObjectToChange(w, caller, 'treasury.inbound_transfer', id, 'inbound transfer');

function requireStatus(transfer: InboundTransfer, status: string, action: string) {
  if (transfer.status !== status)
    throw errors.invalidRequest(
      `This inbound transfer is ${transfer.status}; only a ${status} one can be ${action}.`,
      undefined,
      ('inbound_transfer_not_' + status) as never,
    );
}

async function finish(
  w: WriteContext,
  row: ObjectRow,
  after: InboundTransfer,
  event: string | null,
): Promise<InboundTransfer> {
  await saveObject(w.db, row.id, after);
  if (event)
    await emitEvent(w, {
      type: `treasury.inbound_transfer.${event}`,
      object: after as never,
      account: row.account_id,
    });
  return after;
}

/** A processing transfer that ends without moving money: failed or canceled. */
async function voidTransfer(
  w: WriteContext,
  row: ObjectRow,
  status: 'failed' | 'canceled',
  code: string | null,
) {
  const transfer = parseData<InboundTransfer>(row);
  requireStatus(transfer, 'processing', status);
  const ledger = await ledgerOf(w, transfer);
  await addEntry(ledger, transfer.transaction as string, 'inbound_transfer', noMove(), 'void');
  return finish(
    w,
    row,
    {
      ...transfer,
      status,
      cancelable: false,
      ...(code ? { failure_details: { code } } : {}),
      status_transitions: {
        ...transfer.status_transitions,
        [`${status}_at`]: Math.floor(w.now / 1000),
      },
    } as InboundTransfer,
    status,
  );
}

const noMove = () => ({ cash: 0, inbound_pending: 0, outbound_pending: 0 });

export const inboundTransferRoutes: Route[] = [
  post(
    '/v1/treasury/inbound_transfers',
    {
      amount: required(integer({ min: 1 })),
      currency: required(string({ maxLength: 3 })),
      financial_account: required(string()),
      origin_payment_method: required(string()),
      description: string(),
      metadata: metadata(),
      statement_descriptor: string({ maxLength: 10 }),
      ...expandParam,
    },
    async ({ w, caller, params }) => {
      const currency = params.currency.toLowerCase();
      const pm = await bankPaymentMethod(
        w,
        caller,
        params.origin_payment_method,
        'origin_payment_method',
      );
      const faRow = await lockFinancialAccount(w, caller, params.financial_account);
      checkFlow(parseData<FinancialAccount>(faRow), {
        currency,
        direction: 'inbound',
        feature: 'inbound_transfers.ach',
      });
      const id = newId('ibt', 24);
      const transaction = await openTransaction(
        { w, fa: faRow },
        {
          flowType: 'inbound_transfer',
          flow: id,
          amount: params.amount,
          currency,
          description: `${pm.billing_details.name ?? 'Bank account'} (${pm.us_bank_account?.last4 ?? ''}) | Inbound transfer | ${params.statement_descriptor ?? 'transfer'}`,
        },
      );
      const { data } = await createObject<InboundTransfer>(w, {
        type: 'treasury.inbound_transfer',
        id,
        data: (tid, created) =>
          ({
            id: tid,
            object: 'treasury.inbound_transfer',
            amount: params.amount,
            cancelable: true,
            created,
            currency,
            description: params.description ?? null,
            failure_details: null,
            financial_account: faRow.id,
            hosted_regulatory_receipt_url: null,
            linked_flows: { received_debit: null },
            livemode: w.livemode,
            metadata: applyMetadata({}, params.metadata),
            origin_payment_method: pm.id,
            origin_payment_method_details: bankDetails(pm, 'ach'),
            returned: false,
            statement_descriptor: params.statement_descriptor ?? 'transfer',
            status: 'processing',
            status_transitions: { canceled_at: null, failed_at: null, succeeded_at: null },
            transaction,
          }) as unknown as InboundTransfer,
      });
      await emitEvent(w, { type: 'treasury.inbound_transfer.created', object: data as never });
      return data;
    },
  ),

  get('/v1/treasury/inbound_transfers/:id', expandParam, async ({ db, caller, path }) =>
    parseData(
      await requireObject(db, caller, 'treasury.inbound_transfer', path.id!, 'inbound transfer'),
    ),
  ),

  flowList('/v1/treasury/inbound_transfers', {
    type: 'treasury.inbound_transfer',
    label: 'inbound transfer',
    filters: ['status'],
  }),

  post('/v1/treasury/inbound_transfers/:id/cancel', expandParam, async ({ w, caller, path }) =>
    voidTransfer(w, await own(w, caller, path.id!), 'canceled', null),
  ),

  post(
    '/v1/test_helpers/treasury/inbound_transfers/:id/succeed',
    expandParam,
    async ({ w, caller, path }) => {
      testModeOnly(caller);
      const row = await own(w, caller, path.id!);
      const transfer = parseData<InboundTransfer>(row);
      requireStatus(transfer, 'processing', 'succeeded');
      const ledger = await ledgerOf(w, transfer);
      await addEntry(
        ledger,
        transfer.transaction as string,
        'inbound_transfer',
        { cash: transfer.amount, inbound_pending: 0, outbound_pending: 0 },
        'posted',
      );
      return finish(
        w,
        row,
        {
          ...transfer,
          status: 'succeeded',
          cancelable: false,
          status_transitions: {
            ...transfer.status_transitions,
            succeeded_at: Math.floor(w.now / 1000),
          },
        },
        'succeeded',
      );
    },
  ),

  post(
    '/v1/test_helpers/treasury/inbound_transfers/:id/fail',
    {
      failure_details: effect(object({ code: oneOf(failureCodes) }), failureDetailsTest),
      ...expandParam,
    },
    async ({ w, caller, path, params }) => {
      testModeOnly(caller);
      const row = await own(w, caller, path.id!);
      return voidTransfer(w, row, 'failed', params.failure_details?.code ?? 'other');
    },
  ),

  post(
    '/v1/test_helpers/treasury/inbound_transfers/:id/return',
    expandParam,
    async ({ w, caller, path }) => {
      testModeOnly(caller);
      const row = await own(w, caller, path.id!);
      const transfer = parseData<InboundTransfer>(row);
      requireStatus(transfer, 'succeeded', 'returned');
      if (transfer.returned)
        throw errors.invalidRequest('This inbound transfer was already returned.');
      const ledger = await ledgerOf(w, transfer);
      const details = transfer.origin_payment_method_details;
      const debit = await receiveDebit(ledger, {
        amount: transfer.amount,
        currency: transfer.currency,
        network: 'ach',
        description: `Return of inbound transfer ${transfer.id}`,
        initiating: {
          type: 'us_bank_account',
          us_bank_account: {
            account_holder_name: details?.billing_details.name ?? undefined,
            account_number: details?.us_bank_account?.last4 ?? undefined,
            routing_number: details?.us_bank_account?.routing_number ?? undefined,
          },
        },
        linkedFlows: { inbound_transfer: transfer.id },
        entryType: 'inbound_transfer_return',
      });
      return finish(
        w,
        row,
        { ...transfer, returned: true, linked_flows: { received_debit: debit.id } },
        null,
      );
    },
  ),
];
