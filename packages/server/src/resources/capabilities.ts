import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import { boolean, effect, expandParam, oneOf, required } from '../stripe/params.js';
import { get, post, type Resource } from './route.js';
import type { ObjectRow } from '../storage/repositories/objects.js';
import { platformControls } from './account-model.js';
import {
  applyAccountParams,
  capabilityObject,
  requireAccount,
  requireAccountToChange,
  saveAccount,
  type AccountInternal,
} from './accounts.js';
import { parseData, parseInternal } from './common.js';

const capabilityName = /^[a-z][a-z0-9_]{0,63}$/;

function requested(account: Stripe.Account, name: string): boolean {
  return Object.hasOwn(account.capabilities ?? {}, name);
}

/**
 * An account's capabilities one by one, as `stripe.accounts.listCapabilities`,
 * `retrieveCapability` and `updateCapability` use them: requesting or unrequesting one is the same
 * change as `capabilities[name][requested]` on the account (`capability.updated`,
 * `account.updated`). And `POST /v1/accounts/:id/reject`, with which a platform that controls an
 * account closes it to charges and payouts for good.
 */
export const capabilities: Resource = {
  name: 'capabilities',
  routes: [
    get('/v1/accounts/:id/capabilities', expandParam, async ({ db, caller: c, path, now }) => {
      const account = parseData<Stripe.Account>(await requireAccount(db, c, path.id!, 'id'));
      const names = Object.keys(account.capabilities ?? {}).sort();
      return {
        object: 'list',
        data: names.map((name) => capabilityObject(account, name, now)),
        has_more: false,
        url: `/v1/accounts/${account.id}/capabilities`,
      };
    }),

    get(
      '/v1/accounts/:id/capabilities/:capability',
      expandParam,
      async ({ db, caller: c, path, now }) => {
        const account = parseData<Stripe.Account>(await requireAccount(db, c, path.id!, 'id'));
        if (!requested(account, path.capability!))
          throw errors.resourceMissing('capability', path.capability!, 'capability');
        return capabilityObject(account, path.capability!, now);
      },
    ),

    post(
      '/v1/accounts/:id/capabilities/:capability',
      { requested: boolean(), ...expandParam },
      async ({ w, caller: c, path, params }) => {
        const name = path.capability!;
        if (!capabilityName.test(name))
          throw errors.parameterInvalid('capability', `Invalid capability: ${name.slice(0, 64)}`);
        const row: ObjectRow = await requireAccountToChange(w, c, path.id!);
        const before = parseData<Stripe.Account>(row);
        const changed =
          params.requested === undefined
            ? { account: before, internal: parseInternal<AccountInternal>(row) }
            : applyAccountParams(before, parseInternal<AccountInternal>(row), {
                capabilities: { [name]: { requested: params.requested } },
              });
        await saveAccount(w, row, before, changed.account, changed.internal);
        if (!requested(changed.account, name))
          return {
            ...capabilityObject(changed.account, name, w.now),
            requested: false,
            requested_at: null,
            status: 'unrequested',
          };
        return capabilityObject(changed.account, name, w.now);
      },
    ),

    post(
      '/v1/accounts/:id/reject',
      {
        // Reads back as requirements.disabled_reason `rejected.<reason>`.
        reason: effect(
          required(oneOf(['fraud', 'terms_of_service', 'other'] as const)),
          'rejects an account the platform controls, for good',
        ),
        ...expandParam,
      },
      async ({ w, caller: c, path, params }) => {
        const row = await requireAccountToChange(w, c, path.id!);
        const before = parseData<Stripe.Account>(row);
        if (!platformControls(before))
          throw errors.invalidRequest(
            `The account '${row.id}' has access to the Stripe Dashboard (Standard): only accounts your platform controls (Custom, Express) can be rejected.`,
            'account',
          );
        const internal = { ...parseInternal<AccountInternal>(row), rejected: params.reason };
        const changed = applyAccountParams(before, internal, {});
        await saveAccount(w, row, before, changed.account, changed.internal);
        return changed.account;
      },
    ),
  ],
};
