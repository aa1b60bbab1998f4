import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

/**
 * PostgreSQL, what a delivery costs the database in a drain (issue 23):
 *
 * - `queue_workers`: each worker that takes or renews leases, with when it last did. A lease
 *   lasts at most its length past its owner's last claim or renewal, so a worker that finds no
 *   other worker seen within twice that length knows no lease on any endpoint is another's:
 *   `switchboard_claim` then skips counting other workers' leases on each endpoint it claims
 *   from. That count walked every lease on the endpoint, this worker's own included (it tops an
 *   endpoint up to hundreds): 2 ms a claim, 13.5 us a delivery in a drain of one worker
 *   (pg_stat_statements, `npm run bench:drain -- --db postgres --pg-stats`). With several workers
 *   it counts as before. Rows of workers not seen for ten lease lengths are deleted by the next
 *   claim; workers holding leases when this migration runs are seen at their leases' end.
 * - `deliveries_due` (status, next_attempt_ms) becomes `deliveries_pending` (next_attempt_ms)
 *   WHERE status = 'pending', as SQLite's 0007: a finished delivery's new row version no longer
 *   adds an entry to it (an outcome's update cannot be HOT: it changes indexed columns, so every
 *   index of the table gets an entry for the new version, except the partial ones it leaves).
 *   Its readers (queueStats, dueWork, the metrics) all ask for pending deliveries.
 * - Every claim first frees the leases that ended. That update, run whether or not one had,
 *   cost 0.5-0.7 ms a claim in the same drain (7-9 us a delivery); the claim now looks up the
 *   first lease to end (one seek into `deliveries_leased`, which leads with the lease's end
 *   instead of the endpoint) and frees leases only when it has. Counting other workers' leases
 *   on one endpoint reads the entries of leases not yet ended, the endpoint taken from the index.
 *
 * The claim is otherwise 0015's: same signature and results.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`
    CREATE TABLE queue_workers (owner text PRIMARY KEY, seen_ms bigint NOT NULL)
  `.execute(db);
  // Workers holding leases while this runs are seen as late as their leases end: counted until
  // two lease lengths after that (however long their leases are).
  await sql`
    INSERT INTO queue_workers (owner, seen_ms)
    SELECT lease_owner, max(lease_until_ms) FROM deliveries
    WHERE lease_owner IS NOT NULL AND lease_until_ms IS NOT NULL
    GROUP BY lease_owner
  `.execute(db);
  await sql`DROP INDEX deliveries_leased`.execute(db);
  await sql`
    CREATE INDEX deliveries_leased ON deliveries (lease_until_ms, endpoint_id)
    WHERE lease_until_ms IS NOT NULL
  `.execute(db);
  await sql`DROP INDEX deliveries_due`.execute(db);
  await sql`
    CREATE INDEX deliveries_pending ON deliveries (next_attempt_ms) WHERE status = 'pending'
  `.execute(db);
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
      crowded boolean;
    BEGIN
      PERFORM set_config('synchronous_commit', 'off', true);
      PERFORM pg_advisory_xact_lock(hashtextextended('switchboard:claim', 0));
      -- Workers not seen for ten lease lengths are long gone. Another seen within two lease
      -- lengths may hold leases: only then are they counted below.
      DELETE FROM queue_workers w WHERE w.seen_ms < p_real_now - 10 * (p_lease_until - p_real_now);
      crowded := EXISTS (SELECT 1 FROM queue_workers w WHERE w.owner <> p_owner
        AND w.seen_ms > p_real_now - 2 * (p_lease_until - p_real_now));
      -- Leases of workers gone (or cut off) that long: their deliveries are free again. Rows an
      -- outcome is being written for are skipped (their worker is still there). The first lease
      -- to end is looked up first (one seek into deliveries_leased, whatever the statistics say:
      -- an EXISTS planned generically with no statistics read the table), and mostly has not.
      IF (SELECT min(l.lease_until_ms) FROM deliveries l WHERE l.lease_until_ms IS NOT NULL)
          <= p_real_now THEN
        UPDATE deliveries SET lease_until_ms = NULL, lease_owner = NULL
        WHERE seq IN (
          SELECT l.seq FROM deliveries l
          WHERE l.lease_until_ms IS NOT NULL AND l.lease_until_ms <= p_real_now
            AND l.status = 'pending'
          FOR UPDATE SKIP LOCKED);
      END IF;
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
        others := 0;
        IF crowded THEN
          SELECT count(*) INTO others FROM deliveries l
          WHERE l.endpoint_id = ep.id AND l.lease_until_ms IS NOT NULL
            AND l.lease_until_ms > p_real_now AND l.status = 'pending' AND l.lease_owner <> p_owner;
        END IF;
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
      -- A worker that leased something was seen now (one that leases nothing, such as an API
      -- process's worker for listen sessions none of which is connected, is not counted).
      IF left_over < p_limit THEN
        INSERT INTO queue_workers AS w (owner, seen_ms) VALUES (p_owner, p_real_now)
          ON CONFLICT (owner) DO UPDATE SET seen_ms = excluded.seen_ms;
      END IF;
    END
    $fn$`.execute(db);
}
