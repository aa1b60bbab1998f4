import type { ServerResponse } from 'node:http';
import type Stripe from 'stripe';
import type { Mount } from '../app.js';
import {
  completeOnboarding,
  setLinkState,
  type AccountLinkInternal,
} from '../resources/account-links.js';
import { findObjectToChange, parseData, parseInternal } from '../resources/common.js';
import { inTransaction, type Services } from '../services/context.js';
import { findPlatformAccount } from '../scope/finders.js';
import {
  escapeHtml,
  findLink,
  linkScope,
  pageWrite,
  readForm,
  sendPage,
  sendRedirect,
} from './page.js';

const PATH = /^\/connect\/setup\/(acctlink_[A-Za-z0-9]+)$/;

/** Where a link that cannot be used any more sends the user: its refresh_url, or a page. */
function gone(res: ServerResponse, link: AccountLinkInternal, why: string): void {
  if (link.refresh_url) return sendRedirect(res, link.refresh_url);
  sendPage(res, 410, 'Link no longer valid', `<h1>This link is no longer valid</h1><p>${why}</p>`);
}

/**
 * The page an account link leads to (resources/account-links.ts): Stripe's hosted onboarding,
 * reduced to one form. Opening it uses up the link, as on Stripe; submitting it fills in the
 * account with test data (what is currently due, a test bank account if one is due) and returns
 * to the link's `return_url`; leaving returns there unchanged.
 */
export function onboardingMount(services: Services): Mount {
  return async (req, res, path) => {
    const match = PATH.exec(path);
    if (!match || (req.method !== 'GET' && req.method !== 'POST')) return false;
    const token = match[1]!;
    const form = req.method === 'POST' ? await readForm(req, res) : null;
    if (req.method === 'POST' && !form) return true;
    const ip = req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
    const now = services.clock.now();
    const found = await findLink(services, token, 'account_link');
    if (!found) {
      sendPage(res, 404, 'Unknown link', '<h1>This link does not exist</h1>');
      return true;
    }
    const { link, platform } = found;
    const base = pageWrite(platform, link.livemode === 1, now);
    type Outcome =
      | { kind: 'gone'; link: AccountLinkInternal; why: string }
      | { kind: 'form'; link: AccountLinkInternal; account: Stripe.Account }
      | { kind: 'redirect'; url: string }
      | { kind: 'done' };
    const outcome = await inTransaction(services, base, async (w): Promise<Outcome> => {
      const row = (await findObjectToChange(w, token))!;
      const state = parseInternal<AccountLinkInternal>(row);
      const expiresAt = parseData<Stripe.AccountLink>(row).expires_at;
      if (Math.floor(now / 1000) > expiresAt)
        return { kind: 'gone', link: state, why: 'It expired.' };
      if (state.state === 'used') return { kind: 'gone', link: state, why: 'It was used.' };
      if (req.method === 'GET') {
        if (state.state === 'opened')
          return { kind: 'gone', link: state, why: 'It was already opened.' };
        await setLinkState(w, row, 'opened');
        const account = await findPlatformAccount(w.db, linkScope(platform, row), state.account);
        if (!account || account.deleted !== 0)
          return { kind: 'gone', link: state, why: 'Its account is deleted or disconnected.' };
        return { kind: 'form', link: state, account: parseData<Stripe.Account>(account) };
      }
      await setLinkState(w, row, 'used');
      if (form?.get('action') === 'submit') await completeOnboarding(w, state.account, ip);
      return state.return_url ? { kind: 'redirect', url: state.return_url } : { kind: 'done' };
    });
    if (outcome.kind === 'gone') gone(res, outcome.link, outcome.why);
    else if (outcome.kind === 'redirect') sendRedirect(res, outcome.url);
    else if (outcome.kind === 'done')
      sendPage(res, 200, 'Done', '<h1>Done</h1><p>You can close this page.</p>');
    else {
      const due = outcome.account.requirements?.currently_due ?? [];
      const items = due.length
        ? `<ul>${due.map((f) => `<li><code>${escapeHtml(f)}</code></li>`).join('')}</ul>`
        : '<p>Nothing is due.</p>';
      sendPage(
        res,
        200,
        `${platform.application_name}: account setup`,
        `<h1>Set up ${escapeHtml(outcome.account.id)}</h1>
<p><b>${escapeHtml(platform.application_name)}</b> asks you to ${
          outcome.link.type === 'account_update' ? 'update' : 'complete'
        } this account (Switchboard's stand-in for Stripe's hosted onboarding, ${
          link.livemode === 1 ? 'live' : 'test'
        } mode).</p>
<p>Currently due:</p>${items}
<form method="post">
<button name="action" value="submit">Fill in test data and submit</button>
<button name="action" value="leave">Leave without submitting</button>
</form>
<p class="note">Submitting provides every due field with Stripe's test values (Jenny Rosen, date of
birth 1901-01-01, address <code>address_full_match</code>) and a test bank account
(<code>btok_us</code>), then returns to the platform.</p>`,
      );
    }
    return true;
  };
}
