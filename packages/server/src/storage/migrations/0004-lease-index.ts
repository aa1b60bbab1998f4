import type { Kysely } from 'kysely';

/**
 * Deliveries under lease, by endpoint: what a claim counts to keep each endpoint's concurrency
 * limit across workers. Partial, so it holds only the deliveries in flight, not the backlog.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('deliveries_leased')
    .on('deliveries')
    .columns(['endpoint_id', 'lease_until_ms'])
    .where('lease_until_ms', 'is not', null)
    .execute();
}
