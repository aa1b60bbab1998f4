import type { IncomingHttpHeaders } from 'node:http';
import type { Services } from '../services/context.js';
import { hashKey } from '../services/platforms.js';
import {
  DEFAULT_RESTRICTED_PERMISSIONS,
  type Credential,
  type OAuthAccess,
  type Scope,
} from '../scope/scope.js';
import { DISCONNECTED } from '../scope/finders.js';
import { findApiKeyByHash, type ApiKeyRow } from '../storage/repositories/api-keys.js';
import type { ObjectRow } from '../storage/repositories/objects.js';
import { findPlatform, type PlatformRow } from '../storage/repositories/platforms.js';
import { errors, redactKey } from '../stripe/errors.js';

export interface KeyOwner {
  key: ApiKeyRow;
  platform: PlatformRow;
  token: string;
}

/** `Authorization: Bearer sk_...` or Basic with the key as user name (`curl -u sk_test_...:`). */
export function tokenFromHeaders(headers: IncomingHttpHeaders): string | null {
  const auth = headers.authorization;
  if (!auth) return null;
  const space = auth.indexOf(' ');
  const scheme = (space === -1 ? auth : auth.slice(0, space)).toLowerCase();
  const value = space === -1 ? '' : auth.slice(space + 1).trim();
  if (scheme === 'bearer') return value || null;
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return (colon === -1 ? decoded : decoded.slice(0, colon)) || null;
  }
  return null;
}

/**
 * Resolves API keys to their platform. Lookups are cached for a few seconds: keys are hashed with
 * SHA-256 and found by hash, so a cache hit skips two queries on every request. Revoking a key
 * clears the cache of every process (Services.credentialsRevoked), so it stops working at once.
 */
export class KeyResolver {
  readonly #cache = new Map<string, { owner: KeyOwner | null; expires: number }>();
  /**
   * Lookups on their way: requests that miss the cache meanwhile wait for the same one (when an
   * entry expired under load, every request in flight used to look the key up again).
   */
  readonly #loading = new Map<string, Promise<KeyOwner | null>>();
  #generation = 0;

  constructor(
    private readonly services: Services,
    private readonly ttlMs = 5_000,
  ) {}

