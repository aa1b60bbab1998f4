import type Stripe from 'stripe';

/**
 * Completes a connected account's onboarding as the hosted form does (test values for what it is
 * asked; `card_payments` and `transfers` requested if it requested none): it can then take
 * charges, receive transfers and pay out, as on Stripe only an onboarded account can.
 */
export async function onboard(stripe: Stripe, account: string): Promise<Stripe.Account> {
  const res = await stripe.rawRequest(
    'POST',
    `/v1/test_helpers/accounts/${account}/complete_onboarding`,
    {},
  );
  return res as unknown as Stripe.Account;
}

/** A new connected account, onboarded (charges and payouts enabled). */
export async function onboardedAccount(
  stripe: Stripe,
  params: Stripe.AccountCreateParams = { type: 'express' },
): Promise<Stripe.Account> {
  const account = await stripe.accounts.create(params);
  return onboard(stripe, account.id);
}
