import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import {
  array,
  expandParam,
  integer,
  object,
  refused,
  required,
  string,
} from '../stripe/params.js';
import { emitEvent } from '../services/emit-event.js';
import { publicBaseUrl, writeDialect, type WriteContext } from '../services/context.js';
import { scheduleTask, type TaskPayload } from '../services/scheduler.js';
import { listOwnObjects } from '../scope/finders.js';
import type { Scope } from '../scope/scope.js';
import type { Dialect } from '../storage/dialect.js';
import { filteredList } from './list-route.js';
import { get, post, type Resource } from './route.js';
import {
  createObject,
  findObjectToChange,
  parseData,
  parseInternal,
  requireObject,
  saveObject,
} from './common.js';
import { createFile } from './files.js';

/**
 * Stripe's financial reports (`/v1/reporting`): report types for the balance and payouts
 * reports, and report runs that compute a CSV from the caller's balance transactions over
 * `parameters[interval_start, interval_end)`. The CSV is computed when the run is made (the
 * balance transactions of a past interval do not change); the run is `pending` until a task on
 * the server's clock stores it as a File (`purpose: finance_report_run`) and the run succeeds,
 * with `reporting.report_run.succeeded`.
 */
const RUN_TASK = 'reporting.report_run.run';

type Bt = Stripe.BalanceTransaction;
type Column = (bt: Bt) => string;

/** Amounts in major units, as Stripe's reports show them. */
const major = (minor: number) => (minor / 100).toFixed(2);
const utc = (seconds: number) =>
  new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19);

/** The columns of the itemized reports: each from a balance transaction. */
const itemColumns: Record<string, Column> = {
  balance_transaction_id: (bt) => bt.id,
  created_utc: (bt) => utc(bt.created),
  available_on_utc: (bt) => utc(bt.available_on),
  currency: (bt) => bt.currency,
  gross: (bt) => major(bt.amount),
  fee: (bt) => major(bt.fee),
  net: (bt) => major(bt.net),
  reporting_category: (bt) => bt.reporting_category,
  source_id: (bt) => (typeof bt.source === 'string' ? bt.source : (bt.source?.id ?? '')),
  description: (bt) => bt.description ?? '',
};

interface ReportType {
  name: string;
  columns: string[];
  /** The balance transactions the report itemizes (summaries: none, they have their own rows). */
  rows: (bt: Bt) => boolean;
}

const isPayout = (bt: Bt) => bt.reporting_category === 'payout' || bt.type === 'payout';
const itemized = [
  'balance_transaction_id',
  'created_utc',
  'available_on_utc',
  'currency',
  'gross',
  'fee',
  'net',
  'reporting_category',
  'description',
];

const reportTypes: Record<string, ReportType> = {
  'balance.summary.1': {
    name: 'Balance summary',
    columns: ['category', 'currency', 'description', 'net_amount'],
    rows: () => false,
  },
  'balance_change_from_activity.itemized.1': {
    name: 'Balance change from activity (itemized)',
    columns: itemized,
    rows: (bt) => !isPayout(bt),
  },
  'payouts.itemized.1': {
    name: 'Payouts (itemized)',
    columns: ['payout_id', ...itemized.filter((c) => c !== 'balance_transaction_id')],
    rows: isPayout,
  },
};
const SUMMARY = 'balance.summary.1';

const csvCell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const csv = (rows: string[][]) => rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';

/** The caller's balance transactions, oldest first (a report reads them all: test data). */
async function balanceTransactions(dialect: Dialect, scope: Scope): Promise<Bt[]> {
  const all: Bt[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await listOwnObjects(
      dialect,
      scope,
      { type: 'balance_transaction' },
      { limit: 100, ...(after ? { starting_after: after } : {}) },
    );
    all.push(...page.rows.map((r) => parseData<Bt>(r)));
    if (!page.hasMore) return all.reverse();
    after = all.at(-1)!.id;
  }
}

