import type Stripe from 'stripe';
import { newId } from '../domain/ids.js';
import {
  debitOutcome,
  type PayoutOutcome,
  type TestCard,
  type TestDispute,
} from '../domain/test-instruments.js';
import { sepaOutcome, sepaScenario } from '../domain/sepa.js';
import type { WriteContext } from '../services/context.js';
import { emitEvent } from '../services/emit-event.js';
import { scheduleTask, type TaskPayload } from '../services/scheduler.js';
import { errors } from '../stripe/errors.js';
import { expandParam } from '../stripe/params.js';
import { CommittedError, get, type Resource } from './route.js';
import { buildCharge, type ChargeInternal } from './charges.js';
import { afterCharge } from './disputes.js';
import {
  createObject,
  findObjectToChange,
  parseData,
  requireObject,
  parseInternal,
  saveObject,
} from './common.js';
import {
  markPaymentMethod,
  type Instrument,
  type PaymentMethodInternal,
} from './payment-methods.js';
import { intentCharge, settleCharge, termsOf, withGroupOf } from './settlement.js';

/**
 * Bank debits (ACH Direct Debit, `us_bank_account`, and SEPA Direct Debit, `sepa_debit`),
 * delayed-notification payment methods as on Stripe: confirming a PaymentIntent with one submits
 * the debit, so its charge is `pending` (`charge.pending`) and the intent `processing`
 * (`payment_intent.processing`). The bank answers DEBIT_SETTLES_MS later on the server's clock
 * (3 minutes for SEPA's delayed test IBANs), by the test account number (Stripe's ACH numbers:
 * 000123456789 succeeds, 000111111116 no_account, 000111111113 account_closed, 000222222227
 * insufficient_funds, 000333333335 debit_not_authorized; SEPA: domain/sepa.ts, whose disputed
 * IBANs succeed and are disputed at once): the charge succeeds and its funds move
 * as a card charge's do (fee, transfer, application fee; pending until the account's schedule
 * makes them available), with `charge.succeeded` and `payment_intent.succeeded`; or it fails with
 * the account's code (`charge.failed`, `payment_intent.payment_failed`, the intent back to
 * `requires_payment_method`). A Checkout Session paid this way hears of it after (its
 * `checkout.session.async_payment_*`).
 */

/** Stripe's test mode answers a test debit within seconds; the manual clock skips the wait. */
export const DEBIT_SETTLES_MS = 2_000;

/** Stripe's test IBANs that answer late answer after at least three minutes. */
export const DELAYED_DEBIT_SETTLES_MS = 3 * 60_000;

/** Stripe's fee: ACH Direct Debit 0.8%, at most $5; SEPA Direct Debit €0.35. */
const debitFee = (pm: Stripe.PaymentMethod, amount: number) =>
  pm.type === 'sepa_debit' ? 35 : Math.min(Math.round(amount * 0.008), 500);

/** Each debit's currency: ACH takes US dollars, SEPA euros. */
const debitCurrency: Record<string, string> = { us_bank_account: 'usd', sepa_debit: 'eur' };

/** What the bank answers to a debit from this payment method, and when. */
function bankAnswer(
  pm: Stripe.PaymentMethod,
  internal: PaymentMethodInternal,
): { outcome: PayoutOutcome; delayed: boolean; disputed: boolean } {
  if (pm.type !== 'sepa_debit')
    return { outcome: debitOutcome(internal.bankAccount ?? ''), delayed: false, disputed: false };
  const answer = sepaOutcome(sepaScenario(internal.iban ?? '') ?? 'success');
  return answer.kind === 'paid'
    ? { outcome: { kind: 'paid' }, delayed: answer.delayed, disputed: answer.disputed }
    : { outcome: answer, delayed: answer.delayed, disputed: false };
}

/** What a disputed SEPA debit's bank does: a chargeback, as SEPA has no inquiries. */
const sepaDispute: TestDispute = { reason: 'general', inquiry: false, networkReasonCode: 'MD06' };

/**
 * What the payment intent keeps for its debit: the Checkout Session told when it settles, and,
 * while it waits for microdeposits, the mandate it was confirmed with.
 */
export interface DebitInternal {
  checkoutSession?: string;
  mandateData?: MandateData | null;
}

