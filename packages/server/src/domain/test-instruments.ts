/**
 * Stripe's test payment methods, bank accounts and card tokens, with the outcome each produces.
 * Stripe documents these values (docs.stripe.com/testing); the names are what clients send.
 */
export interface TestCard {
  brand: string;
  last4: string;
  funding: 'credit' | 'debit' | 'prepaid';
  country: string;
  /** What a charge with this card does. */
  outcome:
    | { kind: 'succeeded'; availableImmediately?: boolean }
    | { kind: 'declined'; code: string; declineCode: string; message: string };
  /**
   * 3D Secure: `always`, every payment and setup asks the cardholder to authenticate, and an
   * off-session payment fails with authentication_required; `unless-set-up`, a payment asks unless
   * the card was set up (a SetupIntent, which asks once), after which off-session payments succeed.
   */
  authentication?: 'always' | 'unless-set-up';
  /** A declining card that attaches to a customer and sets up fine: only its charges fail. */
  declinesOnlyCharges?: true;
  /** What follows a successful charge: Stripe's dispute, fraud-warning and refund-failure cards. */
  after?: AfterCharge;
  /**
   * Radar's risk evaluation, when not normal: `elevated` payments succeed and are placed in the
   * manual review queue (resources/reviews.ts).
   */
  risk?: 'elevated';
}

/** A dispute the card's issuer opens once the charge succeeds. */
export interface TestDispute {
  reason: 'fraudulent' | 'product_not_received' | 'general';
  /** An inquiry (`warning_needs_response`) withdraws no funds; a chargeback (`needs_response`) does. */
  inquiry: boolean;
  networkReasonCode: string;
}

export interface AfterCharge {
  dispute?: TestDispute;
  /** The issuer sends an early fraud warning (`radar.early_fraud_warning.created`). */
  earlyFraudWarning?: true;
  /** A refund of the charge succeeds, then fails (`refund.failed`). */
  refundFails?: true;
  /**
   * Connect's trigger cards (docs.stripe.com/connect/testing#trigger-cards): a charge made on or
   * on behalf of a connected account asks the account for more information, and with a block
   * disables its charges or payouts until it is given (resources/accounts.ts triggerRequirements).
   */
  accountTrigger?: AccountTrigger;
}

export type AccountTrigger = 'next_requirements' | 'charge_block' | 'payout_block';

const declined = (
  declineCode: string,
  message: string,
  code = 'card_declined',
): TestCard['outcome'] => ({
  kind: 'declined',
  code,
  declineCode,
  message,
});

const visa = (
  last4: string,
  outcome: TestCard['outcome'],
  funding: TestCard['funding'] = 'credit',
): TestCard => ({
  brand: 'visa',
  last4,
  funding,
  country: 'US',
  outcome,
});

/** A visa that succeeds, then does `after` (docs.stripe.com/testing: disputes, refunds). */
const visaThen = (last4: string, after: AfterCharge): TestCard => ({
  ...visa(last4, { kind: 'succeeded' }),
  after,
});

