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
} from '../../stripe/params.js';
import { newId } from '../../domain/ids.js';
import { emitEvent } from '../../services/emit-event.js';
import type { WriteContext } from '../../services/context.js';
import { scheduleTask, type TaskPayload } from '../../services/scheduler.js';
import type { ObjectRow } from '../../storage/repositories/objects.js';
import {
  createObject,
  findObjectToChange,
  parseData,
  requireObject,
  requireObjectToChange,
  saveObject,
} from '../common.js';
import { get, post, type Caller, type Route } from '../route.js';
import {
  addEntry,
  ledgerOf,
  lockFinancialAccount,
  openTransaction,
  postedTransaction,
  requireCash,
  testModeOnly,
  TREASURY_SETTLES_MS,
  type FinancialAccount,
  type Ledger,
} from './ledger.js';
import { flowList } from './lists.js';

/**
 * Money that other parties move in or out of a financial account, which Stripe's test helpers
 * simulate: ReceivedCredits (cash in at once, `succeeded`; `failed` when the account is closed
 * or its platform restricts inbound flows) and ReceivedDebits (cash out at once; `failed` with
 * `insufficient_funds` when cash cannot cover it). An ACH credit or debit can be reversed once:
 * a CreditReversal sends the credit back (cash to outbound_pending, posted TREASURY_SETTLES_MS
 * later on the server's clock), a DebitReversal claims a debit back (`succeeded`, the event says
 * `completed`: the cash back, as late).
 */
type Received = Stripe.Treasury.ReceivedCredit | Stripe.Treasury.ReceivedDebit;
type CreditReversal = Stripe.Treasury.CreditReversal;
type DebitReversal = Stripe.Treasury.DebitReversal;

export const initiatingDetailsTest =
  "a received credit or debit shows the initiating bank account's holder, last4 and routing number";

/** Stripe's reversal window for ACH: 5 days. */
const REVERSAL_WINDOW = 5 * 86_400;

interface ReceivedKind {
  object: 'treasury.received_credit' | 'treasury.received_debit';
  flow: 'received_credit' | 'received_debit';
  prefix: string;
  label: string;
  /** +1 into the account, -1 out of it. */
  sign: 1 | -1;
}

const credit: ReceivedKind = {
  object: 'treasury.received_credit',
  flow: 'received_credit',
  prefix: 'rc',
  label: 'received credit',
  sign: 1,
};
const debit: ReceivedKind = {
  object: 'treasury.received_debit',
  flow: 'received_debit',
  prefix: 'rd',
  label: 'received debit',
  sign: -1,
};

interface Initiating {
  type: 'us_bank_account';
  us_bank_account?: {
    account_holder_name?: string;
    account_number?: string;
    routing_number?: string;
  };
}

/** Why a flow into or out of the account fails instead of moving money, if it does. */
function failureOf(kind: ReceivedKind, fa: FinancialAccount, currency: string, amount: number) {
  if (fa.status !== 'open') return 'account_closed';
  const direction = kind.sign > 0 ? 'inbound_flows' : 'outbound_flows';
  if (fa.platform_restrictions?.[direction] === 'restricted') return 'other';
  if (kind.sign < 0 && (fa.balance.cash[currency] ?? 0) < amount) return 'insufficient_funds';
  return null;
}

export interface NewReceived {
  amount: number;
  currency: string;
  network: string;
  description: string;
  initiating: Initiating | undefined;
  /** What the flow is linked to (`{ inbound_transfer: 'ibt_...' }` for a returned transfer). */
  linkedFlows?: Record<string, string>;
  /** The entry's type when it is not the flow's own (`inbound_transfer_return`). */
  entryType?: string;
}

/**
 * Records money received into (or taken from) a financial account, already locked: succeeded
 * with its posted Transaction, or failed without one; `treasury.<flow>.created` (and, for a
 * credit, `.succeeded` or `.failed`).
 */
