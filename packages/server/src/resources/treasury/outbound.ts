import type Stripe from 'stripe';
import { errors } from '../../stripe/errors.js';
import {
  applied,
  applyMetadata,
  effect,
  expandParam,
  integer,
  metadata,
  object,
  oneOf,
  refused,
  required,
  string,
  type MetadataPatch,
} from '../../stripe/params.js';
import { newId } from '../../domain/ids.js';
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
import { toAddress } from '../shared-params.js';
import { fingerprint } from '../tokens.js';
import {
  addEntry,
  checkFlow,
  ledgerOf,
  lockFinancialAccount,
  openTransaction,
  postedTransaction,
  requireCash,
  testModeOnly,
  type FinancialAccount,
  type Ledger,
} from './ledger.js';
import { flowList } from './lists.js';

/**
 * Money sent out of a financial account: OutboundPayments (to a third party's bank account) and
 * OutboundTransfers (to the account holder's own), one implementation. Created `processing`,
 * the amount leaves `cash` for `outbound_pending` at once; then, by Stripe's test helpers:
 * `post` (the network took it: outbound_pending cleared, the Transaction posted), `fail` (the
 * money back to cash, the Transaction void), `return` (posted, then the money back in a
 * Transaction of its own, `returned_details`); or `cancel` while processing (as fail).
 */
type Outbound = Stripe.Treasury.OutboundPayment | Stripe.Treasury.OutboundTransfer;
type Status = Outbound['status'];

export interface OutboundKind {
  object: 'treasury.outbound_payment' | 'treasury.outbound_transfer';
  /** `outbound_payment`: its flow type, entry types and events. */
  flow: 'outbound_payment' | 'outbound_transfer';
  prefix: string;
  label: string;
  path: string;
  /** The features group (`outbound_payments`) whose network must be active. */
  feature: string;
  statementDescriptor: string;
}

const kinds = {
  payment: {
    object: 'treasury.outbound_payment',
    flow: 'outbound_payment',
    prefix: 'obp',
    label: 'outbound payment',
    path: 'outbound_payments',
    feature: 'outbound_payments',
    statementDescriptor: 'payment',
  },
  transfer: {
    object: 'treasury.outbound_transfer',
    flow: 'outbound_transfer',
    prefix: 'obt',
    label: 'outbound transfer',
    path: 'outbound_transfers',
    feature: 'outbound_transfers',
    statementDescriptor: 'transfer',
  },
} as const satisfies Record<string, OutboundKind>;

/** The tests that check the parameters whose effect does not read back where they were sent. */
export const networkTest = 'an outbound flow goes over the network its options name';
export const destinationDataTest =
  "an outbound payment to destination_payment_method_data shows the bank account's details";

type Network = 'ach' | 'us_domestic_wire';
type Details = Stripe.Treasury.OutboundPayment.DestinationPaymentMethodDetails;

/** How a us_bank_account payment method shows as a flow's destination (or origin). */
export function bankDetails(pm: Stripe.PaymentMethod, network: Network): Details {
  const b = pm.us_bank_account!;
  return {
    type: 'us_bank_account',
    billing_details: {
      address: toAddress(pm.billing_details.address ?? {})!,
      email: pm.billing_details.email,
      name: pm.billing_details.name,
    },
    us_bank_account: {
      account_holder_type: b.account_holder_type,
      account_type: b.account_type,
      bank_name: b.bank_name,
      fingerprint: b.fingerprint,
      last4: b.last4,
      network,
      routing_number: b.routing_number,
    },
  } as Details;
}

/** A us_bank_account payment method of the caller's scope. */
export async function bankPaymentMethod(
  w: WriteContext,
  caller: Caller,
  id: string,
  param: string,
): Promise<Stripe.PaymentMethod> {
  const pm = parseData<Stripe.PaymentMethod>(
    await requireObject(w.db, caller, 'payment_method', id, 'payment method', param),
  );
  if (pm.type !== 'us_bank_account')
    throw errors.parameterInvalid(
      param,
      `The payment method ${id} is a ${pm.type}; Treasury moves money to and from us_bank_account payment methods.`,
    );
  return pm;
}

interface DestinationData {
  type?: string;
  billing_details?: {
    address?: Record<string, string> | '';
    email?: string;
    name?: string;
    phone?: string;
  };
  metadata?: MetadataPatch;
  us_bank_account?: {
    account_holder_type?: string;
    account_number?: string;
    account_type?: string;
    routing_number?: string;
  };
}

