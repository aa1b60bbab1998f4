import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import { effect, expandParam, required, string } from '../stripe/params.js';
import { del, post, type Resource } from './route.js';
import { randomToken } from '../domain/ids.js';
import {
  createObject,
  parseData,
  requireObject,
  requireObjectToChange,
  saveObject,
} from './common.js';

/** How long a customer's ephemeral key lives, as on Stripe: an hour. */
const LIFETIME_S = 3600;

/**
 * Ephemeral keys: what a platform's server gives its mobile app so that Stripe's mobile SDKs can
 * show a customer's saved payment methods. Made for one customer of the caller's scope, at the
 * API version of the SDK that asks for it (the `Stripe-Version` header, which stripe-node sends
 * from `ephemeralKeys.create(params, { apiVersion })` and Stripe requires). The secret (`ek_...`)
 * is returned once and kept nowhere; deleting the key expires it at once.
 */
export const ephemeralKeys: Resource = {
  name: 'ephemeral_keys',
  routes: [
    post(
      '/v1/ephemeral_keys',
      {
        customer: required(
          effect(
            string(),
            'ephemeral keys for a customer: made at the Stripe-Version sent, deleted',
          ),
        ),
        ...expandParam,
      },
      async ({ w, caller, params }) => {
        if (caller.versionHeader === null)
          throw errors.invalidRequest(
            'Stripe-Version header is required when creating an ephemeral key: send the API version of the mobile SDK that will use it (stripe-node: ephemeralKeys.create(params, { apiVersion })).',
          );
        await requireObject(w.db, caller, 'customer', params.customer, 'customer', 'customer');
        const secret = `ek_${w.livemode ? 'live' : 'test'}_${randomToken(32)}`;
        const { data } = await createObject<Stripe.EphemeralKey>(w, {
          type: 'ephemeral_key',
          prefix: 'ephkey',
          data: (id, created) =>
            ({
              id,
              object: 'ephemeral_key',
              associated_objects: [{ id: params.customer, type: 'customer' }],
              created,
              expires: created + LIFETIME_S,
              livemode: w.livemode,
            }) as Stripe.EphemeralKey,
          internal: { apiVersion: caller.versionHeader },
        });
        return { ...data, secret };
      },
      { secrets: true },
    ),

    del('/v1/ephemeral_keys/:id', expandParam, async ({ w, caller, path }) => {
      const row = await requireObjectToChange(
        w,
        caller,
        'ephemeral_key',
        path.id!,
        'ephemeral key',
      );
      const key = parseData<Stripe.EphemeralKey>(row);
      const now = Math.floor(w.now / 1000);
      const expired: Stripe.EphemeralKey = { ...key, expires: Math.min(key.expires, now) };
      await saveObject(w.db, row.id, expired);
      return expired;
    }),
  ],
};
