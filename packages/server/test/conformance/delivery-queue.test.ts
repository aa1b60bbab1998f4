import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutcomeWriter, type FinishedAttempt } from '../../src/delivery/outcome-writer.js';
import type {
  ClaimRequest,
  ClaimedDelivery,
  DeliveryQueue,
  OutcomeBatch,
} from '../../src/delivery/queue.js';
import { createLogger } from '../../src/observability/logger.js';
import type { Dialect } from '../../src/storage/dialect.js';
import { findEndpoint, updateEndpoint } from '../../src/storage/repositories/endpoints.js';
import { findEvents } from '../../src/storage/repositories/events.js';
import { backend } from '../helpers/database.js';
import { openBackend, type Backend } from './backend.js';
import { NOW, deliver, deliveries, endpoint } from './queue-fixtures.js';

/**
 * The delivery queue port (delivery/queue.ts) on a real SQLite file and a real PostgreSQL database
 * (the sqlite and postgres vitest projects): claims with leases on both, claims without leases (the
 * SQLite lock holder), and the guarantees several worker processes need on PostgreSQL. No mocks.
 */
const multiProcess = backend === 'postgres';
const LEASE_MS = 60_000;

let b: Backend;

function queueOf(db: Dialect, owner = 'wrk_a', withoutLeases = false): DeliveryQueue {
  return db.deliveryQueue({ owner, leaseMs: LEASE_MS, withoutLeases });
}

function claim(q: DeliveryQueue, over: Partial<ClaimRequest> = {}): Promise<ClaimedDelivery[]> {
  return q.claim({
    now: NOW,
    realNow: Date.now(),
    limit: 100,
    kinds: ['webhook', 'destination', 'listen'],
    endpointLimit: 1000,
    topUpTo: 1000,
    excludeEndpoints: [],
    held: new Map(),
    occupied: new Map(),
    ...over,
  });
}

const ids = (claimed: ClaimedDelivery[]) => claimed.map((c) => c.id);

async function leases(db: Dialect, deliveryIds: string[]) {
  return db.db
    .selectFrom('deliveries')
    .select(['id', 'lease_owner', 'lease_until_ms'])
    .where('id', 'in', deliveryIds)
    .orderBy('id')
    .execute();
}

const silent = createLogger({ level: 'error', format: 'json', write: () => {} });

function delivered(deliveryId: string, eventId: string, endpointId: string): FinishedAttempt {
  return {
    attempt: {
      id: `wa_${deliveryId}`,
      delivery_id: deliveryId,
      event_id: eventId,
      endpoint_id: endpointId,
      platform_id: 'acct_conf',
      url: null,
      started_ms: NOW,
      duration_ms: 1,
      status_code: 200,
      error: null,
      response_body: null,
      request_headers: '{}',
      outcome: 'succeeded',
      next_attempt_ms: null,
      chaos: null,
    },
    decision: { kind: 'delivered' },
    deliveryId,
    attemptsMade: 1,
    firstAttemptMs: NOW,
    countsPending: true,
    trackHealth: true,
  };
}

function failedAttempt(deliveryId: string, eventId: string, endpointId: string): FinishedAttempt {
  const d = delivered(deliveryId, eventId, endpointId);
  return {
    ...d,
    attempt: { ...d.attempt!, status_code: 500, error: 'HTTP 500', outcome: 'failed' },
    decision: { kind: 'retry', at: NOW + 60_000 },
  };
}

const emptyBatch: OutcomeBatch = {
  now: NOW,
  attempts: [],
  finished: [],
  deferred: [],
  delivered: [],
  succeeded: [],
  failed: [],
};

