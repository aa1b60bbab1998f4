import type Stripe from 'stripe';
import { effect, expandParam, listParams, range, required, string } from '../stripe/params.js';
import type { RangeFilter } from '../storage/repositories/objects.js';
import type { WriteContext } from '../services/context.js';
import {
  createObject,
  findObjectToChange,
  listVisible,
  parseData,
  requireObject,
  saveObject,
} from './common.js';
import type { Instrument } from './payment-methods.js';
import { get, type Resource } from './route.js';
import { listFilterTest } from './shared-params.js';

/**
 * SetupAttempts (`setatt_...`): one per confirmation of a SetupIntent, as Stripe records them,
 * under the intent (its `latest_attempt` names the newest). An attempt that succeeds or fails at
 * once is recorded so; one waiting for 3D Secure is `requires_action` until the cardholder
 * completes (`succeeded`) or fails (`failed`) it, or is `abandoned` when the intent is confirmed
 * again or canceled meanwhile. Attempts send no events (Stripe has none for them).
 */
const attemptsTest =
  'each confirmation of a setup intent records a setup attempt, named by latest_attempt';

export type AttemptStatus = 'succeeded' | 'failed' | 'requires_action' | 'abandoned';

/** The card an attempt set up, as its `payment_method_details` shows it. */
function cardDetails(used: Instrument): Stripe.SetupAttempt.PaymentMethodDetails {
  const card = used.pm.card;
  return {
    type: 'card',
    card: {
      brand: card?.brand ?? null,
      checks: card?.checks ?? null,
      country: card?.country ?? null,
      exp_month: card?.exp_month ?? null,
      exp_year: card?.exp_year ?? null,
      fingerprint: card?.fingerprint ?? null,
      funding: card?.funding ?? null,
      last4: card?.last4 ?? null,
      network: card?.brand ?? null,
      three_d_secure: null,
      wallet: null,
    },
  } as Stripe.SetupAttempt.PaymentMethodDetails;
}

/** Records an attempt of `si` with the payment method `used`; returns its id. */
export async function recordAttempt(
  w: WriteContext,
  si: Stripe.SetupIntent,
  used: Instrument,
  status: AttemptStatus,
  setupError: Stripe.SetupIntent.LastSetupError | null = null,
): Promise<string> {
  const { id } = await createObject<Stripe.SetupAttempt>(w, {
    type: 'setup_attempt',
    prefix: 'setatt',
    parentId: si.id,
    data: (id, created) =>
      ({
        id,
        object: 'setup_attempt',
        application: null,
        created,
        customer: si.customer,
        flow_directions: si.flow_directions ?? null,
        livemode: si.livemode,
        on_behalf_of: si.on_behalf_of,
        payment_method: used.pm.id,
        payment_method_details: cardDetails(used),
        setup_error: setupError,
        setup_intent: si.id,
        status,
        usage: si.usage,
      }) as Stripe.SetupAttempt,
  });
  return id;
}

/** Ends an attempt that was waiting for 3D Secure: succeeded, failed or abandoned. */
export async function settleAttempt(
  w: WriteContext,
  id: string,
  status: AttemptStatus,
  setupError: Stripe.SetupIntent.LastSetupError | null = null,
): Promise<void> {
  const row = await findObjectToChange(w, id);
  if (!row) return;
  const attempt = parseData<Stripe.SetupAttempt>(row);
  if (attempt.status !== 'requires_action') return;
  await saveObject(w.db, id, {
    ...attempt,
    status,
    setup_error: setupError as Stripe.SetupAttempt['setup_error'],
  });
}

export const setupAttempts: Resource = {
  name: 'setup_attempts',
  routes: [
    get(
      '/v1/setup_attempts',
      {
        ...listParams,
        ...expandParam,
        setup_intent: effect(required(string()), attemptsTest),
        created: effect(range(), listFilterTest),
      },
      async ({ db, services, caller, params, url }) => {
        const si = await requireObject(
          db,
          caller,
          'setup_intent',
          params.setup_intent,
          'setup intent',
          'setup_intent',
        );
        return listVisible(
          services.dialect,
          caller,
          url,
          {
            type: 'setup_attempt',
            parentId: si.id,
            created: params.created as RangeFilter | undefined,
          },
          params,
          'setup attempt',
        );
      },
      // Stripe's restricted keys read attempts with the setup intents' permission.
      { permission: 'setup_intents:read' },
    ),
  ],
};