/**
 * Microdeposits, as in Stripe's test mode: a US bank account typed in (account and routing
 * numbers, not Stripe's `pm_usBankAccount_...` test methods or Checkout, which verify it at once)
 * is verified before its first debit. The intent waits in `requires_action`
 * (`verify_with_microdeposits`) until `verify_microdeposits` gives Stripe's test descriptor code or
 * amounts: SM11AA or [32, 45] verify it; SM33CC or [10, 11] exceed the attempts and SM44DD or
 * [40, 41] time out, both failing the payment; anything else is a mismatch to try again.
 */
const microdepositOutcomes: Record<string, 'verified' | 'attempts_exceeded' | 'timeout'> = {
  SM11AA: 'verified',
  '32,45': 'verified',
  SM33CC: 'attempts_exceeded',
  '10,11': 'attempts_exceeded',
  SM44DD: 'timeout',
  '40,41': 'timeout',
};

/** The test that checks microdeposit verification (test/e2e/bank-debits.test.ts). */
export const microdepositsTest =
  'a typed-in bank account waits for microdeposits: SM11AA verifies it and the debit starts; a wrong code is refused';

/** Whether a debit from this payment method waits for microdeposits first. */
export const needsMicrodeposits = (used: Instrument): boolean =>
  used.pm.type === 'us_bank_account' && used.internal.microdeposits === 'pending';

/** The intent waits for the bank account's microdeposits (`verify_with_microdeposits`). */
export async function awaitMicrodeposits(
  w: WriteContext,
  pi: Stripe.PaymentIntent,
  mandateData: MandateData | undefined,
  base: string,
): Promise<Stripe.PaymentIntent> {
  if (mandateData) checkMandateData(mandateData);
  const row = (await findObjectToChange(w, pi.id))!;
  const waiting: Stripe.PaymentIntent = {
    ...pi,
    status: 'requires_action',
    last_payment_error: null,
    next_action: {
      type: 'verify_with_microdeposits',
      verify_with_microdeposits: {
        // Microdeposits reach the account in one or two business days.
        arrival_date: Math.floor(w.now / 1000) + 2 * 86_400,
        hosted_verification_url: `${base}/microdeposits/${pi.id}?client_secret=${encodeURIComponent(pi.client_secret ?? '')}`,
        microdeposit_type: 'descriptor_code',
      },
    } as Stripe.PaymentIntent.NextAction,
  };
  await saveObject(w.db, pi.id, waiting, {
    ...parseInternal<DebitInternal>(row),
    mandateData: mandateData ?? null,
  });
  await emitEvent(w, { type: 'payment_intent.requires_action', object: waiting as never });
  return waiting;
}

/**
 * `verify_microdeposits`: Stripe's test code or amounts verify the bank account and start the
 * debit; the failing ones fail the payment (a committed error); others are a mismatch.
 */
