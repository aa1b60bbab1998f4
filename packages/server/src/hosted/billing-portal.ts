import type Stripe from 'stripe';
import type { Mount } from '../app.js';
import { parseData, requireObject } from '../resources/common.js';
import type { Services } from '../services/context.js';
import { escapeHtml, findByUrl, sendPage } from './page.js';

const PATH = /^\/p\/session\/(bps_[A-Za-z0-9]+)$/;

/**
 * A customer portal session's `url` (billing.stripe.com/p/session/... on Stripe): the customer
 * it is for, in the session's own scope, and the way back to `return_url`. Subscriptions and
 * invoices are not modelled, so the portal offers no billing action.
 */
export function billingPortalMount(services: Services): Mount {
  return async (req, res, path) => {
    const match = PATH.exec(path);
    if (!match || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    const found = await findByUrl(services, match[1]!, 'billing_portal.session');
    if (!found) {
      sendPage(res, 404, 'Unknown session', '<h1>This portal session does not exist</h1>');
      return true;
    }
    const session = parseData<Stripe.BillingPortal.Session>(found.row);
    const customer = parseData<Stripe.Customer>(
      await requireObject(services.dialect.db, found.scope, 'customer', session.customer),
    );
    const rows = [
      ['Customer', customer.id],
      ['Name', customer.name ?? ''],
      ['Email', customer.email ?? ''],
    ]
      .filter(([, v]) => v)
      .map(([k, v]) => `<tr><th>${k}</th><td>${escapeHtml(v!)}</td></tr>`)
      .join('');
    const back = session.return_url
      ? `<p><a href="${escapeHtml(session.return_url)}">Return to ${escapeHtml(session.return_url)}</a></p>`
      : '';
    const flow = session.flow ? `<p>Flow: <code>${escapeHtml(session.flow.type)}</code></p>` : '';
    sendPage(
      res,
      200,
      'Customer portal',
      `<h1>Customer portal</h1><table>${rows}</table>${flow}${back}` +
        '<p class="note">Switchboard serves no billing actions here: subscriptions and invoices are not modelled.</p>',
    );
    return true;
  };
}
