import type BetterSqlite3 from 'better-sqlite3';
import type { ClaimRequest, NextDue, NextDueRequest } from '../../../delivery/queue.js';
import type { EventRow } from '../../repositories/events.js';

/**
 * The SQLite claim, one endpoint at a time. A claim ordered by due time across every endpoint has
 * to scan past the backlog of each endpoint it must skip (those at their limit here): draining
 * 50,000 deliveries to one endpoint, every claim and every look for the next due time read all
 * 50,000 rows (3-4 ms each, ~40 µs of CPU per delivery). Here a claim walks the index of free
 * pending deliveries (migrations/0006) endpoint by endpoint, with one seek per endpoint that has
 * any, then leases each due endpoint's oldest deliveries up to its room.
 *
 * A worker that holds the delivery lock (QueueOptions.withoutLeases) writes no lease: it reads each due
 * endpoint's oldest index entries, leaves out the deliveries it holds, and reads the rest with
 * their events. Timed per statement draining 50,000 deliveries (docs/benchmarks.md): the lease's
 * UPDATE, the claim's commit and a query of its own for the events took 537-602 ms; these reads
 * take 252-268 ms.
 *
 * Statements are literal where they must match the partial index (`status = 'pending' AND
 * lease_until_ms IS NULL`): SQLite uses a partial index only when the query's terms imply its
 * condition, which bound parameters cannot show. They name their index (INDEXED BY): without
 * statistics the planner prefers `deliveries_due` (status, next_attempt_ms) and scans the backlog.
 */
export interface SqliteClaimer {
  /** Claims with a lease for `lease.owner` until `lease.until`, or without when `lease` is null. */
  claim(request: ClaimRequest, lease: Lease | null): ClaimedRow[];
  nextDue(request: NextDueRequest, withoutLeases: boolean): NextDue;
}

export interface Lease {
  owner: string;
  until: number;
}

/** A claimed delivery, with its event when the claim read it (without leases). */
export interface ClaimedRow {
  id: string;
  event_id: string;
  endpoint_id: string;
  attempts: number;
  first_attempt_ms: number | null;
  one_shot: number;
  event?: EventRow | null;
}

interface DueEndpoint {
  endpoint_id: string;
  due: number | null;
  kind: string | null;
  deleted: number | null;
  status: string | null;
}

const FREE = `status = 'pending' AND lease_until_ms IS NULL`;

/** A delivery with its event, as the claim without leases reads them (see bySeq). */
type RowWithEvent = [
  seq: number,
  id: string,
  event_id: string,
  endpoint_id: string,
  attempts: number,
  first_attempt_ms: number | null,
  one_shot: number,
  /** Null when the event is gone (the worker then cancels the delivery). */
  event_seq: number | null,
  platform_id: string,
  account_id: string | null,
  livemode: number,
  type: string,
  object: string,
  api_version: string | null,
  created: number,
  created_ms: number,
  data: string,
  request_id: string | null,
  idempotency_key: string | null,
  object_id: string | null,
  pending_webhooks: number,
];

