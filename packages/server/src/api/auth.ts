import type { IncomingHttpHeaders } from 'node:http';
import type { Services } from '../services/context.js';
import { hashKey } from '../services/platforms.js';
import { findApiKeyByHash, type ApiKeyRow } from '../storage/repositories/api-keys.js';
import { findObject, type ObjectRow } from '../storage/repositories/objects.js';
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
      owner = await this.#load(hash, token);
      if (this.#cache.size > 10_000) this.#cache.clear();
      this.#cache.set(hash, { owner, expires: realNow + this.ttlMs });
    }
    // A rolled key works until its expiry, cached or not.
    const expires = owner?.key.expires_ms ?? null;
    if (!owner || (expires !== null && this.services.clock.now() >= Number(expires)))
      throw errors.invalidApiKey(redactKey(token));
    return owner;
  }

  forget(): void {
    this.#cache.clear();
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
  const account = await findObject(services.dialect.db, value);
  const refused = () => errors.accountInvalid(redactKey(owner.token), value);
  if (!account || account.type !== 'account' || account.platform_id !== owner.platform.id)
    throw refused();
  // 2: the account disconnected from the platform (account.application.deauthorized).
  if (account.deleted === 2) {
    throw errors.invalidRequest(
      `The account '${value}' has deauthorized your platform: your key no longer has access to it. It must connect to your platform again before you can act as it.`,
      undefined,
      'account_invalid',
      403,
    );
  }
  if (account.deleted) throw refused();
  if (account.livemode === 0 && owner.key.livemode === 1) throw refused();
  return account;
}