export const testCards: Record<string, TestCard> = {
  pm_card_visa: visa('4242', { kind: 'succeeded' }),
  pm_card_visa_debit: visa('5556', { kind: 'succeeded' }, 'debit'),
  pm_card_mastercard: {
    brand: 'mastercard',
    last4: '4444',
    funding: 'credit',
    country: 'US',
    outcome: { kind: 'succeeded' },
  },
  pm_card_mastercard_debit: {
    brand: 'mastercard',
    last4: '8210',
    funding: 'debit',
    country: 'US',
    outcome: { kind: 'succeeded' },
  },
  pm_card_amex: {
    brand: 'amex',
    last4: '8431',
    funding: 'credit',
    country: 'US',
    outcome: { kind: 'succeeded' },
  },
  pm_card_discover: {
    brand: 'discover',
    last4: '1117',
    funding: 'credit',
    country: 'US',
    outcome: { kind: 'succeeded' },
  },
  pm_card_bypassPending: visa('0077', { kind: 'succeeded', availableImmediately: true }),
  pm_card_bypassPendingInternational: visa('0093', {
    kind: 'succeeded',
    availableImmediately: true,
  }),
  pm_card_chargeDeclined: visa('0002', declined('generic_decline', 'Your card was declined.')),
  pm_card_visa_chargeDeclined: visa('0002', declined('generic_decline', 'Your card was declined.')),
  pm_card_chargeDeclinedInsufficientFunds: visa(
    '9995',
    declined('insufficient_funds', 'Your card has insufficient funds.'),
  ),
  pm_card_visa_chargeDeclinedInsufficientFunds: visa(
    '9995',
    declined('insufficient_funds', 'Your card has insufficient funds.'),
  ),
  pm_card_chargeDeclinedLostCard: visa('9987', declined('lost_card', 'Your card was declined.')),
  pm_card_chargeDeclinedStolenCard: visa(
    '9979',
    declined('stolen_card', 'Your card was declined.'),
  ),
  pm_card_chargeDeclinedFraudulent: visa('0019', declined('fraudulent', 'Your card was declined.')),
  pm_card_chargeDeclinedExpiredCard: visa(
    '0069',
    declined('expired_card', 'Your card has expired.', 'expired_card'),
  ),
  pm_card_chargeDeclinedIncorrectCvc: visa(
    '0127',
    declined('incorrect_cvc', "Your card's security code is incorrect.", 'incorrect_cvc'),
  ),
  pm_card_createDispute: visaThen('0259', {
    dispute: { reason: 'fraudulent', inquiry: false, networkReasonCode: '10.4' },
  }),
  pm_card_createDisputeProductNotReceived: visaThen('2685', {
    dispute: { reason: 'product_not_received', inquiry: false, networkReasonCode: '13.1' },
  }),
  pm_card_createDisputeInquiry: visaThen('1976', {
    dispute: { reason: 'general', inquiry: true, networkReasonCode: '10.4' },
  }),
  pm_card_createIssuerFraudRecord: visaThen('5423', { earlyFraudWarning: true }),
  pm_card_refundFail: visaThen('5126', { refundFails: true }),
  pm_card_visa_triggerNextRequirements: visaThen('4202', { accountTrigger: 'next_requirements' }),
  pm_card_visa_triggerChargeBlock: visaThen('4210', { accountTrigger: 'charge_block' }),
  pm_card_visa_triggerPayoutBlock: visaThen('4236', { accountTrigger: 'payout_block' }),
  pm_card_chargeDeclinedProcessingError: visa(
    '0119',
    declined(
      'processing_error',
      'An error occurred while processing your card. Try again in a little bit.',
      'processing_error',
    ),
  ),
};

const brand = (b: string, last4: string, funding: TestCard['funding'] = 'credit'): TestCard => ({
  brand: b,
  last4,
  funding,
  country: 'US',
  outcome: { kind: 'succeeded' },
});

Object.assign(testCards, {
  pm_card_mastercard_prepaid: brand('mastercard', '5100', 'prepaid'),
  pm_card_diners: brand('diners', '0004'),
  pm_card_jcb: brand('jcb', '0505'),
  pm_card_unionpay: brand('unionpay', '0005'),
  pm_card_chargeCustomerFail: {
    ...visa('0341', declined('generic_decline', 'Your card was declined.')),
    declinesOnlyCharges: true,
  },
  pm_card_authenticationRequired: {
    ...visa('3184', { kind: 'succeeded' }),
    authentication: 'always',
  },
  pm_card_authenticationRequiredOnSetup: {
    ...visa('3155', { kind: 'succeeded' }),
    authentication: 'unless-set-up',
  },
  pm_card_threeDSecure2Required: {
    ...visa('3220', { kind: 'succeeded' }),
    authentication: 'always',
  },
  pm_card_threeDSecureRequired: {
    ...visa('3063', { kind: 'succeeded' }),
    authentication: 'always',
  },
  pm_card_threeDSecureOptional: visa('3055', { kind: 'succeeded' }),
  pm_card_riskLevelElevated: { ...visa('9235', { kind: 'succeeded' }), risk: 'elevated' },
} satisfies Record<string, TestCard>);

/**
 * Stripe's test card numbers, by the test payment method each behaves as
 * (docs.stripe.com/testing). A number not here that passes the Luhn check is a real card, which
 * test mode declines (test_mode_live_card).
 */
