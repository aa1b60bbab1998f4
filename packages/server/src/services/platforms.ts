import type { Kysely } from 'kysely';
import { createHash } from 'node:crypto';
import { newId, randomToken } from '../domain/ids.js';
import {
  insertApiKey,
  listApiKeys,
  platformModesWithoutPublishableKey,
} from '../storage/repositories/api-keys.js';
import { findApiKeyByHash } from '../storage/repositories/api-keys.js';
import {
  firstPlatform,
  insertPlatform,
  type PlatformRow,
} from '../storage/repositories/platforms.js';
import type { Database } from '../storage/schema.js';

/** API keys are found (and, live ones, only kept) by their SHA-256. */
export const hashKey = (token: string): string => createHash('sha256').update(token).digest('hex');

/** The API version new platforms default to: the one stripe-node 23 pins. */
export const DEFAULT_API_VERSION = '2026-10-28.endive';

export const newSecretKey = (mode: 'test' | 'live'): string => `sk_${mode}_${randomToken(48)}`;

/** A publishable key (`pk_`): what Stripe.js and the mobile SDKs carry (api/auth.ts). */
export const newPublishableKey = (mode: 'test' | 'live'): string => `pk_${mode}_${randomToken(48)}`;

export interface CreatedPlatform {
  platform: PlatformRow;
  /** Keys in clear, as created: live keys are never readable again. */
  testKey: string;
  liveKey: string | null;
  /** Publishable keys: public, so always readable again (`switchboard keys`, the dashboard). */
  testPublishableKey: string;
  livePublishableKey: string | null;
}

/** The kind of key a token is, from its prefix. */
function kindOf(token: string): 'secret' | 'restricted' | 'publishable' {
  if (token.startsWith('rk_')) return 'restricted';
  if (token.startsWith('pk_')) return 'publishable';
  return 'secret';
}

export async function addKey(
  db: Kysely<Database>,
  platformId: string,
  token: string,
  created: number,
  permissions: readonly string[] | null = null,
): Promise<void> {
  const livemode = /^(sk|rk|pk)_live_/.test(token);
  const kind = kindOf(token);
  await insertApiKey(db, {
    id: newId('key', 16),
    platform_id: platformId,
    livemode: livemode ? 1 : 0,
    kind,
    token_hash: hashKey(token),
    // Live secret keys are kept only as a hash: shown once, at creation, as Stripe does.
    // Publishable keys are public (they ship in web pages and apps): kept in clear.
    token: livemode && kind !== 'publishable' ? null : token,
    last4: token.slice(-4),
    created,
    revoked: 0,
    account_id: null,
    expires_ms: null,
    permissions: permissions ? JSON.stringify(permissions) : null,
    oauth_scope: null,
  });
}

/**
 * Creates a platform (or a sandbox, with `parentId`) with its keys. A sandbox has test keys only.
 * Given keys are used as they are (scripts and CI fix them with --test-key / --live-key).
 */
export async function createPlatform(
  db: Kysely<Database>,
  input: {
    name: string;
    parentId?: string | null;
    testKey?: string | undefined;
    liveKey?: string | undefined;
    now: number;
  },
): Promise<CreatedPlatform> {
  const created = Math.floor(input.now / 1000);
  const platform: Omit<PlatformRow, 'seq'> = {
    id: newId('acct', 16),
    parent_id: input.parentId ?? null,
    name: input.name,
    application_id: newId('ca', 32),
    application_name: input.name,
    default_api_version: DEFAULT_API_VERSION,
    created,
    redirect_uris: '[]',
  };
  const testKey = input.testKey ?? newSecretKey('test');
  const liveKey = input.parentId ? null : (input.liveKey ?? newSecretKey('live'));
  const testPublishableKey = newPublishableKey('test');
  const livePublishableKey = input.parentId ? null : newPublishableKey('live');
  const write = async (tx: Kysely<Database>) => {
    await insertPlatform(tx, platform);
    for (const key of [testKey, liveKey, testPublishableKey, livePublishableKey])
      if (key) await addKey(tx, platform.id, key, created);
  };
  // Inside a request the caller's transaction is used; otherwise one of our own.
  if (db.isTransaction) await write(db);
  else await db.transaction().execute(write);
  return {
    platform: { ...platform, seq: 0 },
    testKey,
    liveKey,
    testPublishableKey,
    livePublishableKey,
  };
}

/**
 * Gives every platform and sandbox made before publishable keys existed its publishable keys
 * (test, and live for a platform), once, on start.
 */
export async function ensurePublishableKeys(db: Kysely<Database>, now: number): Promise<void> {
  const missing = await platformModesWithoutPublishableKey(db);
  for (const { platformId, livemode } of missing)
    await addKey(
      db,
      platformId,
      newPublishableKey(livemode ? 'live' : 'test'),
      Math.floor(now / 1000),
    );
}

/** A platform's publishable keys that work (a sandbox has no live one). */
export async function publishableKeysOf(
  db: Kysely<Database>,
  platformId: string,
): Promise<{ test: string | null; live: string | null }> {
  const keys = (await listApiKeys(db, platformId)).filter((k) => k.kind === 'publishable');
  const of = (livemode: number) => keys.find((k) => k.livemode === livemode)?.token ?? null;
  return { test: of(0), live: of(1) };
}

export interface StartupPlatform {
  platform: PlatformRow;
  /** Set only when the platform was created now, or a fixed key was added now. */
  created: CreatedPlatform | null;
  /** Its publishable keys (public: printed at every start). */
  publishable?: { test: string | null; live: string | null };
}

/**
 * On start: the first platform, created on the first start. Keys fixed with --test-key/--live-key
 * are added to it if it does not have them yet.
 */
export async function ensureFirstPlatform(
  db: Kysely<Database>,
  fixed: { testKey?: string | undefined; liveKey?: string | undefined },
  now: number,
): Promise<StartupPlatform> {
  const existing = await firstPlatform(db);
  if (!existing) {
    const created = await createPlatform(db, { name: 'Switchboard platform', ...fixed, now });
    return { platform: created.platform, created };
  }
  for (const key of [fixed.testKey, fixed.liveKey]) {
    if (!key) continue;
    const found = await findApiKeyByHash(db, hashKey(key));
    if (found && found.platform_id !== existing.id) {
      throw new Error('The fixed key belongs to another platform of this database.');
    }
    if (!found) await addKey(db, existing.id, key, Math.floor(now / 1000));
  }
  return { platform: existing, created: null };
}

/** Test keys of a platform, readable again (live keys are not). */
export async function testKeysOf(db: Kysely<Database>, platformId: string): Promise<string[]> {
  return (
    (await listApiKeys(db, platformId))
      // A rolled key on its way out is not shown: its successor is.
      .filter((k) => k.kind === 'secret' && k.livemode === 0 && k.token && k.expires_ms === null)
      .map((k) => k.token!)
  );
}

/** A restricted key (`rk_...`): only the routes its permissions (`events:read`, ...) name. */
export async function createRestrictedKey(
  db: Kysely<Database>,
  platformId: string,
  livemode: boolean,
  now: number,
  permissions: readonly string[],
): Promise<string> {
  const token = `rk_${livemode ? 'live' : 'test'}_${randomToken(48)}`;
  await addKey(db, platformId, token, Math.floor(now / 1000), permissions);
  return token;
}
