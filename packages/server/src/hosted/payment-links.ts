import type Stripe from 'stripe';
import type { Mount } from '../app.js';
import { parseData, parseInternal } from '../resources/common.js';
import { openSession } from '../resources/payment-links.js';
import { inTransaction, type Services } from '../services/context.js';
import { StripeError } from '../stripe/errors.js';
import { escapeHtml, findByUrl, pageWrite, sendPage, sendRedirect } from './page.js';

const PATH = /^\/b\/(plink_[A-Za-z0-9]+)(\/done)?$/;

/**
 * A payment link's `url` (buy.stripe.com on Stripe): each visit opens a Checkout Session for the
 * link, in the link's scope, and redirects to the stand-in Checkout page (hosted/checkout.ts).
 */
export function paymentLinksMount(services: Services): Mount {
  return async (req, res, path) => {
    const match = PATH.exec(path);
    if (!match || req.method !== 'GET') return false;
    const found = await findByUrl(services, match[1]!, 'payment_link');
    if (!found) {
      sendPage(res, 404, 'Unknown link', '<h1>This payment link does not exist</h1>');
      return true;
    }
    const link = parseData<Stripe.PaymentLink>(found.row);
    if (match[2]) {
      // Where a paid session returns with after_completion hosted_confirmation.
      const message =
        link.after_completion.hosted_confirmation?.custom_message ?? 'Your payment was received.';
      sendPage(res, 200, 'Thank you', `<h1>Thank you</h1><p>${escapeHtml(message)}</p>`);
      return true;
    }
    if (!link.active) {
      sendPage(res, 410, 'Link deactivated', '<h1>This payment link is no longer active</h1>');
      return true;
    }
    const base = pageWrite(found.platform, link.livemode, services.clock.now());
    const host = req.headers.host ?? '127.0.0.1';
    try {
      const session = await inTransaction(
        services,
        { ...base, accountId: found.scope.accountId },
        (w) => openSession(w, found.scope, services, host, link, parseInternal(found.row)),
      );
      sendRedirect(res, session.url!);
    } catch (e) {
      if (!(e instanceof StripeError)) throw e;
      sendPage(
        res,
        e.status,
        'Cannot pay',
        `<h1>This link cannot be paid</h1><p>${escapeHtml(e.body.message ?? '')}</p>`,
      );
    }
    return true;
  };
}
