import type { Resource } from '../route.js';
import { financialAccountRoutes } from './financial-accounts.js';
import { inboundTransferRoutes } from './inbound-transfers.js';
import { outboundPaymentRoutes, outboundTransferRoutes } from './outbound.js';
import { receivedRoutesAll, reversalTasks } from './received.js';
import { transactionRoutes } from './transactions.js';

/**
 * Stripe Treasury: financial accounts and the money that moves in and out of them, with the
 * balances, Transactions and events Stripe's test mode gives (docs/resources.md, "Treasury").
 */
export const treasury: Resource = {
  name: 'treasury',
  routes: [
    ...financialAccountRoutes,
    ...inboundTransferRoutes,
    ...outboundPaymentRoutes,
    ...outboundTransferRoutes,
    ...receivedRoutesAll,
    ...transactionRoutes,
  ],
  tasks: reversalTasks,
};
