import type { ObjectRow } from '../storage/repositories/objects.js';
import type { PlatformRow } from '../storage/repositories/platforms.js';

/**
 * Who is calling, and what the call may reach: one value, built once per request (api/auth.ts)
 * or per hosted page, and taken by every scoped finder (scope/finders.ts). No code reads a row by
 * id without going through it; docs/security.md describes the model.
 *
 * - `platform`: the tenant. A sandbox is a platform of its own (with a parent), so its rows never
 *   mix with its parent's or its siblings'.
 * - `livemode`: the key's mode. Objects, events and endpoints of the other mode are out of reach,
 *   except that a test key may read (never change) a live connected account: test activity on a
 *   production connection, as on Stripe.
 * - `account`: the connected account the call acts as: `Stripe-Account` (or `Stripe-Context`), or
 *   the account an OAuth access token is bound to. null: the platform itself.
 * - `credential`: the kind of key and what it carries (restricted-key permissions, OAuth scope).
 */
export interface Scope {
  platform: PlatformRow;
  livemode: boolean;
  credential: Credential;
  /** The connected account acted as, or null for the platform itself. */
  account: ObjectRow | null;
  accountId: string | null;
}

export type OAuthAccess = 'read_only' | 'read_write';

export type Credential =
  /** The platform's (or a sandbox's) secret key: everything of its platform and mode. */
  | { kind: 'secret'; keyId: string }
  /** A restricted key (`rk_`): only the routes its permissions name (`events:read`, ...). */
  | { kind: 'restricted'; keyId: string; permissions: readonly string[] }
  /**
   * An OAuth access token: acts as its one connected account and only as it; a `read_only`
   * token only reads. Nothing of the platform's own (its endpoints, listen sessions, other
   * accounts, transfers) is in reach.
   */
  | { kind: 'oauth'; keyId: string; account: string; access: OAuthAccess }
  /**
   * A publishable key (`pk_`): only what Stripe.js may do (routes that accept it say so). The
   * platform's acts as the platform, or as a connected account with Stripe-Account; the one an
   * OAuth grant gives (`stripe_publishable_key`) acts only as its account.
   */
  | { kind: 'publishable'; keyId: string; account: string | null }
  /** A single-use hosted link (onboarding, Express Dashboard): one connected account's pages. */
  | { kind: 'link'; linkId: string }
  /** The server's own work: scheduled tasks, housekeeping. */
  | { kind: 'server' };

/** The restricted-key permissions of keys made before permissions were chosen. */
export const DEFAULT_RESTRICTED_PERMISSIONS = ['events:read', 'webhook_endpoints:read'] as const;

/** Whether the scope acts as the platform itself with one of the platform's own API keys. */
export function isPlatformKey(scope: Scope): boolean {
  return (
    (scope.credential.kind === 'secret' || scope.credential.kind === 'restricted') &&
    scope.accountId === null
  );
}

/**
 * The platform's view, for objects only the platform holds (its connected accounts, its
 * transfers): a platform key that acts as a connected account (`Stripe-Account`) still reaches
 * them, as the Stripe CLI's account fixtures need (`stripe trigger account.updated
 * --stripe-account acct_...`): the key holder is the platform. An OAuth token never does: it is
 * the connected account's, so its view stays the account's own.
 */
export function platformView(scope: Scope): Scope {
  if (scope.accountId === null || scope.credential.kind === 'oauth') return scope;
  return { ...scope, account: null, accountId: null };
}

/** A scope for the server's own work on one platform (scheduled tasks, hosted pages). */
export function serverScope(
  platform: PlatformRow,
  livemode: boolean,
  account: ObjectRow | null = null,
  credential: Credential = { kind: 'server' },
): Scope {
  return { platform, livemode, credential, account, accountId: account?.id ?? null };
}

/** What a scope may do to a connected account it reaches: read it, or change it. */
export type Access = 'read' | 'write';

/**
 * Whether a scope reaches a connected account (a row of type `account` of the scope's platform):
 * - an OAuth token reaches only the account it is bound to;
 * - a key reaches accounts of its mode; a test key may also read a live account (test activity
 *   on a production connection), but changing one takes a live key: a test key that completed
 *   onboarding, rejected or deleted a live account sent live events to production endpoints;
 * - a live key never reaches a test account.
 */
export function accountReach(
  scope: Scope,
  row: { id: string; livemode: number },
  access: Access,
): 'ok' | 'missing' | 'live-account' {
  if (scope.credential.kind === 'oauth' && row.id !== scope.credential.account) return 'missing';
  const live = row.livemode === 1;
  if (live === scope.livemode) return 'ok';
  if (!live) return 'missing';
  return access === 'read' ? 'ok' : 'live-account';
}