export async function receive(
  ledger: Ledger,
  kind: ReceivedKind,
  p: NewReceived,
): Promise<Received> {
  const { w, fa: faRow } = ledger;
  const fa = parseData<FinancialAccount>(faRow);
  if (!fa.supported_currencies.includes(p.currency))
    throw errors.parameterInvalid(
      'currency',
      `The financial account ${fa.id} does not hold ${p.currency.toUpperCase()}.`,
    );
  const failure = p.linkedFlows ? null : failureOf(kind, fa, p.currency, p.amount);
  const id = newId(kind.prefix, 24);
  const transaction = failure
    ? null
    : await postedTransaction(
        ledger,
        {
          flowType: kind.flow,
          flow: id,
          amount: kind.sign * p.amount,
          currency: p.currency,
          description: p.description,
        },
        (p.entryType ?? kind.flow) as never,
        { cash: kind.sign * p.amount, inbound_pending: 0, outbound_pending: 0 },
      );
  const bank = p.initiating?.us_bank_account ?? {};
  const linked =
    kind.sign > 0
      ? {
          credit_reversal: null,
          issuing_authorization: null,
          issuing_transaction: null,
          source_flow: null,
          source_flow_type: null,
        }
      : {
          debit_reversal: null,
          inbound_transfer: null,
          issuing_authorization: null,
          issuing_transaction: null,
        };
  const { data } = await createObject<Received>(w, {
    type: kind.object,
    id,
    accountId: faRow.account_id,
    livemode: faRow.livemode === 1,
    data: (rid, created) =>
      ({
        id: rid,
        object: kind.object,
        amount: p.amount,
        created,
        currency: p.currency,
        description: p.description,
        failure_code: failure,
        financial_account: faRow.id,
        hosted_regulatory_receipt_url: null,
        initiating_payment_method_details: {
          type: 'us_bank_account',
          billing_details: {
            address: {
              city: null,
              country: null,
              line1: null,
              line2: null,
              postal_code: null,
              state: null,
            },
            email: null,
            name: bank.account_holder_name ?? 'Jane Austen',
          },
          us_bank_account: {
            bank_name: 'STRIPE TEST BANK',
            last4: (bank.account_number ?? '000123456789').slice(-4),
            routing_number: bank.routing_number ?? '110000000',
          },
        },
        linked_flows: { ...linked, ...p.linkedFlows },
        livemode: faRow.livemode === 1,
        network: p.network,
        reversal_details: {
          deadline: created + REVERSAL_WINDOW,
          restricted_reason: p.network === 'ach' ? null : 'network_restricted',
        },
        status: failure ? 'failed' : 'succeeded',
        transaction,
      }) as unknown as Received,
  });
  const event = {
    object: data as never,
    account: faRow.account_id,
    livemode: faRow.livemode === 1,
  };
  await emitEvent(w, { type: `treasury.${kind.flow}.created`, ...event });
  if (kind.sign > 0)
    await emitEvent(w, {
      type: `treasury.${kind.flow}.${failure ? 'failed' : 'succeeded'}`,
      ...event,
    });
  return data;
}

/** A received debit that takes back a succeeded inbound transfer (its return). */
export const receiveDebit = (ledger: Ledger, p: NewReceived) => receive(ledger, debit, p);

function receivedRoutes(kind: ReceivedKind, networks: readonly string[]): Route[] {
  return [
    post(
      `/v1/test_helpers/treasury/${kind.flow}s`,
      {
        amount: required(integer({ min: 1 })),
        currency: required(string({ maxLength: 3 })),
        financial_account: required(string()),
        network: required(oneOf(networks)),
        description: string(),
        initiating_payment_method_details: effect(
          object({
            type: required(oneOf(['us_bank_account'] as const)),
            us_bank_account: object({
              account_holder_name: applied<string>(),
              account_number: applied<string>(),
              routing_number: applied<string>(),
            }),
          }),
          initiatingDetailsTest,
        ),
        ...expandParam,
      },
      async ({ w, caller, params }) => {
        testModeOnly(caller);
        const fa = await lockFinancialAccount(w, caller, params.financial_account);
        return receive({ w, fa }, kind, {
          amount: params.amount,
          currency: params.currency.toLowerCase(),
          network: params.network,
          description: params.description ?? 'Stripe Test',
          initiating: params.initiating_payment_method_details as Initiating | undefined,
        });
      },
    ),
    get(`/v1/treasury/${kind.flow}s/:id`, expandParam, async ({ db, caller, path }) =>
      parseData(await requireObject(db, caller, kind.object, path.id!, kind.label)),
    ),
    flowList(`/v1/treasury/${kind.flow}s`, {
      type: kind.object,
      label: kind.label,
      filters: ['status'],
      ...(kind.sign > 0
        ? {
            matches: {
              linked_flows: {
                field: object({ source_flow_type: required(applied<string>()) }),
                to: (v: { source_flow_type: string }) => ({
                  'linked_flows.source_flow_type': v.source_flow_type,
                }),
              },
            },
          }
        : {}),
    }),
  ];
}

