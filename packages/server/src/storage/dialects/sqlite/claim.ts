import type BetterSqlite3 from 'better-sqlite3';
import type { ClaimArgs, ClaimedDelivery, NextDue, NextDueArgs } from '../../dialect.js';

/**
 * The SQLite claim, one endpoint at a time. A claim ordered by due time across every endpoint has
 * to scan past the backlog of each endpoint it must skip (those at their limit here): draining
 * 50,000 deliveries to one endpoint, every claim and every look for the next due time read all
 * 50,000 rows (3-4 ms each, ~40 µs of CPU per delivery). Here a claim walks the index of free
 * pending deliveries (migrations/0006) endpoint by endpoint, with one seek per endpoint that has
 * any, then leases each due endpoint's oldest deliveries up to its room.
 *
 * Statements are literal where they must match the partial index (`status = 'pending' AND
 * lease_until_ms IS NULL`): SQLite uses a partial index only when the query's terms imply its
 * condition, which bound parameters cannot show. They name their index (INDEXED BY): without
 * statistics the planner prefers `deliveries_due` (status, next_attempt_ms) and scans the backlog.
 */
export interface SqliteClaimer {
  claim(args: ClaimArgs): ClaimedDelivery[];
  nextDue(args: NextDueArgs): NextDue;
}

interface DueEndpoint {
  endpoint_id: string;
  due: number | null;
  kind: string | null;
  deleted: number | null;
  status: string | null;
}

const FREE = `status = 'pending' AND lease_until_ms IS NULL`;

export function sqliteClaimer(raw: BetterSqlite3.Database): SqliteClaimer {
  // Endpoints with free pending deliveries (a loose index scan: one seek per endpoint), the
  // earliest due time of each, and what decides whether this worker may send to it.
  const dueEndpoints = raw.prepare<[], DueEndpoint>(`
    WITH RECURSIVE ep(id) AS (
      SELECT (SELECT min(endpoint_id) FROM deliveries INDEXED BY deliveries_free WHERE ${FREE})
      UNION ALL
      SELECT (SELECT min(endpoint_id) FROM deliveries INDEXED BY deliveries_free WHERE ${FREE} AND endpoint_id > ep.id)
      FROM ep WHERE ep.id IS NOT NULL
    )
    SELECT ep.id AS endpoint_id,
      (SELECT min(next_attempt_ms) FROM deliveries INDEXED BY deliveries_free WHERE ${FREE} AND endpoint_id = ep.id) AS due,
      e.kind AS kind, e.deleted AS deleted, e.status AS status
    FROM ep LEFT JOIN endpoints e ON e.id = ep.id
    WHERE ep.id IS NOT NULL`);
  const leaseOldest = raw.prepare<[number, string, string, number, number], ClaimedDelivery>(`
    UPDATE deliveries SET lease_until_ms = ?, lease_owner = ?
    WHERE seq IN (
      SELECT seq FROM deliveries INDEXED BY deliveries_free
      WHERE ${FREE} AND endpoint_id = ? AND next_attempt_ms <= ?
      ORDER BY next_attempt_ms LIMIT ?)
    RETURNING id, event_id, endpoint_id, attempts, first_attempt_ms, one_shot`);
  const leaseEnds = raw.prepare<[], { ends: number | null }>(`
    SELECT min(lease_until_ms) AS ends FROM deliveries INDEXED BY deliveries_leased
    WHERE lease_until_ms IS NOT NULL AND status = 'pending'`);
  const freeEnded = raw.prepare<[number]>(`
    UPDATE deliveries INDEXED BY deliveries_leased SET lease_until_ms = NULL, lease_owner = NULL
    WHERE lease_until_ms IS NOT NULL AND lease_until_ms <= ? AND status = 'pending'`);

  /**
   * Whether this worker takes deliveries of the endpoint: its kind has a transport here (a listen
   * session only when connected here); deleted or disabled endpoints of any kind, to cancel them.
   */
  function eligible(e: DueEndpoint, a: NextDueArgs): boolean {
    if (e.kind === null || e.deleted !== 0 || e.status !== 'enabled') return true;
    if (!a.kinds.includes(e.kind)) return false;
    if (e.kind === 'listen' && a.listenSessions) return a.listenSessions.includes(e.endpoint_id);
    return true;
  }

  /** The endpoints this worker may take free deliveries of now, each with its earliest due time. */
  function candidates(a: NextDueArgs): Array<DueEndpoint & { due: number }> {
    const excluded = new Set(a.excludeEndpoints ?? []);
    return dueEndpoints
      .all()
      .filter((e): e is DueEndpoint & { due: number } => e.due !== null)
      .filter((e) => !excluded.has(e.endpoint_id) && eligible(e, a));
  }

  // Leases end only when their worker is gone. Ended ones are freed when a lease given here may
  // have ended, and every second for those of other processes.
  let earliestLeaseEnd = 0;
  let nextSweep = 0;
  function freeEndedLeases(realNow: number, leaseUntil: number): void {
    if (realNow >= earliestLeaseEnd || realNow >= nextSweep) {
      nextSweep = realNow + 1_000;
      freeEnded.run(realNow);
      earliestLeaseEnd = leaseEnds.get()?.ends ?? Infinity;
    }
    earliestLeaseEnd = Math.min(earliestLeaseEnd, leaseUntil);
  }

  const claim = raw.transaction((a: ClaimArgs): ClaimedDelivery[] => {
    freeEndedLeases(a.realNow, a.leaseUntil);
    const due = candidates(a)
      .filter((e) => e.due <= a.now)
      .sort((x, y) => x.due - y.due);
    const claimed: ClaimedDelivery[] = [];
    for (const e of due) {
      const left = a.limit - claimed.length;
      if (left <= 0) break;
      const held = a.heldHere?.get(e.endpoint_id) ?? 0;
      const room = Math.min(left, (a.topUpTo ?? 2 * a.endpointLimit) - held);
      if (room <= 0) continue;
      claimed.push(...leaseOldest.all(a.leaseUntil, a.owner, e.endpoint_id, a.now, room));
    }
    return claimed;
  });

  return {
    claim: (a) => claim.immediate(a),
    nextDue(a) {
      const dues = candidates(a).map((e) => e.due);
      const due = dues.length > 0 ? Math.min(...dues) : null;
      return { due, leaseEnds: leaseEnds.get()?.ends ?? null };
    },
  };
}
