import type Stripe from 'stripe';
import { listFilterTest } from './shared-params.js';
import { errors } from '../stripe/errors.js';
import {
  applied,
  applyMetadata,
  array,
  boolean,
  effect,
  expandParam,
  extension,
  integer,
  listParams,
  metadata,
  nullableString,
  object,
  oneOf,
  range,
  refused,
  required,
  string,
  type Field,
  type Parsed,
} from '../stripe/params.js';
import { CommittedError, get, post, type Resource, type WriteCall } from './route.js';
import { newId, randomToken } from '../domain/ids.js';
import type { TestCard } from '../domain/test-instruments.js';
import { publicBaseUrl, type WriteContext } from '../services/context.js';
import type { Scope } from '../scope/scope.js';
import { checkClientSecret, clientView } from './client-secret.js';
import {
  attachPaymentMethod,
  checkPaymentMethodOwner,
  heldPaymentMethod,
  intentPaymentMethod,
  markPaymentMethod,
  paymentMethodDataParams,
  type Instrument,
} from './payment-methods.js';
import { previousAttributes } from '../domain/event-body.js';
import { emitEvent } from '../services/emit-event.js';
import { requireChargesEnabled, requireTransfersEnabled } from './accounts.js';
import {
  applicationFeeCheck,
  buildCharge,
  chargeCard,
  requireDestination,
  scheduleChargeExpiry,
  type ChargeInternal,
} from './charges.js';
import { afterCharge } from './disputes.js';
import {
  requestIncrementalAuthorization,
  withIncrementalAuthorization,
} from './incremental-authorization.js';
import { reviewIfRisky } from './reviews.js';
import { refundCharge } from './refunds.js';
import { intentCharge, settleCharge, termsOf, withGroupOf } from './settlement.js';
import {
  awaitMicrodeposits,
  debitTasks,
  mandateTest,
  microdepositsTest,
  needsMicrodeposits,
  startDebit,
  verifyMicrodeposits,
  type MandateData,
} from './bank-debits.js';
import {
  createObject,
  listVisible,
  parseData,
  parseInternal,
  requireObject,
  requireObjectToChange,
  saveObject,
} from './common.js';
import { shippingParams, toShipping } from './shared-params.js';
import { searchRoute } from './search.js';
import { catalogue, findOperation } from '../stripe/catalogue.js';
import {
  confirmCustomerBalance,
  customerBalanceOptions,
  renderCustomerBalanceOptions,
  returnAppliedFunds,
  type CustomerBalanceOptions,
} from './customer-balance-payments.js';

const notYet = 'not applied to payment intents yet';

/**
 * `payment_method_data`: makes the payment method the intent uses. Stripe takes card details in
 * it (`card[token]`, a test number) though its spec does not list them.
 */
const paymentMethodData = effect(
  object({
    ...paymentMethodDataParams,
    card: extension(paymentMethodDataParams.card, 'card details, as Stripe takes them here'),
  }),
  'payment_method_data on PaymentIntent create and confirm makes the payment method',
);

/**
 * `payment_method_options`: the customer balance's (bank transfers) are applied and read back,
 * as are the `modelled` ones (a card's incremental authorization); every other payment method
 * type's options are refused, naming them.
 */
function paymentMethodOptions(path: string, modelled: Record<string, Field<unknown, false>> = {}) {
  const op = findOperation('POST', path)!;
  const nodes = catalogue().nodes;
  const top = nodes[nodes[op.q]!.p!.payment_method_options!]!;
  const form =
    top.t === 'object' ? top : top.u!.map((i) => nodes[i]!).find((n) => n.t === 'object')!;
  const shape: Record<string, Field<unknown, false>> = {};
  for (const name of Object.keys(form.p ?? {})) shape[name] = refused(notYet);
  return object({ ...shape, ...modelled, customer_balance: customerBalanceOptions });
}

/** `payment_method_options[card]` on create and update: incremental authorization only. */
const cardOptions = {
  card: object({ request_incremental_authorization: requestIncrementalAuthorization }),
};

