import { errors } from '../stripe/errors.js';
import { post, type Resource } from './route.js';
import { createRestrictedKey } from '../services/platforms.js';

/**
 * Restricted keys (`rk_...`), for tools that only watch: they may read events (v1 and v2),
 * webhook endpoints and their attempts, and nothing else. Live restricted keys are shown once.
 */
export const restrictedKeys: Resource = {
  name: 'restricted_keys',
  routes: [
    post('/v1/switchboard/restricted_keys', {}, async ({ w, caller }) => {
      if (caller.accountId)
        throw errors.invalidRequest(
          'Restricted keys belong to the platform: remove the Stripe-Account header.',
        );
      const secret = await createRestrictedKey(w.db, caller.platform.id, caller.livemode, w.now);
      return {
        object: 'restricted_key',
        livemode: caller.livemode,
        secret,
        permissions: ['events:read', 'webhook_endpoints:read'],
      };
    }),
  ],
};
