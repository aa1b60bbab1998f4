import type Stripe from 'stripe';
import { newId } from '../../domain/ids.js';
import type { WriteContext } from '../../services/context.js';
import { emitEvent } from '../../services/emit-event.js';
import { scheduleTask, type TaskPayload } from '../../services/scheduler.js';
import type { Scope } from '../../scope/scope.js';
import { errors } from '../../stripe/errors.js';
import {
  applied,
  applyMetadata,
  expandParam,
  metadata,
  object,
  refused,
  type Field,
} from '../../stripe/params.js';
import {
  createObject,
  findObjectToChange,
  parseData,
  requireObject,
  requireObjectToChange,
  saveChanged,
  saveObject,
} from '../common.js';
import { FILE_LABEL } from '../file-types.js';
import { post, type Resource } from '../route.js';
import { issuingReads } from './list.js';
import { TRANSACTION_LABEL } from './transactions.js';

/**
 * Issuing disputes (`idp_...`): a cardholder's dispute of a captured transaction, made
 * `unsubmitted` with its evidence, changed while unsubmitted, then submitted to the network
 * (`submitted`). Stripe's test mode then decides it; Switchboard takes the convention of Stripe's
 * payment disputes: an explanation containing `winning_evidence` wins (`won`, and the amount
 * comes back: `issuing_dispute.funds_reinstated`), `losing_evidence` loses (`lost`); any other
 * stays submitted. Events: `issuing_dispute.created`, `.updated`, `.submitted`, `.closed`,
 * `.funds_reinstated`.
 */

export const DISPUTE_LABEL = 'issuing dispute';
type Dispute = Stripe.Issuing.Dispute;
type Json = Record<string, unknown>;

/** The members of each reason's evidence, as Stripe's object has them. */
const reasonMembers: Record<string, string[]> = {
  canceled: [
    'additional_documentation',
    'canceled_at',
    'cancellation_policy_provided',
    'cancellation_reason',
    'expected_at',
    'explanation',
    'product_description',
    'product_type',
    'return_status',
    'returned_at',
  ],
  duplicate: [
    'additional_documentation',
    'card_statement',
    'cash_receipt',
    'check_image',
    'explanation',
    'original_transaction',
  ],
  fraudulent: ['additional_documentation', 'explanation'],
  merchandise_not_as_described: [
    'additional_documentation',
    'explanation',
    'received_at',
    'return_description',
    'return_status',
    'returned_at',
  ],
  not_received: [
    'additional_documentation',
    'expected_at',
    'explanation',
    'product_description',
    'product_type',
  ],
  other: ['additional_documentation', 'explanation', 'product_description', 'product_type'],
  service_not_as_described: [
    'additional_documentation',
    'canceled_at',
    'cancellation_reason',
    'explanation',
    'received_at',
  ],
};

/** Evidence that is a file: the id of a file upload of the caller's ("No such file upload"). */
const fileMembers = new Set([
  'additional_documentation',
  'card_statement',
  'cash_receipt',
  'check_image',
]);

const evidenceParam = object({
  reason: applied<string>(),
  ...Object.fromEntries(
    Object.entries(reasonMembers).map(([reason, members]) => [
      reason,
      object(
        Object.fromEntries(members.map((m) => [m, applied()])) as Record<
          string,
          Field<unknown, false>
        >,
      ),
    ]),
  ),
});

type EvidenceParams = Record<string, unknown> | undefined;

/** The evidence after a change: each reason's members all there (unset: null; '' unsets). */
async function applyEvidence(
  db: WriteContext['db'],
  caller: Scope,
  before: Json,
  sent: EvidenceParams,
): Promise<Json> {
  const out: Json = { ...before };
  for (const [key, value] of Object.entries(sent ?? {})) {
    if (key === 'reason') {
      out.reason = value;
      continue;
    }
    if (value === '' || value === null) {
      delete out[key];
      continue;
    }
    const base = (out[key] as Json | undefined) ?? {};
    const members: Json = Object.fromEntries(reasonMembers[key]!.map((m) => [m, base[m] ?? null]));
    for (const [m, v] of Object.entries(value as Json)) members[m] = v === '' ? null : v;
    for (const m of fileMembers)
      if (typeof members[m] === 'string' && (value as Json)[m] !== undefined)
        await requireObject(db, caller, 'file', members[m], FILE_LABEL, `evidence[${key}][${m}]`);
    // The original transaction of a duplicate is one of the caller's.
    if (typeof members.original_transaction === 'string')
      await requireObject(
        db,
        caller,
        'issuing.transaction',
        members.original_transaction,
        TRANSACTION_LABEL,
        `evidence[${key}][original_transaction]`,
      );
    out[key] = members;
  }
  return out;
}

/** The test-mode outcome of a submitted dispute, from its explanation. */
function verdict(d: Dispute): 'won' | 'lost' | null {
  const evidence = d.evidence as unknown as Record<string, { explanation?: string | null }>;
  const text = evidence[d.evidence.reason]?.explanation ?? '';
  if (text.includes('winning_evidence')) return 'won';
  if (text.includes('losing_evidence')) return 'lost';
  return null;
}

/** The scheduled task: the network decides a submitted dispute. */
async function decideDispute(w: WriteContext, payload: TaskPayload): Promise<void> {
  const row = await findObjectToChange(w, payload.dispute as string);
  if (!row) return;
  const before = parseData<Dispute>(row);
  const outcome = verdict(before);
  if (before.status !== 'submitted' || !outcome) return;
  const after: Dispute = { ...before, status: outcome };
  await saveObject(w.db, row.id, after);
  await emitEvent(w, {
    type: 'issuing_dispute.closed',
    object: after as never,
    previousAttributes: { status: before.status },
  });
  if (outcome === 'won')
    await emitEvent(w, { type: 'issuing_dispute.funds_reinstated', object: after as never });
}

