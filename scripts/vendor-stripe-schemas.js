// Copies the Stripe OpenAPI component schemas the tests validate against (and everything they
// reference) from ../shared/stripe-openapi/spec3.2023-09-12.json into the repository, so the
// schema tests run on a machine without ../shared. Run after `npm run build` (it reads the plain
// resources' table from dist): `node scripts/vendor-stripe-schemas.js`.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { sharedDir } from './shared-dir.js';
import { plainTable } from '../packages/server/dist/resources/plain/table.js';

const source = `${sharedDir()}/stripe-openapi/spec3.2023-09-12.json`;
const target = new URL('../packages/server/test/fixtures/stripe-schemas.json', import.meta.url);
const roots = [
  'account',
  'account_link',
  'account_session',
  'login_link',
  'application',
  'balance',
  'bank_account',
  'card',
  'charge',
  'customer',
  'deleted_account',
  'deleted_customer',
  'deleted_external_account',
  'deleted_person',
  'deleted_webhook_endpoint',
  'event',
  'payment_intent',
  'payout',
  'person',
  'webhook_endpoint',
  'capability',
  'balance_transaction',
  'refund',
  'transfer',
  'payment_method',
  'topup',
  'application_fee',
  'checkout.session',
  'item',
  'product',
  'price',
  'deleted_product',
  'token',
  'setup_intent',
  'setup_attempt',
  'ephemeral_key',
  'terminal.connection_token',
  'tax_rate',
  'coupon',
  'deleted_coupon',
  'fee_refund',
  // Identity (resources/identity.ts).
  'identity.verification_session',
  'identity.verification_report',
  // Customer cash balances (resources/cash-balances.ts).
  'cash_balance',
  'customer_cash_balance_transaction',
  'funding_instructions',
  'dispute',
  'radar.early_fraud_warning',
  'review',
  'issuing.authorization',
  'issuing.transaction',
  'issuing.dispute',
  // Treasury (resources/treasury/).
  'treasury.financial_account',
  'treasury.financial_account_features',
  'treasury.inbound_transfer',
  'treasury.outbound_payment',
  'treasury.outbound_transfer',
  'treasury.received_credit',
  'treasury.received_debit',
  'treasury.credit_reversal',
  'treasury.debit_reversal',
  'treasury.transaction',
  'treasury.transaction_entry',
  // Issue 21's data group: portal sessions, tax codes, Apps secrets, country specs, reporting.
  'billing_portal.session',
  'tax_code',
  'apps.secret',
  'country_spec',
  'reporting.report_type',
  'reporting.report_run',
  'file',
  // Every plain resource's object, and its deleted form where Stripe has one.
  ...plainTable.flatMap((e) => [e.object, `deleted_${e.object}`]),
];

const spec = JSON.parse(readFileSync(source, 'utf8'));
const all = spec.components.schemas;
const keep = {};
const queue = [...roots];
while (queue.length) {
  const name = queue.pop();
  if (keep[name] || !all[name]) continue;
  keep[name] = all[name];
  JSON.stringify(all[name], (k, v) => {
    if (k === '$ref' && typeof v === 'string') queue.push(v.split('/').pop());
    return v;
  });
}
// Descriptions are most of the size and play no part in validation.
const strip = (node, inProperties = false) => {
  if (Array.isArray(node)) return node.map((n) => strip(n));
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k]) => inProperties || k !== 'description')
      .map(([k, v]) => [k, strip(v, !inProperties && k === 'properties')]),
  );
};
mkdirSync(new URL('.', target), { recursive: true });
writeFileSync(
  target,
  JSON.stringify({
    source: 'stripe/openapi spec3.2023-09-12.json (API 2023-08-16), components.schemas subset',
    schemas: Object.fromEntries(Object.entries(keep).map(([k, v]) => [k, strip(v)])),
  }),
);
console.log(`vendored ${Object.keys(keep).length} schemas`);