export async function verifyMicrodeposits(
  w: WriteContext,
  pi: Stripe.PaymentIntent,
  used: Instrument,
  given: { amounts?: number[] | undefined; descriptor_code?: string | undefined },
): Promise<Stripe.PaymentIntent | CommittedError> {
  if (pi.status !== 'requires_action' || pi.next_action?.type !== 'verify_with_microdeposits')
    throw errors.invalidRequest(
      `This PaymentIntent's status is ${pi.status}: it is not waiting for microdeposits to be verified.`,
      undefined,
      'payment_intent_unexpected_state',
    );
  if ((given.amounts === undefined) === (given.descriptor_code === undefined))
    throw errors.invalidRequest(
      'Provide either amounts (the two microdeposits, in cents) or descriptor_code (the 6-character code starting with SM).',
      given.amounts === undefined ? 'descriptor_code' : 'amounts',
    );
  const key = given.descriptor_code ?? given.amounts!.join(',');
  const outcome = microdepositOutcomes[key];
  if (!outcome)
    throw given.descriptor_code !== undefined
      ? errors.invalidRequest(
          'The verification code provided does not match the code sent to the bank account (in test mode: SM11AA).',
          'descriptor_code',
          'payment_method_microdeposit_verification_descriptor_code_mismatch',
        )
      : errors.invalidRequest(
          'The amounts provided do not match the amounts that were sent to the bank account (in test mode: 32 and 45).',
          'amounts',
          'payment_method_microdeposit_verification_amounts_mismatch',
        );
  const row = (await findObjectToChange(w, pi.id))!;
  const internal = parseInternal<DebitInternal>(row);
  if (outcome === 'verified') {
    await markPaymentMethod(w, used, { microdeposits: 'verified' });
    await saveObject(w.db, pi.id, { ...pi, next_action: null }, { ...internal, mandateData: null });
    return startDebit(w, { ...pi, next_action: null }, used, internal.mandateData ?? undefined);
  }
  const [code, message] =
    outcome === 'attempts_exceeded'
      ? [
          'payment_method_microdeposit_verification_attempts_exceeded',
          'You have exceeded the number of allowed verification attempts.',
        ]
      : [
          'payment_method_microdeposit_verification_timeout',
          'Payment method should be verified with microdeposits within the required period.',
        ];
  await markPaymentMethod(w, used, { microdeposits: 'failed' });
  const failed: Stripe.PaymentIntent = {
    ...pi,
    status: 'requires_payment_method',
    next_action: null,
    payment_method: null,
    last_payment_error: {
      type: 'invalid_request_error',
      code,
      message,
      doc_url: `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`,
      payment_method: used.pm,
    } as Stripe.PaymentIntent.LastPaymentError,
  };
  await saveObject(w.db, pi.id, failed, { ...internal, mandateData: null });
  await emitEvent(w, { type: 'payment_intent.payment_failed', object: failed as never });
  return new CommittedError(errors.invalidRequest(message, undefined, code));
}

/** How a bank debit renders through the card-shaped charge builder: it never asks 3D Secure. */
const bankInstrument = (pm: Stripe.PaymentMethod, disputed = false): TestCard => ({
  brand: 'bank',
  last4: pm.us_bank_account?.last4 ?? pm.sepa_debit?.last4 ?? '',
  funding: 'debit',
  country: pm.sepa_debit?.country ?? 'US',
  outcome: { kind: 'succeeded' },
  ...(disputed ? { after: { dispute: sepaDispute } } : {}),
});

function bankDetails(
  pm: Stripe.PaymentMethod,
  mandate: string | null,
): Stripe.Charge.PaymentMethodDetails {
  if (pm.type === 'sepa_debit') {
    const b = pm.sepa_debit!;
    return {
      type: 'sepa_debit',
      sepa_debit: {
        bank_code: b.bank_code,
        branch_code: b.branch_code,
        country: b.country,
        fingerprint: b.fingerprint,
        last4: b.last4,
        mandate,
      },
    } as Stripe.Charge.PaymentMethodDetails;
  }
  const b = pm.us_bank_account!;
  return {
    type: 'us_bank_account',
    us_bank_account: {
      account_holder_type: b.account_holder_type,
      account_type: b.account_type,
      bank_name: b.bank_name,
      fingerprint: b.fingerprint,
      last4: b.last4,
      mandate,
      payment_reference: null,
      routing_number: b.routing_number,
    },
  } as unknown as Stripe.Charge.PaymentMethodDetails;
}

/** `mandate_data` of a PaymentIntent: how the customer accepted the debit's mandate. */
export interface MandateData {
  customer_acceptance?: {
    type?: 'online' | 'offline';
    accepted_at?: number;
    online?: { ip_address?: string; user_agent?: string };
    offline?: Record<string, never>;
  };
}

/** The test that checks `mandate_data` (test/e2e/bank-debits.test.ts). */
export const mandateTest =
  'mandate_data on an ACH debit makes the mandate its charge names, retrievable at /v1/mandates';

/** The customer's acceptance `mandate_data` gives, checked as Stripe checks it. */
function checkMandateData(given: MandateData) {
  const acceptance = given.customer_acceptance;
  if (!acceptance?.type) throw errors.parameterMissing('mandate_data[customer_acceptance][type]');
  if (acceptance.type === 'online' && !acceptance.online)
    throw errors.parameterMissing('mandate_data[customer_acceptance][online]');
  return acceptance as typeof acceptance & { type: 'online' | 'offline' };
}