describe(`delivery queue on ${backend}, with leases`, () => {
  beforeEach(async () => {
    b = await openBackend();
  });
  afterEach(async () => {
    await b.close();
  });

  it('claims due deliveries with a lease, each with its event and endpoint, and not again while the lease lasts', async () => {
    const we = await endpoint(b.main);
    const dlv = await deliveries(b.main, we, 5);
    const first = await claim(queueOf(b.main, 'wrk_a'));
    expect(ids(first).sort()).toEqual([...dlv].sort());
    const [event] = await findEvents(b.main.db, [first[0]!.event_id]);
    expect(first[0]).toMatchObject({ endpoint_id: we, attempts: 0, first_attempt_ms: null });
    expect(first[0]!.event).toEqual(event);
    expect(first[0]!.event!.pending_webhooks).toBe(5);
    expect(first.every((c) => c.endpoint?.secret === 'whsec_conformance')).toBe(true);
    expect(first[0]!.endpoint).toEqual(await findEndpoint(b.main.db, we));
    const rows = await leases(b.main, dlv);
    expect(rows.every((r) => r.lease_owner === 'wrk_a' && r.lease_until_ms! > Date.now())).toBe(
      true,
    );
    expect(await claim(queueOf(b.main, 'wrk_b'))).toEqual([]);
  });

  it('says when a claimed event or endpoint is gone', async () => {
    const we = await endpoint(b.main);
    const [dlv] = await deliveries(b.main, we, 1);
    const [row] = await b.main.db.selectFrom('deliveries').select('event_id').execute();
    await b.main.db.deleteFrom('events').where('id', '=', row!.event_id).execute();
    await b.main.db.deleteFrom('endpoints').where('id', '=', we).execute();
    const [claimed] = await claim(queueOf(b.main));
    expect(claimed).toMatchObject({ id: dlv, event: null, endpoint: null });
  });

  it('leaves deliveries that are not due yet', async () => {
    const we = await endpoint(b.main);
    await deliveries(b.main, we, 2, NOW + 60_000);
    const q = queueOf(b.main);
    expect(await claim(q)).toEqual([]);
    expect(await claim(q, { now: NOW + 60_000 })).toHaveLength(2);
  });

  it('gives a delivery whose lease expired to the next worker that claims', async () => {
    const we = await endpoint(b.main);
    const [id] = await deliveries(b.main, we, 1);
    const realNow = Date.now();
    const dead = b.main.deliveryQueue({ owner: 'wrk_dead', leaseMs: 50, withoutLeases: false });
    expect(await claim(dead, { realNow })).toHaveLength(1);
    const q = queueOf(b.main, 'wrk_b');
    expect(await claim(q, { realNow })).toEqual([]);
    expect(ids(await claim(q, { realNow: realNow + 51 }))).toEqual([id]);
    expect((await leases(b.main, [id!]))[0]!.lease_owner).toBe('wrk_b');
  });

  it('renews the leases it holds, and only its own', async () => {
    const we = await endpoint(b.main);
    const [mine, theirs] = await deliveries(b.main, we, 2);
    const realNow = Date.now();
    const a = b.main.deliveryQueue({ owner: 'wrk_a', leaseMs: 1_000, withoutLeases: false });
    await claim(a, { realNow, limit: 1 });
    await claim(queueOf(b.main, 'wrk_b'), { realNow, limit: 1 });
    const before = await leases(b.main, [mine!, theirs!]);
    const renewer = b.main.deliveryQueue({ owner: 'wrk_a', leaseMs: 5_000, withoutLeases: false });
    await renewer.renew([mine!, theirs!]);
    const after = await leases(b.main, [mine!, theirs!]);
    expect(after[0]!.lease_until_ms!).toBeGreaterThan(before[0]!.lease_until_ms! + 3_000);
    expect(after[1]).toEqual(before[1]);
  });

  it('gives back released deliveries, and every lease at once', async () => {
    const we = await endpoint(b.main);
    const dlv = await deliveries(b.main, we, 3);
    const q = queueOf(b.main);
    await claim(q);
    await q.release([dlv[0]!]);
    expect(ids(await claim(queueOf(b.main, 'wrk_b')))).toEqual([dlv[0]]);
    expect(await q.releaseAll()).toBe(3);
    expect(ids(await claim(q)).sort()).toEqual([...dlv].sort());
  });

  it('claims only the endpoint kinds it can send, and any delivery to a deleted or disabled endpoint', async () => {
    const hook = await endpoint(b.main, 'webhook');
    const listen = await endpoint(b.main, 'listen');
    const goneListen = await endpoint(b.main, 'listen');
    await updateEndpoint(b.main.db, goneListen, { deleted: 1, status: 'disabled' });
    const [toHook] = await deliveries(b.main, hook, 1);
    const [toListen] = await deliveries(b.main, listen, 1);
    const [toGone] = await deliveries(b.main, goneListen, 1);
    const kinds = ['webhook', 'destination'];
    const worker = queueOf(b.main, 'wrk_worker');
    expect(ids(await claim(worker, { kinds })).sort()).toEqual([toHook, toGone].sort());
    const next = await worker.nextDue({
      realNow: Date.now(),
      kinds,
      excludeEndpoints: [],
      held: new Map(),
    });
    expect(next.due).toBeNull();
    const listenLoop = queueOf(b.main, 'wrk_api');
    expect(ids(await claim(listenLoop, { kinds: ['listen'] }))).toEqual([toListen]);
  });

  it('leaves deliveries to listen sessions connected to another process to that process', async () => {
    const mine = await endpoint(b.main, 'listen');
    const theirs = await endpoint(b.main, 'listen');
    const hook = await endpoint(b.main, 'webhook');
    const [toMine] = await deliveries(b.main, mine, 1);
    await deliveries(b.main, theirs, 1);
    const [toHook] = await deliveries(b.main, hook, 1);
    const args = { kinds: ['webhook', 'listen'], listenSessions: [mine] };
    const q = queueOf(b.main);
    const look = { realNow: Date.now(), excludeEndpoints: [], held: new Map(), ...args };
    expect((await q.nextDue(look)).due).toBe(NOW);
    expect(ids(await claim(q, args)).sort()).toEqual([toMine, toHook].sort());
    expect((await q.nextDue({ ...look, realNow: Date.now() })).due).toBeNull();
    // The process holding the other session takes it.
    const other = queueOf(b.main, 'wrk_other');
    expect(await claim(other, { kinds: ['listen'], listenSessions: [theirs] })).toHaveLength(1);
  });

  it('skips the endpoints the worker says are at their limit in this process', async () => {
    const busy = await endpoint(b.main);
    const free = await endpoint(b.main);
    await deliveries(b.main, busy, 2);
    const [toFree] = await deliveries(b.main, free, 1);
    expect(ids(await claim(queueOf(b.main), { excludeEndpoints: [busy] }))).toEqual([toFree]);
  });

  it('tells when the next delivery falls due, and when a lease on one ends', async () => {
    const we = await endpoint(b.main);
    await deliveries(b.main, we, 1, NOW);
    await deliveries(b.main, we, 1, NOW + 5_000);
    const realNow = Date.now();
    const q = b.main.deliveryQueue({ owner: 'wrk_a', leaseMs: 7_000, withoutLeases: false });
    const look = { realNow, kinds: ['webhook'], excludeEndpoints: [], held: new Map() };
    expect(await q.nextDue(look)).toEqual({ due: NOW, leaseEnds: null });
    await claim(q, { realNow });
    expect(await q.nextDue(look)).toEqual({ due: NOW + 5_000, leaseEnds: realNow + 7_000 });
    // Endpoints at their limit here are left out: their freed slots wake the worker.
    expect(await q.nextDue({ ...look, excludeEndpoints: [we] })).toEqual({
      due: null,
      leaseEnds: realNow + 7_000,
    });
  });

  it('two workers claiming at once never take the same delivery', async () => {
    const peer = await b.peer();
    const endpoints = [await endpoint(b.main), await endpoint(b.main), await endpoint(b.main)];
    const all: string[] = [];
    for (const we of endpoints) all.push(...(await deliveries(b.main, we, 120)));
    const taken: Record<string, string[]> = { wrk_a: [], wrk_b: [] };
    const run = async (db: Dialect, owner: string) => {
      const q = queueOf(db, owner);
      for (;;) {
        const got = await claim(q, { limit: 7 });
        if (got.length === 0) return;
        taken[owner]!.push(...ids(got));
        await deliver(db, ids(got));
      }
    };
    await Promise.all([run(b.main, 'wrk_a'), run(peer, 'wrk_b'), run(b.main, 'wrk_a')]);
    const claimed = [...taken.wrk_a!, ...taken.wrk_b!];
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.sort()).toEqual(all.sort());
    if (multiProcess) expect(taken.wrk_b!.length).toBeGreaterThan(0);
  });

  it('records a batch: attempts, delivery states, pending_webhooks and the end of a failure streak', async () => {
    const we = await endpoint(b.main);
    await updateEndpoint(b.main.db, we, { failing_since_ms: NOW - 1_000, warned_at_ms: null });
    const dlv = await deliveries(b.main, we, 3);
    const q = queueOf(b.main);
    const [c1, c2, c3] = await claim(q);
    const eventId = c1!.event_id;
    const batch: OutcomeBatch = {
      now: NOW + 10,
      attempts: [
        delivered(c1!.id, eventId, we).attempt!,
        failedAttempt(c2!.id, eventId, we).attempt!,
      ],
      finished: [
        {
          id: c1!.id,
          status: 'succeeded',
          attempts: 1,
          first_attempt_ms: NOW,
          next_attempt_ms: null,
          last_status_code: 200,
          last_error: null,
          updated_ms: NOW + 10,
        },
        {
          id: c2!.id,
          status: 'pending',
          attempts: 1,
          first_attempt_ms: NOW,
          next_attempt_ms: NOW + 60_000,
          last_status_code: 500,
          last_error: 'HTTP 500',
          updated_ms: NOW + 10,
        },
      ],
      deferred: [{ id: c3!.id, next_attempt_ms: NOW + 5_000, updated_ms: NOW + 10 }],
      delivered: [{ eventId, n: 1 }],
      succeeded: [we],
      failed: [],
    };
    const failures: string[] = [];
    const onFailure = (row: { id: string }) => {
      failures.push(row.id);
      return null;
    };
    await q.record(batch, onFailure);
    // Written twice (a commit whose answer was lost): the attempts are not doubled.
    await q.record({ ...batch, delivered: [] }, onFailure);
    expect(failures).toEqual([]);
    const rows = await b.main.db
      .selectFrom('deliveries')
      .select(['id', 'status', 'attempts', 'next_attempt_ms', 'lease_owner', 'last_error'])
      .where('id', 'in', dlv)
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(c1!.id)).toMatchObject({ status: 'succeeded', attempts: 1, lease_owner: null });
    expect(byId.get(c2!.id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      next_attempt_ms: NOW + 60_000,
      last_error: 'HTTP 500',
      lease_owner: null,
    });
    expect(byId.get(c3!.id)).toMatchObject({
      status: 'pending',
      attempts: 0,
      next_attempt_ms: NOW + 5_000,
      lease_owner: null,
    });
    const attempts = await b.main.db
      .selectFrom('attempts')
      .select(['delivery_id', 'outcome'])
      .orderBy('delivery_id')
      .execute();
    expect(attempts).toEqual(
      [
        { delivery_id: c1!.id, outcome: 'succeeded' },
        { delivery_id: c2!.id, outcome: 'failed' },
      ].sort((x, y) => (x.delivery_id < y.delivery_id ? -1 : 1)),
    );
    expect((await findEvents(b.main.db, [eventId]))[0]!.pending_webhooks).toBe(2);
    expect(await findEndpoint(b.main.db, we)).toMatchObject({
      failing_since_ms: null,
      warned_at_ms: null,
    });
    // What it gave back is claimable again when due.
    expect(ids(await claim(q, { now: NOW + 60_000 })).sort()).toEqual([c2!.id, c3!.id].sort());
  });

  it('applies what the failure policy decides for an endpoint that only failed, from its row as it is', async () => {
    const flaky = await endpoint(b.main);
    const dead = await endpoint(b.main);
    await updateEndpoint(b.main.db, dead, { failing_since_ms: NOW - 9 * 86_400_000 });
    await deliveries(b.main, flaky, 1);
    await deliveries(b.main, dead, 1);
    const q = queueOf(b.main);
    await claim(q);
    const seen: Array<{ id: string; failing_since_ms: number | null }> = [];
    await q.record({ ...emptyBatch, failed: [dead, flaky] }, ({ id, failing_since_ms }) => {
      seen.push({ id, failing_since_ms });
      return id === dead
        ? { failing_since_ms, warned_at_ms: null, disable: true }
        : { failing_since_ms: NOW, warned_at_ms: null, disable: false };
    });
    expect(seen.sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual(
      [
        { id: flaky, failing_since_ms: null },
        { id: dead, failing_since_ms: NOW - 9 * 86_400_000 },
      ].sort((x, y) => (x.id < y.id ? -1 : 1)),
    );
    expect(await findEndpoint(b.main.db, flaky)).toMatchObject({
      status: 'enabled',
      failing_since_ms: NOW,
    });
    expect(await findEndpoint(b.main.db, dead)).toMatchObject({
      status: 'disabled',
      disabled_reason: 'failing',
    });
  });

  it('two workers writing outcomes for the same events at once neither deadlock nor lose a count', async () => {
    const peer = await b.peer();
    const [we1, we2] = [await endpoint(b.main), await endpoint(b.main)];
    const errors: string[] = [];
    const writer = (db: Dialect, owner: string) =>
      new OutcomeWriter(
        queueOf(db, owner),
        { disableAfterMs: 9 * 86_400_000, warnAfterMs: 3 * 86_400_000 },
        () => NOW,
        createLogger({ level: 'error', format: 'json', write: (l) => void errors.push(l) }),
      );
    // Three rounds: a deadlock needs the two transactions to overlap, which timing decides.
    for (let round = 0; round < 3; round++) {
      const [a, c] = [writer(b.main, 'wrk_a'), writer(peer, 'wrk_c')];
      const events: Array<{ id: string; toA: string; toC: string }> = [];
      for (let i = 0; i < 40; i++) {
        const [toA] = await deliveries(b.main, we1, 1);
        const row = await b.main.db
          .selectFrom('deliveries')
          .select('event_id')
          .where('id', '=', toA!)
          .executeTakeFirstOrThrow();
        const [toC] = await deliveries(b.main, we2, 1);
        // Both deliveries belong to one event with two pending webhooks.
        await b.main.db
          .updateTable('deliveries')
          .set({ event_id: row.event_id })
          .where('id', '=', toC!)
          .execute();
        await b.main.db
          .updateTable('event_pending')
          .set({ pending: 2 })
          .where('event_id', '=', row.event_id)
          .execute();
        events.push({ id: row.event_id, toA: toA!, toC: toC! });
      }
      // Worker A finishes the events in one order, the other worker in the reverse order.
      for (const e of events) a.add(delivered(e.toA, e.id, we1));
      for (const e of [...events].reverse()) c.add(delivered(e.toC, e.id, we2));
      await Promise.all([a.flush(), c.flush()]);
      expect(errors).toEqual([]);
      const left = await findEvents(
        b.main.db,
        events.map((e) => e.id),
      );
      expect(left.map((r) => r.pending_webhooks)).toEqual(events.map(() => 0));
    }
  });

  it.runIf(multiProcess)(
    'never leases more deliveries of one endpoint than its limit, across workers',
    async () => {
      const peer = await b.peer();
      const hot = await endpoint(b.main);
      const other = await endpoint(b.main);
      await deliveries(b.main, hot, 40);
      await deliveries(b.main, other, 40);
      const limit = 3;
      const leasedNow = async () => {
        const rows = await b.main.db
          .selectFrom('deliveries')
          .select(['endpoint_id'])
          .where('status', '=', 'pending')
          .where('lease_until_ms', '>', Date.now())
          .execute();
        const by = new Map<string, number>();
        for (const r of rows) by.set(r.endpoint_id, (by.get(r.endpoint_id) ?? 0) + 1);
        return by;
      };
      let most = 0;
      let done = 0;
      const run = async (db: Dialect, owner: string) => {
        const q = queueOf(db, owner);
        for (let round = 0; round < 200 && done < 80; round++) {
          const got = await claim(q, { endpointLimit: limit, topUpTo: limit });
          for (const n of (await leasedNow()).values()) most = Math.max(most, n);
          // Deliver one at a time, as attempts finish, so claims race with freed slots.
          for (const c of got) {
            await deliver(db, [c.id]);
            done++;
          }
        }
      };
      await Promise.all([run(b.main, 'wrk_a'), run(peer, 'wrk_b'), run(peer, 'wrk_c')]);
      expect(done).toBe(80);
      expect(most).toBeLessThanOrEqual(limit);
      expect(most).toBe(limit);
    },
  );

  it.runIf(multiProcess)(
    'a worker alone on an endpoint tops it up beyond the limit; others get none until it holds fewer than the limit',
    async () => {
      const hot = await endpoint(b.main);
      const dlv = await deliveries(b.main, hot, 10);
      const limits = { endpointLimit: 3, topUpTo: 6 };
      const a = queueOf(b.main, 'wrk_a');
      const first = await claim(a, limits);
      expect(ids(first)).toEqual(dlv.slice(0, 6));
      const other = queueOf(b.main, 'wrk_b');
      expect(await claim(other, limits)).toEqual([]);
      await deliver(b.main, ids(first).slice(0, 4));
      // wrk_a holds 2 of the limit of 3: one for wrk_b, none beyond the limit for wrk_a now.
      expect(ids(await claim(other, limits))).toEqual([dlv[6]]);
      expect(await claim(a, { ...limits, occupied: new Map([[hot, 2]]) })).toEqual([]);
    },
  );

  it.runIf(multiProcess)(
    'a worker is seen when it takes or renews leases, and only then counted by the others',
    async () => {
      const workers = async () =>
        (
          await sql<{ owner: string; seen_ms: number }>`
            SELECT owner, seen_ms FROM queue_workers ORDER BY owner`.execute(b.main.db)
        ).rows;
      const hot = await endpoint(b.main);
      const limits = { endpointLimit: 3, topUpTo: 6 };
      const a = queueOf(b.main, 'wrk_a');
      const c = queueOf(b.main, 'wrk_c');
      // A claim that leases nothing (an API process's worker for listen sessions) is not a
      // worker holding leases: nobody counts it.
      expect(await claim(c, limits)).toEqual([]);
      expect(await workers()).toEqual([]);
      const dlv = await deliveries(b.main, hot, 10);
      const before = Date.now();
      // Alone, wrk_a tops the endpoint up beyond its limit, and is seen from now on.
      expect(ids(await claim(a, limits))).toEqual(dlv.slice(0, 6));
      const [seen] = await workers();
      expect(seen).toMatchObject({ owner: 'wrk_a' });
      expect(seen!.seen_ms).toBeGreaterThanOrEqual(before);
      // Another worker counts wrk_a's leases: the endpoint is beyond its limit, nothing for it.
      expect(await claim(queueOf(b.main, 'wrk_b'), limits)).toEqual([]);
      // Renewing is being seen too.
      await sql`UPDATE queue_workers SET seen_ms = 1`.execute(b.main.db);
      await a.renew(dlv.slice(0, 6));
      expect((await workers())[0]!.seen_ms).toBeGreaterThanOrEqual(before);
      // Workers not seen for ten lease lengths are gone: the next claim deletes their rows.
      await sql`INSERT INTO queue_workers VALUES ('wrk_gone', ${Date.now() - 11 * LEASE_MS})`.execute(
        b.main.db,
      );
      await claim(c, limits);
      expect((await workers()).map((w) => w.owner)).toEqual(['wrk_a']);
    },
  );

  it.runIf(multiProcess)(
    'a connection whose plans were made on a small table claims and records by index once it grew',
    async () => {
      const client = new pg.Client({ connectionString: b.url });
      await client.connect();
      try {
        const hot = await endpoint(b.main);
        const claimIn = async (limit: number) =>
          (
            await client.query<{ id: string }>(
              `SELECT id FROM switchboard_claim($1, $2, $3, 'wrk_a', $4, '{webhook}', 1000, 1000,
                '{}', NULL, '{}', '{}')`,
              [NOW, Date.now(), Date.now() + LEASE_MS, limit],
            )
          ).rows.map((r) => r.id);
        const record = (finished: string[]) =>
          client.query('SELECT switchboard_record_outcomes($1::jsonb)', [
            JSON.stringify({
              now: NOW,
              attempts: [],
              finished: finished.map((id) => ({ id, status: 'succeeded', attempts: 1 })),
              deferred: [],
              delivered: [],
              succeeded: [],
            }),
          ]);
        // This connection plans every statement of both functions while the table holds one row.
        await deliveries(b.main, hot, 1);
        await record(await claimIn(1));
        for (let i = 0; i < 10; i++) await deliveries(b.main, hot, 500);
        await client.query('BEGIN');
        const got = await claimIn(5);
        await record(got);
        const { rows } = await client.query<{ seq_scan: string }>(
          "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'deliveries'",
        );
        await client.query('ROLLBACK');
        expect(got).toHaveLength(5);
        expect(Number(rows[0]!.seq_scan)).toBe(0);
      } finally {
        await client.end();
      }
    },
  );

  it.runIf(multiProcess)(
    "counts the slots a worker says it takes instead of its own leases, and other workers' leases",
    async () => {
      const hot = await endpoint(b.main);
      await deliveries(b.main, hot, 10);
      const limit = { endpointLimit: 3, topUpTo: 3 };
      const a = queueOf(b.main, 'wrk_a');
      expect(await claim(a, limit)).toHaveLength(3);
      // Still taking all three slots: nothing more.
      const occupied = (n: number) => new Map([[hot, n]]);
      expect(await claim(a, { ...limit, occupied: occupied(3) })).toHaveLength(0);
      // Two attempts ended (their outcomes not yet written): two slots are free again for wrk_a...
      expect(await claim(a, { ...limit, occupied: occupied(1) })).toHaveLength(2);
      // ...while another worker counts every lease of wrk_a.
      expect(await claim(queueOf(b.main, 'wrk_b'), limit)).toHaveLength(0);
    },
  );

  it.runIf(multiProcess)(
    'renewing does not wait for a delivery whose outcome another transaction is writing',
    async () => {
      const we = await endpoint(b.main);
      const [id] = await deliveries(b.main, we, 1);
      const q = queueOf(b.main);
      await claim(q);
      const peer = await b.peer();
      let commit!: () => void;
      const writing = peer.db.transaction().execute(async (tx) => {
        await tx.updateTable('deliveries').set({ updated_ms: NOW }).where('id', '=', id!).execute();
        await new Promise<void>((resolve) => (commit = resolve));
      });
      await new Promise((r) => setTimeout(r, 100));
      const started = Date.now();
      await q.renew([id!]);
      expect(Date.now() - started).toBeLessThan(1_000);
      commit();
      await writing;
    },
  );

  it.runIf(multiProcess)(
    'a failure extends the streak of the endpoint as a concurrent re-enable leaves it',
    async () => {
      const we = await endpoint(b.main);
      await updateEndpoint(b.main.db, we, { failing_since_ms: NOW - 2 * 86_400_000 });
      const [deliveryId] = await deliveries(b.main, we, 1);
      const { event_id: eventId } = await b.main.db
        .selectFrom('deliveries')
        .select('event_id')
        .where('id', '=', deliveryId!)
        .executeTakeFirstOrThrow();
      // Another process re-enables the endpoint (clearing its streak) and has not committed yet.
      const peer = await b.peer();
      let commit!: () => void;
      const reEnabled = peer.db.transaction().execute(async (tx) => {
        await updateEndpoint(tx, we, { status: 'enabled', failing_since_ms: null });
        await new Promise<void>((resolve) => (commit = resolve));
      });
      await new Promise((r) => setTimeout(r, 100));
      const writer = new OutcomeWriter(
        queueOf(b.main),
        { disableAfterMs: 9 * 86_400_000, warnAfterMs: 3 * 86_400_000 },
        () => NOW,
        silent,
      );
      writer.add(failedAttempt(deliveryId!, eventId, we));
      const flushed = writer.flush();
      await new Promise((r) => setTimeout(r, 200));
      commit();
      await reEnabled;
      await flushed;
      // The failure starts a new streak; it does not bring back the one the re-enable cleared.
      expect((await findEndpoint(b.main.db, we))!.failing_since_ms).toBe(NOW);
    },
  );
});