/** `setup_future_usage`: saves the payment method for later; `''` unsets it. */
const setupFutureUsage: Field<'off_session' | 'on_session' | null, false> = {
  required: false,
  parse: (value, param) =>
    value === '' ? null : oneOf(['off_session', 'on_session'] as const).parse(value, param),
};

/** `off_session`: true, or Stripe's older `one_off` / `recurring`. */
const offSession: Field<boolean, false> = {
  required: false,
  parse: (value, param) =>
    value === 'one_off' || value === 'recurring' ? true : boolean().parse(value, param),
};

/**
 * PaymentIntents with Stripe's test cards: `pm_card_visa` succeeds, `pm_card_bypassPending` makes
 * funds available at once, `pm_card_chargeDeclined` and friends fail. A direct charge (made with
 * Stripe-Account) belongs to the connected account; a destination charge (`transfer_data`) belongs
 * to the platform and transfers funds to the destination.
 */
const writable = {
  amount: integer({ min: 1, max: 99_999_999 }),
  currency: string({ maxLength: 3 }),
  customer: nullableString(),
  description: nullableString(),
  metadata: metadata(),
  payment_method: string(),
  payment_method_types: array(string()),
  receipt_email: nullableString(),
  shipping: shippingParams,
  statement_descriptor: nullableString({ maxLength: 22 }),
  statement_descriptor_suffix: nullableString({ maxLength: 22 }),
  setup_future_usage: setupFutureUsage,
  application_fee_amount: integer({ min: 0 }),
  transfer_group: string(),
  payment_method_options: paymentMethodOptions('/v1/payment_intents/{intent}', cardOptions),
  payment_method_data: paymentMethodData,
  capture_method: oneOf(['automatic', 'automatic_async', 'manual'] as const),
  ...expandParam,
};

const createParams = {
  ...writable,
  payment_method_options: paymentMethodOptions('/v1/payment_intents', cardOptions),
  amount: required(integer({ min: 1, max: 99_999_999 })),
  currency: required(string({ maxLength: 3 })),
  confirm: effect(
    boolean(),
    'payment_intent.succeeded for direct and destination charges, and balance.available',
  ),
  confirmation_method: oneOf(['automatic', 'manual'] as const),
  automatic_payment_methods: object({
    enabled: boolean(),
    allow_redirects: oneOf(['always', 'never'] as const),
  }),
  transfer_data: object({ destination: required(string()), amount: integer({ min: 0 }) }),
  on_behalf_of: string(),
  off_session: effect(
    offSession,
    'off_session declines a card that needs authentication; on session it waits for 3D Secure and goes back to return_url',
  ),
  return_url: effect(
    string(),
    'off_session declines a card that needs authentication; on session it waits for 3D Secure and goes back to return_url',
  ),
  error_on_requires_action: refused(notYet),
  mandate_data: effect(applied<MandateData>(), mandateTest),
  use_stripe_sdk: refused(notYet),
  radar_options: refused(notYet),
  payment_method_configuration: refused(notYet),
};

const confirmParams = {
  payment_method: string(),
  return_url: effect(
    string(),
    'off_session declines a card that needs authentication; on session it waits for 3D Secure and goes back to return_url',
  ),
  receipt_email: nullableString(),
  shipping: shippingParams,
  off_session: effect(
    offSession,
    'off_session declines a card that needs authentication; on session it waits for 3D Secure and goes back to return_url',
  ),
  error_on_requires_action: refused(notYet),
  mandate_data: effect(applied<MandateData>(), mandateTest),
  payment_method_options: paymentMethodOptions('/v1/payment_intents/{intent}/confirm'),
  payment_method_data: paymentMethodData,
  setup_future_usage: setupFutureUsage,
  client_secret: effect(
    string(),
    'a client-side confirm with a publishable key: create the payment method, retrieve and confirm the PaymentIntent with its client_secret',
  ),
  use_stripe_sdk: refused(notYet),
  capture_method: oneOf(['automatic', 'automatic_async', 'manual'] as const),
  ...expandParam,
};

