import type { IncomingMessage, ServerResponse } from 'node:http';
import type Stripe from 'stripe';
import type { Mount } from '../app.js';
import { completeSession, withSessionId } from '../resources/checkout-sessions.js';
import { parseData, parseInternal } from '../resources/common.js';
import type { PaymentMethodData } from '../resources/payment-methods.js';
import { CommittedError } from '../resources/route.js';
import type { Scope } from '../scope/scope.js';
import { inTransaction, type Services } from '../services/context.js';
import type { PlatformRow } from '../storage/repositories/platforms.js';
import { StripeError } from '../stripe/errors.js';
import { formPostProblem, formToken, ownHosts } from './form-guard.js';
import { escapeHtml, findByUrl, pageWrite, readForm, sendPage, sendRedirect } from './page.js';

const PATH = /^\/checkout\/pay\/(cs_(?:test|live)_[A-Za-z0-9]+)$/;

interface Found {
  session: Stripe.Checkout.Session;
  items: Stripe.LineItem[];
  platform: PlatformRow;
  /** The session's own scope: its platform, mode and account (the session id is the credential). */
  scope: Scope;
}

/** A session by its id (the URL is its credential, as Stripe's Checkout URLs are), with its scope. */
async function findSession(services: Services, id: string): Promise<Found | undefined> {
  const found = await findByUrl(services, id, 'checkout.session');
  if (!found) return undefined;
  return {
    session: parseData(found.row),
    items: parseInternal<{ lineItems: Stripe.LineItem[] }>(found.row).lineItems,
    platform: found.platform,
    scope: found.scope,
  };
}

type Method = 'card' | 'us_bank_account' | 'sepa_debit';

/** What the form holds: the payer's email, a test card, or a test bank account. */
interface Values {
  email: string;
  method: Method;
  number: string;
  name: string;
  routing: string;
  account: string;
  iban: string;
}

const methodNames: Record<Method, string> = {
  card: 'Card',
  us_bank_account: 'US bank account',
  sepa_debit: 'SEPA Direct Debit',
};

/** The payment methods the session takes, as the page offers them. */
const methodsOf = (session: Stripe.Checkout.Session): Method[] =>
  (Object.keys(methodNames) as Method[]).filter((m) => session.payment_method_types.includes(m));

/**
 * The bank account fields, where the session takes ACH or SEPA Direct Debit (a SEPA debit shows
 * the mandate the payer accepts by paying).
 */
function bankFields(session: Stripe.Checkout.Session, values: Values, merchant: string): string {
  const methods = methodsOf(session);
  if (methods.length === 1 && methods[0] === 'card') return '';
  const checked = (m: string) => (values.method === m ? ' checked' : '');
  const radios = methods
    .map(
      (m) =>
        `<label><input type="radio" name="method" value="${m}"${checked(m)}> ${methodNames[m]}</label>`,
    )
    .join('\n');
  const holder = `<p><label>Account holder <input name="account_holder_name" value="${escapeHtml(values.name)}"></label></p>`;
  const ach = methods.includes('us_bank_account')
    ? `<p><label>Routing number <input name="routing_number" inputmode="numeric" value="${escapeHtml(values.routing)}"></label>
<label>Account number <input name="account_number" inputmode="numeric" value="${escapeHtml(values.account)}"></label></p>`
    : '';
  const sepa = methods.includes('sepa_debit')
    ? `<p><label>IBAN <input name="iban" value="${escapeHtml(values.iban)}" size="34"></label></p>
<p class="note">By paying with SEPA Direct Debit you authorise ${escapeHtml(merchant)} and Stripe to send instructions to your bank to debit your account.</p>`
    : '';
  return `<fieldset><legend>Pay with</legend>
${radios}
${holder}
${ach}
${sepa}
</fieldset>`;
}