const own = (w: WriteContext, caller: Scope, id: string) =>
  requireObjectToChange(w, caller, 'issuing.dispute', id, DISPUTE_LABEL);

/** A dispute's amount: at most what the transaction moved. */
function disputedAmount(tx: Stripe.Issuing.Transaction, amount: number | undefined): number {
  const most = Math.abs(tx.amount);
  if (amount !== undefined && amount > most)
    throw errors.invalidRequest(
      `The dispute's amount (${amount}) is greater than the transaction's (${most}).`,
      'amount',
    );
  return amount ?? most;
}

export const issuingDisputes: Resource = {
  name: 'issuing.disputes',
  routes: [
    ...issuingReads('/v1/issuing/disputes', {
      type: 'issuing.dispute',
      label: DISPUTE_LABEL,
      filters: { status: 'status', transaction: 'transaction' },
      test: 'lists Issuing disputes by status, transaction and created',
    }),
    post(
      '/v1/issuing/disputes',
      {
        transaction: applied<string>(),
        amount: applied<number>(),
        evidence: evidenceParam,
        metadata: metadata(),
        treasury: refused('Treasury financial accounts do not receive debits in Switchboard'),
        ...expandParam,
      },
      async ({ w, caller, params }) => {
        if (params.transaction === undefined)
          throw errors.invalidRequest('Missing required param: transaction.', 'transaction');
        const txRow = await requireObjectToChange(
          w,
          caller,
          'issuing.transaction',
          params.transaction,
          TRANSACTION_LABEL,
          'transaction',
        );
        const tx = parseData<Stripe.Issuing.Transaction>(txRow);
        if (tx.type !== 'capture')
          throw errors.invalidRequest(
            `Transaction ${tx.id} is a refund: only a capture can be disputed.`,
            'transaction',
          );
        if (tx.dispute)
          throw errors.invalidRequest(
            `Transaction ${tx.id} is already disputed (${tx.dispute as string}).`,
            'transaction',
          );
        const evidence = await applyEvidence(
          w.db,
          caller,
          { reason: 'other' },
          params.evidence as EvidenceParams,
        );
        const { data } = await createObject<Dispute>(w, {
          type: 'issuing.dispute',
          id: newId('idp', 24),
          parentId: tx.id,
          data: (id, created) =>
            ({
              id,
              object: 'issuing.dispute',
              amount: disputedAmount(tx, params.amount),
              balance_transactions: null,
              created,
              currency: tx.currency,
              evidence,
              livemode: w.livemode,
              metadata: applyMetadata({}, params.metadata),
              status: 'unsubmitted',
              transaction: tx.id,
              treasury: null,
            }) as unknown as Dispute,
        });
        await emitEvent(w, { type: 'issuing_dispute.created', object: data as never });
        await saveChanged(w, tx.id, tx, { ...tx, dispute: data.id }, 'issuing_transaction.updated');
        return data;
      },
    ),
    post(
      '/v1/issuing/disputes/:id',
      { amount: applied<number>(), evidence: evidenceParam, metadata: metadata(), ...expandParam },
      async ({ w, caller, path, params }) => {
        const row = await own(w, caller, path.id!);
        const before = parseData<Dispute>(row);
        const changesTerms = params.amount !== undefined || params.evidence !== undefined;
        if (changesTerms && before.status !== 'unsubmitted')
          throw errors.invalidRequest(
            `This dispute is ${before.status}: its amount and evidence change only while it is unsubmitted.`,
            params.evidence !== undefined ? 'evidence' : 'amount',
          );
        const tx = parseData<Stripe.Issuing.Transaction>(
          await requireObject(w.db, caller, 'issuing.transaction', before.transaction as string),
        );
        const after = {
          ...before,
          amount: params.amount === undefined ? before.amount : disputedAmount(tx, params.amount),
          evidence: (await applyEvidence(
            w.db,
            caller,
            before.evidence as unknown as Json,
            params.evidence as EvidenceParams,
          )) as unknown as Dispute['evidence'],
          metadata: applyMetadata(before.metadata, params.metadata),
        };
        return saveChanged(w, row.id, before, after, 'issuing_dispute.updated');
      },
    ),
    post(
      '/v1/issuing/disputes/:id/submit',
      { metadata: metadata(), ...expandParam },
      async ({ w, caller, path, params }) => {
        const row = await own(w, caller, path.id!);
        const before = parseData<Dispute>(row);
        if (before.status !== 'unsubmitted')
          throw errors.invalidRequest(`This dispute is already ${before.status}.`);
        const reason = before.evidence.reason;
        const given = (before.evidence as unknown as Record<string, Json | undefined>)[reason];
        if (!given?.explanation)
          throw errors.invalidRequest(
            `Evidence for a ${reason} dispute needs an explanation before it is submitted.`,
            `evidence[${reason}][explanation]`,
          );
        const after: Dispute = {
          ...before,
          status: 'submitted',
          metadata: applyMetadata(before.metadata, params.metadata),
        };
        await saveObject(w.db, row.id, after);
        await emitEvent(w, {
          type: 'issuing_dispute.submitted',
          object: after as never,
          previousAttributes: { status: before.status },
        });
        if (verdict(after))
          await scheduleTask(w, 'issuing_dispute.decide', w.now, {
            livemode: w.livemode,
            accountId: w.accountId,
            dispute: after.id,
          });
        return after;
      },
    ),
  ],
  tasks: { 'issuing_dispute.decide': decideDispute },
};