interface PiInternal {
  /** Who receives the funds: the connected account for direct charges, else the platform. */
  destination?: string | null;
}

type Params = Record<string, unknown>;

function applyParams(pi: Stripe.PaymentIntent, p: Params): Stripe.PaymentIntent {
  const next = { ...pi };
  if (p.amount !== undefined) next.amount = p.amount as number;
  if (p.currency !== undefined) next.currency = String(p.currency).toLowerCase();
  if (p.customer !== undefined) next.customer = p.customer as string | null;
  if (p.description !== undefined) next.description = p.description as string | null;
  if (p.metadata !== undefined) next.metadata = applyMetadata(pi.metadata, p.metadata as never);
  if (p.payment_method !== undefined) next.payment_method = p.payment_method as string;
  if (p.payment_method_types !== undefined)
    next.payment_method_types = p.payment_method_types as string[];
  if (p.receipt_email !== undefined) next.receipt_email = p.receipt_email as string | null;
  if (p.shipping !== undefined) next.shipping = toShipping(p.shipping);
  if (p.statement_descriptor !== undefined)
    next.statement_descriptor = p.statement_descriptor as string | null;
  if (p.statement_descriptor_suffix !== undefined)
    next.statement_descriptor_suffix = p.statement_descriptor_suffix as string | null;
  if (p.application_fee_amount !== undefined)
    next.application_fee_amount = p.application_fee_amount as number;
  if (p.transfer_group !== undefined) next.transfer_group = p.transfer_group as string;
  if (p.capture_method !== undefined)
    next.capture_method = p.capture_method as Stripe.PaymentIntent.CaptureMethod;
  const options = p.payment_method_options as
    { customer_balance?: CustomerBalanceOptions } | undefined;
  if (options?.customer_balance)
    next.payment_method_options = {
      ...pi.payment_method_options,
      customer_balance: renderCustomerBalanceOptions(options.customer_balance),
    };
  if (p.setup_future_usage !== undefined)
    next.setup_future_usage = p.setup_future_usage as Stripe.PaymentIntent.SetupFutureUsage | null;
  const incremental = (
    p.payment_method_options as
      { card?: { request_incremental_authorization?: string } } | undefined
  )?.card?.request_incremental_authorization;
  if (incremental !== undefined)
    next.payment_method_options = {
      ...pi.payment_method_options,
      card: {
        ...pi.payment_method_options?.card,
        request_incremental_authorization: incremental,
      } as Stripe.PaymentIntent.PaymentMethodOptions.Card,
    };
  if (
    next.payment_method &&
    (next.status === 'requires_payment_method' || next.status === 'requires_confirmation')
  ) {
    next.status = 'requires_confirmation';
  }
  return next;
}

/** Whether a payment with this payment method asks the cardholder for 3D Secure. */
function needsAuthentication(used: Instrument): boolean {
  const auth = used.card?.authentication;
  return auth === 'always' || (auth === 'unless-set-up' && !used.internal.setUp);
}

/** What an off-session payment that needed authentication does: declines, as on Stripe. */
const authenticationRequired = (card: TestCard): TestCard => ({
  ...card,
  outcome: {
    kind: 'declined',
    code: 'authentication_required',
    declineCode: 'authentication_required',
    message: 'Your card was declined. This transaction requires authentication.',
  },
});

/**
 * `next_action` of an intent that waits for 3D Secure: a page of this server stands in for the
 * card issuer's (hosted/authenticate.ts), where the cardholder completes or fails it; it then
 * goes back to `return_url` as Stripe's does.
 */
export function authenticationAction(
  base: string,
  intent: { id: string; client_secret: string | null },
  returnUrl: string | null,
): Stripe.PaymentIntent.NextAction {
  const url = `${base}/authenticate/${intent.id}?client_secret=${encodeURIComponent(intent.client_secret ?? '')}`;
  return { type: 'redirect_to_url', redirect_to_url: { return_url: returnUrl, url } };
}

