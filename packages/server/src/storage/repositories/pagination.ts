import type { SelectQueryBuilder } from 'kysely';
import type { Database } from '../schema.js';

export interface PageRequest {
  limit: number;
  /** seq of the `starting_after` object: return older ones. */
  afterSeq?: number | undefined;
  /** seq of the `ending_before` object: return newer ones. */
  beforeSeq?: number | undefined;
}

export interface Page<T> {
  rows: T[];
  hasMore: boolean;
}

/** Newest first, as Stripe lists: `starting_after` pages back in time, `ending_before` forward. */
export async function paginate<T extends { seq: number }, TB extends keyof Database>(
  query: SelectQueryBuilder<Database, TB, T>,
  seqColumn: `${TB & string}.seq` | 'seq',
  page: PageRequest,
): Promise<Page<T>> {
  const col = seqColumn as 'seq';
  if (page.beforeSeq !== undefined) {
    const rows = await query
      .where(col as never, '>', page.beforeSeq as never)
      .orderBy(col as never, 'asc')
      .limit(page.limit + 1)
      .execute();
    const hasMore = rows.length > page.limit;
    return { rows: rows.slice(0, page.limit).reverse(), hasMore };
  }
  let q = query;
  if (page.afterSeq !== undefined) q = q.where(col as never, '<', page.afterSeq as never);
  const rows = await q
    .orderBy(col as never, 'desc')
    .limit(page.limit + 1)
    .execute();
  return { rows: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
}
