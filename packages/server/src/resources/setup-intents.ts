import { filteredList } from './list-route.js';
import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import {
  applyMetadata,
  array,
  boolean,
  effect,
  expandParam,
  extension,
  metadata,
  nullableString,
  object,
  oneOf,
  refused,
  string,
  type Parsed,
} from '../stripe/params.js';
import { CommittedError, get, post, type Resource, type WriteCall } from './route.js';
import { randomToken } from '../domain/ids.js';
import { publicBaseUrl, type WriteContext } from '../services/context.js';
import { emitEvent } from '../services/emit-event.js';
import type { Scope } from '../scope/scope.js';
import { requireAccount } from './accounts.js';
import { checkClientSecret, clientView } from './client-secret.js';
import {
  createObject,
  parseData,
  parseInternal,
  requireObject,
  requireObjectToChange,
  saveObject,
} from './common.js';
import { authenticationAction } from './payment-intents.js';
import {
  attachPaymentMethod,
  checkPaymentMethodOwner,
  heldPaymentMethod,
  intentPaymentMethod,
  markPaymentMethod,
  paymentMethodDataParams,
  type Instrument,
  type PaymentMethodData,
} from './payment-methods.js';
import { recordAttempt, settleAttempt } from './setup-attempts.js';

/**
 * SetupIntents: save a card for later payments without charging it. Confirming one checks the
 * card as Stripe's test mode does (a declining card fails the setup with
 * `setup_intent.setup_failed`; `pm_card_chargeCustomerFail` sets up fine and only its charges
 * fail), asks for 3D Secure where the card does (`requires_action`), then attaches the payment
 * method to the intent's customer and marks it set up: a card that asks for 3D Secure unless set
 * up (`pm_card_authenticationRequiredOnSetup`) pays off session afterwards.
 */

interface SetupInternal {
  /** Where the 3D Secure page sends the customer back to (`return_url`). */
  returnUrl?: string | null;
}

/** The tests that check what does not read back where it was sent. */
const SETUP_TEST = 'a setup intent with 3D Secure, then an off-session payment with the saved card';
const CLIENT_TEST =
  'a client-side confirm of a SetupIntent with a publishable key and its client_secret';
const notYet = 'not modelled: next_action is always a redirect_to_url';

/** Makes the payment method; Stripe takes card details here though its spec does not list them. */
const paymentMethodData = effect(
  object({
    ...paymentMethodDataParams,
    card: extension(paymentMethodDataParams.card, 'card details, as Stripe takes them here'),
  }),
  SETUP_TEST,
);

const requestThreeDSecure = oneOf(['any', 'automatic', 'challenge'] as const);

const paymentMethodOptions = object({
  card: object({ request_three_d_secure: requestThreeDSecure }),
});

/** What create and update both take. */
const writable = {
  customer: nullableString(),
  description: nullableString(),
  metadata: metadata(),
  payment_method: string(),
  payment_method_data: paymentMethodData,
  payment_method_types: array(oneOf(['card'] as const)),
  payment_method_options: paymentMethodOptions,
  ...expandParam,
};

const createParams = {
  ...writable,
  confirm: effect(boolean(), SETUP_TEST),
  usage: oneOf(['off_session', 'on_session'] as const),
  on_behalf_of: string(),
  return_url: effect(string(), SETUP_TEST),
  automatic_payment_methods: object({
    enabled: boolean(),
    allow_redirects: oneOf(['always', 'never'] as const),
  }),
  use_stripe_sdk: refused(notYet),
};

const confirmParams = {
  payment_method: string(),
  payment_method_data: paymentMethodData,
  payment_method_options: paymentMethodOptions,
  return_url: effect(string(), SETUP_TEST),
  client_secret: effect(string(), CLIENT_TEST),
  use_stripe_sdk: refused(notYet),
  ...expandParam,
};

type Writable = {
  customer?: string | null | undefined;
  description?: string | null | undefined;
  metadata?: Record<string, string | null> | null | undefined;
  payment_method?: string | undefined;
  payment_method_data?: PaymentMethodData | undefined;
  payment_method_types?: string[] | undefined;
  payment_method_options?:
    | { card?: { request_three_d_secure?: 'any' | 'automatic' | 'challenge' | undefined } }
    | undefined;
};

/** Checks that a customer the intent names is one of the scope's. */
async function checkCustomer(w: WriteContext, scope: Scope, id: string | null | undefined) {
  if (id) await requireObject(w.db, scope, 'customer', id, 'customer', 'customer');
}

