import { errors } from '../stripe/errors.js';
import { listParams, string } from '../stripe/params.js';
import { get, post, type Resource } from './route.js';
import { createPlatform, publishableKeysOf, testKeysOf } from '../services/platforms.js';
import { listPlatforms, type PlatformRow } from '../storage/repositories/platforms.js';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';

/**
 * Sandboxes: isolated test environments of a platform, each with its own test keys (secret and
 * publishable), objects, events and endpoints (Switchboard's API; Stripe manages sandboxes in its
 * Dashboard).
 */
async function renderSandbox(db: Kysely<Database>, row: PlatformRow, key?: string) {
  return {
    id: row.id,
    object: 'sandbox' as const,
    name: row.name,
    created: Number(row.created),
    livemode: false,
    secret_key: key ?? (await testKeysOf(db, row.id))[0] ?? null,
    publishable_key: (await publishableKeysOf(db, row.id)).test,
  };
}

export const sandboxes: Resource = {
  name: 'sandboxes',
  routes: [
    post(
      '/v1/switchboard/sandboxes',
      { name: string({ maxLength: 100 }) },
      async ({ w, caller, params }) => {
        if (caller.platform.parent_id)
          throw errors.invalidRequest(
            'A sandbox cannot create sandboxes: use a key of the platform itself.',
            undefined,
            'platform_key_required',
            403,
          );
        const created = await createPlatform(w.db, {
          name: params.name ?? 'Sandbox',
          parentId: caller.platform.id,
          now: w.now,
        });
        return renderSandbox(w.db, created.platform, created.testKey);
      },
      // The sandbox's secret key: its idempotent replay is sealed.
      { callers: 'platform', secrets: true },
    ),
    /**
     * The platform's sandboxes, with their keys. A sandbox's key sees only its own sandbox: its
     * siblings (and their keys) are out of its reach.
     */
    get(
      '/v1/switchboard/sandboxes',
      listParams,
      async ({ db, caller, url }) => {
        const rows = caller.platform.parent_id
          ? [caller.platform]
          : await listPlatforms(db, caller.platform.id);
        const data = await Promise.all(rows.map((r) => renderSandbox(db, r)));
        return { object: 'list', data, has_more: false, url };
      },
      { callers: 'platform' },
    ),
  ],
};
