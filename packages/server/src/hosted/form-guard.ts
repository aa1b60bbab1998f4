import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Protection of a hosted form against cross-site posts (CSRF). Rendering the form sets a random
 * nonce in a cookie that only this site's own requests carry (`SameSite=Strict`, `HttpOnly`), and
 * puts in the form a token that binds the nonce to what the form was rendered for (an HMAC under
 * the nonce). A POST must bring both, matching: another site can neither read the cookie nor make
 * the browser send it, and the fields cannot be changed between showing and submitting. Browsers'
 * `Sec-Fetch-Site` and `Origin` headers are checked first, as a second line.
 */
const COOKIE = 'sb_form_nonce';
const NONCE = /^[A-Za-z0-9_-]{32}$/;
/** How long a rendered form may be submitted (seconds). */
const FORM_LIFETIME_S = 1800;

function cookieNonce(req: IncomingMessage): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, value] = part.trim().split('=');
    if (name === COOKIE && value && NONCE.test(value)) return value;
  }
  return null;
}

const mac = (nonce: string, fields: readonly string[]) =>
  createHmac('sha256', nonce).update(fields.join('\n')).digest('base64url');

/**
 * For a form being rendered: the token to put in it, bound to `fields`. Sets the nonce cookie
 * (keeping one the browser already has, so that forms open in several tabs all work).
 */
export function formToken(
  req: IncomingMessage,
  res: ServerResponse,
  fields: readonly string[],
  secure: boolean,
): string {
  const nonce = cookieNonce(req) ?? randomBytes(24).toString('base64url');
  res.setHeader(
    'Set-Cookie',
    `${COOKIE}=${nonce}; Path=/; Max-Age=${FORM_LIFETIME_S}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`,
  );
  return mac(nonce, fields);
}

/**
 * Why a POST of the form is refused, or null: sent from another site (`Sec-Fetch-Site`, or an
 * `Origin` that is not this server's), or without the cookie and token its rendering gave.
 */
export function formPostProblem(
  req: IncomingMessage,
  token: string | null,
  fields: readonly string[],
  ownHosts: readonly string[],
): string | null {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none')
    return 'the form was sent from another site';
  const origin = req.headers.origin;
  if (typeof origin === 'string' && origin !== 'null') {
    let host: string | null = null;
    try {
      host = new URL(origin).host;
    } catch {
      host = null;
    }
    if (!host || !ownHosts.includes(host)) return 'the form was sent from another site';
  }
  const nonce = cookieNonce(req);
  if (!nonce || !token) return 'the form has expired, or was not rendered by this server';
  const want = Buffer.from(mac(nonce, fields));
  const got = Buffer.from(token);
  if (want.length !== got.length || !timingSafeEqual(want, got))
    return 'the form has expired, or was not rendered by this server';
  return null;
}

/** The hosts a form of this server is posted from: the request's, and the public URL's. */
export function ownHosts(req: IncomingMessage, publicUrl: string | undefined): string[] {
  const hosts = req.headers.host ? [req.headers.host] : [];
  if (publicUrl) hosts.push(new URL(publicUrl).host);
  return hosts;
}