/** A bank account given inline (`destination_payment_method_data`), as Stripe shows it. */
function inlineDetails(w: WriteContext, data: DestinationData, network: Network): Details {
  const b = data.us_bank_account;
  const param = 'destination_payment_method_data';
  if (!b) throw errors.parameterMissing(`${param}[us_bank_account]`);
  if (!b.account_number) throw errors.parameterMissing(`${param}[us_bank_account][account_number]`);
  if (!b.routing_number || !/^\d{9}$/.test(b.routing_number))
    throw errors.parameterInvalid(
      `${param}[us_bank_account][routing_number]`,
      'Routing number must have 9 digits',
      'routing_number_invalid',
    );
  const billing = data.billing_details ?? {};
  return {
    type: 'us_bank_account',
    billing_details: {
      address: toAddress(billing.address || {})!,
      email: billing.email ?? null,
      name: billing.name ?? null,
    },
    us_bank_account: {
      account_holder_type: (b.account_holder_type ?? 'individual') as 'individual',
      account_type: (b.account_type ?? 'checking') as 'checking',
      bank_name: 'STRIPE TEST BANK',
      fingerprint: fingerprint(w.platform, `${b.routing_number}/${b.account_number}`),
      last4: b.account_number.slice(-4),
      network,
      routing_number: b.routing_number,
    },
  } as Details;
}

const DAY = 86_400;

interface NewOutbound {
  amount: number;
  currency: string;
  financialAccount: string;
  description?: string | undefined;
  statementDescriptor?: string | undefined;
  metadata?: MetadataPatch | undefined;
  network: Network;
  destination: string | null;
  details: Details;
  /** OutboundPayments only. */
  customer?: string | null;
  endUserDetails?: { present: boolean; ip_address?: string | undefined } | undefined;
}

/** Takes the amount from cash into outbound_pending and records the flow, `processing`. */
async function createOutbound(
  w: WriteContext,
  caller: Caller,
  kind: OutboundKind,
  p: NewOutbound,
): Promise<Outbound> {
  const faRow = await lockFinancialAccount(w, caller, p.financialAccount);
  const fa = parseData<FinancialAccount>(faRow);
  checkFlow(fa, {
    currency: p.currency,
    direction: 'outbound',
    feature: `${kind.feature}.${p.network}`,
  });
  requireCash(fa, p.currency, p.amount, kind.label);
  const ledger: Ledger = { w, fa: faRow };
  const id = newId(kind.prefix, 24);
  const name = p.details.billing_details.name ?? 'Bank account';
  const transaction = await openTransaction(ledger, {
    flowType: kind.flow,
    flow: id,
    amount: -p.amount,
    currency: p.currency,
    description: `${name} (${p.details.us_bank_account?.last4 ?? ''}) | ${kind.label} | ${p.statementDescriptor ?? kind.statementDescriptor}`,
  });
  await addEntry(ledger, transaction, kind.flow, {
    cash: -p.amount,
    inbound_pending: 0,
    outbound_pending: p.amount,
  });
  const { data } = await createObject<Outbound>(w, {
    type: kind.object,
    id,
    data: (flowId, created) =>
      ({
        id: flowId,
        object: kind.object,
        amount: p.amount,
        cancelable: true,
        created,
        currency: p.currency,
        ...(kind.flow === 'outbound_payment'
          ? {
              customer: p.customer ?? null,
              end_user_details: {
                present: p.endUserDetails?.present ?? false,
                ip_address: p.endUserDetails?.ip_address ?? null,
              },
            }
          : {}),
        description: p.description ?? null,
        destination_payment_method: p.destination,
        destination_payment_method_details: p.details,
        expected_arrival_date: p.network === 'ach' ? created + DAY : created,
        financial_account: faRow.id,
        hosted_regulatory_receipt_url: null,
        livemode: w.livemode,
        metadata: applyMetadata({}, p.metadata),
        returned_details: null,
        statement_descriptor: p.statementDescriptor ?? kind.statementDescriptor,
        status: 'processing',
        status_transitions: {
          canceled_at: null,
          failed_at: null,
          posted_at: null,
          returned_at: null,
        },
        tracking_details: null,
        transaction,
      }) as unknown as Outbound,
  });
  await emitEvent(w, { type: `treasury.${kind.flow}.created`, object: data as never });
  return data;
}