export const testCardNumbers: Record<string, string> = {
  '4242424242424242': 'pm_card_visa',
  '4000056655665556': 'pm_card_visa_debit',
  '5555555555554444': 'pm_card_mastercard',
  '2223003122003222': 'pm_card_mastercard',
  '5200828282828210': 'pm_card_mastercard_debit',
  '5105105105105100': 'pm_card_mastercard_prepaid',
  '378282246310005': 'pm_card_amex',
  '371449635398431': 'pm_card_amex',
  '6011111111111117': 'pm_card_discover',
  '6011000990139424': 'pm_card_discover',
  '3056930009020004': 'pm_card_diners',
  '36227206271667': 'pm_card_diners',
  '3566002020360505': 'pm_card_jcb',
  '6200000000000005': 'pm_card_unionpay',
  '4000000000000077': 'pm_card_bypassPending',
  '4000000000000002': 'pm_card_chargeDeclined',
  '4000000000009995': 'pm_card_chargeDeclinedInsufficientFunds',
  '4000000000009987': 'pm_card_chargeDeclinedLostCard',
  '4000000000009979': 'pm_card_chargeDeclinedStolenCard',
  '4100000000000019': 'pm_card_chargeDeclinedFraudulent',
  '4000000000000069': 'pm_card_chargeDeclinedExpiredCard',
  '4000000000000127': 'pm_card_chargeDeclinedIncorrectCvc',
  '4000000000000119': 'pm_card_chargeDeclinedProcessingError',
  '4000000000000341': 'pm_card_chargeCustomerFail',
  '4000002760003184': 'pm_card_authenticationRequired',
  '4000002500003155': 'pm_card_authenticationRequiredOnSetup',
  '4000000000003220': 'pm_card_threeDSecure2Required',
  '4000000000003063': 'pm_card_threeDSecureRequired',
  '4000000000003055': 'pm_card_threeDSecureOptional',
  '4000000000000259': 'pm_card_createDispute',
  '4000000000002685': 'pm_card_createDisputeProductNotReceived',
  '4000000000001976': 'pm_card_createDisputeInquiry',
  '4000000000005423': 'pm_card_createIssuerFraudRecord',
  '4000000000005126': 'pm_card_refundFail',
  '4000000000004202': 'pm_card_visa_triggerNextRequirements',
  '4000000000004210': 'pm_card_visa_triggerChargeBlock',
  '4000000000004236': 'pm_card_visa_triggerPayoutBlock',
  '4000000000009235': 'pm_card_riskLevelElevated',
};