function claimedDelivery(r: RowWithEvent): ClaimedRow {
  const delivery: ClaimedRow = {
    id: r[1],
    event_id: r[2],
    endpoint_id: r[3],
    attempts: r[4],
    first_attempt_ms: r[5],
    one_shot: r[6],
    event: null,
  };
  if (r[7] === null) return delivery;
  delivery.event = {
    seq: r[7],
    id: r[2],
    platform_id: r[8],
    account_id: r[9],
    livemode: r[10],
    type: r[11],
    object: r[12],
    api_version: r[13],
    created: r[14],
    created_ms: r[15],
    data: r[16],
    request_id: r[17],
    idempotency_key: r[18],
    object_id: r[19],
    pending_webhooks: r[20],
  };
  return delivery;
}

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
  const leaseOldest = raw.prepare<[number, string, string, number, number], ClaimedRow>(`
    UPDATE deliveries SET lease_until_ms = ?, lease_owner = ?
    WHERE seq IN (
      SELECT seq FROM deliveries INDEXED BY deliveries_free
      WHERE ${FREE} AND endpoint_id = ? AND next_attempt_ms <= ?
      ORDER BY next_attempt_ms LIMIT ?)
    RETURNING id, event_id, endpoint_id, attempts, first_attempt_ms, one_shot`);
  // Without leases: the row numbers of an endpoint's oldest due (or, with no time bound, oldest)
  // free deliveries, read from the index alone (it holds the endpoint, due time and rowid), then
  // the rows chosen. Reading whole rows to leave out those held cost more than the lease did.
  const oldestSeqs = raw
    .prepare<[string, number, number], number>(
      `SELECT seq FROM deliveries INDEXED BY deliveries_free
       WHERE ${FREE} AND endpoint_id = ? AND next_attempt_ms <= ?
       ORDER BY next_attempt_ms LIMIT ?`,
    )
    .pluck();
  const oldestDue = raw.prepare<[string, number], { seq: number; due: number }>(`
    SELECT seq, next_attempt_ms AS due FROM deliveries INDEXED BY deliveries_free
    WHERE ${FREE} AND endpoint_id = ?
    ORDER BY next_attempt_ms LIMIT ?`);
  // The rows chosen, each with its event (as findEvents reads it), as arrays: a query of its own
  // for the events, building an object per row, cost 5.4 µs a delivery against 2.3 µs here.
  const bySeq = raw
    .prepare<[string], RowWithEvent>(
      `SELECT d.seq, d.id, d.event_id, d.endpoint_id, d.attempts, d.first_attempt_ms, d.one_shot,
         e.seq, e.platform_id, e.account_id, e.livemode, e.type, e.object, e.api_version,
         e.created, e.created_ms, e.data, e.request_id, e.idempotency_key, e.object_id,
         coalesce(p.pending, 0)
       FROM deliveries d
       LEFT JOIN events e ON e.id = d.event_id
       LEFT JOIN event_pending p ON p.event_id = d.event_id
       WHERE d.seq IN (SELECT value FROM json_each(?))`,
    )
    .raw();
  const seqsOf = raw.prepare<[string], { id: string; seq: number }>(
    `SELECT id, seq FROM deliveries WHERE id IN (SELECT value FROM json_each(?))`,
  );
  // The row number of each delivery claimed without a lease, while the worker holds it.
  const seqOf = new Map<string, number>();
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
  function eligible(e: DueEndpoint, a: NextDueRequest, withoutLeases: boolean): boolean {
    // Without leases, only the kinds this worker sends: a process that sends the others (listen
    // sessions, in an API process) may be claiming them, with leases.
    if (withoutLeases && e.kind !== null && !a.kinds.includes(e.kind)) return false;
    if (e.kind === null || e.deleted !== 0 || e.status !== 'enabled') return true;
    if (!a.kinds.includes(e.kind)) return false;
    if (e.kind === 'listen' && a.listenSessions) return a.listenSessions.includes(e.endpoint_id);
    return true;
  }

  /** The endpoints this worker may take free deliveries of now, each with its earliest due time. */
  function candidates(
    a: NextDueRequest,
    withoutLeases: boolean,
  ): Array<DueEndpoint & { due: number }> {
    const excluded = new Set(a.excludeEndpoints);
    return dueEndpoints
      .all()
      .filter((e): e is DueEndpoint & { due: number } => e.due !== null)
      .filter((e) => !excluded.has(e.endpoint_id) && eligible(e, a, withoutLeases));
  }

  /**
   * What the worker holds without a lease: how many deliveries of each endpoint, and their row
   * numbers. Forgets the row numbers of deliveries it no longer holds.
   */
  function heldRows(heldIds: ReadonlyMap<string, string>): {
    byEndpoint: Map<string, number>;
    seqs: Set<number>;
  } {
    const byEndpoint = new Map<string, number>();
    for (const endpointId of heldIds.values())
      byEndpoint.set(endpointId, (byEndpoint.get(endpointId) ?? 0) + 1);
    for (const id of seqOf.keys()) if (!heldIds.has(id)) seqOf.delete(id);
    // Deliveries held but not claimed here (none when the worker claims only through here).
    const unknown = [...heldIds.keys()].filter((id) => !seqOf.has(id));
    if (unknown.length > 0)
      for (const { id, seq } of seqsOf.all(JSON.stringify(unknown))) seqOf.set(id, seq);
    return { byEndpoint, seqs: new Set(seqOf.values()) };
  }

  /**
   * Without leases: the endpoint's `room` oldest deliveries due by `now` that the worker does not
   * hold. The ones it holds are mostly the oldest, so reading `held` more entries finds them.
   */
  function oldestNotHeld(
    endpointId: string,
    now: number,
    room: number,
    held: { byEndpoint: Map<string, number>; seqs: Set<number> },
  ): ClaimedRow[] {
    const seqs = oldestSeqs
      .all(endpointId, now, room + (held.byEndpoint.get(endpointId) ?? 0))
      .filter((seq) => !held.seqs.has(seq))
      .slice(0, room);
    if (seqs.length === 0) return [];
    const rows = new Map(bySeq.all(JSON.stringify(seqs)).map((r) => [r[0], r]));
    const claimed: ClaimedRow[] = [];
    // In the order read: the oldest first.
    for (const seq of seqs) {
      const row = rows.get(seq);
      if (!row) continue;
      const delivery = claimedDelivery(row);
      seqOf.set(delivery.id, seq);
      claimed.push(delivery);
    }
    return claimed;
  }

  /** Without leases: the earliest due time of the endpoint's deliveries the worker does not hold. */
  function dueNotHeld(
    endpointId: string,
    held: { byEndpoint: Map<string, number>; seqs: Set<number> },
  ): number | null {
    const limit = (held.byEndpoint.get(endpointId) ?? 0) + 1;
    return oldestDue.all(endpointId, limit).find((r) => !held.seqs.has(r.seq))?.due ?? null;
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

  const claim = raw.transaction((a: ClaimRequest, lease: Lease | null): ClaimedRow[] => {
    freeEndedLeases(a.realNow, lease?.until ?? Infinity);
    const due = candidates(a, lease === null)
      .filter((e) => e.due <= a.now)
      .sort((x, y) => x.due - y.due);
    const heldWithoutLease = lease === null ? heldRows(a.held) : null;
    const claimed: ClaimedRow[] = [];
    for (const e of due) {
      const left = a.limit - claimed.length;
      if (left <= 0) break;
      const occupied = a.occupied.get(e.endpoint_id) ?? 0;
      const room = Math.min(left, a.topUpTo - occupied);
      if (room <= 0) continue;
      if (heldWithoutLease) {
        claimed.push(...oldestNotHeld(e.endpoint_id, a.now, room, heldWithoutLease));
      } else {
        claimed.push(...leaseOldest.all(lease!.until, lease!.owner, e.endpoint_id, a.now, room));
      }
    }
    return claimed;
  });

  return {
    // Without leases a claim only reads (and frees ended leases of other processes' workers once
    // a second): a deferred transaction, which commits nothing when nothing was written.
    claim: (a, lease) => (lease === null ? claim.deferred(a, null) : claim.immediate(a, lease)),
    nextDue(a, withoutLeases) {
      const held = withoutLeases ? heldRows(a.held) : null;
      const dues: number[] = [];
      for (const e of candidates(a, withoutLeases)) {
        if (held?.byEndpoint.has(e.endpoint_id)) {
          const due = dueNotHeld(e.endpoint_id, held);
          if (due !== null) dues.push(due);
        } else dues.push(e.due);
      }
      const due = dues.length > 0 ? Math.min(...dues) : null;
      return { due, leaseEnds: leaseEnds.get()?.ends ?? null };
    },
  };
}
