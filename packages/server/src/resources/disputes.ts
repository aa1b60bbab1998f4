import { filteredList } from './list-route.js';
import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import {
  applyMetadata,
  boolean,
  effect,
  expandParam,
  metadata,
  nullableString,
  object,
} from '../stripe/params.js';
import { get, post, type Caller, type Resource } from './route.js';
import { previousAttributes } from '../domain/event-body.js';
import { newId } from '../domain/ids.js';
import type { TestCard, TestDispute } from '../domain/test-instruments.js';
import { triggerRequirements } from './accounts.js';
import type { ChargeInternal } from './charges.js';
import { findObject } from '../storage/repositories/objects.js';
import { moveAvailable, stripeFeeDetail } from '../services/balance.js';
import type { WriteContext } from '../services/context.js';
import type { Scope } from '../scope/scope.js';
import { FILE_LABEL } from './file-types.js';
import { emitEvent } from '../services/emit-event.js';
import { scheduleTask, type TaskPayload } from '../services/scheduler.js';
import {
  createObject,
  findObjectToChange,
  parseData,
  parseInternal,
  requireObject,
  requireObjectToChange,
  saveObject,
} from './common.js';

/**
 * Disputes (`dp_...`), as Stripe's test cards make them (docs.stripe.com/testing#disputes): a
 * charge with `pm_card_createDispute` (4000000000000259, `tok_createDispute`) or
 * `pm_card_createDisputeProductNotReceived` (4000000000002685) is disputed once it succeeds, and
 * its amount plus a 15.00 dispute fee leave the balance of the account that owns the charge (the
 * connected account for a direct charge, the platform for a destination charge);
 * `pm_card_createDisputeInquiry` (4000000000001976) opens an inquiry, which takes no funds.
 * Evidence decides the outcome as Stripe's test mode does: `winning_evidence` in
 * `uncategorized_text` wins (the funds and fee come back), `losing_evidence` loses. Events:
 * `charge.dispute.created`, `.updated`, `.closed`, `.funds_withdrawn`, `.funds_reinstated`, on the
 * charge's account. `pm_card_createIssuerFraudRecord` (4000000000005423) sends an early fraud
 * warning (`radar.early_fraud_warning.created`) instead.
 */

/** Stripe's dispute fee in the US: 15.00, returned when the dispute is won. */
const DISPUTE_FEE = 1500;
const DAY = 24 * 3600;

const evidenceKeys = [
  'access_activity_log',
  'billing_address',
  'cancellation_policy',
  'cancellation_policy_disclosure',
  'cancellation_rebuttal',
  'customer_communication',
  'customer_email_address',
  'customer_name',
  'customer_purchase_ip',
  'customer_signature',
  'duplicate_charge_documentation',
  'duplicate_charge_explanation',
  'duplicate_charge_id',
  'product_description',
  'receipt',
  'refund_policy',
  'refund_policy_disclosure',
  'refund_refusal_explanation',
  'service_date',
  'service_documentation',
  'shipping_address',
  'shipping_carrier',
  'shipping_date',
  'shipping_documentation',
  'shipping_tracking_number',
  'uncategorized_file',
  'uncategorized_text',
] as const;

type EvidenceKey = (typeof evidenceKeys)[number];

/** Evidence that is a file: the id of a file upload of the dispute's owner. */
const fileEvidence: ReadonlySet<EvidenceKey> = new Set([
  'cancellation_policy',
  'customer_communication',
  'customer_signature',
  'duplicate_charge_documentation',
  'receipt',
  'refund_policy',
  'service_documentation',
  'shipping_documentation',
  'uncategorized_file',
]);

/** Each file of the evidence sent must be one of the caller's own ("No such file upload"). */
async function checkEvidenceFiles(
  w: WriteContext,
  scope: Scope,
  evidence: Partial<Record<EvidenceKey, string | null>> | undefined,
): Promise<void> {
  for (const [key, id] of Object.entries(evidence ?? {}))
    if (id && fileEvidence.has(key as EvidenceKey))
      await requireObject(w.db, scope, 'file', id, FILE_LABEL, `evidence[${key}]`);
}

const emptyEvidence = () =>
  Object.fromEntries(evidenceKeys.map((k) => [k, null])) as unknown as Stripe.Dispute.Evidence;

const isClosed = (d: Stripe.Dispute) =>
  d.status === 'won' || d.status === 'lost' || d.status === 'warning_closed';

/** The balance of the account that owns the charge: where the dispute's funds move. */
const ownerBalance = (w: WriteContext) => ({ accountId: w.accountId, livemode: w.livemode });

