import { expandParam, onlyValues } from '../../stripe/params.js';
import { parseData, requireObject } from '../common.js';
import { get, type Route } from '../route.js';
import { ENTRY, TRANSACTION } from './ledger.js';
import { flowList } from './lists.js';

/**
 * Reading a financial account's ledger (ledger.ts writes it): its Transactions, one per money
 * movement, and their TransactionEntries, one per balance change. Both lists are newest first;
 * an entry takes effect when it is made, so ordering entries by `effective_at` is their order
 * by `created`.
 */
export const transactionRoutes: Route[] = [
  get('/v1/treasury/transactions/:id', expandParam, async ({ db, caller, path }) =>
    parseData(await requireObject(db, caller, TRANSACTION, path.id!, 'transaction')),
  ),
  flowList('/v1/treasury/transactions', {
    type: TRANSACTION,
    label: 'transaction',
    created: true,
    filters: ['status'],
    matches: {
      order_by: {
        field: onlyValues(['created'], 'ordering by posted_at is not modelled'),
        to: () => ({}),
      },
    },
  }),
  get('/v1/treasury/transaction_entries/:id', expandParam, async ({ db, caller, path }) =>
    parseData(await requireObject(db, caller, ENTRY, path.id!, 'transaction entry')),
  ),
  flowList('/v1/treasury/transaction_entries', {
    type: ENTRY,
    label: 'transaction entry',
    created: true,
    filters: ['transaction'],
    ranges: ['effective_at'],
    matches: {
      order_by: {
        field: onlyValues(['created', 'effective_at'], 'the order of a list'),
        to: () => ({}),
      },
    },
  }),
];