/** Whether a card number passes the Luhn check (a mistyped number does not). */
export function luhnValid(number: string): boolean {
  if (!/^\d{12,19}$/.test(number)) return false;
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let d = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** Card tokens (`tok_...`) behave as the matching payment method. */
const tokenAliases: Record<string, string> = {
  tok_visa: 'pm_card_visa',
  tok_visa_debit: 'pm_card_visa_debit',
  tok_mastercard: 'pm_card_mastercard',
  tok_mastercard_debit: 'pm_card_mastercard_debit',
  tok_amex: 'pm_card_amex',
  tok_bypassPending: 'pm_card_bypassPending',
  tok_chargeDeclined: 'pm_card_chargeDeclined',
  tok_chargeDeclinedInsufficientFunds: 'pm_card_chargeDeclinedInsufficientFunds',
  // The trigger cards' older token names, still in Stripe's docs and sample apps.
  tok_visa_triggerVerification: 'pm_card_visa_triggerNextRequirements',
  tok_visa_triggerTransferBlock: 'pm_card_visa_triggerPayoutBlock',
};

/** The name of the test payment method a `pm_card_...` name or a test card token stands for. */
export function testCardName(name: string): string | undefined {
  if (testCards[name]) return name;
  const alias = tokenAliases[name] ?? (name.startsWith('tok_') ? `pm_card_${name.slice(4)}` : '');
  return testCards[alias] ? alias : undefined;
}

export function testCard(name: string): TestCard | undefined {
  const known = testCardName(name);
  return known ? testCards[known] : undefined;
}

/** How a card brand reads on a card or token (`Visa`), where payment methods say `visa`. */
export const brandLabels: Record<string, string> = {
  visa: 'Visa',
  mastercard: 'MasterCard',
  amex: 'American Express',
  discover: 'Discover',
  diners: 'Diners Club',
  jcb: 'JCB',
  unionpay: 'UnionPay',
};

/** Stripe's processing fee for US cards: 2.9% + 30 cents. */
export function stripeFee(amount: number): number {
  return Math.round(amount * 0.029) + 30;
}

/** What a payout to a test bank account or debit card does. */
export type PayoutOutcome = { kind: 'paid' } | { kind: 'failed'; code: string; message: string };

export interface TestBankAccount {
  routingNumber: string;
  accountNumber: string;
  payout: PayoutOutcome;
}

const fails = (code: string, message: string): PayoutOutcome => ({ kind: 'failed', code, message });

/** Account numbers with a known payout outcome (US, routing 110000000). */
export const bankAccountOutcomes: Record<string, PayoutOutcome> = {
  '000123456789': { kind: 'paid' },
  '000111111116': fails(
    'no_account',
    'The bank account details on file are probably incorrect. No bank account could be located with those details.',
  ),
  '000111111113': fails('account_closed', 'The bank account has been closed.'),
  '000222222227': fails(
    'insufficient_funds',
    'The bank account has insufficient funds to cover the debit.',
  ),
  '000333333335': fails(
    'debit_not_authorized',
    'Debit transactions are not approved on the bank account.',
  ),
  '000444444440': fails(
    'invalid_currency',
    'The bank was unable to process this payout because of its currency.',
  ),
};

/** Stripe's test ACH Direct Debit payment methods, by the account number each stands for. */
export const usBankAccountMethods: Record<string, string> = {
  pm_usBankAccount_success: '000123456789',
  pm_usBankAccount_accountClosed: '000111111113',
  pm_usBankAccount_noAccount: '000111111116',
  pm_usBankAccount_insufficientFunds: '000222222227',
  pm_usBankAccount_debitNotAuthorized: '000333333335',
};

/**
 * What a debit from a test bank account does: the account numbers that fail payouts fail debits
 * with the same codes (Stripe's ACH test numbers); any other account is debited.
 */
export function debitOutcome(accountNumber: string): PayoutOutcome {
  return bankAccountOutcomes[accountNumber] ?? { kind: 'paid' };
}

/** Bank account tokens: `btok_us` and its failing variants. */
export const bankTokens: Record<
  string,
  { country: string; currency: string; accountNumber: string }
> = {
  btok_us: { country: 'US', currency: 'usd', accountNumber: '000123456789' },
  btok_us_verified: { country: 'US', currency: 'usd', accountNumber: '000123456789' },
  btok_us_verified_noAccount: { country: 'US', currency: 'usd', accountNumber: '000111111116' },
  btok_us_verified_accountClosed: { country: 'US', currency: 'usd', accountNumber: '000111111113' },
  btok_us_verified_insufficientFunds: {
    country: 'US',
    currency: 'usd',
    accountNumber: '000222222227',
  },
  btok_us_verified_debitNotAuthorized: {
    country: 'US',
    currency: 'usd',
    accountNumber: '000333333335',
  },
  btok_us_verified_invalidCurrency: {
    country: 'US',
    currency: 'usd',
    accountNumber: '000444444440',
  },
};

/** Debit card tokens accepted as external accounts; `..._transferFail` cards fail payouts. */
export const debitCardTokens: Record<
  string,
  { brand: string; last4: string; payout: PayoutOutcome }
> = {
  tok_visa_debit: { brand: 'Visa', last4: '5556', payout: { kind: 'paid' } },
  tok_mastercard_debit: { brand: 'MasterCard', last4: '8210', payout: { kind: 'paid' } },
  tok_visa_debit_us_transferFail: {
    brand: 'Visa',
    last4: '0002',
    payout: fails('could_not_process', 'The bank could not process this payout.'),
  },
  tok_visa_debit_transferFail: {
    brand: 'Visa',
    last4: '0002',
    payout: fails('could_not_process', 'The bank could not process this payout.'),
  },
};