/** The dispute's amount and fee leave the balance (`charge.dispute.funds_withdrawn`). */
async function withdrawFunds(w: WriteContext, d: Stripe.Dispute): Promise<Stripe.Dispute> {
  const txn = await moveAvailable(w, ownerBalance(w), {
    currency: d.currency,
    amount: -d.amount,
    fee: DISPUTE_FEE,
    feeDetails: [stripeFeeDetail(DISPUTE_FEE, d.currency, 'Dispute fee')],
    type: 'adjustment',
    source: d.id,
    description: `Chargeback withdrawal for ${d.charge as string}`,
    reportingCategory: 'dispute',
  });
  return { ...d, balance_transactions: [...d.balance_transactions, await txnObject(w, txn)] };
}

/** A won dispute's amount and fee come back (`charge.dispute.funds_reinstated`). */
async function reinstateFunds(w: WriteContext, d: Stripe.Dispute): Promise<Stripe.Dispute> {
  const txn = await moveAvailable(w, ownerBalance(w), {
    currency: d.currency,
    amount: d.amount,
    fee: -DISPUTE_FEE,
    feeDetails: [stripeFeeDetail(-DISPUTE_FEE, d.currency, 'Dispute fee refund')],
    type: 'adjustment',
    source: d.id,
    description: `Chargeback reversal for ${d.charge as string}`,
    reportingCategory: 'dispute_reversal',
  });
  return { ...d, balance_transactions: [...d.balance_transactions, await txnObject(w, txn)] };
}

/** A dispute shows its balance transactions in full, not as ids. */
async function txnObject(w: WriteContext, id: string): Promise<Stripe.BalanceTransaction> {
  return parseData<Stripe.BalanceTransaction>((await findObject(w.db, id))!);
}

/** Opens the dispute a test card makes, on the account acting (the charge's owner). */
async function openDispute(
  w: WriteContext,
  charge: Stripe.Charge,
  card: TestCard,
  how: TestDispute,
): Promise<void> {
  const created = Math.floor(w.now / 1000);
  const id = newId('dp', 24);
  let dispute = {
    id,
    object: 'dispute',
    amount: charge.amount_captured - charge.amount_refunded,
    balance_transactions: [],
    charge: charge.id,
    created,
    currency: charge.currency,
    evidence: emptyEvidence(),
    evidence_details: {
      due_by: created + 7 * DAY,
      has_evidence: false,
      past_due: false,
      submission_count: 0,
    },
    is_charge_refundable: how.inquiry,
    livemode: charge.livemode,
    metadata: {},
    payment_intent: charge.payment_intent,
    payment_method_details: {
      card: {
        brand: card.brand,
        case_type: how.inquiry ? 'inquiry' : 'chargeback',
        network_reason_code: how.networkReasonCode,
      },
      type: 'card',
    },
    reason: how.reason,
    status: how.inquiry ? 'warning_needs_response' : 'needs_response',
  } as unknown as Stripe.Dispute;
  await createObject(w, { type: 'dispute', id, data: () => dispute, parentId: charge.id });
  await markCharge(w, charge.id, id, !how.inquiry);
  await emitEvent(w, { type: 'charge.dispute.created', object: dispute as never });
  if (how.inquiry) return;
  dispute = await withdrawFunds(w, dispute);
  await saveObject(w.db, id, dispute);
  await emitEvent(w, { type: 'charge.dispute.funds_withdrawn', object: dispute as never });
}

/** The disputed charge: `disputed`, its dispute, and, for a chargeback, no longer refundable. */
async function markCharge(
  w: WriteContext,
  chargeId: string,
  dispute: string,
  chargedBack: boolean,
): Promise<void> {
  const row = await findObjectToChange(w, chargeId);
  if (!row) return;
  await saveObject(
    w.db,
    chargeId,
    { ...parseData<Stripe.Charge>(row), disputed: true },
    { ...parseInternal<ChargeInternal>(row), dispute, chargedBack },
  );
}

/** The early fraud warning a test card's issuer sends (`radar.early_fraud_warning.created`). */
async function earlyFraudWarning(w: WriteContext, charge: Stripe.Charge): Promise<void> {
  const id = newId('issfr', 24);
  const warning: Stripe.Radar.EarlyFraudWarning = {
    id,
    object: 'radar.early_fraud_warning',
    actionable: true,
    charge: charge.id,
    created: Math.floor(w.now / 1000),
    fraud_type: 'made_with_stolen_card',
    livemode: charge.livemode,
    payment_intent: (charge.payment_intent as string | null) ?? undefined,
  } as Stripe.Radar.EarlyFraudWarning;
  await createObject(w, {
    type: 'radar.early_fraud_warning',
    id,
    data: () => warning,
    parentId: charge.id,
  });
  await emitEvent(w, { type: 'radar.early_fraud_warning.created', object: warning as never });
}

