import { errors } from '../stripe/errors.js';
import { array, string } from '../stripe/params.js';
import { post, type Resource } from './route.js';
import { createRestrictedKey } from '../services/platforms.js';
import { DEFAULT_RESTRICTED_PERMISSIONS } from '../scope/scope.js';

/** `<resource>:read` or `<resource>:write`, as routes name what they need (resources/route.ts). */
const permissionPattern = /^[a-z0-9_.]{1,64}:(read|write)$/;

/** Every permission some route needs: each resource's read and write, and those routes name. */
async function knownPermissions(): Promise<Set<string>> {
  // Imported when first asked: the list of resources includes this one.
  const { resources } = await import('./index.js');
  const known = new Set<string>();
  for (const r of resources) {
    known.add(`${r.name}:read`).add(`${r.name}:write`);
    for (const route of r.routes) if (route.permission) known.add(route.permission);
  }
  return known;
}

/**
 * Restricted keys (`rk_...`): each may call only the routes its permissions name, e.g.
 * `events:read` (list and read events, their attempts and deliveries) or `customers:write`. A
 * route's permission is its resource's name and whether it reads or writes, unless the route
 * names another (docs/security.md). Without `permissions`, a key gets `events:read`
 * and `webhook_endpoints:read`: a key for tools that only watch. Live restricted keys are shown
 * once.
 */
export const restrictedKeys: Resource = {
  name: 'restricted_keys',
  routes: [
    post(
      '/v1/switchboard/restricted_keys',
      { permissions: array(string({ maxLength: 80 }), { max: 100 }) },
      async ({ w, caller, params }) => {
        const permissions = params.permissions?.length
          ? [...new Set(params.permissions)]
          : [...DEFAULT_RESTRICTED_PERMISSIONS];
        const known = await knownPermissions();
        permissions.forEach((p, i) => {
          if (!permissionPattern.test(p) || !known.has(p))
            throw errors.parameterInvalid(
              `permissions[${i}]`,
              `Invalid permission: '${p.slice(0, 80)}'. A permission is a resource and an access, such as 'events:read' or 'customers:write'.`,
            );
        });
        const secret = await createRestrictedKey(
          w.db,
          caller.platform.id,
          caller.livemode,
          w.now,
          permissions,
        );
        return { object: 'restricted_key', livemode: caller.livemode, secret, permissions };
      },
      // The new key is shown once: its idempotent replay is sealed.
      { callers: 'platform', secrets: true },
    ),
  ],
};
