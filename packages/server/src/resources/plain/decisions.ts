import { catalogue, findOperation, type Operation } from '../../stripe/catalogue.js';
import type { Resource } from '../route.js';
import { plainResource } from './engine.js';
import { plainTable } from './table.js';

/**
 * The decision for each object of Stripe's API (docs/resources.md, "Decisions"): modelled with
 * behaviour by a resource of its own, plain state (table.ts), or refused with
 * operation_not_supported, and why. Generated from the routes, so it cannot drift; a test
 * compares docs/resources.md with renderDecisions().
 */
const billing =
  'Billing (invoices, subscriptions, quotes, credit notes) has behaviour nobody models here: finalizing, paying, prorating, dunning. Faked as plain state it would answer with objects that never move.';
const refusedReasons: Record<string, string> = {
  invoice: billing,
  line_item: billing,
  subscription: billing,
  subscription_item: billing,
  subscription_schedule: billing,
  usage_record: billing,
  usage_record_summary: billing,
  quote: billing,
  '/v1/quotes/{quote}/pdf': billing,
  credit_note: billing,
  credit_note_line_item: billing,
  discount: `A customer's or subscription's discount comes from applying coupons to invoices and subscriptions. ${billing}`,
  payment_source:
    "A customer's sources (cards and bank accounts on the customer, the Sources API) are the older payment flows; payment methods and tokens are modelled instead.",
  card: "A customer's sources (cards on the customer) are the older payment flows; payment methods are modelled instead.",
  source: 'The Sources API is deprecated by Stripe; payment methods are modelled instead.',
  source_mandate_notification: 'The Sources API is deprecated by Stripe.',
  source_transaction: 'The Sources API is deprecated by Stripe.',
  country_spec: "Stripe's per-country rules are data Switchboard does not carry.",
  exchange_rate: 'Exchange rates are data Switchboard does not carry.',
  'financial_connections.account':
    'Linked bank accounts come from the Financial Connections authentication flow, which is not simulated.',
  'financial_connections.account_owner':
    'Linked bank accounts come from the Financial Connections authentication flow, which is not simulated.',
  'identity.verification_report':
    'Verification reports come from a completed verification, which is not simulated.',
  'issuing.settlement':
    "Issuing settlements are the card networks' daily settlement of an Issuing program's transactions, made by Stripe's own process: with no networks to settle with, served lists would stay empty forever, and no call of Stripe's API makes one.",
  mandate: 'Mandates come from bank debits and their payment flows, which are not modelled.',
  scheduled_query_run: 'Reports (Sigma, reporting) need data runs that are not modelled.',
  'tax.calculation': 'Stripe Tax computes taxes by jurisdiction; that computation is not modelled.',
  'tax.calculation_line_item':
    'Stripe Tax computes taxes by jurisdiction; that computation is not modelled.',
  'tax.settings': 'Stripe Tax settings belong to the tax computation, which is not modelled.',
  'tax.transaction': 'Stripe Tax computes taxes by jurisdiction; that computation is not modelled.',
  'tax.transaction_line_item':
    'Stripe Tax computes taxes by jurisdiction; that computation is not modelled.',
};

/** The object an operation is about: what it answers with, or its path. */
const subject = (op: Operation) => (op.r ?? op.p).replace(/^deleted_/, '');

interface Row {
  subject: string;
  decision: 'modelled' | 'plain' | 'refused';
  served: number;
  total: number;
  where: Set<string>;
  refused: string[];
  reason: string;
}

/** The decision table's rows, one per object of the spec's v1 operations. */
export function decisions(resources: readonly Resource[]): Row[] {
  const plainRoutes = new Set(
    plainTable.flatMap((e) => plainResource(e).routes.map((r) => `${r.method} ${r.path}`)),
  );
  const servedBy = new Map<string, string>();
  for (const resource of resources)
    for (const route of resource.routes) {
      if (route.notModelled) continue;
      const op = findOperation(route.method, route.path);
      if (op)
        servedBy.set(
          op.id,
          plainRoutes.has(`${route.method} ${route.path}`) ? 'plain' : resource.name,
        );
    }
  const rows = new Map<string, Row>();
  for (const op of catalogue().operations) {
    if (op.src === 'sdk' || !op.p.startsWith('/v1/')) continue;
    const key = subject(op);
    const row =
      rows.get(key) ??
      ({
        subject: key,
        decision: 'refused',
        served: 0,
        total: 0,
        where: new Set(),
        refused: [],
        reason: '',
      } satisfies Row);
    rows.set(key, row);
    row.total++;
    const by = servedBy.get(op.id);
    if (!by) {
      row.refused.push(op.id);
      continue;
    }
    row.served++;
    row.where.add(by);
  }
  for (const row of rows.values()) {
    const entry = plainTable.find((e) => e.object === row.subject);
    if (row.where.size === 0) {
      row.reason = refusedReasons[row.subject] ?? 'Not decided yet: refused.';
    } else if (row.where.has('plain') && entry) {
      row.decision = 'plain';
      row.reason = entry.reason;
    } else {
      row.decision = 'modelled';
      row.reason = `Behaviour of its own: resources ${[...row.where].filter((w) => w !== 'plain').join(', ')}.`;
    }
    if (row.served > 0 && row.refused.length > 0)
      row.reason += ` Refused: ${row.refused.join(', ')}.`;
  }
  return [...rows.values()].sort((a, b) => a.subject.localeCompare(b.subject));
}

/** The decision table in Markdown, with its totals. */
export function renderDecisions(resources: readonly Resource[]): string {
  const rows = decisions(resources);
  const total = rows.reduce((n, r) => n + r.total, 0);
  const served = rows.reduce((n, r) => n + r.served, 0);
  const plain = rows.filter((r) => r.decision === 'plain').reduce((n, r) => n + r.served, 0);
  const lines = [
    `Of the spec's ${total} v1 operations, ${served} are served (${((100 * served) / total).toFixed(1)}%): ${served - plain} by resources with behaviour of their own, ${plain} as plain state; ${total - served} are refused with \`operation_not_supported\`.`,
    '',
    '| Object | Decision | Operations served | Reason |',
    '| ------ | -------- | ----------------- | ------ |',
    ...rows.map(
      (r) =>
        `| \`${r.subject}\` | ${r.decision} | ${r.served} of ${r.total} | ${r.reason.replace(/\|/g, '\\|')} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/** Replaces the generated part of docs/resources.md (between its markers). */
export function withDecisions(doc: string, resources: readonly Resource[]): string {
  const start = '<!-- decisions: generated by scripts/gen-resource-docs.js -->';
  const end = '<!-- end of decisions -->';
  const ignore = ['<!-- prettier-ignore-start -->', '<!-- prettier-ignore-end -->'];
  const [before, rest] = doc.split(start);
  const after = rest?.split(end)[1];
  if (before === undefined || after === undefined)
    throw new Error('docs/resources.md lacks the decision markers');
  return `${before}${start}\n${ignore[0]}\n\n${renderDecisions(resources)}\n${ignore[1]}\n${end}${after}`;
}