/**
 * What follows a captured charge, by its test card: a dispute or an early fraud warning, in the
 * charge's transaction after its events (the dispute comes after the payment, as on Stripe: the
 * request's answer still shows the charge undisputed).
 */
export async function afterCharge(
  w: WriteContext,
  charge: Stripe.Charge,
  card: TestCard,
): Promise<void> {
  if (card.after?.dispute) await openDispute(w, charge, card, card.after.dispute);
  if (card.after?.earlyFraudWarning) await earlyFraudWarning(w, charge);
  if (card.after?.accountTrigger) await triggerRequirements(w, charge, card.after.accountTrigger);
}

/**
 * The test-mode outcome of submitted evidence: `winning_evidence` wins, `losing_evidence` loses
 * (an inquiry that loses becomes a chargeback); anything else stays under review, as on Stripe.
 */
function verdict(d: Stripe.Dispute): 'win' | 'lose' | null {
  const text = d.evidence.uncategorized_text ?? '';
  if (text.includes('winning_evidence')) return 'win';
  if (text.includes('losing_evidence')) return 'lose';
  return null;
}

/** The scheduled task: the issuer decides on submitted evidence. */
async function decideDispute(w: WriteContext, payload: TaskPayload): Promise<void> {
  const row = await findObjectToChange(w, payload.dispute as string);
  if (!row) return;
  const before = parseData<Stripe.Dispute>(row);
  if (before.status !== 'under_review' && before.status !== 'warning_under_review') return;
  const outcome = verdict(before);
  if (!outcome) return;
  const inquiry = before.status === 'warning_under_review';
  if (inquiry && outcome === 'lose') {
    // The inquiry becomes a chargeback, which takes the funds.
    let escalated: Stripe.Dispute = {
      ...before,
      status: 'needs_response',
      is_charge_refundable: false,
      evidence_details: { ...before.evidence_details, due_by: Math.floor(w.now / 1000) + 7 * DAY },
      payment_method_details: escalate(before.payment_method_details),
    };
    escalated = await withdrawFunds(w, escalated);
    await saveObject(w.db, row.id, escalated);
    await markCharge(w, before.charge as string, before.id, true);
    await emitEvent(w, {
      type: 'charge.dispute.updated',
      object: escalated as never,
      previousAttributes: { status: before.status, is_charge_refundable: true },
    });
    await emitEvent(w, { type: 'charge.dispute.funds_withdrawn', object: escalated as never });
    return;
  }
  let closed: Stripe.Dispute = {
    ...before,
    status: inquiry ? 'warning_closed' : outcome === 'win' ? 'won' : 'lost',
  };
  if (!inquiry && outcome === 'win') closed = await reinstateFunds(w, closed);
  await saveObject(w.db, row.id, closed);
  await emitEvent(w, {
    type: 'charge.dispute.closed',
    object: closed as never,
    previousAttributes: { status: before.status },
  });
  if (!inquiry && outcome === 'win')
    await emitEvent(w, { type: 'charge.dispute.funds_reinstated', object: closed as never });
}

function escalate(
  details: Stripe.Dispute.PaymentMethodDetails | undefined,
): Stripe.Dispute.PaymentMethodDetails | undefined {
  if (!details?.card) return details;
  return { ...details, card: { ...details.card, case_type: 'chargeback' } };
}

const evidenceParams = object(
  Object.fromEntries(
    evidenceKeys.map((k) => [k, nullableString({ maxLength: 150_000 })]),
  ) as Record<EvidenceKey, ReturnType<typeof nullableString>>,
);

const updateParams = {
  evidence: evidenceParams,
  metadata: metadata(),
  submit: effect(
    boolean(),
    "a direct charge's dispute is the connected account's, and is lost with losing_evidence",
  ),
  ...expandParam,
};

