import { describeCliTriggers } from '../helpers/cli-triggers.js';

/**
 * The official Stripe CLI's own fixtures for the plain resources' events, unchanged (`stripe
 * trigger plan.created` creates a plan with its product inline; promotion_code.created a coupon
 * and a promotion code for it), on the platform and with --stripe-account. The CLI's identity
 * fixtures send `return_url`, where a session's verification page goes back to (identity.ts).
 */
describeCliTriggers('stripe trigger for the plain resources (the official CLI)', [
  'coupon.created',
  'coupon.updated',
  'coupon.deleted',
  'tax_rate.created',
  'tax_rate.updated',
  'promotion_code.created',
  'promotion_code.updated',
  'plan.created',
  'plan.updated',
  'plan.deleted',
  'billing_portal.configuration.created',
  'billing_portal.configuration.updated',
  'billing_portal.session.created',
  'reporting.report_run.succeeded',
  'issuing_cardholder.created',
  'issuing_card.created',
  'invoiceitem.created',
  'identity.verification_session.created',
  'identity.verification_session.canceled',
  'identity.verification_session.redacted',
]);
