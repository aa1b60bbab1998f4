import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Short-lived tokens for the live stream. EventSource cannot send an Authorization header, and a
 * secret key must never travel in a URL, so the dashboard trades its key for a token that names the
 * key and expires. The token is signed with the key's SHA-256 (which only the database holds), so
 * any API process can check it, and revoking the key revokes its tokens.
 */
export interface StreamGrant {
  /** The API key's id (not the key). */
  keyId: string;
  /** The connected account the stream is limited to, or null for the whole platform. */
  accountId: string | null;
  /** Real-time ms. */
  expiresMs: number;
}

const PREFIX = 'sbst_';

function mac(keyHash: string, payload: string): Buffer {
  return createHmac('sha256', keyHash).update(`switchboard-stream:${payload}`).digest();
}

export function signStreamToken(grant: StreamGrant, keyHash: string): string {
  const payload = Buffer.from(
    JSON.stringify({ k: grant.keyId, a: grant.accountId, x: grant.expiresMs }),
  ).toString('base64url');
  return `${PREFIX}${payload}.${mac(keyHash, payload).toString('base64url')}`;
}

/** The grant a token claims, unverified: its key id says which key hash to verify with. */
export function readStreamToken(
  token: string,
): (StreamGrant & { payload: string; sig: string }) | null {
  if (!token.startsWith(PREFIX) || token.length > 1000) return null;
  const [payload, sig] = token.slice(PREFIX.length).split('.');
  if (!payload || !sig) return null;
  try {
    const data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      k?: unknown;
      a?: unknown;
      x?: unknown;
    };
    if (typeof data.k !== 'string' || typeof data.x !== 'number') return null;
    if (data.a !== null && typeof data.a !== 'string') return null;
    return { keyId: data.k, accountId: data.a, expiresMs: data.x, payload, sig };
  } catch {
    return null;
  }
}

export function verifyStreamToken(
  claimed: { payload: string; sig: string; expiresMs: number },
  keyHash: string,
  realNow: number,
): boolean {
  const expected = mac(keyHash, claimed.payload);
  const given = Buffer.from(claimed.sig, 'base64url');
  return (
    given.length === expected.length &&
    timingSafeEqual(given, expected) &&
    claimed.expiresMs > realNow
  );
}