const money = (amount: number, currency: string) =>
  `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;

/** The form: line items, total, a test card (4242 4242 4242 4242 by default). */
function renderForm(
  req: IncomingMessage,
  res: ServerResponse,
  services: Services,
  found: Found,
  status: number,
  problem: string | null,
  values: Values,
): void {
  const { session, items } = found;
  const token = formToken(
    req,
    res,
    [session.id],
    services.config.publicUrl?.startsWith('https:') ?? false,
  );
  const rows = items
    .map(
      (l) =>
        `<tr><td>${escapeHtml(l.description ?? '')}</td><td>× ${l.quantity ?? 1}</td><td>${money(l.amount_total, l.currency)}</td></tr>`,
    )
    .join('');
  const payment = session.mode === 'payment';
  const total = payment ? money(session.amount_total ?? 0, session.currency ?? 'usd') : '';
  const cancel = session.cancel_url
    ? `<p><a href="${escapeHtml(withSessionId(session.cancel_url, session.id))}">Cancel and go back</a></p>`
    : '';
  sendPage(
    res,
    status,
    `${payment ? 'Pay' : 'Set up payments for'} ${found.platform.application_name}`,
    `<h1>${payment ? `Pay ${escapeHtml(total)}` : 'Save a card'}</h1>
<p>${escapeHtml(found.platform.application_name)}${
      found.scope.accountId ? ` (<code>${escapeHtml(found.scope.accountId)}</code>)` : ''
    } — Switchboard's stand-in for Stripe Checkout, ${session.livemode ? 'live' : 'test'} mode.</p>
