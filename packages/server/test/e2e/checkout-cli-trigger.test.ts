import { describeCliTriggers } from '../helpers/cli-triggers.js';

/**
 * The official Stripe CLI's own fixtures for Checkout, products and prices, unchanged (`stripe
 * trigger checkout.session.completed` creates a product, a price and a session, then pays it
 * through /v1/payment_pages as Stripe Checkout's page does), on the platform and with
 * --stripe-account.
 */
describeCliTriggers('stripe trigger checkout.session.*, product.*, price.* (the official CLI)', [
  'checkout.session.completed',
  'checkout.session.expired',
  'product.created',
  'product.updated',
  'product.deleted',
  'price.created',
  'price.updated',
]);