/** How a confirmation was asked for. */
export interface ConfirmOptions {
  /** `mandate_data`: the customer's acceptance of a bank debit's mandate (bank-debits.ts). */
  mandateData?: MandateData | undefined;
  /** `off_session`: the customer is not there to authenticate. */
  offSession: boolean;
  /** Where the 3D Secure page sends the customer back to. */
  returnUrl: string | null;
  /** This server's base URL, for the 3D Secure page. */
  base: string;
}

/**
 * Confirms a PaymentIntent with its payment method: a card that asks for 3D Secure waits for it
 * (`requires_action`; off session it declines with authentication_required), a charge succeeds
 * (captured now, or held for a manual capture) or fails with the card's decline. Returns the
 * updated intent, or a committed 402 card_error for a decline (the failed charge and its events
 * stay recorded).
 */
async function confirm(
  w: WriteContext,
  caller: Scope,
  pi: Stripe.PaymentIntent,
  options: ConfirmOptions,
): Promise<Stripe.PaymentIntent | CommittedError> {
  if (!pi.payment_method) {
    throw errors.invalidRequest(
      "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with the test card, pass payment_method=pm_card_visa.",
      'payment_method',
      'payment_intent_unexpected_state',
    );
  }
  // Stripe refuses the charge itself: a direct charge needs the account's card_payments active,
  // a destination charge the destination's transfers.
  await requireChargesEnabled(w);
  if (pi.transfer_data?.destination)
    await requireTransfersEnabled(
      w,
      pi.transfer_data.destination as string,
      'transfer_data[destination]',
    );
  const used = await heldPaymentMethod(w, caller, pi.payment_method as string);
  checkPaymentMethodOwner(pi, used, 'PaymentIntent');
  if (!pi.payment_method_types.includes(used.pm.type))
    throw errors.invalidRequest(
      `The PaymentMethod provided (${used.pm.type}) is not allowed for this PaymentIntent. Please attach a PaymentMethod of one of the following types: ${pi.payment_method_types.join(', ')}. Alternatively update the allowed payment_method_types for this PaymentIntent to include "${used.pm.type}".`,
      'payment_method',
      'payment_intent_incompatible_payment_method',
    );
  if (used.pm.type === 'customer_balance') return confirmCustomerBalance(w, caller, pi);
  if (!used.card) {
    // A bank debit: processing now, settled later (bank-debits.ts); a typed-in US bank account
    // is verified with microdeposits first.
    await keepPaymentMethod(w, caller, pi, used, false);
    if (needsMicrodeposits(used))
      return awaitMicrodeposits(w, pi, options.mandateData, options.base);
    return startDebit(w, pi, used, options.mandateData);
  }
  if (options.mandateData)
    throw errors.invalidRequest(
      'mandate_data is for payment methods that debit with a mandate (us_bank_account): Switchboard does not model card mandates.',
      'mandate_data',
      'parameter_not_supported',
    );
  if (needsAuthentication(used)) {
    if (options.offSession) return charge(w, caller, pi, used, authenticationRequired(used.card));
    const waiting: Stripe.PaymentIntent = {
      ...pi,
      status: 'requires_action',
      next_action: authenticationAction(options.base, pi, options.returnUrl),
      last_payment_error: null,
    };
    await saveObject(w.db, pi.id, waiting);
    await emitEvent(w, { type: 'payment_intent.requires_action', object: waiting as never });
    return waiting;
  }
  return charge(w, caller, pi, used, used.card);
}

/**
 * After 3D Secure on the page of hosted/authenticate.ts: charges the intent, or (failed) leaves
 * it needing a new payment method, with `payment_intent.payment_failed`.
 */
