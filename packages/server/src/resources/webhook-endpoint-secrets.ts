import { get, type Resource } from './route.js';
import type { PreviousSecret } from '../domain/signing-secrets.js';
import { requireEndpoint } from './webhook-endpoints.js';

/**
 * An endpoint's signing secret, revealed on request (Stripe's Dashboard "Reveal"; its API returns
 * the secret only on create and roll). Restricted keys may not call it. Rolled secrets that still
 * sign are listed by expiry only.
 */
export const webhookEndpointSecrets: Resource = {
  name: 'webhook_endpoint_secrets',
  routes: [
    get('/v1/switchboard/webhook_endpoints/:id/secret', {}, async ({ db, caller, path, now }) => {
      const endpoint = await requireEndpoint(db, caller, path.id!);
      const previous = (JSON.parse(endpoint.previous_secrets) as PreviousSecret[]).filter(
        (p) => p.expires_ms > now,
      );
      return {
        object: 'webhook_endpoint_secret',
        webhook_endpoint: endpoint.id,
        secret: endpoint.secret,
        previous_secrets: previous.map((p) => ({ expires: Math.floor(p.expires_ms / 1000) })),
      };
    }),
  ],
};
