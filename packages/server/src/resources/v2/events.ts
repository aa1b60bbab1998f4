import type { Kysely } from 'kysely';
import { errors } from '../../stripe/errors.js';
import { array, integer, object, string } from '../../stripe/params.js';
import { get, RawJson, type Caller, type Resource } from '../route.js';
import { applyRange } from '../../storage/repositories/objects.js';
import { paginate } from '../../storage/repositories/pagination.js';
import type { Database } from '../../storage/schema.js';
import { decodePage, toSeconds, v2List } from './pages.js';
import { retentionStart } from '../../domain/retention.js';

/**
 * `/v2/core/events`: thin events with their full data, for the caller's own scope or, with
 * Stripe-Context, one connected account's. Listing covers the retention window (30 days).
 */
async function requireThinEvent(db: Kysely<Database>, caller: Caller, id: string) {
  const row = await db
    .selectFrom('events')
    .selectAll()
    .where('id', '=', id)
    .where('platform_id', '=', caller.platform.id)
    .where('account_id', caller.accountId === null ? 'is' : '=', caller.accountId)
    .executeTakeFirst();
  if (!row || row.object !== 'v2.core.event' || row.livemode !== (caller.livemode ? 1 : 0)) {
    throw errors.invalidRequest(`No such event: '${id}'`, 'id', 'not_found', 404);
  }
  return row;
}

export const v2Events: Resource = {
  name: 'v2.core.events',
  routes: [
    get(
      '/v2/core/events/:id',
      {},
      async ({ db, caller, path }) =>
        new RawJson((await requireThinEvent(db, caller, path.id!)).data),
      {
        permission: 'events:read',
      },
    ),
    get(
      '/v2/core/events',
      {
        limit: integer({ min: 1, max: 100 }),
        page: string(),
        object_id: string(),
        types: array(string({ maxLength: 200 }), { max: 20 }),
        created: object({ gt: string(), gte: string(), lt: string(), lte: string() }),
      },
      async ({ db, caller, params: p, url, now, services }) => {
        let q = db
          .selectFrom('events')
          .selectAll()
          .where('platform_id', '=', caller.platform.id)
          .where('object', '=', 'v2.core.event')
          .where('livemode', '=', caller.livemode ? 1 : 0)
          .where('account_id', caller.accountId === null ? 'is' : '=', caller.accountId)
          .where('created', '>=', retentionStart(now, services.config.eventRetentionDays));
        if (p.object_id) q = q.where('object_id', '=', p.object_id);
        if (p.types?.length) q = q.where('type', 'in', p.types);
        const c = p.created ?? {};
        q = applyRange(q, 'created', {
          gt: toSeconds(c.gt, 'created[gt]'),
          gte: toSeconds(c.gte, 'created[gte]'),
          lt: toSeconds(c.lt, 'created[lt]'),
          lte: toSeconds(c.lte, 'created[lte]'),
        });
        const { page: token, ...filters } = p;
        const page = await paginate(q, 'seq', {
          limit: p.limit ?? 10,
          afterSeq: decodePage(token),
        });
        return v2List(
          url,
          page.rows,
          page.hasMore,
          page.rows.map((r) => JSON.parse(r.data) as unknown),
          filters,
        );
      },
      { permission: 'events:read' },
    ),
  ],
};
