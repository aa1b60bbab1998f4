import { describeCliTriggers } from '../helpers/cli-triggers.js';

/**
 * The official Stripe CLI's own fixtures for customer cash balances, unchanged, on the platform
 * and with --stripe-account: a customer funded with the bank transfer test helper
 * (`customer_cash_balance_transaction.created` is an alias of the same fixture), and a 20000 JPY
 * customer_balance PaymentIntent funded with 10000 (`payment_intent.partially_funded`).
 */
describeCliTriggers('stripe trigger for customer cash balances (the official CLI)', [
  'cash_balance.funds_available',
  'customer_cash_balance_transaction.created',
  'payment_intent.partially_funded',
]);
