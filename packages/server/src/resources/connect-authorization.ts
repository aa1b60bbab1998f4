import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import { expandParam, required, string } from '../stripe/params.js';
import { post, type Caller, type Resource } from './route.js';
import type { WriteContext } from '../services/context.js';
import { emitEvent } from '../services/emit-event.js';
import { credentialsRevoked } from '../services/api-keys.js';
import { revokeAccountKeys } from '../storage/repositories/api-keys.js';
import { updateObject, type ObjectRow } from '../storage/repositories/objects.js';
import { hasDashboardAccess } from './account-model.js';
import { applicationOf, DISCONNECTED } from './accounts.js';
import { parseData } from './common.js';
import { requireAccountToChange } from '../scope/finders.js';
import { platformView } from '../scope/scope.js';
import { endpointsChanged } from '../storage/repositories/endpoints.js';

/**
 * The connection between a platform and an account with Dashboard access (Standard): connecting
 * authorizes the platform's application (`account.application.authorized`); the account
 * disconnecting, or the platform deauthorizing it, ends it (`account.application.deauthorized`),
 * after which the platform can no longer act as the account.
 */
function findOwnAccount(
  w: WriteContext,
  caller: Caller,
  id: string,
  param: string,
): Promise<ObjectRow> {
  return requireAccountToChange(w, platformView(caller), id, param, 'allow');
}

function requireDashboardAccess(row: ObjectRow): void {
  if (!hasDashboardAccess(parseData<Stripe.Account>(row))) {
    throw errors.invalidRequest(
      `The account '${row.id}' has no access to the Stripe Dashboard (it is not a Standard account), so it cannot disconnect from or connect to your platform: the platform controls it.`,
      undefined,
      'account_invalid',
    );
  }
}

export async function deauthorize(w: WriteContext, row: ObjectRow): Promise<void> {
  if (row.deleted === DISCONNECTED) {
    throw errors.invalidRequest(
      `The account '${row.id}' is not connected to your platform.`,
      'stripe_user_id',
      'account_invalid',
    );
  }
  await updateObject(w.db, row.id, { deleted: DISCONNECTED });
  // Its OAuth access and refresh tokens end with the connection, and with them whatever was
  // opened with them: the endpoints and destinations made in the account's name stop receiving
  // (disabled, not deleted: the platform sees them and may enable them once it reconnects), and
  // dashboard streams of the account end.
  await revokeAccountKeys(w.db, row.id);
  endpointsChanged();
  await w.db
    .updateTable('endpoints')
    .set({ status: 'disabled', disabled_reason: 'account_deauthorized' })
    .where('platform_id', '=', w.platform.id)
    .where('account_id', '=', row.id)
    .where('status', '=', 'enabled')
    .execute();
  await credentialsRevoked(w);
  await emitEvent(w, {
    type: 'account.application.deauthorized',
    object: applicationOf(w.platform) as never,
    account: row.id,
    livemode: row.livemode === 1,
  });
}

export async function authorize(w: WriteContext, row: ObjectRow): Promise<void> {
  if (row.deleted !== DISCONNECTED) {
    throw errors.invalidRequest(
      `The account '${row.id}' is already connected to your platform.`,
      'id',
      'account_already_exists',
    );
  }
  await updateObject(w.db, row.id, { deleted: 0 });
  await emitEvent(w, {
    type: 'account.application.authorized',
    object: applicationOf(w.platform) as never,
    account: row.id,
    livemode: row.livemode === 1,
  });
}

export const connectAuthorization: Resource = {
  name: 'connect_authorization',
  routes: [
    /** What stripe.oauth.deauthorize({client_id, stripe_user_id}) calls. */
    post(
      '/oauth/deauthorize',
      { client_id: required(string()), stripe_user_id: required(string()) },
      async ({ w, caller, params }) => {
        if (params.client_id !== caller.platform.application_id) {
          throw errors.invalidRequest(
            `No such application: '${params.client_id}'`,
            'client_id',
            'invalid_client',
            401,
          );
        }
        const row = await findOwnAccount(w, caller, params.stripe_user_id, 'stripe_user_id');
        requireDashboardAccess(row);
        await deauthorize(w, row);
        return { stripe_user_id: row.id };
      },
      { callers: 'platform' },
    ),

    /** Test helper: the account owner disconnects the platform from their Dashboard. */
    post(
      '/v1/test_helpers/accounts/:id/deauthorize',
      expandParam,
      async ({ w, caller, path }) => {
        const row = await findOwnAccount(w, caller, path.id!, 'id');
        requireDashboardAccess(row);
        await deauthorize(w, row);
        return { ...parseData<Stripe.Account>(row) };
      },
      { callers: 'platform' },
    ),

    /** Test helper: the account owner connects to the platform again (OAuth). */
    post(
      '/v1/test_helpers/accounts/:id/authorize',
      expandParam,
      async ({ w, caller, path }) => {
        const row = await findOwnAccount(w, caller, path.id!, 'id');
        requireDashboardAccess(row);
        await authorize(w, row);
        return parseData<Stripe.Account>(row);
      },
      { callers: 'platform' },
    ),
  ],
};