function applyParams(si: Stripe.SetupIntent, p: Writable): Stripe.SetupIntent {
  const next = { ...si };
  if (p.customer !== undefined) next.customer = p.customer;
  if (p.description !== undefined) next.description = p.description;
  if (p.metadata !== undefined) next.metadata = applyMetadata(si.metadata ?? {}, p.metadata);
  if (p.payment_method !== undefined) next.payment_method = p.payment_method;
  if (p.payment_method_types !== undefined) next.payment_method_types = p.payment_method_types;
  const threeDs = p.payment_method_options?.card?.request_three_d_secure;
  if (threeDs !== undefined)
    next.payment_method_options = {
      ...si.payment_method_options,
      card: {
        ...si.payment_method_options?.card,
        mandate_options: null,
        network: null,
        request_three_d_secure: threeDs,
      } as Stripe.SetupIntent.PaymentMethodOptions.Card,
    };
  if (
    next.payment_method &&
    (next.status === 'requires_payment_method' || next.status === 'requires_confirmation')
  )
    next.status = 'requires_confirmation';
  return next;
}

/** Whether setting up this card asks the cardholder for 3D Secure. */
function asksAuthentication(si: Stripe.SetupIntent, used: Instrument): boolean {
  const asked = si.payment_method_options?.card?.request_three_d_secure;
  if (asked === 'any' || asked === 'challenge') return true;
  // A card that asks unless set up asks once, here; one that always asks, asks here too.
  return used.card?.authentication !== undefined;
}

/**
 * Confirms a SetupIntent with its payment method: fails with the card's decline, waits for 3D
 * Secure, or succeeds. Returns the intent, or a committed 402 card_error for a decline (the
 * failed intent and its event stay recorded).
 */
async function confirmSetup(
  w: WriteContext,
  scope: Scope,
  si: Stripe.SetupIntent,
  base: string,
  returnUrl: string | null,
): Promise<Stripe.SetupIntent | CommittedError> {
  if (!si.payment_method)
    throw errors.invalidRequest(
      "You cannot confirm this SetupIntent because it's missing a payment method. To confirm the SetupIntent with the test card, pass payment_method=pm_card_visa.",
      'payment_method',
      'setup_intent_unexpected_state',
    );
  const used = await heldPaymentMethod(w, scope, si.payment_method as string);
  if (!used.card)
    throw errors.invalidRequest(
      `Switchboard confirms SetupIntents with card payment methods: setting up ${used.pm.type} is not modelled.`,
      'payment_method',
      'payment_method_not_supported',
    );
  checkPaymentMethodOwner(si, used, 'SetupIntent');
  // Confirming again while 3D Secure waits abandons the attempt that waited.
  if (si.status === 'requires_action' && si.latest_attempt)
    await settleAttempt(w, si.latest_attempt as string, 'abandoned');
  const outcome = used.card.outcome;
  if (outcome.kind === 'declined' && !used.card.declinesOnlyCharges) {
    const error = {
      type: 'card_error',
      code: outcome.code,
      decline_code: outcome.declineCode,
      message: outcome.message,
      doc_url: `https://stripe.com/docs/error-codes/${outcome.code.replace(/_/g, '-')}`,
      payment_method: used.pm,
    } as Stripe.SetupIntent.LastSetupError;
    const failed: Stripe.SetupIntent = {
      ...si,
      status: 'requires_payment_method',
      payment_method: null,
      next_action: null,
      last_setup_error: error,
      latest_attempt: await recordAttempt(w, si, used, 'failed', error),
    };
    await saveObject(w.db, si.id, failed);
    await emitEvent(w, { type: 'setup_intent.setup_failed', object: failed as never });
    return new CommittedError(
      errors.cardError(outcome.message, outcome.code, outcome.declineCode, {
        setup_intent: failed,
      }),
    );
  }
  if (asksAuthentication(si, used)) {
    const waiting: Stripe.SetupIntent = {
      ...si,
      status: 'requires_action',
      next_action: authenticationAction(base, si, returnUrl) as Stripe.SetupIntent.NextAction,
      last_setup_error: null,
      latest_attempt: await recordAttempt(w, si, used, 'requires_action'),
    };
    await saveObject(w.db, si.id, waiting, { returnUrl } satisfies SetupInternal);
    await emitEvent(w, { type: 'setup_intent.requires_action', object: waiting as never });
    return waiting;
  }
  return succeed(w, scope, si, used, null);
}

