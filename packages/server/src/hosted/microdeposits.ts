import type Stripe from 'stripe';
import type { Mount } from '../app.js';
import { verifyMicrodeposits } from '../resources/bank-debits.js';
import { findObjectToChange, parseData } from '../resources/common.js';
import { heldPaymentMethod } from '../resources/payment-methods.js';
import { CommittedError } from '../resources/route.js';
import { inTransaction, type Services } from '../services/context.js';
import { findPlatformAccount } from '../scope/finders.js';
import { serverScope } from '../scope/scope.js';
import { StripeError } from '../stripe/errors.js';
import { findObject } from '../storage/repositories/objects.js';
import { findPlatform } from '../storage/repositories/platforms.js';
import { escapeHtml, pageWrite, readForm, sendPage } from './page.js';

const PATH = /^\/microdeposits\/(pi_[A-Za-z0-9]+)$/;

/**
 * The page a PaymentIntent's `next_action.verify_with_microdeposits.hosted_verification_url`
 * leads to: Switchboard's stand-in for Stripe's hosted verification page, where the customer types
 * the descriptor code of the microdeposit (in test mode, SM11AA verifies). It verifies as
 * `POST /v1/payment_intents/{id}/verify_microdeposits` does. The intent's client_secret, in the URL,
 * is what opens the page.
 */
export function microdepositsMount(services: Services): Mount {
  return async (req, res, path) => {
    const match = PATH.exec(path);
    if (!match || (req.method !== 'GET' && req.method !== 'POST')) return false;
    const id = match[1]!;
    const secret = new URL(req.url ?? '/', 'http://x').searchParams.get('client_secret');
    const form = req.method === 'POST' ? await readForm(req, res) : null;
    if (req.method === 'POST' && !form) return true;
    const row = await findObject(services.dialect.db, id);
    const pi = row && row.deleted === 0 ? parseData<Stripe.PaymentIntent>(row) : null;
    const platform = row ? await findPlatform(services.dialect.db, row.platform_id) : undefined;
    if (!row || !pi || !platform || !secret || pi.client_secret !== secret) {
      sendPage(res, 404, 'Unknown payment', '<h1>This verification page does not exist</h1>');
      return true;
    }
    const page = (status: number, problem: string | null) =>
      sendPage(
        res,
        status,
        'Verify your bank account',
        `<h1>Verify your bank account</h1>
<p>A 0.01 USD deposit reached your bank account for a payment of
${(pi.amount / 100).toFixed(2)} ${pi.currency.toUpperCase()} (<code>${escapeHtml(id)}</code>;
Switchboard's stand-in for Stripe's verification page). Type the 6-character code of its
statement descriptor, starting with SM.</p>
${problem ? `<p role="alert" id="error"><b>${escapeHtml(problem)}</b></p>` : ''}
<form method="post">
<p><label>Code <input name="descriptor_code" value="SM" size="8"></label></p>
<button name="action" value="verify">Verify</button>
</form>
<p class="note">Test codes: SM11AA verifies; SM33CC exceeds the attempts and SM44DD times out,
both failing the payment.</p>`,
      );
    if (pi.status !== 'requires_action' || pi.next_action?.type !== 'verify_with_microdeposits') {
      sendPage(
        res,
        410,
        'Nothing to verify',
        `<h1>Nothing to verify</h1><p>This payment has a status of <code>${escapeHtml(pi.status)}</code>.</p>`,
      );
      return true;
    }
    if (req.method === 'GET') {
      page(200, null);
      return true;
    }
    const livemode = row.livemode === 1;
    const base = {
      ...pageWrite(platform, livemode, services.clock.now()),
      accountId: row.account_id,
    };
    try {
      const outcome = await inTransaction(services, base, async (w) => {
        const current = parseData<Stripe.PaymentIntent>((await findObjectToChange(w, id))!);
        const account = row.account_id
          ? await findPlatformAccount(w.db, serverScope(platform, livemode), row.account_id)
          : null;
        const scope = serverScope(platform, livemode, account ?? null);
        const used = await heldPaymentMethod(w, scope, current.payment_method as string);
        return verifyMicrodeposits(w, current, used, {
          descriptor_code: (form!.get('descriptor_code') ?? '').trim().toUpperCase(),
        });
      });
      if (outcome instanceof CommittedError) {
        page(402, outcome.error.body.message ?? 'Verification failed.');
        return true;
      }
    } catch (e) {
      if (!(e instanceof StripeError)) throw e;
      page(e.status, e.body.message ?? 'Verification failed.');
      return true;
    }
    sendPage(
      res,
      200,
      'Verified',
      '<h1>Bank account verified</h1><p>Your payment is processing. You can close this page.</p>',
    );
    return true;
  };
}