export async function finishAuthentication(
  w: WriteContext,
  scope: Scope,
  pi: Stripe.PaymentIntent,
  completed: boolean,
): Promise<Stripe.PaymentIntent | CommittedError> {
  const used = await heldPaymentMethod(w, scope, pi.payment_method as string);
  if (completed) return charge(w, scope, pi, used, used.card!, true);
  const failed: Stripe.PaymentIntent = {
    ...pi,
    status: 'requires_payment_method',
    next_action: null,
    payment_method: null,
    last_payment_error: {
      code: 'payment_intent_authentication_failure',
      doc_url: 'https://stripe.com/docs/error-codes/payment-intent-authentication-failure',
      message:
        'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
      payment_method: used.pm,
      type: 'invalid_request_error',
    } as Stripe.PaymentIntent.LastPaymentError,
  };
  await saveObject(w.db, pi.id, failed);
  await emitEvent(w, { type: 'payment_intent.payment_failed', object: failed as never });
  return failed;
}

/** Charges the intent's payment method: `card` says how the charge goes. */
async function charge(
  w: WriteContext,
  caller: Scope,
  pi: Stripe.PaymentIntent,
  used: Instrument,
  card: TestCard,
  authenticated = false,
): Promise<Stripe.PaymentIntent | CommittedError> {
  const chargeId = newId('ch', 24);
  const manual = pi.capture_method === 'manual';
  let charge = buildCharge(
    intentCharge(pi, {
      id: chargeId,
      now: w.now,
      card,
      paymentMethod: used.pm.id,
      captured: !manual,
    }),
  );
  if (card.outcome.kind !== 'declined') charge = withIncrementalAuthorization(pi, charge, card);
  if (card.outcome.kind === 'declined') {
    await createObject(w, {
      type: 'charge',
      id: chargeId,
      data: () => charge,
      internal: { instrument: used.internal.card } satisfies ChargeInternal,
    });
    await emitEvent(w, { type: 'charge.failed', object: charge as never });
    const error = {
      type: 'card_error' as const,
      code: card.outcome.code,
      decline_code: card.outcome.declineCode,
      message: card.outcome.message,
      charge: chargeId,
      doc_url: `https://stripe.com/docs/error-codes/${card.outcome.code.replace(/_/g, '-')}`,
      payment_method: used.pm,
    };
    const failed: Stripe.PaymentIntent = {
      ...pi,
      status: 'requires_payment_method',
      next_action: null,
      latest_charge: chargeId,
      last_payment_error: error as unknown as Stripe.PaymentIntent.LastPaymentError,
      payment_method: null,
    };
    await saveObject(w.db, pi.id, failed);
    await emitEvent(w, { type: 'payment_intent.payment_failed', object: failed as never });
    return new CommittedError(
      errors.cardError(card.outcome.message, card.outcome.code, card.outcome.declineCode, {
        charge: chargeId,
        payment_intent: failed,
      }),
    );
  }
  const internal: ChargeInternal = { instrument: used.internal.card, availableAt: null };
  if (!manual) {
    const settled = await settleCharge(w, charge, card, termsOf(pi, pi.amount));
    charge = settled.charge;
    internal.availableAt = settled.availableAt === 'now' ? null : settled.availableAt;
  }
  charge = await reviewIfRisky(w, charge, card);
  await createObject(w, { type: 'charge', id: chargeId, data: () => charge, internal });
  if (manual) await scheduleChargeExpiry(w, chargeId);
  await emitEvent(w, { type: 'charge.succeeded', object: charge as never });
  await keepPaymentMethod(w, caller, pi, used, authenticated);
  const next: Stripe.PaymentIntent = {
    ...withGroupOf(pi, charge),
    latest_charge: chargeId,
    last_payment_error: null,
    next_action: null,
    status: manual ? 'requires_capture' : 'succeeded',
    amount_capturable: manual ? pi.amount : 0,
    amount_received: manual ? 0 : pi.amount,
    review: charge.review,
  };
  await saveObject(w.db, pi.id, next, {});
  await emitEvent(w, {
    type: manual ? 'payment_intent.amount_capturable_updated' : 'payment_intent.succeeded',
    object: next as never,
  });
  if (!manual) await afterCharge(w, charge, card);
  return next;
}

