import { describeCliTriggers } from '../helpers/cli-triggers.js';

/**
 * The official Stripe CLI's own fixtures for Issuing's spending events, unchanged, on the platform
 * and with --stripe-account. issuing_authorization.request(.eu, .gb) asks through Stripe's older
 * card test route (POST /v1/issuing/cards/{card}/test/authorizations, held_amount): a real-time
 * request the platform answers (approve or decline) or that times out declined; the transaction
 * fixtures force-capture on a card (with a receipt for purchase_details_receipt_updated).
 */
describeCliTriggers(
  'stripe trigger for Issuing authorizations and transactions (the official CLI)',
  [
    'issuing_authorization.request',
    ['issuing_authorization.request.eu', 'issuing_authorization.request'],
    ['issuing_authorization.request.gb', 'issuing_authorization.request'],
    'issuing_transaction.created',
    'issuing_transaction.updated',
    'issuing_transaction.purchase_details_receipt_updated',
  ],
);
