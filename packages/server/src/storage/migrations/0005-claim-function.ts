import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

/**
 * PostgreSQL: the delivery claim as a function (arguments: see ClaimArgs in storage/dialect.ts), so that a claim is one round trip. It serialises
 * claims with a transaction-level advisory lock, then (in a snapshot taken after the lock, as each
 * statement of a volatile PL/pgSQL function gets its own) leases due deliveries with
 * `FOR UPDATE SKIP LOCKED`, never more per endpoint than `p_endpoint_limit` counting the leases
 * every worker holds. The lock is released at the end of the statement: held for the claim alone,
 * not for network round trips, nor for a WAL flush (the claim commits asynchronously). dialects/postgres/postgres-dialect.ts calls it; change it only in a
 * new migration (CREATE OR REPLACE).
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`
    CREATE OR REPLACE FUNCTION switchboard_claim_deliveries(
      p_now bigint, p_real_now bigint, p_lease_until bigint, p_owner text, p_limit integer,
      p_kinds text[], p_endpoint_limit integer, p_exclude text[], p_sessions text[],
      p_held_ids text[], p_held_counts integer[])
    RETURNS TABLE (id text, event_id text, endpoint_id text, attempts integer,
      first_attempt_ms bigint, one_shot integer)
    LANGUAGE plpgsql VOLATILE AS $fn$
    #variable_conflict use_column
    BEGIN
      -- A lease is soft state: one lost in a crash only leaves its delivery unclaimed. Not waiting
      -- for the WAL flush at commit releases the lock sooner (claims serialise on it).
      PERFORM set_config('synchronous_commit', 'off', true);
      PERFORM pg_advisory_xact_lock(hashtextextended('switchboard:claim', 0));
      RETURN QUERY
      WITH leased AS (
        -- Slots taken: other workers' leases, and what this worker says it holds.
        SELECT x.endpoint_id, sum(x.n) AS n
        FROM (
          SELECT l.endpoint_id, count(*) AS n
          FROM deliveries l
          WHERE l.lease_until_ms IS NOT NULL AND l.lease_until_ms > p_real_now
            AND l.status = 'pending' AND l.lease_owner <> p_owner
          GROUP BY l.endpoint_id
          UNION ALL
          SELECT h.id, h.n FROM unnest(p_held_ids, p_held_counts) AS h(id, n)
        ) x
        GROUP BY x.endpoint_id
      ),
      candidates AS (
        SELECT c.seq, c.endpoint_id, c.next_attempt_ms
        FROM deliveries c
        WHERE c.status = 'pending'
          AND c.next_attempt_ms <= p_now
          AND (c.lease_until_ms IS NULL OR c.lease_until_ms <= p_real_now)
          AND c.endpoint_id NOT IN (
            SELECT e.id FROM endpoints e
            WHERE e.deleted = 0 AND e.status = 'enabled' AND (e.kind <> ALL(p_kinds)
              OR (p_sessions IS NOT NULL AND e.kind = 'listen' AND e.id <> ALL(p_sessions)))
          )
          AND c.endpoint_id NOT IN (SELECT b.endpoint_id FROM leased b WHERE b.n >= p_endpoint_limit)
          AND c.endpoint_id <> ALL(p_exclude)
        ORDER BY c.next_attempt_ms
        LIMIT p_limit
        FOR UPDATE OF c SKIP LOCKED
      ),
      ranked AS (
        SELECT k.seq, coalesce(l.n, 0) AS busy,
          row_number() OVER (PARTITION BY k.endpoint_id ORDER BY k.next_attempt_ms, k.seq) AS rn
        FROM candidates k LEFT JOIN leased l ON l.endpoint_id = k.endpoint_id
      )
      UPDATE deliveries d
      SET lease_until_ms = p_lease_until, lease_owner = p_owner
      FROM ranked r
      WHERE d.seq = r.seq AND r.rn + r.busy <= p_endpoint_limit
      RETURNING d.id, d.event_id, d.endpoint_id, d.attempts, d.first_attempt_ms, d.one_shot;
    END
    $fn$`.execute(db);
}