const returnCodes = [
  'account_closed',
  'account_frozen',
  'bank_account_restricted',
  'bank_ownership_changed',
  'declined',
  'incorrect_account_holder_name',
  'invalid_account_number',
  'invalid_currency',
  'no_account',
  'other',
] as const;

/** Moves a processing (or, to return it, posted) flow on, with its entries and event. */
async function transition(
  w: WriteContext,
  kind: OutboundKind,
  row: ObjectRow,
  to: 'posted' | 'failed' | 'canceled' | 'returned',
  returnCode = 'declined',
): Promise<Outbound> {
  let flow = parseData<Outbound>(row);
  const from: Status = flow.status;
  const allowed = to === 'returned' ? ['processing', 'posted'] : ['processing'];
  if (!allowed.includes(from))
    throw errors.invalidRequest(
      to === 'canceled'
        ? `This ${kind.label} cannot be canceled: it is ${from}.`
        : `This ${kind.label} is ${from}; only a ${allowed.join(' or ')} one can be ${to}.`,
      undefined,
      `${kind.flow}_not_${to === 'canceled' ? 'cancelable' : 'processing'}` as never,
    );
  const ledger = await ledgerOf(w, flow);
  const at = Math.floor(w.now / 1000);
  const transaction = flow.transaction as string;
  const amount = flow.amount;
  if (to === 'failed' || to === 'canceled') {
    const entry = to === 'failed' ? `${kind.flow}_failure` : `${kind.flow}_cancellation`;
    await addEntry(
      ledger,
      transaction,
      entry as never,
      { cash: amount, inbound_pending: 0, outbound_pending: -amount },
      'void',
    );
  } else if (from === 'processing') {
    await addEntry(
      ledger,
      transaction,
      `${kind.flow}_posting` as never,
      { cash: 0, inbound_pending: 0, outbound_pending: -amount },
      'posted',
    );
    flow = {
      ...flow,
      status: 'posted',
      status_transitions: { ...flow.status_transitions, posted_at: at },
    };
  }
  let returnedDetails = null;
  if (to === 'returned') {
    const returned = await postedTransaction(
      ledger,
      {
        flowType: kind.flow,
        flow: flow.id,
        amount,
        currency: flow.currency,
        description: `Return of ${kind.label} ${flow.id}`,
      },
      `${kind.flow}_return` as never,
      { cash: amount, inbound_pending: 0, outbound_pending: 0 },
    );
    returnedDetails = { code: returnCode, transaction: returned };
  }
  const after = {
    ...flow,
    status: to,
    cancelable: false,
    ...(returnedDetails ? { returned_details: returnedDetails } : {}),
    status_transitions: { ...flow.status_transitions, [`${to}_at`]: at },
  } as Outbound;
  await saveObject(w.db, row.id, after);
  await emitEvent(w, {
    type: `treasury.${kind.flow}.${to}`,
    object: after as never,
    account: row.account_id,
  });
  return after;
}

const networkOptions = effect(
  object({ us_bank_account: object({ network: applied<Network | ''>() }) }),
  networkTest,
);

function networkOf(options: { us_bank_account?: { network?: Network | '' } } | undefined): Network {
  return options?.us_bank_account?.network || 'ach';
}

/** The routes of one kind of outbound flow: create, retrieve, list, cancel, test helpers. */
function outboundRoutes(kind: OutboundKind, create: Route): Route[] {
  const own = (w: WriteContext, caller: Caller, id: string) =>
    requireObjectToChange(w, caller, kind.object, id, kind.label);
  const helper = (to: 'posted' | 'failed') =>
    post(
      `/v1/test_helpers/treasury/${kind.path}/:id/${to === 'posted' ? 'post' : 'fail'}`,
      expandParam,
      async ({ w, caller, path }) => {
        testModeOnly(caller);
        return transition(w, kind, await own(w, caller, path.id!), to);
      },
    );
  return [
    create,
    get(`/v1/treasury/${kind.path}/:id`, expandParam, async ({ db, caller, path }) =>
      parseData(await requireObject(db, caller, kind.object, path.id!, kind.label)),
    ),
    flowList(`/v1/treasury/${kind.path}`, {
      type: kind.object,
      filters: kind.flow === 'outbound_payment' ? ['status', 'customer'] : ['status'],
      created: kind.flow === 'outbound_payment',
      label: kind.label,
    }),
    post(`/v1/treasury/${kind.path}/:id/cancel`, expandParam, async ({ w, caller, path }) =>
      transition(w, kind, await own(w, caller, path.id!), 'canceled'),
    ),
    helper('posted'),
    helper('failed'),
    post(
      `/v1/test_helpers/treasury/${kind.path}/:id/return`,
      {
        returned_details: effect(
          object({ code: oneOf(returnCodes) }),
          'an outbound flow returned with a code shows it in returned_details',
        ),
        ...expandParam,
      },
      async ({ w, caller, path, params }) => {
        testModeOnly(caller);
        const row = await own(w, caller, path.id!);
        return transition(w, kind, row, 'returned', params.returned_details?.code ?? 'declined');
      },
    ),
  ];
}