/** A received credit or debit that may be reversed, locked: ACH, succeeded, not reversed yet. */
async function reversible(w: WriteContext, caller: Caller, kind: ReceivedKind, id: string) {
  const row = await requireObjectToChange(w, caller, kind.object, id, kind.label, kind.flow);
  const flow = parseData<Received>(row);
  const reason =
    flow.status !== 'succeeded'
      ? `it is ${flow.status}`
      : flow.reversal_details?.restricted_reason === 'already_reversed'
        ? 'it was already reversed'
        : flow.network !== 'ach'
          ? `it came over ${flow.network}, which cannot be reversed`
          : null;
  if (reason)
    throw errors.invalidRequest(
      `The ${kind.label} ${id} cannot be reversed: ${reason}.`,
      kind.flow,
      `${kind.flow}_not_reversible` as never,
    );
  return { row, flow };
}

/** Marks a received flow reversed by `reversal`. */
async function markReversed(
  w: WriteContext,
  row: ObjectRow,
  flow: Received,
  link: string,
  reversal: string,
) {
  await saveObject(w.db, row.id, {
    ...flow,
    linked_flows: { ...flow.linked_flows, [link]: reversal },
    reversal_details: { ...flow.reversal_details!, restricted_reason: 'already_reversed' },
  });
}

const reversalParams = { metadata: metadata(), ...expandParam };

const settleTask = (
  w: WriteContext,
  kind: string,
  row: { account_id: string | null; livemode: number },
  id: string,
) =>
  scheduleTask(w, kind, w.now + TREASURY_SETTLES_MS, {
    livemode: row.livemode === 1,
    accountId: row.account_id,
    reversal: id,
  });

const creditReversalRoutes: Route[] = [
  post(
    '/v1/treasury/credit_reversals',
    { received_credit: required(string()), ...reversalParams },
    async ({ w, caller, params }) => {
      const { row, flow } = await reversible(w, caller, credit, params.received_credit);
      const ledger = await ledgerOf(w, flow);
      requireCash(parseData(ledger.fa), flow.currency, flow.amount, 'credit reversal');
      const id = newId('credrev', 24);
      const transaction = await openTransaction(ledger, {
        flowType: 'credit_reversal',
        flow: id,
        amount: -flow.amount,
        currency: flow.currency,
        description: `Reversal of received credit ${flow.id}`,
      });
      await addEntry(ledger, transaction, 'credit_reversal', {
        cash: -flow.amount,
        inbound_pending: 0,
        outbound_pending: flow.amount,
      });
      const { data } = await createObject<CreditReversal>(w, {
        type: 'treasury.credit_reversal',
        id,
        data: (cid, created) => ({
          id: cid,
          object: 'treasury.credit_reversal',
          amount: flow.amount,
          created,
          currency: flow.currency,
          financial_account: flow.financial_account!,
          hosted_regulatory_receipt_url: null,
          livemode: w.livemode,
          metadata: applyMetadata({}, params.metadata),
          network: 'ach',
          received_credit: flow.id,
          status: 'processing',
          status_transitions: { posted_at: null },
          transaction,
        }),
      });
      await markReversed(w, row, flow, 'credit_reversal', id);
      await emitEvent(w, { type: 'treasury.credit_reversal.created', object: data as never });
      await settleTask(w, 'treasury.credit_reversal.post', row, id);
      return data;
    },
  ),
  get('/v1/treasury/credit_reversals/:id', expandParam, async ({ db, caller, path }) =>
    parseData(
      await requireObject(db, caller, 'treasury.credit_reversal', path.id!, 'credit reversal'),
    ),
  ),
  flowList('/v1/treasury/credit_reversals', {
    type: 'treasury.credit_reversal',
    label: 'credit reversal',
    filters: ['received_credit', 'status'],
  }),
];