/** The summary's rows for each currency: balances at the interval's ends and what moved them. */
function summaryRows(bts: Bt[], start: number, end: number, currency?: string): string[][] {
  const out: string[][] = [];
  const currencies = [...new Set(bts.map((bt) => bt.currency))].filter(
    (c) => currency === undefined || c === currency,
  );
  for (const c of currencies.sort()) {
    const mine = bts.filter((bt) => bt.currency === c);
    const sum = (f: (bt: Bt) => boolean, v: (bt: Bt) => number) =>
      mine.filter(f).reduce((n, bt) => n + v(bt), 0);
    const inside = (bt: Bt) => bt.created >= start && bt.created < end;
    const starting = sum(
      (bt) => bt.created < start,
      (bt) => bt.net,
    );
    const activity = (bt: Bt) => inside(bt) && !isPayout(bt);
    const gross = sum(activity, (bt) => bt.amount);
    const fee = sum(activity, (bt) => -bt.fee);
    const payouts = sum(
      (bt) => inside(bt) && isPayout(bt),
      (bt) => bt.net,
    );
    const ending = starting + gross + fee + payouts;
    for (const [category, description, amount] of [
      ['starting_balance', 'Starting balance', starting],
      ['activity_gross', 'Activity before fees', gross],
      ['activity_fee', 'Less fees', fee],
      ['activity', 'Net balance change from activity', gross + fee],
      ['payouts', 'Total payouts', payouts],
      ['ending_balance', 'Ending balance', ending],
    ] as const)
      out.push([category, c, description, major(amount)]);
  }
  return out;
}

const startOfDay = (seconds: number) => seconds - (seconds % 86_400);

/** The report type as the caller sees it: its data runs from its first balance transaction. */
function renderType(id: string, bts: Bt[], nowMs: number, livemode: boolean) {
  const type = reportTypes[id]!;
  const now = Math.floor(nowMs / 1000);
  return {
    id,
    object: 'reporting.report_type' as const,
    // From the start of the (UTC) day of the first balance transaction (or of today).
    data_available_start: startOfDay(Math.min(bts[0]?.created ?? now, now) - 1),
    data_available_end: now,
    default_columns: type.columns,
    livemode,
    name: type.name,
    updated: now,
    version: 1,
  };
}

const requireType = (id: string, param = 'id') => {
  if (!reportTypes[id]) throw errors.resourceMissing('report type', id, param);
  return reportTypes[id];
};

interface RunInternal {
  csv: string;
}

/** Stores a run's CSV as a File and marks the run succeeded, with its event. */
async function finishRun(w: WriteContext, payload: TaskPayload): Promise<void> {
  const row = await findObjectToChange(w, payload.run as string);
  if (!row || row.deleted) return;
  const run = parseData<Stripe.Reporting.ReportRun>(row);
  if (run.status !== 'pending') return;
  const file = await createFile(
    w,
    payload.base as string,
    {
      name: 'file',
      filename: `${run.report_type}-${run.id}.csv`,
      contentType: 'text/csv',
      data: Buffer.from(parseInternal<RunInternal>(row).csv),
    },
    'finance_report_run',
  );
  const done: Stripe.Reporting.ReportRun = {
    ...run,
    status: 'succeeded',
    succeeded_at: Math.floor(w.now / 1000),
    result: file,
  };
  await saveObject(w.db, row.id, done);
  await emitEvent(w, { type: 'reporting.report_run.succeeded', object: done as never });
}

const notModelled = (what: string) => refused(`${what} are not modelled in reports`);

