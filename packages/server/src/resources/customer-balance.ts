import type Stripe from 'stripe';
import type { Scope } from '../scope/scope.js';
import { requireObjectToChange } from '../scope/finders.js';
import type { WriteContext } from '../services/context.js';
import { errors } from '../stripe/errors.js';
import { parseData, saveChanged } from './common.js';

/**
 * A customer balance transaction's effect (`POST /v1/customers/{customer}/balance_transactions`,
 * a plain resource otherwise): the customer's credit `balance` moves by `amount`
 * (`customer.updated`), and a customer with no currency takes the transaction's, as Stripe's
 * spec says. Returns what the transaction shows: its type and the balance after it.
 *
 * The customer's balance is kept in its one currency: a transaction in another (Stripe keeps
 * those in `invoice_credit_balance`, which invoices spend) is refused by name.
 */
export async function adjustCustomerBalance(
  w: WriteContext,
  scope: Scope,
  customerId: string,
  amount: number,
  currency: string,
): Promise<Pick<Stripe.CustomerBalanceTransaction, 'type' | 'ending_balance'>> {
  const row = await requireObjectToChange(w, scope, 'customer', customerId, 'customer', 'customer');
  const before = parseData<Stripe.Customer>(row);
  if (before.currency && before.currency !== currency) {
    throw errors.invalidRequest(
      `The customer's balance is in ${before.currency}: a balance transaction in ${currency} ` +
        'would start a balance in a second currency, which Switchboard does not keep.',
      'currency',
    );
  }
  const after: Stripe.Customer = {
    ...before,
    balance: before.balance + amount,
    currency: before.currency ?? currency,
  };
  await saveChanged(w, row.id, before, after, 'customer.updated');
  return { type: 'adjustment', ending_balance: after.balance };
}
