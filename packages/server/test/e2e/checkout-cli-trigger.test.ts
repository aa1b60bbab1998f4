import { describeCliTriggers } from '../helpers/cli-triggers.js';

/**
 * The official Stripe CLI's own fixtures for Checkout, products and prices, unchanged (`stripe
 * trigger checkout.session.completed` creates a product, a price and a session, then pays it
 * through /v1/payment_pages as Stripe Checkout's page does), on the platform and with
 * --stripe-account. Its async_payment_succeeded and payment_intent.processing fixtures pay by
 * SEPA Direct Debit with Stripe's test IBANs (the debit settles 2 s later on the real clock).
 */
describeCliTriggers('stripe trigger checkout.session.*, product.*, price.* (the official CLI)', [
  'checkout.session.completed',
  'checkout.session.expired',
  'checkout.session.async_payment_succeeded',
  'payment_intent.processing',
  'product.created',
  'product.updated',
  'product.deleted',
  'price.created',
  'price.updated',
]);
