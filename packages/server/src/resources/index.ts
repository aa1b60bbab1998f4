import type { Resource } from './route.js';
import { accountLinks, loginLinks, onboardingHelper } from './account-links.js';
import { accountSessions } from './account-sessions.js';
import { accounts } from './accounts.js';
import { apiKeys } from './api-keys.js';
import { appsSecrets } from './apps-secrets.js';
import { applicationFees } from './application-fees.js';
import { balance } from './balance.js';
import { billingPortalSessions } from './billing-portal-sessions.js';
import { capabilities } from './capabilities.js';
import { charges } from './charges.js';
import { checkoutSessions } from './checkout-sessions.js';
import { clock } from './clock.js';
import { connectAuthorization } from './connect-authorization.js';
import { connectSettings } from './connect-settings.js';
import { coupons } from './coupons.js';
import { customers } from './customers.js';
import { cashBalances } from './cash-balances.js';
import { customerBalancePayments } from './customer-balance-payments.js';
import { customerSources } from './customer-sources.js';
import { disputes, earlyFraudWarnings } from './disputes.js';
import { ephemeralKeys } from './ephemeral-keys.js';
import { terminalConnectionTokens } from './terminal-connection-tokens.js';
import { events } from './events.js';
import { externalAccounts } from './external-accounts.js';
import { fileLinks } from './file-links.js';
import { files } from './files.js';
import { incrementalAuthorizations } from './incremental-authorization.js';
import { issuingAuthorizations } from './issuing/authorizations.js';
import { issuingDisputes } from './issuing/disputes.js';
import { issuingTransactions } from './issuing/transactions.js';
import { mandates } from './bank-debits.js';
import { oauth } from './oauth.js';
import { paymentIntents } from './payment-intents.js';
import { paymentLinks } from './payment-links.js';
import { paymentMethods } from './payment-methods.js';
import { prices } from './prices.js';
import { products } from './products.js';
import { payouts } from './payouts.js';
import { plainResources } from './plain/engine.js';
import { plainTable } from './plain/table.js';
import { persons } from './persons.js';
import { refunds } from './refunds.js';
import { reporting } from './reporting.js';
import { restrictedKeys } from './restricted-keys.js';
import { identity } from './identity.js';
import { reviews } from './reviews.js';
import { sandboxes } from './sandboxes.js';
import { setupAttempts } from './setup-attempts.js';
import { setupIntents } from './setup-intents.js';
import { stripecliSessions } from './stripecli-sessions.js';
import { tokens } from './tokens.js';
import { switchboardEvents } from './switchboard-events.js';
import { switchboardEventTypes } from './switchboard-event-types.js';
import { taxCodesResource } from './tax-codes.js';
import { taxRates } from './tax-rates.js';
import { topups } from './topups.js';
import { transfers } from './transfers.js';
import { treasury } from './treasury/index.js';
import { webhookEndpointChaos } from './webhook-endpoint-chaos.js';
import { webhookEndpointSecrets } from './webhook-endpoint-secrets.js';
import { webhookEndpointTestEvents } from './webhook-endpoint-test-events.js';
import { webhookEndpointStats } from './webhook-endpoint-stats.js';
import { v2Accounts } from './v2/accounts.js';
import { v2EventDestinations } from './v2/event-destinations.js';
import { v2Events } from './v2/events.js';
import { webhookEndpoints } from './webhook-endpoints.js';

/** Every emulated resource. Adding one is a new file here and a line in this list. */
export const resources: Resource[] = [
  accountLinks,
  accountSessions,
  accounts,
  apiKeys,
  appsSecrets,
  applicationFees,
  balance,
  billingPortalSessions,
  capabilities,
  charges,
  checkoutSessions,
  clock,
  connectAuthorization,
  connectSettings,
  coupons,
  customers,
  cashBalances,
  customerBalancePayments,
  customerSources,
  disputes,
  earlyFraudWarnings,
  ephemeralKeys,
  terminalConnectionTokens,
  events,
  externalAccounts,
  fileLinks,
  files,
  issuingAuthorizations,
  issuingDisputes,
  issuingTransactions,
  loginLinks,
  mandates,
  oauth,
  onboardingHelper,
  paymentIntents,
  incrementalAuthorizations,
  paymentLinks,
  paymentMethods,
  prices,
  products,
  payouts,
  ...plainResources(plainTable),
  persons,
  refunds,
  reporting,
  restrictedKeys,
  reviews,
  identity,
  sandboxes,
  setupAttempts,
  setupIntents,
  stripecliSessions,
  switchboardEvents,
  switchboardEventTypes,
  tokens,
  taxCodesResource,
  taxRates,
  topups,
  transfers,
  treasury,
  webhookEndpointChaos,
  webhookEndpointSecrets,
  webhookEndpointTestEvents,
  webhookEndpointStats,
  webhookEndpoints,
  v2Accounts,
  v2EventDestinations,
  v2Events,
];
