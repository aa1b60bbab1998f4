import type Stripe from 'stripe';
import { hashKey, newPublishableKey } from '../services/platforms.js';
import { errors } from '../stripe/errors.js';
import { anything, expandParam, required, string } from '../stripe/params.js';
import { post, type Caller, type Resource } from './route.js';
import { newId, randomToken } from '../domain/ids.js';
import type { WriteContext } from '../services/context.js';
import type { OAuthAccess } from '../scope/scope.js';
import {
  findAccountPublishableKey,
  findApiKeyByHash,
  insertApiKey,
} from '../storage/repositories/api-keys.js';
import { DISCONNECTED } from './accounts.js';
import { createObject, parseInternal, requireObjectToChange, saveObject } from './common.js';
import type { ObjectRow } from '../storage/repositories/objects.js';
import { findPlatformAccount } from '../scope/finders.js';
import { platformView } from '../scope/scope.js';

/** An authorization code is good for this long (seconds), and once. */
const CODE_LIFETIME_S = 300;

/** What a code stands for until it is exchanged. */
export interface OAuthCodeInternal {
  account: string;
  scope: 'read_write' | 'read_only';
  expires_at: number;
  used: boolean;
}

/** Codes are kept by their hash, as keys are: the row's id names the hash, never the code. */
const codeRowId = (code: string) => `oauthcode_${hashKey(code)}`;

/**
 * Issues an authorization code for an account the user just connected (hosted/oauth-authorize.ts):
 * what `/oauth/authorize` puts in the redirect to the platform.
 */
export async function issueAuthorizationCode(
  w: WriteContext,
  account: string,
  scope: OAuthCodeInternal['scope'],
): Promise<string> {
  const code = `ac_${randomToken(32)}`;
  await createObject(w, {
    type: 'oauth_code',
    id: codeRowId(code),
    accountId: null,
    data: () => ({}),
    internal: {
      account,
      scope,
      expires_at: Math.floor(w.now / 1000) + CODE_LIFETIME_S,
      used: false,
    } satisfies OAuthCodeInternal,
  });
  return code;
}

/** A new access token (a secret key that acts as the account) and its refresh token. */
async function issueTokens(
  w: WriteContext,
  account: string,
  scope: OAuthAccess,
): Promise<Stripe.OAuthToken> {
  const mode = w.livemode ? 'live' : 'test';
  const accessToken = `sk_${mode}_${randomToken(48)}`;
  const refreshToken = `rt_${randomToken(48)}`;
  const created = Math.floor(w.now / 1000);
  for (const [token, kind] of [
    [accessToken, 'secret'],
    [refreshToken, 'refresh'],
  ] as const) {
    await insertApiKey(w.db, {
      id: newId('key', 16),
      platform_id: w.platform.id,
      livemode: w.livemode ? 1 : 0,
      kind,
      token_hash: hashKey(token),
      // Shown once, in this answer, as Stripe does.
      token: null,
      last4: token.slice(-4),
      created,
      revoked: 0,
      account_id: account,
      expires_ms: null,
      permissions: null,
      // A read_only token may only read (api/auth.ts checkAccess); its refresh token keeps the
      // scope, so refreshing never widens it.
      oauth_scope: scope,
    });
  }
  return {
    access_token: accessToken,
    livemode: w.livemode,
    refresh_token: refreshToken,
    scope,
    stripe_publishable_key: await accountPublishableKey(w, account),
    stripe_user_id: account,
    token_type: 'bearer',
  };
}

/**
 * The connected account's publishable key of the mode: made with its first grant, the same for
 * every later grant and refresh (as on Stripe), ended with the others when the account
 * deauthorizes the platform. It acts only as the account (api/auth.ts).
 */
async function accountPublishableKey(w: WriteContext, account: string): Promise<string> {
  const existing = await findAccountPublishableKey(w.db, account, w.livemode);
  if (existing?.token) return existing.token;
  const token = newPublishableKey(w.livemode ? 'live' : 'test');
  await insertApiKey(w.db, {
    id: newId('key', 16),
    platform_id: w.platform.id,
    livemode: w.livemode ? 1 : 0,
    kind: 'publishable',
    token_hash: hashKey(token),
    token,
    last4: token.slice(-4),
    created: Math.floor(w.now / 1000),
    revoked: 0,
    account_id: account,
    expires_ms: null,
    permissions: null,
    oauth_scope: null,
  });
  return token;
}

/**
 * The scope of a refreshed token: the grant's own unless a narrower one is asked for
 * (`read_write` -> `read_only`); a refresh never widens a grant, as on Stripe.
 */
