import type Stripe from 'stripe';
import type { Mount } from '../app.js';
import { setLinkState, type LoginLinkInternal } from '../resources/account-links.js';
import { findObjectToChange, parseData, parseInternal } from '../resources/common.js';
import { readBalance } from '../services/balance.js';
import { inTransaction, type Services } from '../services/context.js';
import { listObjects } from '../storage/repositories/objects.js';
import { findPlatformAccount } from '../scope/finders.js';
import { escapeHtml, findLink, linkScope, pageWrite, sendPage } from './page.js';

const PATH = /^\/express\/login\/(loginlink_[A-Za-z0-9]+)$/;

const money = (amounts: Array<{ amount: number; currency: string }>) =>
  amounts.length === 0
    ? '0'
    : amounts.map((a) => `${(a.amount / 100).toFixed(2)} ${a.currency.toUpperCase()}`).join(', ');

/**
 * The page a login link leads to (resources/account-links.ts): a read-only stand-in for the Express
 * Dashboard of one account, with what its owner would check there: whether it can take charges and
 * receive payouts, what it still has to provide, its bank accounts, balance and recent payouts.
 * A login link works once, within 5 minutes of its creation.
 */
export function expressDashboardMount(services: Services): Mount {
  return async (req, res, path) => {
    const match = PATH.exec(path);
    if (!match || req.method !== 'GET') return false;
    const token = match[1]!;
    const found = await findLink(services, token, 'login_link');
    if (!found) {
      sendPage(res, 404, 'Unknown link', '<h1>This link does not exist</h1>');
      return true;
    }
    const { link, platform } = found;
    const now = services.clock.now();
    const base = pageWrite(platform, link.livemode === 1, now);
    // Opening uses the link up (the write); what the page shows is only read.
    const opened = await inTransaction(
      services,
      base,
      async (w): Promise<{ account?: string; gone?: string }> => {
        const row = (await findObjectToChange(w, token))!;
        const state = parseInternal<LoginLinkInternal>(row);
        if (state.expires_at !== undefined && Math.floor(now / 1000) > state.expires_at)
          return { gone: 'It expired: login links work for 5 minutes.' };
        if (state.state === 'opened') return { gone: 'It was already used.' };
        await setLinkState(w, row, 'opened');
        return { account: state.account };
      },
    );
    const accountRow = opened.account
      ? await findPlatformAccount(services.dialect.db, linkScope(platform, link), opened.account)
      : undefined;
    if (!accountRow || accountRow.deleted === 1) {
      sendPage(
        res,
        410,
        'Link no longer valid',
        `<h1>This login link is no longer valid</h1><p>${escapeHtml(opened.gone ?? 'Its account is gone.')} Ask the platform for a new one.</p>`,
      );
      return true;
    }
    const scope = { accountId: accountRow.id, livemode: link.livemode === 1 };
    const recent = await listObjects(
      services.dialect,
      { platformId: platform.id, type: 'payout', ...scope },
      { limit: 10 },
    );
    const account = parseData<Stripe.Account>(accountRow);
    const balance = await readBalance({ db: services.dialect.db, platform }, scope);
    const payouts = recent.rows.map((p) => parseData<Stripe.Payout>(p));
    const yes = (b: boolean | undefined) => (b ? 'yes' : 'no');
    const due = account.requirements?.currently_due ?? [];
    const banks = (account.external_accounts?.data ?? []).map(
      (b) =>
        `<li>${escapeHtml(b.object === 'bank_account' ? (b.bank_name ?? 'Bank account') : 'Card')} ····${escapeHtml(b.last4)}${b.default_for_currency ? ' (default)' : ''}</li>`,
    );
    const payoutRows = payouts.map(
      (p) =>
        `<tr><td><code>${escapeHtml(p.id)}</code></td><td>${money([p])}</td><td>${escapeHtml(p.status)}</td><td>${new Date(p.arrival_date * 1000).toISOString().slice(0, 10)}</td></tr>`,
    );
    sendPage(
      res,
      200,
      `${account.id}: Express Dashboard`,
      `<h1>${escapeHtml(account.email ?? account.id)}</h1>
<p>Connected to <b>${escapeHtml(platform.application_name)}</b> as <code>${escapeHtml(account.id)}</code>
(Switchboard's stand-in for the Express Dashboard, ${link.livemode === 1 ? 'live' : 'test'} mode).</p>
<table>
<tr><th>Charges enabled</th><td>${yes(account.charges_enabled)}</td></tr>
<tr><th>Payouts enabled</th><td>${yes(account.payouts_enabled)}</td></tr>
<tr><th>Details submitted</th><td>${yes(account.details_submitted)}</td></tr>
<tr><th>Available</th><td>${money(balance.available)}</td></tr>
<tr><th>Pending</th><td>${money(balance.pending)}</td></tr>
</table>
<h2>Still due</h2>${
        due.length
          ? `<ul>${due.map((f) => `<li><code>${escapeHtml(f)}</code></li>`).join('')}</ul>`
          : '<p>Nothing.</p>'
      }
<h2>Bank accounts and cards</h2>${banks.length ? `<ul>${banks.join('')}</ul>` : '<p>None.</p>'}
<h2>Recent payouts</h2>${
        payoutRows.length
          ? `<table><tr><th>Payout</th><th>Amount</th><th>Status</th><th>Arrives</th></tr>${payoutRows.join('')}</table>`
          : '<p>None.</p>'
      }`,
    );
    return true;
  };
}