/**
 * After a payment: with `setup_future_usage` and a customer the payment method is saved to the
 * customer (and counts as set up once authenticated); without a customer it was for this payment
 * only, and Stripe refuses to use it again.
 */
async function keepPaymentMethod(
  w: WriteContext,
  caller: Scope,
  pi: Stripe.PaymentIntent,
  used: Instrument,
  authenticated: boolean,
): Promise<void> {
  if (pi.setup_future_usage && pi.customer) {
    const pm = await attachPaymentMethod(w, caller, used, pi.customer as string);
    await markPaymentMethod(w, { ...used, pm }, { setUp: authenticated || used.internal.setUp });
  } else if (!used.pm.customer) {
    await markPaymentMethod(w, used, { consumed: true });
  }
}

async function destinationCheck(w: WriteContext, caller: Scope, params: Params): Promise<void> {
  const td = params.transfer_data as { destination: string; amount?: number } | undefined;
  if (td) await requireDestination(w, caller, td.destination, 'transfer_data[destination]');
  applicationFeeCheck(
    caller,
    params.application_fee_amount as number | undefined,
    params.amount as number,
    td?.destination,
    td?.amount,
  );
}

const updatableStates = new Set([
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
]);

async function loadIntent(call: WriteCall<Record<string, never>>) {
  const row = await requireObjectToChange(
    call.w,
    call.caller,
    'payment_intent',
    call.path.id!,
    'payment_intent',
  );
  return parseData<Stripe.PaymentIntent>(row);
}

function unexpectedState(pi: Stripe.PaymentIntent, action: string) {
  return errors.invalidRequest(
    `This PaymentIntent's ${action} could not be completed because it has a status of ${pi.status}.`,
    undefined,
    'payment_intent_unexpected_state',
  );
}

/** What POST /v1/payment_intents takes, as parsed. */
export type PaymentIntentCreate = Parsed<typeof createParams>;

/**
 * POST /v1/payment_intents: creates the intent, and with `confirm` confirms it. Also how a
 * Checkout Session makes its payment (checkout-sessions.ts), in the session's scope.
 */
export async function createPaymentIntent(
  call: Pick<WriteCall<typeof createParams>, 'w' | 'params' | 'services' | 'host'> & {
    caller: Scope;
  },
): Promise<Stripe.PaymentIntent | CommittedError> {
  const { w, caller } = call;
  await destinationCheck(w, caller, call.params);
  if (call.params.off_session !== undefined && !call.params.confirm)
    throw errors.invalidRequest('off_session can only be used with confirm=true.', 'off_session');
  const params = {
    ...call.params,
    payment_method: await intentPaymentMethod(w, caller, call.params),
  };
  const { data } = await createObject<Stripe.PaymentIntent>(w, {
    type: 'payment_intent',
    prefix: 'pi',
    data: (id, created) =>
      applyParams(
        {
          id,
          object: 'payment_intent',
          amount: params.amount,
          amount_capturable: 0,
          amount_details: { tip: {} },
          amount_received: 0,
          application: null,
          application_fee_amount: null,
          automatic_payment_methods: params.automatic_payment_methods?.enabled
            ? {
                allow_redirects: params.automatic_payment_methods.allow_redirects ?? 'always',
                enabled: true,
              }
            : null,
          canceled_at: null,
          cancellation_reason: null,
          capture_method: params.capture_method ?? 'automatic_async',
          client_secret: `${id}_secret_${randomToken(24)}`,
          confirmation_method: params.confirmation_method ?? 'automatic',
          created,
          currency: params.currency.toLowerCase(),
          customer: null,
          description: null,
          last_payment_error: null,
          latest_charge: null,
          livemode: w.livemode,
          metadata: {},
          next_action: null,
          on_behalf_of: params.on_behalf_of ?? null,
          payment_method: null,
          payment_method_configuration_details: null,
          payment_method_options: {},
          payment_method_types: ['card'],
          processing: null,
          receipt_email: null,
          review: null,
          setup_future_usage: null,
          shipping: null,
          source: null,
          statement_descriptor: null,
          statement_descriptor_suffix: null,
          status: 'requires_payment_method',
          transfer_data: params.transfer_data
            ? {
                destination: params.transfer_data.destination,
                ...(params.transfer_data.amount !== undefined
                  ? { amount: params.transfer_data.amount }
                  : {}),
              }
            : null,
          transfer_group: null,
        } as Stripe.PaymentIntent,
        params,
      ),
    internal: { destination: params.transfer_data?.destination ?? null } satisfies PiInternal,
  });
  await emitEvent(w, { type: 'payment_intent.created', object: data as never });
  if (!params.confirm) return data;
  return confirm(w, caller, data, {
    offSession: params.off_session ?? false,
    returnUrl: params.return_url ?? null,
    base: publicBaseUrl(call.services, call.host),
    mandateData: params.mandate_data,
  });
}