/**
 * The mandate a debit confirmed with `mandate_data` runs under (`mandate_...`, the charge's
 * `payment_method_details.us_bank_account.mandate`): active, multi-use, in the intent's scope.
 */
async function createMandate(
  w: WriteContext,
  pm: Stripe.PaymentMethod,
  given: MandateData,
): Promise<string> {
  const acceptance = checkMandateData(given);
  const { id } = await createObject<Stripe.Mandate>(w, {
    type: 'mandate',
    prefix: 'mandate',
    data: (id, created) => ({
      id,
      object: 'mandate',
      customer_acceptance: {
        accepted_at: acceptance.accepted_at ?? created,
        offline: acceptance.type === 'offline' ? {} : undefined,
        online:
          acceptance.type === 'online'
            ? {
                ip_address: acceptance.online?.ip_address ?? null,
                user_agent: acceptance.online?.user_agent ?? null,
              }
            : undefined,
        type: acceptance.type!,
      } as Stripe.Mandate.CustomerAcceptance,
      livemode: w.livemode,
      multi_use: {},
      payment_method: pm.id,
      payment_method_details: (pm.type === 'sepa_debit'
        ? {
            type: 'sepa_debit',
            sepa_debit: {
              reference: id.slice(-16).toUpperCase(),
              url: `https://stripe.com/mandates/${id}`,
            },
          }
        : {
            type: 'us_bank_account',
            us_bank_account: { collection_method: 'paper' },
          }) as Stripe.Mandate.PaymentMethodDetails,
      status: 'active',
      type: 'multi_use',
    }),
  });
  return id;
}

/** Submits the intent's debit: a pending charge, the intent processing until the bank answers. */
export async function startDebit(
  w: WriteContext,
  pi: Stripe.PaymentIntent,
  used: Instrument,
  mandateData?: MandateData,
): Promise<Stripe.PaymentIntent> {
  const type = used.pm.type;
  const currency = debitCurrency[type];
  if (!currency)
    throw errors.invalidRequest(
      `Switchboard confirms PaymentIntents with card, us_bank_account and sepa_debit payment methods: ${type} payments are not modelled.`,
      'payment_method',
      'payment_method_not_supported',
    );
  if (pi.currency !== currency)
    throw errors.invalidRequest(
      `The currency provided (${pi.currency}) is invalid. Payments with ${type} support the following currencies: ${currency}.`,
      'currency',
    );
  if (pi.capture_method === 'manual')
    throw errors.invalidRequest(
      `The payment method \`${type}\` does not support manual capture: use capture_method=automatic.`,
      'capture_method',
    );
  // A SEPA debit runs under a mandate the customer accepted, as on Stripe.
  if (type === 'sepa_debit' && !mandateData)
    throw errors.invalidRequest(
      'This PaymentIntent requires a mandate, but no existing mandate was found. Collect mandate acceptance from the customer and try again, providing acceptance data in the mandate_data parameter.',
      'mandate_data',
    );
  const mandate = mandateData ? await createMandate(w, used.pm, mandateData) : null;
  const chargeId = newId('ch', 24);
  const charge: Stripe.Charge = {
    ...buildCharge(
      intentCharge(pi, {
        id: chargeId,
        now: w.now,
        card: bankInstrument(used.pm),
        paymentMethod: used.pm.id,
        captured: true,
      }),
    ),
    billing_details: used.pm.billing_details as Stripe.Charge.BillingDetails,
    paid: false,
    status: 'pending',
    payment_method_details: bankDetails(used.pm, mandate),
  };
  await createObject(w, {
    type: 'charge',
    id: chargeId,
    data: () => charge,
    internal: { availableAt: null } satisfies ChargeInternal,
  });
  await emitEvent(w, { type: 'charge.pending', object: charge as never });
  const next: Stripe.PaymentIntent = {
    ...pi,
    status: 'processing',
    latest_charge: chargeId,
    last_payment_error: null,
    next_action: null,
  };
  await saveObject(w.db, pi.id, next);
  await emitEvent(w, { type: 'payment_intent.processing', object: next as never });
  const { delayed } = bankAnswer(used.pm, used.internal);
  await scheduleTask(
    w,
    'payment_intent.debit',
    w.now + (delayed ? DELAYED_DEBIT_SETTLES_MS : DEBIT_SETTLES_MS),
    {
      livemode: pi.livemode,
      accountId: w.accountId,
      paymentIntent: pi.id,
    },
  );
  return next;
}

