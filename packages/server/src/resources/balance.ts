import { effect, expandParam, listParams, range, refused, string } from '../stripe/params.js';
import { listFilterTest } from './shared-params.js';
import { aliasRoutes, get, type Resource, type Route } from './route.js';
import { readBalance, releasePending } from '../services/balance.js';
import { listVisible, parseData, requireObject } from './common.js';

const balanceRoutes: Route[] = [
  get('/v1/balance', expandParam, async ({ db, caller }) =>
    readBalance(
      { db, platform: caller.platform },
      { accountId: caller.accountId, livemode: caller.livemode },
    ),
  ),
  get('/v1/balance_transactions/:id', expandParam, async ({ db, caller, path }) =>
    parseData(await requireObject(db, caller, 'balance_transaction', path.id!)),
  ),
  get(
    '/v1/balance_transactions',
    {
      ...listParams,
      created: effect(range(), listFilterTest),
      type: effect(string(), listFilterTest),
      source: effect(string(), listFilterTest),
      payout: refused('balance transactions do not record their payout yet'),
      currency: effect(string(), listFilterTest),
    },
    async ({ services, caller, params, url }) => {
      const where: Record<string, string> = {};
      if (params.type) where.type = params.type;
      if (params.source) where.source = params.source;
      if (params.currency) where.currency = params.currency;
      return listVisible(
        services.dialect,
        caller,
        url,
        { type: 'balance_transaction', where, created: params.created },
        params,
      );
    },
  ),
];

/**
 * `GET /v1/balance`: available and pending funds of the caller (platform or connected account);
 * its balance transactions, also under `/v1/balance/history`, Stripe's older name for them.
 */
export const balance: Resource = {
  name: 'balance',
  routes: [
    ...balanceRoutes,
    ...aliasRoutes(balanceRoutes, '/balance_transactions', '/balance/history'),
  ],
  tasks: { 'balance.release': releasePending },
};
