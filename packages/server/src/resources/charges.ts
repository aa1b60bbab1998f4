import type Stripe from 'stripe';
import { emptyBillingDetails, listFilterTest } from './shared-params.js';
import { effect, expandParam, listParams, range, string } from '../stripe/params.js';
import { get, type Resource } from './route.js';
import { randomToken } from '../domain/ids.js';
import type { TestCard } from '../domain/test-instruments.js';
import { listVisible, parseData, requireObject } from './common.js';

export interface ChargeInput {
  id: string;
  created: number;
  livemode: boolean;
  amount: number;
  currency: string;
  card: TestCard;
  paymentMethod: string;
  paymentIntent: string;
  customer: string | null;
  description: string | null;
  metadata: Record<string, string>;
  shipping: Stripe.Charge.Shipping | null;
  receiptEmail: string | null;
  captured: boolean;
  balanceTransaction: string | null;
  applicationFeeAmount: number | null;
  transferData: Stripe.Charge.TransferData | null;
  transfer: string | null;
  onBehalfOf: string | null;
  transferGroup: string | null;
  statementDescriptor: string | null;
}

/** A card charge as Stripe renders it: succeeded, or failed with the card's decline. */
export function buildCharge(c: ChargeInput): Stripe.Charge {
  const failed = c.card.outcome.kind === 'declined' ? c.card.outcome : null;
  return {
    id: c.id,
    object: 'charge',
    amount: c.amount,
    amount_captured: c.captured && !failed ? c.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: c.applicationFeeAmount,
    balance_transaction: c.balanceTransaction,
    billing_details: emptyBillingDetails(),
    calculated_statement_descriptor: (c.statementDescriptor ?? 'SWITCHBOARD').slice(0, 22),
    captured: c.captured && !failed,
    created: c.created,
    currency: c.currency,
    customer: c.customer,
    description: c.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: failed ? failed.code : null,
    failure_message: failed ? failed.message : null,
    fraud_details: {},
    livemode: c.livemode,
    metadata: c.metadata,
    on_behalf_of: c.onBehalfOf,
    outcome: failed
      ? {
          advice_code: null,
          network_advice_code: null,
          network_decline_code: null,
          network_status: 'declined_by_network',
          reason: failed.declineCode,
          risk_level: 'normal',
          risk_score: 20,
          seller_message: 'The bank did not return any further details with this decline.',
          type: 'issuer_declined',
        }
      : {
          advice_code: null,
          network_advice_code: null,
          network_decline_code: null,
          network_status: 'approved_by_network',
          reason: null,
          risk_level: 'normal',
          risk_score: 12,
          seller_message: 'Payment complete.',
          type: 'authorized',
        },
    paid: !failed,
    payment_intent: c.paymentIntent,
    payment_method: c.paymentMethod,
    payment_method_details: {
      card: {
        amount_authorized: failed ? null : c.amount,
        brand: c.card.brand,
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
        country: c.card.country,
        exp_month: 12,
        exp_year: new Date(c.created * 1000).getUTCFullYear() + 3,
        fingerprint: randomToken(16),
        funding: c.card.funding,
        installments: null,
        last4: c.card.last4,
        mandate: null,
        network: c.card.brand,
        network_token: { used: false },
        three_d_secure: null,
        wallet: null,
      } as unknown as Stripe.Charge.PaymentMethodDetails.Card,
      type: 'card',
    } as Stripe.Charge.PaymentMethodDetails,
    receipt_email: c.receiptEmail,
    receipt_number: null,
    receipt_url: `https://pay.stripe.com/receipts/payment/${randomToken(32)}`,
    refunded: false,
    refunds: { object: 'list', data: [], has_more: false, url: `/v1/charges/${c.id}/refunds` },
    review: null,
    shipping: c.shipping,
    source: null,
    source_transfer: null,
    statement_descriptor: c.statementDescriptor,
    statement_descriptor_suffix: null,
    status: failed ? 'failed' : 'succeeded',
    transfer: c.transfer ?? undefined,
    transfer_data: c.transferData,
    transfer_group: c.transferGroup,
  } as Stripe.Charge;
}

export const charges: Resource = {
  name: 'charges',
  routes: [
    get('/v1/charges/:id', expandParam, async ({ db, caller, path }) =>
      parseData(await requireObject(db, caller, 'charge', path.id!)),
    ),
    get(
      '/v1/charges',
      {
        ...listParams,
        created: effect(range(), listFilterTest),
        customer: effect(string(), listFilterTest),
        payment_intent: effect(string(), listFilterTest),
        transfer_group: effect(string(), listFilterTest),
      },
      async ({ services, caller, params, url }) => {
        const where: Record<string, string> = {};
        if (params.customer) where.customer = params.customer;
        if (params.payment_intent) where.payment_intent = params.payment_intent;
        if (params.transfer_group) where.transfer_group = params.transfer_group;
        return listVisible(
          services.dialect,
          caller,
          url,
          { type: 'charge', where, created: params.created },
          params,
        );
      },
    ),
  ],
};
