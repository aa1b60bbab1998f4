import { isHttpUrl } from '../stripe/params.js';
import type { Mount } from '../app.js';
import { createConnectedAccount } from '../resources/accounts.js';
import { issueAuthorizationCode } from '../resources/oauth.js';
import { inTransaction, type Services } from '../services/context.js';
import { findPlatformByApplication } from '../storage/repositories/platforms.js';
import { escapeHtml, pageWrite, readForm, sendPage, sendRedirect } from './page.js';

const PATHS: Record<string, 'standard' | 'express'> = {
  '/oauth/authorize': 'standard',
  '/express/oauth/authorize': 'express',
};

/** The parameters of the authorize URL that the form carries on to its POST. */
const CARRIED = ['response_type', 'client_id', 'scope', 'redirect_uri', 'state'] as const;

/**
 * `/oauth/authorize` (and `/express/oauth/authorize`): the page where, on Stripe, a user logs in
 * and connects their account to a platform (what `stripe.oauth.authorizeUrl()` points at). Here it
 * offers to connect a new test account: a Standard account (Express on the express path), created
 * as `POST /v1/accounts` would (`account.application.authorized` for a Standard account), then the
 * browser goes to `redirect_uri` with `code`, `scope` and `state`, as from Stripe; "Deny" sends
 * `error=access_denied`. The code is exchanged at `POST /oauth/token` (resources/oauth.ts).
 */
export function oauthAuthorizeMount(services: Services): Mount {
  return async (req, res, path) => {
    const type = PATHS[path];
    if (!type || (req.method !== 'GET' && req.method !== 'POST')) return false;
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const input = req.method === 'POST' ? await readForm(req, res) : query;
    if (!input) return true;
    const get = (name: string) => input.get(name);
    const fail = (message: string) =>
      sendPage(res, 400, 'Cannot connect', `<h1>Cannot connect</h1><p>${escapeHtml(message)}</p>`);

    const clientId = get('client_id');
    const platform = clientId
      ? await findPlatformByApplication(services.dialect.db, clientId)
      : undefined;
    if (!platform) {
      fail(`No application matches the supplied client identifier: ${clientId ?? '(none)'}.`);
      return true;
    }
    if ((get('response_type') ?? 'code') !== 'code') {
      fail('Invalid response_type: only "code" is supported.');
      return true;
    }
    const scope = get('scope') ?? 'read_write';
    if (scope !== 'read_write' && scope !== 'read_only') {
      fail(`Invalid scope: ${scope} (read_write or read_only).`);
      return true;
    }
    const redirectUri = get('redirect_uri');
    if (redirectUri !== null && !isHttpUrl(redirectUri)) {
      fail(`Invalid redirect_uri: ${redirectUri}`);
      return true;
    }
    const state = get('state');
    const back = (params: Record<string, string>) => {
      const url = new URL(redirectUri!);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      if (state !== null) url.searchParams.set('state', state);
      return url.toString();
    };

    if (req.method === 'GET') {
      const hidden = CARRIED.map((name) => {
        const value = get(name);
        return value === null
          ? ''
          : `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
      }).join('');
      const email = get('stripe_user[email]');
      sendPage(
        res,
        200,
        `Connect to ${platform.application_name}`,
        `<h1>Connect to ${escapeHtml(platform.application_name)}</h1>
<p><b>${escapeHtml(platform.application_name)}</b> asks to ${
          scope === 'read_only' ? 'read the data of' : 'manage'
        } your Stripe account (Switchboard's stand-in for Stripe's OAuth page, test mode).</p>
<form method="post">${hidden}${
          email ? `<input type="hidden" name="email" value="${escapeHtml(email)}">` : ''
        }
<button name="action" value="connect">Connect a new test ${type === 'express' ? 'Express' : 'Standard'} account</button>
<button name="action" value="deny">Deny access</button>
</form>
<p class="note">Connecting creates the account on this server and returns to ${
          redirectUri ? `<code>${escapeHtml(redirectUri)}</code>` : 'this page'
        } with an authorization code for <code>POST /oauth/token</code>.</p>`,
      );
      return true;
    }

    if (get('action') !== 'connect') {
      if (redirectUri)
        sendRedirect(
          res,
          back({ error: 'access_denied', error_description: 'The user denied your request' }),
        );
      else sendPage(res, 200, 'Denied', '<h1>Access denied</h1>');
      return true;
    }
    const base = pageWrite(platform, false, services.clock.now());
    const email = get('email');
    const code = await inTransaction(services, base, async (w) => {
      const account = await createConnectedAccount(w, {
        type,
        ...(email ? { email } : {}),
      } as never);
      return issueAuthorizationCode(w, account.id, scope);
    });
    if (redirectUri) sendRedirect(res, back({ code, scope }));
    else
      sendPage(
        res,
        200,
        'Connected',
        `<h1>Connected</h1><p>Authorization code: <code>${escapeHtml(code)}</code></p>`,
      );
    return true;
  };
}
