import { effect, listParams, range, required, string, type Field } from '../../stripe/params.js';
import type { RangeFilter } from '../../storage/repositories/objects.js';
import { listVisible } from '../common.js';
import { get, type Route } from '../route.js';
import { readFinancialAccount } from './ledger.js';

/** The test that checks every Treasury list's filters (test/e2e/treasury.test.ts). */
export const treasuryListTest =
  "each Treasury list shows one financial account's objects, narrowed by each filter it takes";

export interface FlowList {
  type: string;
  label: string;
  /** Members the list may be narrowed to, exact matches (`status`, `received_credit`). */
  filters?: string[];
  /** Numeric members it takes a range of, besides `created` (`effective_at`). */
  ranges?: string[];
  /** Takes a `created` range. */
  created?: boolean;
  /** Other parameters, each an effect that turns its value into exact matches on members. */
  matches?: Record<
    string,
    { field: Field<unknown>; to: (value: never) => Record<string, unknown> }
  >;
}

/**
 * `GET` of a Treasury list: `financial_account` (required, one of the caller's) and what else
 * the list takes, newest first, paged as every Stripe list.
 */
export function flowList(path: string, list: FlowList): Route {
  const shape: Record<string, Field<unknown>> = {
    ...listParams,
    financial_account: effect(required(string()), treasuryListTest),
  };
  if (list.created) shape.created = effect(range(), treasuryListTest);
  for (const name of list.filters ?? []) shape[name] = effect(string(), treasuryListTest);
  for (const name of list.ranges ?? []) shape[name] = effect(range(), treasuryListTest);
  for (const [name, m] of Object.entries(list.matches ?? {}))
    shape[name] = m.field.use === 'refused' ? m.field : effect(m.field, treasuryListTest);
  return get(path, shape, async ({ db, services, caller, params, url }) => {
    const values = params as Record<string, unknown>;
    const fa = values.financial_account as string;
    await readFinancialAccount({ db }, caller, fa);
    const where: Record<string, string> = { financial_account: fa };
    for (const name of list.filters ?? [])
      if (typeof values[name] === 'string' && values[name] !== '') where[name] = values[name];
    const ranges: Record<string, RangeFilter> = {};
    for (const name of list.ranges ?? [])
      if (values[name]) ranges[name] = values[name] as RangeFilter;
    let matches: Record<string, unknown> = {};
    for (const [name, m] of Object.entries(list.matches ?? {}))
      if (values[name] !== undefined) matches = { ...matches, ...m.to(values[name] as never) };
    return listVisible(
      services.dialect,
      caller,
      url,
      {
        type: list.type,
        where,
        matches,
        created: values.created as RangeFilter | undefined,
        ranges,
      },
      values,
      list.label,
    );
  });
}