/**
 * The setup is done: the payment method is the customer's, set up for later payments. `waiting`:
 * the attempt that waited for 3D Secure, which succeeds; else a new attempt is recorded.
 */
async function succeed(
  w: WriteContext,
  scope: Scope,
  si: Stripe.SetupIntent,
  used: Instrument,
  waiting: string | null,
): Promise<Stripe.SetupIntent> {
  if (waiting) await settleAttempt(w, waiting, 'succeeded');
  const pm = si.customer
    ? await attachPaymentMethod(w, scope, used, si.customer as string)
    : used.pm;
  await markPaymentMethod(w, { ...used, pm }, { setUp: true });
  const next: Stripe.SetupIntent = {
    ...si,
    status: 'succeeded',
    next_action: null,
    last_setup_error: null,
    latest_attempt: waiting ?? (await recordAttempt(w, si, used, 'succeeded')),
  };
  await saveObject(w.db, si.id, next);
  await emitEvent(w, { type: 'setup_intent.succeeded', object: next as never });
  return next;
}

/**
 * After 3D Secure on the authentication page: the setup succeeds, or (failed) the intent needs
 * a new payment method, with `setup_intent.setup_failed`.
 */
export async function finishSetupAuthentication(
  w: WriteContext,
  scope: Scope,
  si: Stripe.SetupIntent,
  completed: boolean,
): Promise<Stripe.SetupIntent> {
  const used = await heldPaymentMethod(w, scope, si.payment_method as string);
  const waiting = (si.latest_attempt as string | null) ?? null;
  if (completed) return succeed(w, scope, si, used, waiting);
  const error = {
    type: 'invalid_request_error',
    code: 'setup_intent_authentication_failure',
    doc_url: 'https://stripe.com/docs/error-codes/setup-intent-authentication-failure',
    message:
      'The latest attempt to set up the payment method has failed because authentication failed.',
    payment_method: used.pm,
  } as Stripe.SetupIntent.LastSetupError;
  if (waiting) await settleAttempt(w, waiting, 'failed', error);
  const failed: Stripe.SetupIntent = {
    ...si,
    status: 'requires_payment_method',
    next_action: null,
    payment_method: null,
    last_setup_error: error,
  };
  await saveObject(w.db, si.id, failed);
  await emitEvent(w, { type: 'setup_intent.setup_failed', object: failed as never });
  return failed;
}

/** Where a SetupIntent's 3D Secure page sends the customer back to. */
export const setupReturnUrl = (row: Parameters<typeof parseInternal>[0]): string | null =>
  parseInternal<SetupInternal>(row).returnUrl ?? null;

const changeableStates = new Set([
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
]);

function unexpectedState(si: Stripe.SetupIntent, action: string) {
  return errors.invalidRequest(
    `You cannot ${action} this SetupIntent because it has a status of ${si.status}.`,
    undefined,
    'setup_intent_unexpected_state',
  );
}

async function loadIntent(call: WriteCall<Record<string, never>>) {
  const row = await requireObjectToChange(
    call.w,
    call.caller,
    'setup_intent',
    call.path.id!,
    'setup_intent',
  );
  return { si: parseData<Stripe.SetupIntent>(row), row };
}

/** Checks an `on_behalf_of`: an account of the platform, named by the platform itself. */
export async function onBehalfOfCheck(
  w: WriteContext,
  scope: Scope,
  id: string | undefined,
  param = 'on_behalf_of',
) {
  if (id === undefined) return;
  if (scope.accountId)
    throw errors.stripeAccountNotAllowed(
      'on_behalf_of is set by the platform: remove the Stripe-Account header.',
      param,
    );
  try {
    await requireAccount(w.db, scope, id);
  } catch {
    throw errors.resourceMissing('account', id, param);
  }
}

/** What POST /v1/setup_intents takes, as parsed. */
export type SetupIntentCreate = Parsed<typeof createParams>;

/**
 * POST /v1/setup_intents: creates the intent, and with `confirm` confirms it. Also how a
 * setup-mode Checkout Session saves its payment method (checkout-sessions.ts), in its scope.
 */
