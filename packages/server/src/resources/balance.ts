import { expandParam, listParams, range, string } from '../stripe/params.js';
import { get, type Resource } from './route.js';
import { readBalance, releasePending } from '../services/balance.js';
import { listVisible, parseData, requireObject } from './common.js';

/** `GET /v1/balance`: available and pending funds of the caller (platform or connected account). */
export const balance: Resource = {
  name: 'balance',
  routes: [
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
        created: range(),
        type: string(),
        source: string(),
        payout: string(),
        currency: string(),
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
  ],
  tasks: { 'balance.release': releasePending },
};
