import type Stripe from 'stripe';
import { randomToken } from '../domain/ids.js';
import { effect, expandParam, string } from '../stripe/params.js';
import { requireObject } from './common.js';
import { post, type Resource } from './route.js';

const locationTest = "a terminal connection token is a secret for the caller's own location";

/**
 * Terminal connection tokens (`POST /v1/terminal/connection_tokens`): what a platform's server
 * hands the Terminal SDK of a point-of-sale app so that it can talk to its readers. Stripe returns
 * a secret (`pst_test_...`) and keeps no object anyone can read back; so does Switchboard. A
 * `location` names one of the caller's terminal locations (the SDK then finds only its readers)
 * and is shown on the token.
 */
export const terminalConnectionTokens: Resource = {
  name: 'terminal.connection_tokens',
  routes: [
    post(
      '/v1/terminal/connection_tokens',
      { location: effect(string({ maxLength: 5000 }), locationTest), ...expandParam },
      async ({ w, caller, params }) => {
        if (params.location !== undefined)
          await requireObject(
            w.db,
            caller,
            'terminal.location',
            params.location,
            'terminal location',
            'location',
          );
        const token: Stripe.Terminal.ConnectionToken = {
          object: 'terminal.connection_token',
          secret: `pst_${w.livemode ? 'live' : 'test'}_${randomToken(40)}`,
          ...(params.location !== undefined ? { location: params.location } : {}),
        };
        return token;
      },
      { secrets: true },
    ),
  ],
};
