import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

/**
 * PostgreSQL: `switchboard_claim` (0013) looks up each claimed delivery's event and its
 * `pending_webhooks` by key again. PostgreSQL pulled the LATERAL lookup of `event_pending` up
 * into a hash join over a sequential scan of the whole table (EXPLAIN of the claim's statement,
 * generic plan): every claim read one row per event ever created, a cost that grew with the
 * database (2.2 ms a claim of 3 deliveries with 2,400 events, in a steady stream of creates). The
 * lookups are now a scalar subquery and a LATERAL subquery PostgreSQL cannot pull up (OFFSET 0):
 * index scans, one per claimed delivery. Same signature and results.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`
    CREATE OR REPLACE FUNCTION switchboard_claim(
      p_now bigint, p_real_now bigint, p_lease_until bigint, p_owner text, p_limit integer,
      p_kinds text[], p_endpoint_limit integer, p_top_up integer, p_exclude text[],
      p_sessions text[], p_occupied_ids text[], p_occupied_counts integer[])
    RETURNS TABLE (id text, event_id text, endpoint_id text, attempts integer,
      first_attempt_ms bigint, one_shot integer, event_seq bigint, platform_id text,
      account_id text, livemode integer, type text, object text, api_version text, created bigint,
      created_ms bigint, data text, request_id text, idempotency_key text, object_id text,
      pending_webhooks integer, endpoint jsonb)
    LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_generic_plan AS $fn$
    #variable_conflict use_column
    DECLARE
      ep record;
      left_over integer := p_limit;
      chosen bigint[];
      others integer;
      room integer;
      taken integer;
    BEGIN
      PERFORM set_config('synchronous_commit', 'off', true);
      PERFORM pg_advisory_xact_lock(hashtextextended('switchboard:claim', 0));
      -- Leases of workers gone (or cut off) that long: their deliveries are free again. Rows an
      -- outcome is being written for are skipped (their worker is still there).
      UPDATE deliveries SET lease_until_ms = NULL, lease_owner = NULL
      WHERE seq IN (
        SELECT l.seq FROM deliveries l
        WHERE l.lease_until_ms IS NOT NULL AND l.lease_until_ms <= p_real_now
          AND l.status = 'pending'
        FOR UPDATE SKIP LOCKED);
      FOR ep IN
        WITH RECURSIVE ids(id) AS (
          (SELECT f.endpoint_id FROM deliveries f
           WHERE f.status = 'pending' AND f.lease_until_ms IS NULL
           ORDER BY f.endpoint_id LIMIT 1)
          UNION ALL
          SELECT (SELECT f.endpoint_id FROM deliveries f
                  WHERE f.status = 'pending' AND f.lease_until_ms IS NULL AND f.endpoint_id > ids.id
                  ORDER BY f.endpoint_id LIMIT 1)
          FROM ids WHERE ids.id IS NOT NULL
        )
        SELECT ids.id,
          (SELECT f.next_attempt_ms FROM deliveries f
           WHERE f.status = 'pending' AND f.lease_until_ms IS NULL AND f.endpoint_id = ids.id
           ORDER BY f.next_attempt_ms LIMIT 1) AS due,
          e.kind, e.deleted, e.status
        FROM ids LEFT JOIN endpoints e ON e.id = ids.id
        WHERE ids.id IS NOT NULL AND ids.id <> ALL(p_exclude)
        ORDER BY due
      LOOP
        EXIT WHEN left_over <= 0 OR ep.due > p_now;
        -- Deleted or disabled endpoints of any kind (to cancel their deliveries); others only of
        -- the kinds the worker sends, a listen session only when it is connected there.
        CONTINUE WHEN ep.kind IS NOT NULL AND ep.deleted = 0 AND ep.status = 'enabled'
          AND (ep.kind <> ALL(p_kinds)
            OR (p_sessions IS NOT NULL AND ep.kind = 'listen' AND ep.id <> ALL(p_sessions)));
        SELECT count(*) INTO others FROM deliveries l
        WHERE l.endpoint_id = ep.id AND l.lease_until_ms IS NOT NULL
          AND l.lease_until_ms > p_real_now AND l.status = 'pending' AND l.lease_owner <> p_owner;
        -- Alone on the endpoint, a worker may hold up to p_top_up of its deliveries (it sends at
        -- most the limit at once and queues the rest): others then see it at its limit.
        room := least(left_over,
          CASE WHEN others = 0 THEN p_top_up ELSE p_endpoint_limit - others END - coalesce(
            (SELECT sum(o.n) FROM unnest(p_occupied_ids, p_occupied_counts) AS o(id, n)
             WHERE o.id = ep.id), 0));
        CONTINUE WHEN room <= 0;
        chosen := ARRAY(
          SELECT f.seq FROM deliveries f
          WHERE f.status = 'pending' AND f.lease_until_ms IS NULL AND f.endpoint_id = ep.id
            AND f.next_attempt_ms <= p_now
          ORDER BY f.next_attempt_ms LIMIT room
          FOR UPDATE SKIP LOCKED);
        -- Events and their pending counts by key, row by row: the LATERAL subqueries are kept
        -- from being pulled up into joins (OFFSET 0, a scalar subquery), which PostgreSQL
        -- planned as a hash join over a sequential scan of the whole event_pending table.
        RETURN QUERY
        WITH leased AS (
          UPDATE deliveries d SET lease_until_ms = p_lease_until, lease_owner = p_owner
          WHERE d.seq = ANY(chosen)
          RETURNING d.seq, d.id, d.event_id, d.endpoint_id, d.attempts, d.first_attempt_ms,
            d.one_shot, d.next_attempt_ms
        )
        SELECT l.id, l.event_id, l.endpoint_id, l.attempts, l.first_attempt_ms, l.one_shot,
          v.seq, v.platform_id, v.account_id, v.livemode, v.type, v.object, v.api_version,
          v.created, v.created_ms, v.data, v.request_id, v.idempotency_key, v.object_id,
          coalesce((SELECT p.pending FROM event_pending p WHERE p.event_id = l.event_id), 0),
          CASE WHEN row_number() OVER (ORDER BY l.next_attempt_ms, l.seq) = 1
            THEN (SELECT to_jsonb(e) FROM endpoints e WHERE e.id = ep.id) END
        FROM leased l
        LEFT JOIN LATERAL (SELECT * FROM events v WHERE v.id = l.event_id OFFSET 0) v ON true
        ORDER BY l.next_attempt_ms, l.seq;
        GET DIAGNOSTICS taken = ROW_COUNT;
        left_over := left_over - taken;
      END LOOP;
    END
    $fn$`.execute(db);
}
