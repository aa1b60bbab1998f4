import { timingSafeEqual } from 'node:crypto';
import type Stripe from 'stripe';
import type { Mount } from '../app.js';
import { findObjectToChange, parseData } from '../resources/common.js';
import { finishVerification, sessionInternal } from '../resources/identity.js';
import { inTransaction, type Services } from '../services/context.js';
import { escapeHtml, findByUrl, pageWrite, readForm, sendPage, sendRedirect } from './page.js';

const PATH = /^\/identity\/start\/(vs_[A-Za-z0-9]+)\/([A-Za-z0-9]+)$/;

const sameToken = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * A verification session's `url` (verify.stripe.com/start/... on Stripe): Switchboard's stand-in
 * for Stripe Identity's test-mode page, with its two choices. "Verify" makes the session
 * `processing` then `verified` with Stripe's test person; "Fail" leaves it `requires_input` with
 * a `last_error`. Then it goes back to the session's `return_url`, when it has one. The secret
 * token in the URL is what opens the page.
 */
export function identityMount(services: Services): Mount {
  return async (req, res, path) => {
    const match = PATH.exec(path);
    if (!match || (req.method !== 'GET' && req.method !== 'POST')) return false;
    const [, id, token] = match as unknown as [string, string, string];
    const form = req.method === 'POST' ? await readForm(req, res) : null;
    if (req.method === 'POST' && !form) return true;
    const found = await findByUrl(services, id, 'identity.verification_session');
    if (!found || !sameToken(sessionInternal(found.row).urlToken, token)) {
      sendPage(res, 404, 'Unknown session', '<h1>This verification page does not exist</h1>');
      return true;
    }
    const session = parseData<Stripe.Identity.VerificationSession>(found.row);
    if (session.status !== 'requires_input') {
      sendPage(
        res,
        410,
        'Nothing to verify',
        `<h1>Nothing to verify</h1><p>This verification session has a status of <code>${escapeHtml(session.status)}</code>.</p>`,
      );
      return true;
    }
    if (req.method === 'GET') {
      const problem = session.last_error?.reason
        ? `<p role="alert" id="error"><b>Last attempt: ${escapeHtml(session.last_error.reason)}</b></p>`
        : '';
      sendPage(
        res,
        200,
        'Verify your identity',
        `<h1>Verify your identity</h1>
<p>A ${session.type === 'id_number' ? 'ID number' : 'document'} check (<code>${escapeHtml(id)}</code>;
Switchboard's stand-in for Stripe Identity's test-mode page). Choose its outcome.</p>
${problem}
<form method="post">
<button name="action" value="verify">Verify</button>
<button name="action" value="fail">Fail</button>
</form>
<p class="note">Verify gives the test person (Jenny Rosen, born 1901-01-01); Fail leaves the
session waiting for input with a last_error.</p>`,
      );
      return true;
    }
    const verified = form!.get('action') === 'verify';
    const base = {
      ...pageWrite(found.platform, found.row.livemode === 1, services.clock.now()),
      accountId: found.row.account_id,
    };
    const after = await inTransaction(services, base, async (w) => {
      const locked = (await findObjectToChange(w, id))!;
      return finishVerification(w, id, verified, parseData(locked));
    });
    if (!after) {
      sendPage(res, 410, 'Nothing to verify', '<h1>This session was already completed</h1>');
      return true;
    }
    const returnUrl = sessionInternal(found.row).returnUrl;
    if (returnUrl) {
      sendRedirect(res, returnUrl);
      return true;
    }
    sendPage(
      res,
      200,
      'Done',
      `<h1>Verification ${verified ? 'submitted' : 'failed'}</h1><p>You can close this page.</p>`,
    );
    return true;
  };
}