export const reporting: Resource = {
  name: 'reporting',
  routes: [
    get('/v1/reporting/report_types', expandParam, async ({ services, caller }) => {
      const bts = await balanceTransactions(services.dialect, caller);
      const data = Object.keys(reportTypes).map((id) =>
        renderType(id, bts, services.clock.now(), caller.livemode),
      );
      return { object: 'list', data, has_more: false, url: '/v1/reporting/report_types' };
    }),

    get('/v1/reporting/report_types/:id', expandParam, async ({ services, caller, path }) => {
      requireType(path.id!);
      const bts = await balanceTransactions(services.dialect, caller);
      return renderType(path.id!, bts, services.clock.now(), caller.livemode);
    }),

    post(
      '/v1/reporting/report_runs',
      {
        report_type: required(string()),
        parameters: object({
          interval_start: integer({ min: 0 }),
          interval_end: integer({ min: 0 }),
          currency: string(),
          columns: array(string()),
          reporting_category: string(),
          connected_account: notModelled('connected account filters'),
          payout: notModelled('payout reconciliation filters'),
          timezone: notModelled('time zones other than UTC'),
        }),
        ...expandParam,
      },
      async ({ w, caller, params, services, host }) => {
        const type = requireType(params.report_type, 'report_type');
        const p = params.parameters ?? {};
        const bts = await balanceTransactions(writeDialect(w), caller);
        const available = renderType(params.report_type, bts, w.now, w.livemode);
        const start = p.interval_start ?? available.data_available_start;
        const end = p.interval_end ?? available.data_available_end;
        if (end > available.data_available_end)
          throw errors.invalidRequest(
            `parameters[interval_end] must be at most ${available.data_available_end}, the end of the data available for ${params.report_type}.`,
            'parameters[interval_end]',
          );
        if (start >= end)
          throw errors.invalidRequest(
            'parameters[interval_start] must be before parameters[interval_end].',
            'parameters[interval_start]',
          );
        const isSummary = params.report_type === SUMMARY;
        if (isSummary && (p.columns || p.reporting_category))
          throw errors.invalidRequest(
            `${params.report_type} takes no columns or reporting_category.`,
            p.columns ? 'parameters[columns]' : 'parameters[reporting_category]',
          );
        const columns = p.columns ?? type.columns;
        for (const [i, c] of columns.entries())
          if (!isSummary && !itemColumns[c] && c !== 'payout_id')
            throw errors.invalidRequest(
              `${c} is not a column of ${params.report_type}: ${type.columns.join(', ')}.`,
              `parameters[columns][${i}]`,
            );
        const rows = isSummary
          ? summaryRows(bts, start, end, p.currency)
          : bts
              .filter((bt) => bt.created >= start && bt.created < end && type.rows(bt))
              .filter((bt) => p.currency === undefined || bt.currency === p.currency)
              .filter(
                (bt) =>
                  p.reporting_category === undefined ||
                  bt.reporting_category === p.reporting_category,
              )
              .map((bt) =>
                columns.map((c) =>
                  c === 'payout_id' ? itemColumns.source_id!(bt) : itemColumns[c]!(bt),
                ),
              );
        const { data } = await createObject<Stripe.Reporting.ReportRun>(w, {
          type: 'reporting.report_run',
          prefix: 'frr',
          internal: { csv: csv([columns, ...rows]) } satisfies RunInternal,
          data: (id, created) =>
            ({
              id,
              object: 'reporting.report_run',
              created,
              error: null,
              livemode: w.livemode,
              parameters: {
                ...p,
                interval_start: start,
                interval_end: end,
              },
              report_type: params.report_type,
              result: null,
              status: 'pending',
              succeeded_at: null,
            }) as Stripe.Reporting.ReportRun,
        });
        await scheduleTask(w, RUN_TASK, w.now, {
          livemode: w.livemode,
          accountId: w.accountId,
          run: data.id,
          base: publicBaseUrl(services, host),
        });
        return data;
      },
    ),

    get('/v1/reporting/report_runs/:id', expandParam, async ({ db, caller, path }) =>
      parseData(await requireObject(db, caller, 'reporting.report_run', path.id!, 'report run')),
    ),

    filteredList('/v1/reporting/report_runs', {
      type: 'reporting.report_run',
      label: 'report run',
    }),
  ],
  tasks: { [RUN_TASK]: finishRun },
};
