import type Stripe from 'stripe';
import type { Mount } from '../app.js';
import { findObjectToChange, parseData } from '../resources/common.js';
import { finishAuthentication } from '../resources/payment-intents.js';
import { finishSetupAuthentication, setupReturnUrl } from '../resources/setup-intents.js';
import { CommittedError } from '../resources/route.js';
import { inTransaction, type Services } from '../services/context.js';
import { findPlatformAccount } from '../scope/finders.js';
import { serverScope } from '../scope/scope.js';
import { findObject } from '../storage/repositories/objects.js';
import { findPlatform } from '../storage/repositories/platforms.js';
import { escapeHtml, pageWrite, readForm, sendPage, sendRedirect } from './page.js';

const PATH = /^\/authenticate\/((?:pi|seti)_[A-Za-z0-9]+)$/;

type Intent = (Stripe.PaymentIntent | Stripe.SetupIntent) & { client_secret: string | null };

/**
 * The page an intent's `next_action.redirect_to_url.url` leads to: Switchboard's stand-in for
 * the card issuer's 3D Secure page, with Stripe's test page's two buttons. Completing charges the
 * PaymentIntent or finishes the SetupIntent; failing leaves it needing a new payment method. Then
 * it returns to the intent's `return_url` with what Stripe adds (`payment_intent`,
 * `payment_intent_client_secret` or their setup_intent twins, and `redirect_status`). The
 * intent's client_secret, in the URL, is what opens the page.
 */
export function authenticateMount(services: Services): Mount {
  return async (req, res, path) => {
    const match = PATH.exec(path);
    if (!match || (req.method !== 'GET' && req.method !== 'POST')) return false;
    const id = match[1]!;
    const secret = new URL(req.url ?? '/', 'http://x').searchParams.get('client_secret');
    const form = req.method === 'POST' ? await readForm(req, res) : null;
    if (req.method === 'POST' && !form) return true;
    const row = await findObject(services.dialect.db, id);
    const intent = row && row.deleted === 0 ? parseData<Intent>(row) : null;
    const platform = row ? await findPlatform(services.dialect.db, row.platform_id) : undefined;
    if (!row || !intent || !platform || !secret || intent.client_secret !== secret) {
      sendPage(res, 404, 'Unknown payment', '<h1>This authentication page does not exist</h1>');
      return true;
    }
    const kind = intent.object === 'payment_intent' ? 'payment_intent' : 'setup_intent';
    if (req.method === 'GET') {
      if (intent.status !== 'requires_action') {
        sendPage(
          res,
          410,
          'Nothing to authenticate',
          `<h1>Nothing to authenticate</h1><p>This ${kind.replace('_', ' ')} has a status of <code>${escapeHtml(intent.status)}</code>.</p>`,
        );
        return true;
      }
      const what =
        intent.object === 'payment_intent'
          ? `a payment of ${(intent.amount / 100).toFixed(2)} ${intent.currency.toUpperCase()}`
          : 'saving this card for later payments';
      sendPage(
        res,
        200,
        '3D Secure test page',
        `<h1>3D Secure</h1>
<p>The card issuer asks the cardholder to authenticate ${what} (<code>${escapeHtml(id)}</code>;
Switchboard's stand-in for Stripe's 3D Secure test page).</p>
<form method="post">
<button name="action" value="complete">Complete authentication</button>
<button name="action" value="fail">Fail authentication</button>
</form>`,
      );
      return true;
    }
    const livemode = row.livemode === 1;
    const base = {
      ...pageWrite(platform, livemode, services.clock.now()),
      accountId: row.account_id,
    };
    const completed = form!.get('action') === 'complete';
    const done = await inTransaction(services, base, async (w) => {
      const locked = (await findObjectToChange(w, id))!;
      const current = parseData<Intent>(locked);
      if (current.status !== 'requires_action') return null;
      const account = row.account_id
        ? await findPlatformAccount(w.db, serverScope(platform, livemode), row.account_id)
        : null;
      const scope = serverScope(platform, livemode, account ?? null);
      if (current.object === 'payment_intent') {
        const result = await finishAuthentication(w, scope, current, completed);
        const after = result instanceof CommittedError ? null : result;
        return {
          status: after?.status ?? 'requires_payment_method',
          returnUrl: current.next_action?.redirect_to_url?.return_url ?? null,
        };
      }
      const after = await finishSetupAuthentication(w, scope, current, completed);
      return { status: after.status, returnUrl: setupReturnUrl(locked) };
    });
    if (!done) {
      sendPage(res, 410, 'Nothing to authenticate', '<h1>This was already authenticated</h1>');
      return true;
    }
    const succeeded = done.status === 'succeeded' || done.status === 'requires_capture';
    if (!done.returnUrl) {
      sendPage(
        res,
        200,
        'Done',
        `<h1>Authentication ${completed ? 'completed' : 'failed'}</h1><p>You can close this page.</p>`,
      );
      return true;
    }
    const back = new URL(done.returnUrl);
    back.searchParams.set(kind, id);
    back.searchParams.set(`${kind}_client_secret`, secret);
    back.searchParams.set('redirect_status', succeeded ? 'succeeded' : 'failed');
    sendRedirect(res, back.toString());
    return true;
  };
}