function refreshedScope(granted: string | null, asked: string | undefined): OAuthAccess {
  const original: OAuthAccess = granted === 'read_only' ? 'read_only' : 'read_write';
  if (asked === undefined) return original;
  if (asked !== 'read_only' && asked !== 'read_write')
    throw errors.oauthInvalidScope(`Invalid scope provided: ${asked.slice(0, 40)}`);
  if (asked === 'read_write' && original === 'read_only')
    throw errors.oauthInvalidScope(
      'Invalid scope provided: read_write. A refresh token granted read_only cannot issue read_write tokens.',
    );
  return asked;
}

/** The platform's code row (either mode: a code of the other mode gets its own error). */
async function findOAuthCode(
  w: WriteContext,
  caller: Caller,
  id: string,
): Promise<ObjectRow | undefined> {
  for (const livemode of [caller.livemode, !caller.livemode]) {
    const row = await requireObjectToChange(
      w,
      { ...platformView(caller), livemode },
      'oauth_code',
      id,
    ).catch(() => undefined);
    if (row) return row;
  }
  return undefined;
}

/** The account of a grant must still be connected to the platform. */
async function requireConnected(w: WriteContext, caller: Caller, account: string): Promise<void> {
  const row = await findPlatformAccount(w.db, caller, account);
  if (!row || row.deleted === 1) throw errors.oauthInvalidGrant(`No such account: ${account}`);
  if (row.deleted === DISCONNECTED)
    throw errors.oauthInvalidGrant(
      `The account ${account} has disconnected from your platform: it must connect again.`,
    );
}

/**
 * `POST /oauth/token` (what `stripe.oauth.token` calls, with the platform's secret key): exchanges
 * the code from `/oauth/authorize` for the connected account's id (`stripe_user_id`) and an
 * `access_token`, a secret key that acts as that account (as `Stripe-Account` does, and only as
 * it); or, with `grant_type=refresh_token`, issues another access token. Codes work once and for 5
 * minutes. Deauthorizing the account revokes its tokens. Errors come in OAuth's shape
 * (`{"error": "invalid_grant", "error_description": ...}`).
 */
export const oauth: Resource = {
  name: 'oauth',
  routes: [
    post(
      '/oauth/token',
      {
        grant_type: required(string()),
        code: string(),
        refresh_token: string(),
        scope: string(),
        assert_capabilities: anything(),
        client_secret: string(),
        ...expandParam,
      },
      async ({ w, caller, params }) => {
        if (caller.accountId)
          throw errors.oauthInvalidRequest(
            'Exchange codes with the platform secret key, without Stripe-Account.',
          );
        if (params.grant_type === 'authorization_code') {
          if (!params.code) throw errors.oauthInvalidRequest('No authorization code provided');
          const row = await findOAuthCode(w, caller, codeRowId(params.code));
          if (!row)
            throw errors.oauthInvalidGrant(`Authorization code does not exist: ${params.code}`);
          if (row.livemode !== (w.livemode ? 1 : 0))
            throw errors.oauthInvalidGrant(
              `Authorization code provided does not belong to you: it was issued in ${row.livemode === 1 ? 'live' : 'test'} mode.`,
            );
          const code = parseInternal<OAuthCodeInternal>(row);
          if (code.used)
            throw errors.oauthInvalidGrant(
              `This authorization code has already been used: ${params.code}`,
            );
          if (Math.floor(w.now / 1000) > code.expires_at)
            throw errors.oauthInvalidGrant(`Authorization code expired: ${params.code}`);
          await saveObject(w.db, row.id, {}, { ...code, used: true });
          await requireConnected(w, caller, code.account);
          return issueTokens(w, code.account, code.scope);
        }
        if (params.grant_type === 'refresh_token') {
          if (!params.refresh_token) throw errors.oauthInvalidRequest('No refresh token provided');
          const key = await findApiKeyByHash(w.db, hashKey(params.refresh_token));
          if (
            !key ||
            key.kind !== 'refresh' ||
            key.revoked ||
            key.platform_id !== w.platform.id ||
            key.livemode !== (w.livemode ? 1 : 0) ||
            !key.account_id
          )
            throw errors.oauthInvalidGrant(
              `Invalid refresh token: ${params.refresh_token.slice(0, 8)}...`,
            );
          await requireConnected(w, caller, key.account_id);
          return issueTokens(w, key.account_id, refreshedScope(key.oauth_scope, params.scope));
        }
        throw errors.oauthUnsupportedGrantType(params.grant_type);
      },
      // Access and refresh tokens, stored hashed: their idempotent replay is sealed.
      { callers: 'platform', keyParam: 'client_secret', secrets: true },
    ),
  ],
};