  async resolve(token: string): Promise<KeyOwner> {
    const hash = hashKey(token);
    const hit = this.#cache.get(hash);
    const realNow = Date.now();
    let owner: KeyOwner | null;
    if (hit && hit.expires > realNow) {
      owner = hit.owner;
    } else {
      let loading = this.#loading.get(hash);
      if (!loading) {
        const generation = this.#generation;
        const load: Promise<KeyOwner | null> = this.#load(hash, token).then(
          (loaded) => {
            if (this.#loading.get(hash) === load) this.#loading.delete(hash);
            // A key revoked meanwhile (forget) may have been read before: not kept.
            if (generation === this.#generation) {
              if (this.#cache.size > 10_000) this.#cache.clear();
              this.#cache.set(hash, { owner: loaded, expires: Date.now() + this.ttlMs });
            }
            return loaded;
          },
          (e: unknown) => {
            if (this.#loading.get(hash) === load) this.#loading.delete(hash);
            throw e;
          },
        );
        this.#loading.set(hash, load);
        loading = load;
      }
      owner = await loading;
    }
    // A rolled key works until its expiry, cached or not.
    const expires = owner?.key.expires_ms ?? null;
    if (!owner || (expires !== null && this.services.clock.now() >= Number(expires)))
      throw errors.invalidApiKey(redactKey(token));
    return owner;
  }

  forget(): void {
    this.#generation++;
    this.#cache.clear();
    this.#loading.clear();
  }

  async #load(hash: string, token: string): Promise<KeyOwner | null> {
    const db = this.services.dialect.db;
    const key = await findApiKeyByHash(db, hash);
    // OAuth refresh tokens are kept with the keys, but only /oauth/token takes them.
    if (!key || key.revoked || key.kind === 'refresh') return null;
    const platform = await findPlatform(db, key.platform_id);
    return platform ? { key, platform, token } : null;
  }
}

/** What a key is, as the scope carries it. */
export function credentialOf(key: ApiKeyRow): Credential {
  if (key.kind === 'publishable')
    return { kind: 'publishable', keyId: key.id, account: key.account_id };
  if (key.account_id) {
    return {
      kind: 'oauth',
      keyId: key.id,
      account: key.account_id,
      access: (key.oauth_scope as OAuthAccess | null) ?? 'read_write',
    };
  }
  if (key.kind === 'restricted') {
    const permissions = key.permissions
      ? (JSON.parse(key.permissions) as string[])
      : [...DEFAULT_RESTRICTED_PERMISSIONS];
    return { kind: 'restricted', keyId: key.id, permissions };
  }
  return { kind: 'secret', keyId: key.id };
}

/**
 * The scope of a request made with `owner`'s key: its platform and mode, and the connected
 * account it acts as — the one an OAuth token is bound to (a different `Stripe-Account` is
 * refused), or the one `Stripe-Account` / `Stripe-Context` names.
 */
export async function resolveScope(
  services: Services,
  owner: KeyOwner,
  headers: { account: string | null; context: string | null },
): Promise<Scope> {
  if (headers.account && headers.context && headers.account !== headers.context) {
    throw errors.invalidRequest(
      "Can't specify both Stripe-Account and Stripe-Context with different values.",
    );
  }
  const asked = headers.account ?? (headers.context && headers.context.split('/').pop()) ?? null;
  const credential = credentialOf(owner.key);
  // An OAuth access token, and the publishable key its grant gave, act only as their account.
  const bound =
    credential.kind === 'oauth' || credential.kind === 'publishable' ? credential.account : null;
  if (bound && asked && asked !== bound) throw errors.accountInvalid(redactKey(owner.token), asked);
  const actAs = bound ?? asked;
  const account = actAs
    ? await resolveConnectedAccount(services, owner, actAs).catch((e: unknown) => {
        // A token whose account disconnected (or is gone) is revoked: 401, as for any dead key.
        throw bound ? errors.invalidApiKey(redactKey(owner.token)) : e;
      })
    : null;
  return {
    platform: owner.platform,
    livemode: owner.key.livemode === 1,
    credential,
    account,
    accountId: account?.id ?? null,
  };
}

/**
 * `Stripe-Account: acct_...` must name one of the key owner's connected accounts. A test key may
 * act on a live connected account (test activity on a production connection, as on Stripe); a
 * live key may not act on a test account. An account that deauthorized the platform is refused.
 */
export async function resolveConnectedAccount(
  services: Services,
  owner: KeyOwner,
  header: string,
): Promise<ObjectRow | null> {
  const value = header.trim();
  if (value === owner.platform.id) return null;
  if (!/^acct_[A-Za-z0-9]{1,64}$/.test(value))
    throw errors.accountHeaderInvalid(value.slice(0, 80));
  const account = await services.dialect.db
    .selectFrom('objects')
    .selectAll()
    .where('id', '=', value)
    .where('type', '=', 'account')
    .where('platform_id', '=', owner.platform.id)
    .where('account_id', 'is', null)
    .executeTakeFirst();
  const refused = () => errors.accountInvalid(redactKey(owner.token), value);
  if (!account) throw refused();
  if (account.deleted === DISCONNECTED) throw errors.accountDeauthorized(value);
  if (account.deleted) throw refused();
  if (account.livemode === 0 && owner.key.livemode === 1) throw refused();
  return account;
}

/** What a route lets in: see RouteOptions in resources/route.ts. */
export interface RouteAccess {
  callers: 'any' | 'platform-keys' | 'platform';
  /** The restricted-key permission the route needs (`events:read`). */
  permission: string;
  /** Whether the route changes anything (read_only OAuth tokens may not). */
  writes: boolean;
  publishable: boolean;
  /** How the route names what it manages in a refusal ("Sandboxes"). */
  what: string;
}

/**
 * Refuses a credential the route does not let in: a publishable key outside Stripe.js's routes,
 * a restricted key without the route's permission, a read_only OAuth token that writes, and
 * anything but the platform's own secret key (without Stripe-Account) on platform routes.
 */
export function checkAccess(scope: Scope, access: RouteAccess, token: string): void {
  const c = scope.credential;
  if (c.kind === 'publishable') {
    if (!access.publishable) throw errors.publishableKeyForbidden(redactKey(token));
    return;
  }
  if (access.callers === 'platform' && (c.kind !== 'secret' || scope.accountId !== null))
    throw errors.platformKeyRequired(access.what);
  if (access.callers === 'platform-keys' && c.kind !== 'secret' && c.kind !== 'restricted')
    throw errors.platformKeyRequired(access.what);
  if (c.kind === 'restricted' && !c.permissions.includes(access.permission))
    throw errors.restrictedKeyForbidden(redactKey(token), access.permission);
  if (c.kind === 'oauth' && c.access === 'read_only' && access.writes) throw errors.oauthReadOnly();
}