describe.runIf(backend === 'sqlite')(
  'delivery queue on sqlite, without leases (the lock holder)',
  () => {
    beforeEach(async () => {
      b = await openBackend();
    });
    afterEach(async () => {
      await b.close();
    });

    it('writes no lease, reads each delivery with its event, leaves out what the worker holds', async () => {
      const we = await endpoint(b.main);
      const dlv = await deliveries(b.main, we, 5);
      const q = queueOf(b.main, 'wrk_lock', true);
      const first = await claim(q, { limit: 2 });
      expect(ids(first)).toEqual(dlv.slice(0, 2));
      const [event] = await findEvents(b.main.db, [first[0]!.event_id]);
      expect(first[0]!.event).toEqual(event);
      expect(first[0]!.endpoint).toEqual(await findEndpoint(b.main.db, we));
      const leased = await b.main.db
        .selectFrom('deliveries')
        .select('id')
        .where('lease_owner', 'is not', null)
        .execute();
      expect(leased).toEqual([]);

      const held = new Map(first.map((c) => [c.id, we]));
      const rest = await claim(q, { limit: 10, held });
      expect(ids(rest)).toEqual(dlv.slice(2));
      for (const c of rest) held.set(c.id, we);
      expect(await claim(q, { held })).toEqual([]);
      // The worker tops each endpoint up to what it may hold, counting the slots it takes.
      held.delete(dlv[0]!);
      const again = await claim(q, { held, topUpTo: 5, occupied: new Map([[we, 4]]) });
      expect(ids(again)).toEqual([dlv[0]]);
    });

    it('the next due time leaves out what the worker holds', async () => {
      const we = await endpoint(b.main);
      const [now] = await deliveries(b.main, we, 1, NOW);
      await deliveries(b.main, we, 1, NOW + 5_000);
      const q = queueOf(b.main, 'wrk_lock', true);
      const look = { realNow: Date.now(), kinds: ['webhook'], excludeEndpoints: [] };
      expect(await q.nextDue({ ...look, held: new Map() })).toEqual({ due: NOW, leaseEnds: null });
      expect(await q.nextDue({ ...look, held: new Map([[now!, we]]) })).toEqual({
        due: NOW + 5_000,
        leaseEnds: null,
      });
    });

    it('deliveries to endpoints of kinds the worker does not send stay for the process that sends them', async () => {
      const goneListen = await endpoint(b.main, 'listen');
      await updateEndpoint(b.main.db, goneListen, { deleted: 1, status: 'disabled' });
      const [toGone] = await deliveries(b.main, goneListen, 1);
      const kinds = ['webhook', 'destination'];
      expect(await claim(queueOf(b.main, 'wrk_lock', true), { kinds })).toEqual([]);
      // An API process's listen loop (with leases) cancels it.
      expect(ids(await claim(queueOf(b.main, 'wrk_api'), { kinds: ['listen'] }))).toEqual([toGone]);
    });

    it('claims per endpoint: oldest first, topped up to what the worker may hold of it', async () => {
      const backlogged = await endpoint(b.main);
      const other = await endpoint(b.main);
      const old = await deliveries(b.main, backlogged, 10, NOW - 1_000);
      const [toOther] = await deliveries(b.main, other, 1, NOW);
      await deliveries(b.main, other, 1, NOW + 5_000);
      const q = queueOf(b.main, 'wrk_a');
      const claimed = await claim(q, { topUpTo: 5, occupied: new Map([[backlogged, 1]]) });
      // 5 - 1 = 4 of the backlog (the oldest), and the other endpoint's due delivery.
      expect(ids(claimed)).toEqual([...old.slice(0, 4), toOther]);
      const look = {
        realNow: Date.now(),
        kinds: ['webhook'],
        excludeEndpoints: [],
        held: new Map(),
      };
      expect(await q.nextDue(look)).toMatchObject({ due: NOW - 1_000 });
      expect(await q.nextDue({ ...look, excludeEndpoints: [backlogged] })).toMatchObject({
        due: NOW + 5_000,
      });
    });
  },
);