const common = {
  amount: required(integer({ min: 1 })),
  currency: required(string({ maxLength: 3 })),
  financial_account: required(string()),
  description: string(),
  metadata: metadata(),
  statement_descriptor: string(),
  destination_payment_method: string(),
  destination_payment_method_options: networkOptions,
  ...expandParam,
};

export const outboundPaymentRoutes: Route[] = outboundRoutes(
  kinds.payment,
  post(
    '/v1/treasury/outbound_payments',
    {
      ...common,
      customer: string(),
      end_user_details: object({
        present: required(applied<boolean>()),
        ip_address: applied<string>(),
      }),
      destination_payment_method_data: effect(
        object({
          type: required(oneOf(['us_bank_account'] as const)),
          billing_details: applied(),
          metadata: applied(),
          us_bank_account: object({
            account_holder_type: applied(),
            account_number: applied(),
            account_type: applied(),
            routing_number: applied(),
            financial_connections_account: refused(
              'Financial Connections accounts are not modelled',
            ),
          }),
          financial_account: refused(
            'sending to another financial account (intra-Stripe flows) is not modelled',
          ),
        }),
        destinationDataTest,
      ),
      destination_payment_method_options: networkOptions,
    },
    async ({ w, caller, params }) => {
      const network = networkOf(params.destination_payment_method_options);
      const data = params.destination_payment_method_data as DestinationData | undefined;
      if ((params.destination_payment_method === undefined) === (data === undefined))
        throw errors.invalidRequest(
          'Exactly one of destination_payment_method or destination_payment_method_data is required.',
          'destination_payment_method',
        );
      if (params.customer !== undefined)
        await requireObject(w.db, caller, 'customer', params.customer, 'customer', 'customer');
      let details: Details;
      if (params.destination_payment_method !== undefined) {
        const pm = await bankPaymentMethod(
          w,
          caller,
          params.destination_payment_method,
          'destination_payment_method',
        );
        if (pm.customer && pm.customer !== params.customer)
          throw errors.parameterInvalid(
            'customer',
            `The payment method ${pm.id} belongs to customer ${pm.customer as string}: pass it as customer.`,
          );
        details = bankDetails(pm, network);
      } else details = inlineDetails(w, data!, network);
      return createOutbound(w, caller, kinds.payment, {
        amount: params.amount,
        currency: params.currency.toLowerCase(),
        financialAccount: params.financial_account,
        description: params.description,
        statementDescriptor: params.statement_descriptor,
        metadata: params.metadata,
        network,
        destination: params.destination_payment_method ?? null,
        details,
        customer: params.customer ?? null,
        endUserDetails: params.end_user_details,
      });
    },
  ),
);

export const outboundTransferRoutes: Route[] = outboundRoutes(
  kinds.transfer,
  post(
    '/v1/treasury/outbound_transfers',
    {
      ...common,
      destination_payment_method_data: refused(
        'sending to another financial account (intra-Stripe flows) is not modelled',
      ),
    },
    async ({ w, caller, params }) => {
      if (params.destination_payment_method === undefined)
        throw errors.parameterMissing('destination_payment_method');
      const network = networkOf(params.destination_payment_method_options);
      const pm = await bankPaymentMethod(
        w,
        caller,
        params.destination_payment_method,
        'destination_payment_method',
      );
      return createOutbound(w, caller, kinds.transfer, {
        amount: params.amount,
        currency: params.currency.toLowerCase(),
        financialAccount: params.financial_account,
        description: params.description,
        statementDescriptor: params.statement_descriptor,
        metadata: params.metadata,
        network,
        destination: pm.id,
        details: bankDetails(pm, network),
      });
    },
  ),
);