const debitReversalRoutes: Route[] = [
  post(
    '/v1/treasury/debit_reversals',
    { received_debit: required(string()), ...reversalParams },
    async ({ w, caller, params }) => {
      const { row, flow } = await reversible(w, caller, debit, params.received_debit);
      const ledger = await ledgerOf(w, flow);
      const id = newId('debrev', 24);
      const transaction = await openTransaction(ledger, {
        flowType: 'debit_reversal',
        flow: id,
        amount: flow.amount,
        currency: flow.currency,
        description: `Reversal of received debit ${flow.id}`,
      });
      const { data } = await createObject<DebitReversal>(w, {
        type: 'treasury.debit_reversal',
        id,
        data: (did, created) =>
          ({
            id: did,
            object: 'treasury.debit_reversal',
            amount: flow.amount,
            created,
            currency: flow.currency,
            financial_account: flow.financial_account,
            hosted_regulatory_receipt_url: null,
            linked_flows: { issuing_dispute: null },
            livemode: w.livemode,
            metadata: applyMetadata({}, params.metadata),
            network: 'ach',
            received_debit: flow.id,
            status: 'processing',
            status_transitions: { completed_at: null },
            transaction,
          }) as DebitReversal,
      });
      await markReversed(w, row, flow, 'debit_reversal', id);
      await emitEvent(w, { type: 'treasury.debit_reversal.created', object: data as never });
      await settleTask(w, 'treasury.debit_reversal.complete', row, id);
      return data;
    },
  ),
  get('/v1/treasury/debit_reversals/:id', expandParam, async ({ db, caller, path }) =>
    parseData(
      await requireObject(db, caller, 'treasury.debit_reversal', path.id!, 'debit reversal'),
    ),
  ),
  flowList('/v1/treasury/debit_reversals', {
    type: 'treasury.debit_reversal',
    label: 'debit reversal',
    filters: ['received_debit'],
    matches: {
      status: {
        field: oneOf(['canceled', 'completed', 'processing'] as const),
        to: (status: string) => ({ status: status === 'completed' ? 'succeeded' : status }),
      },
      resolution: {
        field: refused('a debit reversal in test mode is always won; its resolution is not shown'),
        to: () => ({}),
      },
    },
  }),
];

/** The scheduled settlement of a reversal: a credit reversal posts, a debit reversal is won. */
async function settleReversal(w: WriteContext, payload: TaskPayload): Promise<void> {
  const row = await findObjectToChange(w, payload.reversal as string);
  if (!row) return;
  const reversal = parseData<CreditReversal | DebitReversal>(row);
  if (reversal.status !== 'processing') return;
  const ledger = await ledgerOf(w, reversal);
  const at = Math.floor(w.now / 1000);
  let after: CreditReversal | DebitReversal;
  if (reversal.object === 'treasury.credit_reversal') {
    await addEntry(
      ledger,
      reversal.transaction as string,
      'credit_reversal_posting',
      { cash: 0, inbound_pending: 0, outbound_pending: -reversal.amount },
      'posted',
    );
    after = { ...reversal, status: 'posted', status_transitions: { posted_at: at } };
  } else {
    await addEntry(
      ledger,
      reversal.transaction as string,
      'debit_reversal',
      { cash: reversal.amount, inbound_pending: 0, outbound_pending: 0 },
      'posted',
    );
    // Stripe's object says `succeeded` where its event and list filter say `completed`.
    after = { ...reversal, status: 'succeeded', status_transitions: { completed_at: at } };
  }
  await saveObject(w.db, row.id, after);
  await emitEvent(w, {
    type:
      after.object === 'treasury.credit_reversal'
        ? 'treasury.credit_reversal.posted'
        : 'treasury.debit_reversal.completed',
    object: after as never,
    account: row.account_id,
    livemode: row.livemode === 1,
  });
}

export const receivedRoutesAll: Route[] = [
  ...receivedRoutes(credit, ['ach', 'us_domestic_wire', 'rtp']),
  ...receivedRoutes(debit, ['ach']),
  ...creditReversalRoutes,
  ...debitReversalRoutes,
];

export const reversalTasks = {
  'treasury.credit_reversal.post': settleReversal,
  'treasury.debit_reversal.complete': settleReversal,
};