/** Updates a dispute: evidence (submitted unless `submit=false`) and metadata. */
async function updateDispute(
  w: WriteContext,
  scope: Scope,
  row: { id: string; data: string },
  params: {
    evidence?: Partial<Record<EvidenceKey, string | null>> | undefined;
    metadata?: Parameters<typeof applyMetadata>[1];
    submit?: boolean | undefined;
  },
): Promise<Stripe.Dispute> {
  const before = parseData<Stripe.Dispute>(row as never);
  if (isClosed(before) && params.evidence)
    throw errors.invalidRequest(
      `This dispute is already closed (${before.status}): its evidence can no longer change.`,
      'evidence',
    );
  await checkEvidenceFiles(w, scope, params.evidence);
  const evidence = { ...before.evidence, ...(params.evidence ?? {}) } as Stripe.Dispute.Evidence;
  const hasEvidence = evidenceKeys.some((k) => (evidence as never)[k] !== null);
  const open = before.status === 'needs_response' || before.status === 'warning_needs_response';
  const submit = open && params.evidence !== undefined && (params.submit ?? true);
  const after: Stripe.Dispute = {
    ...before,
    evidence,
    evidence_details: {
      ...before.evidence_details,
      has_evidence: hasEvidence,
      submission_count: before.evidence_details.submission_count + (submit ? 1 : 0),
    },
    metadata: applyMetadata(before.metadata, params.metadata),
    status: submit
      ? before.status === 'warning_needs_response'
        ? 'warning_under_review'
        : 'under_review'
      : before.status,
  };
  await saveObject(w.db, row.id, after);
  const previous = previousAttributes(before as never, after as never);
  if (previous)
    await emitEvent(w, {
      type: 'charge.dispute.updated',
      object: after as never,
      previousAttributes: previous,
    });
  if (submit && verdict(after))
    await scheduleTask(w, 'dispute.decide', w.now, {
      livemode: w.livemode,
      accountId: w.accountId,
      dispute: after.id,
    });
  return after;
}

/** Accepts a dispute: a chargeback is lost, an inquiry closed (`charge.dispute.closed`). */
async function closeDispute(
  w: WriteContext,
  row: { id: string; data: string },
): Promise<Stripe.Dispute> {
  const before = parseData<Stripe.Dispute>(row as never);
  if (isClosed(before))
    throw errors.invalidRequest(`This dispute is already closed (${before.status}).`);
  const inquiry = before.status.startsWith('warning_');
  const after: Stripe.Dispute = { ...before, status: inquiry ? 'warning_closed' : 'lost' };
  await saveObject(w.db, row.id, after);
  await emitEvent(w, {
    type: 'charge.dispute.closed',
    object: after as never,
    previousAttributes: { status: before.status },
  });
  return after;
}

/** The id of a charge's dispute, for `/v1/charges/{id}/dispute`. */
async function disputeOfCharge(
  db: WriteContext['db'],
  caller: Caller,
  chargeId: string,
): Promise<string> {
  const charge = await requireObject(db, caller, 'charge', chargeId);
  const dispute = parseInternal<ChargeInternal>(charge).dispute;
  if (!dispute)
    throw errors.invalidRequest(
      `The charge ${chargeId} has no dispute.`,
      'charge',
      'resource_missing',
      404,
    );
  return dispute;
}

export const disputes: Resource = {
  name: 'disputes',
  routes: [
    get('/v1/disputes/:id', expandParam, async ({ db, caller, path }) =>
      parseData(await requireObject(db, caller, 'dispute', path.id!)),
    ),
    filteredList('/v1/disputes', { type: 'dispute', filters: ['charge', 'payment_intent'] }),
    post('/v1/disputes/:id', updateParams, async ({ w, caller, path, params }) =>
      updateDispute(w, caller, await requireObjectToChange(w, caller, 'dispute', path.id!), params),
    ),
    post('/v1/disputes/:id/close', expandParam, async ({ w, caller, path }) =>
      closeDispute(w, await requireObjectToChange(w, caller, 'dispute', path.id!)),
    ),
    // The Charges API's older routes to a charge's dispute.
    get('/v1/charges/:id/dispute', expandParam, async ({ db, caller, path }) =>
      parseData(
        await requireObject(db, caller, 'dispute', await disputeOfCharge(db, caller, path.id!)),
      ),
    ),
    post('/v1/charges/:id/dispute', updateParams, async ({ w, caller, path, params }) => {
      const id = await disputeOfCharge(w.db, caller, path.id!);
      return updateDispute(
        w,
        caller,
        await requireObjectToChange(w, caller, 'dispute', id),
        params,
      );
    }),
    post('/v1/charges/:id/dispute/close', expandParam, async ({ w, caller, path }) => {
      const id = await disputeOfCharge(w.db, caller, path.id!);
      return closeDispute(w, await requireObjectToChange(w, caller, 'dispute', id));
    }),
  ],
  tasks: { 'dispute.decide': decideDispute },
};

/** `/v1/radar/early_fraud_warnings`: the warnings test cards' issuers sent, per charge. */
export const earlyFraudWarnings: Resource = {
  name: 'early_fraud_warnings',
  routes: [
    get('/v1/radar/early_fraud_warnings/:id', expandParam, async ({ db, caller, path }) =>
      parseData(
        await requireObject(
          db,
          caller,
          'radar.early_fraud_warning',
          path.id!,
          'early fraud warning',
        ),
      ),
    ),
    filteredList('/v1/radar/early_fraud_warnings', {
      type: 'radar.early_fraud_warning',
      filters: ['charge', 'payment_intent'],
      label: 'early fraud warning',
    }),
  ],
};