/** Tells a processing intent's debit which Checkout Session to tell when it settles. */
export async function reportDebitTo(w: WriteContext, pi: string, session: string): Promise<void> {
  const row = (await findObjectToChange(w, pi))!;
  await saveObject(w.db, pi, parseData(row), {
    ...parseInternal<DebitInternal>(row),
    checkoutSession: session,
  });
}

/** The bank's answer, DEBIT_SETTLES_MS after the debit (a scheduled task). */
async function settleDebit(w: WriteContext, payload: TaskPayload): Promise<void> {
  const row = await findObjectToChange(w, payload.paymentIntent as string);
  if (!row || row.deleted !== 0) return;
  const pi = parseData<Stripe.PaymentIntent>(row);
  if (pi.status !== 'processing') return;
  const chargeRow = (await findObjectToChange(w, pi.latest_charge as string))!;
  const before = parseData<Stripe.Charge>(chargeRow);
  const pmRow = (await findObjectToChange(w, pi.payment_method as string))!;
  const pm = parseData<Stripe.PaymentMethod>(pmRow);
  const { outcome, disputed } = bankAnswer(pm, parseInternal<PaymentMethodInternal>(pmRow));
  const instrument = bankInstrument(pm, disputed);
  let next: Stripe.PaymentIntent;
  if (outcome.kind === 'paid') {
    const settled = await settleCharge(
      w,
      { ...before, paid: true, status: 'succeeded' },
      instrument,
      { ...termsOf(pi, pi.amount), fee: debitFee(pm, pi.amount) },
    );
    await saveObject(w.db, before.id, settled.charge, {
      ...parseInternal<ChargeInternal>(chargeRow),
      availableAt: settled.availableAt === 'now' ? null : settled.availableAt,
    } satisfies ChargeInternal);
    await emitEvent(w, { type: 'charge.succeeded', object: settled.charge as never });
    next = {
      ...withGroupOf(pi, settled.charge),
      status: 'succeeded',
      amount_received: pi.amount,
    };
    await saveObject(w.db, pi.id, next);
    await emitEvent(w, { type: 'payment_intent.succeeded', object: next as never });
    await afterCharge(w, settled.charge, instrument);
  } else {
    const failed: Stripe.Charge = {
      ...before,
      paid: false,
      status: 'failed',
      failure_code: outcome.code,
      failure_message: outcome.message,
      outcome: {
        ...before.outcome!,
        network_status: 'declined_by_network',
        reason: outcome.code,
        seller_message: outcome.message,
        type: 'issuer_declined',
      },
    };
    await saveObject(w.db, before.id, failed);
    await emitEvent(w, { type: 'charge.failed', object: failed as never });
    next = {
      ...pi,
      status: 'requires_payment_method',
      payment_method: null,
      last_payment_error: {
        type: 'invalid_request_error',
        code: outcome.code,
        message: outcome.message,
        doc_url: `https://stripe.com/docs/error-codes/${outcome.code.replace(/_/g, '-')}`,
        payment_method: pm,
      } as Stripe.PaymentIntent.LastPaymentError,
    };
    await saveObject(w.db, pi.id, next);
    await emitEvent(w, { type: 'payment_intent.payment_failed', object: next as never });
  }
  const session = parseInternal<DebitInternal>(row).checkoutSession;
  if (session)
    await scheduleTask(w, 'checkout.session.async_payment', w.now, {
      livemode: pi.livemode,
      accountId: w.accountId,
      session,
      succeeded: next.status === 'succeeded',
    });
}

export const debitTasks = { 'payment_intent.debit': settleDebit };

/** `GET /v1/mandates/{id}`: the mandates debits were confirmed under, in the caller's scope. */
export const mandates: Resource = {
  name: 'mandates',
  routes: [
    get('/v1/mandates/:id', expandParam, async ({ db, caller, path }) =>
      parseData(await requireObject(db, caller, 'mandate', path.id!)),
    ),
  ],
};