export async function createSetupIntent(
  call: Pick<WriteCall<typeof createParams>, 'w' | 'params' | 'services' | 'host'> & {
    caller: Scope;
  },
): Promise<Stripe.SetupIntent | CommittedError> {
  const { w, caller, params } = call;
  await checkCustomer(w, caller, params.customer);
  await onBehalfOfCheck(w, caller, params.on_behalf_of);
  const paymentMethod = await intentPaymentMethod(w, caller, params);
  const { data } = await createObject<Stripe.SetupIntent>(w, {
    type: 'setup_intent',
    prefix: 'seti',
    data: (id, created) =>
      applyParams(
        {
          id,
          object: 'setup_intent',
          application: null,
          automatic_payment_methods: params.automatic_payment_methods?.enabled
            ? {
                allow_redirects: params.automatic_payment_methods.allow_redirects ?? 'always',
                enabled: true,
              }
            : null,
          cancellation_reason: null,
          client_secret: `${id}_secret_${randomToken(24)}`,
          created,
          customer: null,
          description: null,
          flow_directions: null,
          last_setup_error: null,
          latest_attempt: null,
          livemode: w.livemode,
          mandate: null,
          metadata: {},
          next_action: null,
          on_behalf_of: params.on_behalf_of ?? null,
          payment_method: null,
          payment_method_configuration_details: null,
          payment_method_options: {},
          payment_method_types: ['card'],
          single_use_mandate: null,
          status: 'requires_payment_method',
          usage: params.usage ?? 'off_session',
        } as Stripe.SetupIntent,
        { ...params, payment_method: paymentMethod },
      ),
    internal: { returnUrl: params.return_url ?? null } satisfies SetupInternal,
  });
  await emitEvent(w, { type: 'setup_intent.created', object: data as never });
  if (!params.confirm) return data;
  return confirmSetup(
    w,
    caller,
    data,
    publicBaseUrl(call.services, call.host),
    params.return_url ?? null,
  );
}

export const setupIntents: Resource = {
  name: 'setup_intents',
  routes: [
    post('/v1/setup_intents', createParams, createSetupIntent),

    get(
      '/v1/setup_intents/:id',
      { ...expandParam, client_secret: effect(string(), CLIENT_TEST) },
      async ({ db, caller, path, params }) => {
        const si = parseData<Stripe.SetupIntent>(
          await requireObject(db, caller, 'setup_intent', path.id!, 'setup_intent'),
        );
        checkClientSecret(caller, si, params.client_secret, 'SetupIntent');
        return clientView(caller, si, 'SetupIntent');
      },
      { publishable: true },
    ),

    post('/v1/setup_intents/:id', writable, async (call) => {
      const { w, caller, params } = call;
      const { si } = await loadIntent(call as never);
      if (!changeableStates.has(si.status)) throw unexpectedState(si, 'update');
      await checkCustomer(w, caller, params.customer);
      const next = applyParams(si, {
        ...params,
        payment_method: await intentPaymentMethod(w, caller, params),
      });
      await saveObject(w.db, si.id, next);
      return next;
    }),

    post(
      '/v1/setup_intents/:id/confirm',
      confirmParams,
      async (call) => {
        const { w, caller, params } = call;
        const { si, row } = await loadIntent(call as never);
        checkClientSecret(caller, si, params.client_secret, 'SetupIntent');
        if (!changeableStates.has(si.status)) throw unexpectedState(si, 'confirm');
        const next = applyParams(si, {
          payment_method: await intentPaymentMethod(w, caller, params),
          payment_method_options: params.payment_method_options,
        });
        const returnUrl = params.return_url ?? setupReturnUrl(row);
        const result = await confirmSetup(
          w,
          caller,
          next,
          publicBaseUrl(call.services, call.host),
          returnUrl,
        );
        return result instanceof CommittedError
          ? result
          : clientView(caller, result, 'SetupIntent');
      },
      { publishable: true },
    ),

    post(
      '/v1/setup_intents/:id/cancel',
      {
        cancellation_reason: oneOf(['abandoned', 'duplicate', 'requested_by_customer'] as const),
        ...expandParam,
      },
      async (call) => {
        const { si } = await loadIntent(call as never);
        if (!changeableStates.has(si.status)) throw unexpectedState(si, 'cancel');
        if (si.status === 'requires_action' && si.latest_attempt)
          await settleAttempt(call.w, si.latest_attempt as string, 'abandoned');
        const next: Stripe.SetupIntent = {
          ...si,
          status: 'canceled',
          next_action: null,
          cancellation_reason: call.params.cancellation_reason ?? null,
        };
        await saveObject(call.w.db, si.id, next);
        await emitEvent(call.w, { type: 'setup_intent.canceled', object: next as never });
        return next;
      },
    ),

    filteredList('/v1/setup_intents', {
      type: 'setup_intent',
      filters: ['customer', 'payment_method'],
    }),
  ],
};
