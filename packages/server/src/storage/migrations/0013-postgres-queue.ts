import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

/**
 * PostgreSQL: the delivery queue's functions (dialects/postgres/queue.ts calls them; change them
 * only in a new migration, CREATE OR REPLACE), each one round trip.
 *
 * - `deliveries_free` (as SQLite's, 0006): pending deliveries nobody holds, by endpoint and due
 *   time. The claim of 0005 read `deliveries_due` (status, due time) across every endpoint, ordered
 *   and locked under a LIMIT: in a drain it spent ~20 ms a claim, 1.2 ms of PostgreSQL time a
 *   delivery (pg_stat_statements, npm run bench:drain -- --db postgres --pg-stats), the largest
 *   cost of a delivery, and the next-due query read every pending delivery (~4 ms).
 * - `switchboard_claim` (replacing 0005's `switchboard_claim_deliveries`): frees expired leases, then walks that index endpoint by endpoint (one
 *   seek each), earliest due first, and leases each due endpoint's oldest deliveries up to its
 *   room: the limit less the leases of other workers and the slots this worker says it takes;
 *   a worker alone on an endpoint tops it up beyond the limit (ClaimRequest.topUpTo), which it
 *   queues and sends at most the limit of at once, so that a backlog is claimed in rounds of
 *   ~100 rather than a few at a time.
 *   It returns them with their events and, on the first row of each endpoint, the endpoint: the
 *   worker reads nothing else. Claims are serialised by a transaction-level advisory lock, taken
 *   first, so that each sees the leases the one before committed (the limit holds across workers);
 *   they commit without waiting for the WAL flush: a lease is soft state.
 * - `switchboard_next_due`: when there is next something to claim, from the same index.
 * - `switchboard_record_outcomes`: a batch of finished attempts (a JSON document, see
 *   queue.ts; jsonb, parsed once: as json, each `->` parsed the whole document again, ~14% of
 *   PostgreSQL's CPU in a drain): the attempts (a batch written twice skips them), each delivery's new state, the
 *   end of failure streaks, and the events' pending_webhooks, rows locked in id order, events
 *   last. 2 + 2 statements a delivery before (one round trip each).
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`
    DROP FUNCTION switchboard_claim_deliveries(bigint, bigint, bigint, text, integer, text[],
      integer, text[], text[], text[], integer[])
  `.execute(db);
  await sql`
    CREATE INDEX deliveries_free ON deliveries (endpoint_id, next_attempt_ms)
    WHERE status = 'pending' AND lease_until_ms IS NULL
  `.execute(db);

  await sql`
    CREATE FUNCTION switchboard_claim(
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
        -- Events by key, row by row (LATERAL): a join may be planned as a scan of the table.
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
          coalesce(p.pending, 0),
          CASE WHEN row_number() OVER (ORDER BY l.next_attempt_ms, l.seq) = 1
            THEN (SELECT to_jsonb(e) FROM endpoints e WHERE e.id = ep.id) END
        FROM leased l
        LEFT JOIN LATERAL (SELECT * FROM events v WHERE v.id = l.event_id) v ON true
        LEFT JOIN LATERAL (SELECT * FROM event_pending p WHERE p.event_id = l.event_id) p ON true
        ORDER BY l.next_attempt_ms, l.seq;
        GET DIAGNOSTICS taken = ROW_COUNT;
        left_over := left_over - taken;
      END LOOP;
    END
    $fn$`.execute(db);

  await sql`
    CREATE FUNCTION switchboard_next_due(
      p_real_now bigint, p_kinds text[], p_exclude text[], p_sessions text[],
      OUT due bigint, OUT lease_ends bigint)
    LANGUAGE sql STABLE AS $fn$
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
      SELECT
        (SELECT min((SELECT f.next_attempt_ms FROM deliveries f
                     WHERE f.status = 'pending' AND f.lease_until_ms IS NULL
                       AND f.endpoint_id = ids.id
                     ORDER BY f.next_attempt_ms LIMIT 1))
         FROM ids LEFT JOIN endpoints e ON e.id = ids.id
         WHERE ids.id IS NOT NULL AND ids.id <> ALL(p_exclude)
           AND NOT (e.kind IS NOT NULL AND e.deleted = 0 AND e.status = 'enabled'
             AND (e.kind <> ALL(p_kinds)
               OR (p_sessions IS NOT NULL AND e.kind = 'listen' AND e.id <> ALL(p_sessions))))),
        (SELECT min(l.lease_until_ms) FROM deliveries l
         WHERE l.lease_until_ms IS NOT NULL AND l.status = 'pending')
    $fn$`.execute(db);

  await sql`
    CREATE FUNCTION switchboard_record_outcomes(p jsonb) RETURNS void
    LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_generic_plan AS $fn$
    DECLARE
      now_ms bigint := (p->>'now')::bigint;
      -- Rows are found by key through these lists: a join to the batch's rows may be planned as a
      -- scan of the whole table (it was, 5-15 ms a batch in a drain of 6,000).
      finished text[] := ARRAY(SELECT x->>'id' FROM jsonb_array_elements(p->'finished') x);
      deferred text[] := ARRAY(SELECT x->>'id' FROM jsonb_array_elements(p->'deferred') x);
      succeeded text[] := ARRAY(SELECT jsonb_array_elements_text(p->'succeeded') ORDER BY 1);
      events text[] :=
        ARRAY(SELECT x->>'event_id' FROM jsonb_array_elements(p->'delivered') x ORDER BY 1);
    BEGIN
      INSERT INTO attempts (id, delivery_id, event_id, endpoint_id, platform_id, url, started_ms,
        duration_ms, status_code, error, response_body, request_headers, outcome, next_attempt_ms,
        chaos)
      SELECT a.id, a.delivery_id, a.event_id, a.endpoint_id, a.platform_id, a.url, a.started_ms,
        a.duration_ms, a.status_code, a.error, a.response_body, a.request_headers, a.outcome,
        a.next_attempt_ms, a.chaos
      FROM jsonb_to_recordset(p->'attempts') AS a(id text, delivery_id text, event_id text,
        endpoint_id text, platform_id text, url text, started_ms bigint, duration_ms integer,
        status_code integer, error text, response_body text, request_headers text, outcome text,
        next_attempt_ms bigint, chaos text)
      ON CONFLICT (id) DO NOTHING;
      UPDATE deliveries d SET status = f.status, attempts = f.attempts,
        first_attempt_ms = f.first_attempt_ms, next_attempt_ms = f.next_attempt_ms,
        lease_until_ms = NULL, lease_owner = NULL, last_status_code = f.last_status_code,
        last_error = f.last_error, updated_ms = now_ms
      FROM jsonb_to_recordset(p->'finished') AS f(id text, status text, attempts integer,
        first_attempt_ms bigint, next_attempt_ms bigint, last_status_code integer, last_error text)
      WHERE d.id = ANY(finished) AND d.id = f.id;
      UPDATE deliveries d SET next_attempt_ms = f.next_attempt_ms, lease_until_ms = NULL,
        lease_owner = NULL, updated_ms = now_ms
      FROM jsonb_to_recordset(p->'deferred') AS f(id text, next_attempt_ms bigint)
      WHERE d.id = ANY(deferred) AND d.id = f.id;
      -- Shared with other workers' batches: locked in id order, endpoints before events.
      PERFORM 1 FROM endpoints e
      WHERE e.id = ANY(succeeded) AND e.failing_since_ms IS NOT NULL
      ORDER BY e.id FOR UPDATE;
      UPDATE endpoints e SET failing_since_ms = NULL, warned_at_ms = NULL
      WHERE e.id = ANY(succeeded) AND e.failing_since_ms IS NOT NULL;
      PERFORM 1 FROM event_pending c WHERE c.event_id = ANY(events) ORDER BY c.event_id FOR UPDATE;
      UPDATE event_pending c SET pending = c.pending - x.n
      FROM jsonb_to_recordset(p->'delivered') AS x(event_id text, n integer)
      WHERE c.event_id = ANY(events) AND c.event_id = x.event_id AND c.pending >= x.n;
    END
    $fn$`.execute(db);
}
