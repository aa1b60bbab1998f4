import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import { applied, boolean, expandParam, required, string } from '../stripe/params.js';
import { post, type Resource } from './route.js';
import { randomToken } from '../domain/ids.js';
import { requireAccountToChange } from './accounts.js';

/** How long a session's client secret is good for here (seconds). */
const SESSION_LIFETIME_S = 1_800;

type Component = { enabled: boolean; features: Record<string, boolean> };

const asBoolean = boolean().parse;

/**
 * `POST /v1/account_sessions` (`stripe.accountSessions.create`): what a platform's backend asks for
 * before showing Connect embedded components to a connected account. It answers with the session
 * (a client secret good for 30 minutes, the components as asked: `enabled` and their `features`),
 * so a backend that creates sessions runs against this server; the components themselves are
 * Stripe's JavaScript, which talks to Stripe, not to this server. Nothing is stored.
 */
export const accountSessions: Resource = {
  name: 'account_sessions',
  routes: [
    post(
      '/v1/account_sessions',
      { account: required(string()), components: required(applied()), ...expandParam },
      async ({ w, caller, params }) => {
        // A session lets the account's components act for it: the access of changing it.
        const account = await requireAccountToChange(w, caller, params.account, 'account');
        const given = params.components;
        if (!given || typeof given !== 'object' || Array.isArray(given))
          throw errors.parameterInvalid('components', 'Invalid components: give an object.');
        const components: Record<string, Component> = {
          account_onboarding: { enabled: false, features: {} },
        };
        for (const [name, value] of Object.entries(given as Record<string, unknown>)) {
          const spec = (value ?? {}) as { enabled?: unknown; features?: unknown };
          if (spec.enabled === undefined)
            throw errors.parameterMissing(`components[${name}][enabled]`);
          const features: Record<string, boolean> = {};
          if (spec.features && typeof spec.features === 'object')
            for (const [f, v] of Object.entries(spec.features))
              features[f] = asBoolean(v, `components[${name}][features][${f}]`);
          components[name] = {
            enabled: asBoolean(spec.enabled, `components[${name}][enabled]`),
            features,
          };
        }
        return {
          object: 'account_session',
          account: account.id,
          client_secret: `accs_secret__${randomToken(48)}`,
          components,
          expires_at: Math.floor(w.now / 1000) + SESSION_LIFETIME_S,
          livemode: account.livemode === 1,
        } as unknown as Stripe.AccountSession;
      },
    ),
  ],
};