${rows ? `<table>${rows}</table>` : ''}
${problem ? `<p role="alert" id="error"><b>${escapeHtml(problem)}</b></p>` : ''}
<form method="post">
<input type="hidden" name="csrf_token" value="${escapeHtml(token)}">
<p><label>Email <input name="email" type="email" value="${escapeHtml(values.email)}"></label></p>
${bankFields(session, values, found.platform.application_name)}
<p><label>Card number <input name="card_number" inputmode="numeric" value="${escapeHtml(values.number)}"></label></p>
<p><label>Expiry <input name="exp" value="12 / 34" size="7"></label>
<label>CVC <input name="cvc" value="123" size="4"></label></p>
<button name="action" value="pay">${payment ? `Pay ${escapeHtml(total)}` : 'Save card'}</button>
</form>
${cancel}
<p class="note">Test cards: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0077 makes the funds
available at once, 4000 0000 0000 0002 is declined, 4000 0000 0000 9995 declines for insufficient
funds. No real card is ever charged.${
      session.payment_method_types.includes('us_bank_account')
        ? ' Test bank accounts (routing 110000000): 000123456789 is debited, 000111111116 fails (no account), 000222222227 fails (insufficient funds); a debit settles a few seconds later.'
        : ''
    }${
      session.payment_method_types.includes('sepa_debit')
        ? ' Test IBANs: AT611904300234573201 is debited, AT861904300235473202 fails, AT591904300235473203 is debited then disputed, AT321904300235473204 is debited 3 minutes later.'
        : ''
    }</p>`,
  );
}

function inactive(res: ServerResponse, session: Stripe.Checkout.Session): void {
  if (session.status === 'complete' && session.success_url)
    return sendRedirect(res, withSessionId(session.success_url, session.id));
  sendPage(
    res,
    410,
    'Session no longer active',
    `<h1>This Checkout Session is no longer active</h1><p>Its status is ${escapeHtml(session.status ?? 'unknown')}.</p>`,
  );
}

/** "12 / 34", "12/2034": month and year, or null. */
function expiry(text: string): { month: number; year: number } | null {
  const m = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(text);
  if (!m) return null;
  const year = Number(m[2]);
  return { month: Number(m[1]), year: year < 100 ? 2000 + year : year };
}

/** The payment method the form describes: the test card, or the test bank account. */
function paymentMethodData(
  values: Values,
  exp: { month: number; year: number } | null,
  cvc: string,
): PaymentMethodData {
  if (values.method === 'sepa_debit')
    return {
      type: 'sepa_debit',
      sepa_debit: { iban: values.iban },
      billing_details: { name: values.name.trim() || null, email: values.email || null },
    };
  if (values.method === 'us_bank_account')
    return {
      type: 'us_bank_account',
      us_bank_account: {
        account_holder_type: 'individual',
        account_number: values.account.trim(),
        routing_number: values.routing.trim(),
      },
      billing_details: { name: values.name.trim() || null, email: values.email || null },
    };
  return {
    type: 'card',
    card: {
      number: values.number.replace(/[\s-]/g, ''),
      exp_month: exp!.month,
      exp_year: exp!.year,
      cvc,
    },
  };
}

/**
 * `/checkout/pay/{session}`: the page a Checkout Session's `url` leads to, standing in for
 * Stripe Checkout. It shows the line items and takes a test card number; paying completes the
 * session (resources/checkout-sessions.ts) and goes to `success_url` (with
 * `{CHECKOUT_SESSION_ID}` replaced); a declined card shows Stripe's decline message and leaves
 * the session open. The form only takes posts from its own rendering (hosted/form-guard.ts).
 */
export function checkoutMount(services: Services): Mount {
  return async (req, res, path) => {
    const match = PATH.exec(path);
    if (!match || (req.method !== 'GET' && req.method !== 'POST')) return false;
    const form = req.method === 'POST' ? await readForm(req, res) : null;
    if (req.method === 'POST' && !form) return true;
    const found = await findSession(services, match[1]!);
    if (!found) {
      sendPage(res, 404, 'Unknown session', '<h1>This Checkout Session does not exist</h1>');
      return true;
    }
    const { session } = found;
    if (session.status !== 'open') {
      inactive(res, session);
      return true;
    }
    const methods = methodsOf(session);
    const chosen = form?.get('method');
    const values: Values = {
      email: form?.get('email') ?? session.customer_email ?? '',
      method: methods.find((m) => m === chosen) ?? methods[0] ?? 'card',
      number: form?.get('card_number') ?? '4242 4242 4242 4242',
      name: form?.get('account_holder_name') ?? 'Jenny Rosen',
      routing: form?.get('routing_number') ?? '110000000',
      account: form?.get('account_number') ?? '000123456789',
      iban: form?.get('iban') ?? 'AT611904300234573201',
    };
    if (!form) {
      renderForm(req, res, services, found, 200, null, values);
      return true;
    }
    const refused = formPostProblem(
      req,
      form.get('csrf_token'),
      [session.id],
      ownHosts(req, services.config.publicUrl),
    );
    if (refused) {
      renderForm(req, res, services, found, 403, `Nothing was paid: ${refused}.`, values);
      return true;
    }
    const exp = expiry(form.get('exp') ?? '');
    if (!exp && values.method === 'card') {
      renderForm(
        req,
        res,
        services,
        found,
        400,
        'Your card’s expiration date is incomplete.',
        values,
      );
      return true;
    }
    const base = pageWrite(found.platform, session.livemode, services.clock.now());
    const host = req.headers.host ?? '127.0.0.1';
    let outcome: Stripe.Checkout.Session | CommittedError;
    try {
      outcome = await inTransaction(services, { ...base, accountId: found.scope.accountId }, (w) =>
        completeSession(w, found.scope, services, host, session.id, {
          paymentMethodData: paymentMethodData(values, exp, form.get('cvc') ?? ''),
          email: values.email || null,
        }),
      );
    } catch (e) {
      if (!(e instanceof StripeError)) throw e;
      renderForm(req, res, services, found, e.status, e.body.message ?? 'Payment failed.', values);
      return true;
    }
    if (outcome instanceof CommittedError) {
      const message = outcome.error.body.message ?? 'Your card was declined.';
      renderForm(req, res, services, found, 402, message, values);
      return true;
    }
    if (outcome.success_url) sendRedirect(res, withSessionId(outcome.success_url, outcome.id));
    else if (outcome.payment_status === 'unpaid')
      sendPage(res, 200, 'Processing', '<h1>Thank you</h1><p>Your payment is processing.</p>');
    else if (outcome.mode === 'setup')
      sendPage(res, 200, 'Saved', '<h1>Thank you</h1><p>Your card was saved.</p>');
    else sendPage(res, 200, 'Paid', '<h1>Thank you</h1><p>The payment succeeded.</p>');
    return true;
  };
}
