import type { ServerResponse } from 'node:http';
import type { Mount } from '../app.js';
import { completeOnboarding } from '../resources/account-links.js';
import { createConnectedAccount } from '../resources/accounts.js';
import { issueAuthorizationCode } from '../resources/oauth.js';
import { inTransaction, type Services } from '../services/context.js';
import { findPlatformByApplication } from '../storage/repositories/platforms.js';
import { chooseRedirect } from '../domain/redirect-uris.js';
import { formPostProblem, formToken, ownHosts } from './form-guard.js';
import { escapeHtml, pageWrite, readForm, sendPage, sendRedirect } from './page.js';

const PATHS: Record<string, 'standard' | 'express'> = {
  '/oauth/authorize': 'standard',
  '/express/oauth/authorize': 'express',
};

/** The parameters of the authorize URL that the form carries on to its POST. */
const CARRIED = ['response_type', 'client_id', 'scope', 'redirect_uri', 'state'] as const;

/** An OAuth error as Stripe shows it in the browser: JSON, with the `state` it was given. */
function oauthError(
  res: ServerResponse,
  error: { error: string; error_description: string },
  state: string | null,
): void {
  const body = JSON.stringify({ ...error, ...(state === null ? {} : { state }) }, null, 2);
  res.writeHead(400, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/**
 * `/oauth/authorize` (and `/express/oauth/authorize`): the page where, on Stripe, a user logs in
 * and connects their account to a platform (what `stripe.oauth.authorizeUrl()` points at). Here it
 * offers to connect a new test account: a Standard account (Express on the express path), created
 * as `POST /v1/accounts` would (`account.application.authorized` for a Standard account), then the
 * browser goes to `redirect_uri` with `code`, `scope` and `state`, as from Stripe; "Deny" sends
 * `error=access_denied`. The code is exchanged at `POST /oauth/token` (resources/oauth.ts).
 * `redirect_uri` must be one of the platform's registered redirect URIs (the first without it;
 * loopback URLs while none is registered: domain/redirect-uris.ts), else the answer is Stripe's
 * `invalid_redirect_uri`; with neither, the page shows the code instead of redirecting. The form only takes posts from its own rendering (hosted/form-guard.ts).
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
    const choice = chooseRedirect(
      JSON.parse(platform.redirect_uris) as string[],
      get('redirect_uri'),
    );
    const state = get('state');
    if (choice.kind === 'unregistered') {
      // As Stripe answers: a JSON error in the browser, never a redirect to an unknown place.
      oauthError(
        res,
        {
          error: 'invalid_redirect_uri',
          error_description: `Invalid redirect URI '${choice.uri}'. Ensure this uri exactly matches one of the uris specified in your application settings`,
        },
        state,
      );
      return true;
    }
    // No redirect_uri and none registered: the code is shown on the page (the startup banner's link).
    const redirectUri = choice.kind === 'ok' ? choice.uri : null;
    const back = (params: Record<string, string>) => {
      const url = new URL(redirectUri!);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      if (state !== null) url.searchParams.set('state', state);
      return url.toString();
    };
    const email = req.method === 'GET' ? get('stripe_user[email]') : get('email');
    // What the form is bound to: changed between showing and submitting, it is refused.
    const bound = [
      path,
      platform.application_id,
      scope,
      redirectUri ?? '',
      state ?? '',
      email ?? '',
    ];

    if (req.method === 'GET') {
      const token = formToken(
        req,
        res,
        bound,
        services.config.publicUrl?.startsWith('https:') ?? false,
      );
      const hidden = [
        ...CARRIED.map((name) => [name, get(name)] as const),
        ['email', email] as const,
        ['csrf_token', token] as const,
      ]
        .map(([name, value]) =>
          value === null ? '' : `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`,
        )
        .join('');
      sendPage(
        res,
        200,
        `Connect to ${platform.application_name}`,
        `<h1>Connect to ${escapeHtml(platform.application_name)}</h1>
<p><b>${escapeHtml(platform.application_name)}</b> asks to ${
          scope === 'read_only' ? 'read the data of' : 'manage'
        } your Stripe account (Switchboard's stand-in for Stripe's OAuth page, test mode).</p>
<form method="post">${hidden}
<button name="action" value="connect">Connect a new test ${type === 'express' ? 'Express' : 'Standard'} account</button>
<button name="action" value="deny">Deny access</button>
</form>
<p class="note">Connecting creates the account on this server and returns to ${
          redirectUri ? `<code>${escapeHtml(redirectUri)}</code>` : 'this page'
        } with an authorization code for <code>POST /oauth/token</code>.</p>`,
      );
      return true;
    }

    const refused = formPostProblem(
      req,
      get('csrf_token'),
      bound,
      ownHosts(req, services.config.publicUrl),
    );
    if (refused) {
      sendPage(
        res,
        403,
        'Cannot connect',
        `<h1>Cannot connect</h1><p>Nothing was connected: ${escapeHtml(refused)}. Open the authorization link again.</p>`,
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
    const code = await inTransaction(services, base, async (w) => {
      const account = await createConnectedAccount(w, { type, ...(email ? { email } : {}) });
      // Connecting through OAuth in test mode brings an activated account (Stripe's "skip this
      // form"): what it is asked for is filled with test values, as hosted onboarding does.
      await completeOnboarding(w, account.id, '127.0.0.1');
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
