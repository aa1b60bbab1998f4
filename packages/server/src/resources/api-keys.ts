import { errors } from '../stripe/errors.js';
import { integer } from '../stripe/params.js';
import { get, post, type Caller, type Resource } from './route.js';
import {
  credentialsRevoked,
  keyPrefix,
  MAX_ROLL_OVERLAP_S,
  rollKey,
} from '../services/api-keys.js';
import type { WriteContext } from '../services/context.js';
import { publishableKeysOf } from '../services/platforms.js';
import {
  findPlatformKeyToChange,
  listPlatformKeys,
  updateApiKey,
  type ApiKeyRow,
  type PlatformKeyScope,
} from '../storage/repositories/api-keys.js';

/**
 * The platform's API keys (Switchboard's API; Stripe manages keys in its Dashboard): its secret
 * (`sk_`) and restricted (`rk_`) keys of the caller's mode, listed redacted, rolled (a new key,
 * with the old one working on for up to 7 days, or not at all) and revoked. Only the platform's
 * own secret keys manage them: not a restricted key, an OAuth access token, or a request acting
 * as a connected account. A revoked key stops working at once, in every process (the key cache
 * is cleared, on PostgreSQL through a notification).
 */
function platformKeys(caller: Caller): PlatformKeyScope {
  // The routes let in only the platform's own secret keys (callers: 'platform'); checked again
  // here because a key roll hands out a new secret.
  if (caller.credential.kind !== 'secret' || caller.accountId !== null)
    throw errors.platformKeyRequired('API keys');
  return { platformId: caller.platform.id, livemode: caller.livemode };
}

function renderKey(row: ApiKeyRow, caller: Caller, secret?: string) {
  return {
    id: row.id,
    object: 'api_key' as const,
    type: row.kind === 'restricted' ? ('restricted' as const) : ('secret' as const),
    livemode: row.livemode === 1,
    created: Number(row.created),
    /** When a rolled key stops working (unix seconds); null until it is rolled. */
    expires_at: row.expires_ms === null ? null : Math.ceil(Number(row.expires_ms) / 1000),
    redacted_secret: `${keyPrefix(row)}...${row.last4}`,
    /** Whether this is the key that made the request. */
    current: row.id === caller.keyId,
    ...(secret === undefined ? {} : { secret }),
  };
}

async function requireKeyToChange(w: WriteContext, caller: Caller, id: string): Promise<ApiKeyRow> {
  const row = await findPlatformKeyToChange(
    w.services.dialect,
    w.db,
    platformKeys(caller),
    id,
    w.now,
  );
  if (!row) throw errors.resourceMissing('api key', id);
  return row;
}

export const apiKeys: Resource = {
  name: 'api_keys',
  routes: [
    get(
      '/v1/switchboard/api_keys',
      {},
      async ({ db, caller, now, url }) => {
        const rows = await listPlatformKeys(db, platformKeys(caller), now);
        return {
          object: 'list',
          data: rows.map((r) => renderKey(r, caller)),
          has_more: false,
          url,
        };
      },
      { callers: 'platform' },
    ),

    /**
     * The platform's publishable key of the caller's mode (public: what Stripe.js and the
     * mobile SDKs carry), for the dashboard to show.
     */
    get(
      '/v1/switchboard/publishable_key',
      {},
      async ({ db, caller }) => {
        const keys = await publishableKeysOf(db, platformKeys(caller).platformId);
        return {
          object: 'publishable_key' as const,
          livemode: caller.livemode,
          key: caller.livemode ? keys.live : keys.test,
        };
      },
      { callers: 'platform' },
    ),

    /**
     * A new key in place of this one, returned with its `secret` (shown once). The old key works
     * on for `expires_in` seconds (0, the default, ends it now; at most 7 days).
     */
    post(
      '/v1/switchboard/api_keys/:id/roll',
      { expires_in: integer({ min: 0, max: MAX_ROLL_OVERLAP_S }) },
      async ({ w, caller, path, params }) => {
        const old = await requireKeyToChange(w, caller, path.id!);
        if (old.expires_ms !== null)
          throw errors.invalidRequest(
            `The key '${old.id}' was already rolled and stops working at ${new Date(Number(old.expires_ms)).toISOString()}: roll its successor instead.`,
            'id',
          );
        const rolled = await rollKey(w.db, old, w.now, (params.expires_in ?? 0) * 1000);
        await credentialsRevoked(w);
        return renderKey(rolled.row, caller, rolled.token);
      },
      // The new key is shown once: its idempotent replay is sealed.
      { callers: 'platform', secrets: true },
    ),

    /**
     * Ends a key at once. The last secret key of a mode that is not on its way out cannot be
     * revoked (roll it instead): nothing could manage the platform in that mode any more.
     */
    post(
      '/v1/switchboard/api_keys/:id/revoke',
      {},
      async ({ w, caller, path }) => {
        const row = await requireKeyToChange(w, caller, path.id!);
        if (row.kind === 'secret') {
          const lasting = (await listPlatformKeys(w.db, platformKeys(caller), w.now)).filter(
            (k) => k.kind === 'secret' && k.expires_ms === null && k.id !== row.id,
          );
          if (lasting.length === 0)
            throw errors.invalidRequest(
              `The key '${row.id}' is the last ${caller.livemode ? 'live' : 'test'} secret key of this platform that does not expire: roll it instead (POST /v1/switchboard/api_keys/${row.id}/roll), which gives a new one.`,
              'id',
            );
        }
        await updateApiKey(w.db, row.id, { revoked: 1, expires_ms: w.now });
        await credentialsRevoked(w);
        return { ...renderKey({ ...row, expires_ms: w.now }, caller), revoked: true };
      },
      { callers: 'platform' },
    ),
  ],
};