export const paymentIntents: Resource = {
  name: 'payment_intents',
  routes: [
    // The fields Stripe documents as searchable for payment_intents (metadata too).
    searchRoute('payment_intents', 'payment_intent', {
      amount: 'numeric',
      created: 'numeric',
      currency: 'string',
      customer: 'token',
      status: 'string',
    }),
    post('/v1/payment_intents', createParams, createPaymentIntent),

    get(
      '/v1/payment_intents/:id',
      { ...expandParam, client_secret: effect(string(), 'checks client_secret on retrieve') },
      async ({ db, caller, path, params }) => {
        const pi = parseData<Stripe.PaymentIntent>(
          await requireObject(db, caller, 'payment_intent', path.id!, 'payment_intent'),
        );
        checkClientSecret(caller, pi, params.client_secret, 'PaymentIntent');
        return clientView(caller, pi, 'PaymentIntent');
      },
      { publishable: true },
    ),

    post('/v1/payment_intents/:id', writable, async (call) => {
      const pi = await loadIntent(call as never);
      if (!updatableStates.has(pi.status)) throw unexpectedState(pi, 'update');
      const params = {
        ...call.params,
        payment_method: await intentPaymentMethod(call.w, call.caller, call.params),
      };
      const next = applyParams(pi, params);
      await saveObject(call.w.db, pi.id, next);
      return next;
    }),

    post(
      '/v1/payment_intents/:id/confirm',
      confirmParams,
      async (call) => {
        const { w, caller } = call;
        const pi = await loadIntent(call as never);
        checkClientSecret(caller, pi, call.params.client_secret, 'PaymentIntent');
        if (!updatableStates.has(pi.status)) throw unexpectedState(pi, 'confirmation');
        const params = {
          ...call.params,
          payment_method: await intentPaymentMethod(w, caller, call.params),
        };
        const result = await confirm(w, caller, applyParams(pi, params), {
          offSession: params.off_session ?? false,
          returnUrl: params.return_url ?? null,
          base: publicBaseUrl(call.services, call.host),
          mandateData: params.mandate_data,
        });
        return result instanceof CommittedError
          ? result
          : clientView(caller, result, 'PaymentIntent');
      },
      { publishable: true },
    ),

    post(
      '/v1/payment_intents/:id/verify_microdeposits',
      {
        amounts: effect(array(integer({ min: 0 })), microdepositsTest),
        descriptor_code: effect(string({ maxLength: 6 }), microdepositsTest),
        client_secret: effect(string(), 'checks client_secret on retrieve'),
        ...expandParam,
      },
      async (call) => {
        const { w, caller } = call;
        const pi = await loadIntent(call as never);
        checkClientSecret(caller, pi, call.params.client_secret, 'PaymentIntent');
        const used = await heldPaymentMethod(w, caller, pi.payment_method as string);
        const result = await verifyMicrodeposits(w, pi, used, call.params);
        return result instanceof CommittedError
          ? result
          : clientView(caller, result, 'PaymentIntent');
      },
      { publishable: true },
    ),

    post(
      '/v1/payment_intents/:id/capture',
      {
        amount_to_capture: effect(integer({ min: 1 }), 'captures less than authorized'),
        application_fee_amount: refused(notYet),
        metadata: metadata(),
        final_capture: refused(notYet),
        statement_descriptor: refused(notYet),
        statement_descriptor_suffix: refused(notYet),
        transfer_data: refused(notYet),
        ...expandParam,
      },
      async (call) => {
        const { w } = call;
        const pi = await loadIntent(call as never);
        if (pi.status !== 'requires_capture') throw unexpectedState(pi, 'capture');
        const amount = call.params.amount_to_capture ?? pi.amount_capturable;
        if (amount > pi.amount_capturable) {
          throw errors.invalidRequest(
            `The amount to capture (${amount}) is greater than the amount capturable (${pi.amount_capturable}).`,
            'amount_to_capture',
            'amount_too_large',
          );
        }
        const chargeRow = await requireObjectToChange(
          w,
          call.caller,
          'charge',
          pi.latest_charge as string,
        );
        const card = chargeCard(chargeRow)!;
        const before = parseData<Stripe.Charge>(chargeRow);
        const settled = await settleCharge(
          w,
          { ...before, captured: true, amount_captured: amount },
          card,
          termsOf(pi, amount),
        );
        await saveObject(w.db, before.id, settled.charge, {
          ...parseInternal<ChargeInternal>(chargeRow),
          availableAt: settled.availableAt === 'now' ? null : settled.availableAt,
        });
        await emitEvent(w, {
          type: 'charge.captured',
          object: settled.charge as never,
          previousAttributes: previousAttributes(before as never, settled.charge as never),
        });
        const next: Stripe.PaymentIntent = {
          ...withGroupOf(pi, settled.charge),
          status: 'succeeded',
          amount_capturable: 0,
          amount_received: amount,
          metadata: applyMetadata(pi.metadata, call.params.metadata),
        };
        await saveObject(w.db, pi.id, next);
        await emitEvent(w, { type: 'payment_intent.succeeded', object: next as never });
        await afterCharge(w, settled.charge, card);
        return next;
      },
    ),

    post(
      '/v1/payment_intents/:id/cancel',
      {
        cancellation_reason: oneOf([
          'duplicate',
          'fraudulent',
          'requested_by_customer',
          'abandoned',
        ] as const),
        ...expandParam,
      },
      async (call) => {
        const pi = await loadIntent(call as never);
        if (pi.status === 'succeeded' || pi.status === 'canceled')
          throw unexpectedState(pi, 'cancellation');
        // The authorization is released: its charge is refunded (`charge.refunded`), as on Stripe.
        if (pi.status === 'requires_capture' && pi.latest_charge) {
          const charge = await requireObjectToChange(
            call.w,
            call.caller,
            'charge',
            pi.latest_charge as string,
          );
          await refundCharge(call.w, charge, {}, { cancelingIntent: true });
        }
        // Funds of the customer's cash balance applied to it go back to the balance.
        await returnAppliedFunds(call.w, call.caller, pi);
        const next: Stripe.PaymentIntent = {
          ...pi,
          status: 'canceled',
          canceled_at: Math.floor(call.w.now / 1000),
          cancellation_reason: call.params.cancellation_reason ?? null,
          amount_capturable: 0,
        };
        await saveObject(call.w.db, pi.id, next);
        await emitEvent(call.w, { type: 'payment_intent.canceled', object: next as never });
        return next;
      },
    ),

    get(
      '/v1/payment_intents',
      {
        ...listParams,
        created: effect(range(), listFilterTest),
        customer: effect(string(), listFilterTest),
      },
      async ({ services, caller, params, url }) =>
        listVisible(
          services.dialect,
          caller,
          url,
          {
            type: 'payment_intent',
            where: params.customer ? { customer: params.customer } : undefined,
            created: params.created,
          },
          params,
          'payment_intent',
        ),
    ),
  ],
  tasks: debitTasks,
};
