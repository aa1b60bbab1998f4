import { CompiledQuery, Migrator, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DeliveryLockError,
  type ClaimArgs,
  type ClaimedDelivery,
  type Dialect,
} from '../../src/storage/dialect.js';
import { migrate, migrationProvider } from '../../src/storage/migrate.js';
import {
  insertDeliveries,
  nextDueTime,
  queueStats,
  queueStatsQuery,
} from '../../src/storage/repositories/deliveries.js';
import {
  findEndpoint,
  insertEndpoint,
  updateEndpoint,
} from '../../src/storage/repositories/endpoints.js';
import { findEvents, insertEvent } from '../../src/storage/repositories/events.js';
import {
  findObjectForUpdate,
  insertObject,
  updateObject,
} from '../../src/storage/repositories/objects.js';
import {
  claimDueTasks,
  completeTask,
  insertTask,
} from '../../src/storage/repositories/scheduled-tasks.js';
import { OutcomeWriter } from '../../src/delivery/outcome-writer.js';
import { createLogger } from '../../src/observability/logger.js';
import { backend } from '../helpers/database.js';
import { endpointRow, pendingDeliveryRow } from '../helpers/rows.js';
import { openBackend, type Backend } from './backend.js';

/**
 * The storage and queue interfaces every backend implements, run against a real SQLite file and a
 * real PostgreSQL database (the sqlite and postgres vitest projects). No mocks.
 */
const NOW = 1_800_000_000_000;
const multiProcess = backend === 'postgres';

let b: Backend;
let seq = 0;

async function endpoint(db: Dialect, kind = 'webhook'): Promise<string> {
  const id = `we_conf_${++seq}`;
  await insertEndpoint(
    db.db,
    endpointRow({
      id,
      platform_id: 'acct_conf',
      kind,
      url: 'http://127.0.0.1:9/hook',
      secret: 'whsec_conformance',
      created: NOW / 1000,
    }),
  );
  return id;
}

/** `n` deliveries to `endpointId`, due at `dueMs`; returns their ids. */
async function deliveries(
  db: Dialect,
  endpointId: string,
  n: number,
  dueMs = NOW,
): Promise<string[]> {
  const eventId = `evt_conf_${++seq}`;
  await insertEvent(db.db, {
    id: eventId,
    platform_id: 'acct_conf',
    account_id: null,
    livemode: 0,
    type: 'customer.created',
    object: 'event',
    api_version: null,
    created: NOW / 1000,
    created_ms: NOW,
    data: '{}',
    request_id: null,
    idempotency_key: null,
    pending_webhooks: n,
    object_id: null,
  });
  const ids = Array.from({ length: n }, () => `dlv_conf_${++seq}`);
  await insertDeliveries(
    db.db,
    ids.map((id) =>
      pendingDeliveryRow({
        id,
        event_id: eventId,
        endpoint_id: endpointId,
        platform_id: 'acct_conf',
        next_attempt_ms: dueMs,
        created_ms: NOW,
      }),
    ),
  );
  return ids;
}

function claim(db: Dialect, over: Partial<ClaimArgs> = {}): Promise<ClaimedDelivery[]> {
  const realNow = Date.now();
  return db.claimDue({
    now: NOW,
    realNow,
    leaseUntil: realNow + 60_000,
    owner: 'wrk_a',
    limit: 100,
    kinds: ['webhook', 'destination', 'listen'],
    endpointLimit: 1000,
    excludeEndpoints: [],
    ...over,
  });
}

/** Finishes a claimed delivery as the outcome writer does: delivered, lease cleared. */
async function deliver(db: Dialect, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.db
    .updateTable('deliveries')
    .set({ status: 'succeeded', lease_until_ms: null, lease_owner: null })
    .where('id', 'in', ids)
    .execute();
}

describe(`storage conformance on ${backend}`, () => {
  beforeEach(async () => {
    b = await openBackend();
  });
  afterEach(async () => {
    await b.close();
  });

  it('runs on the backend this project names', () => {
    expect(b.main.name).toBe(backend);
    expect(b.main.singleProcess).toBe(!multiProcess);
  });

  it('reads BIGINT columns back as numbers', async () => {
    const we = await endpoint(b.main);
    const [id] = await deliveries(b.main, we, 1, NOW + 123);
    const row = await b.main.db
      .selectFrom('deliveries')
      .select(['next_attempt_ms', 'seq'])
      .where('id', '=', id!)
      .executeTakeFirstOrThrow();
    expect(row.next_attempt_ms).toBe(NOW + 123);
    expect(typeof row.seq).toBe('number');
  });

  it('claims due deliveries with a lease, and not again while the lease lasts', async () => {
    const we = await endpoint(b.main);
    const ids = await deliveries(b.main, we, 5);
    const first = await claim(b.main, { owner: 'wrk_a' });
    expect(first.map((c) => c.id).sort()).toEqual([...ids].sort());
    expect(first[0]).toMatchObject({ endpoint_id: we, attempts: 0, first_attempt_ms: null });
    const owners = await b.main.db
      .selectFrom('deliveries')
      .select(['lease_owner', 'lease_until_ms'])
      .where('id', 'in', ids)
      .execute();
    expect(owners.every((o) => o.lease_owner === 'wrk_a' && o.lease_until_ms! > Date.now())).toBe(
      true,
    );
    expect(await claim(b.main, { owner: 'wrk_b' })).toEqual([]);
  });

  it('leaves deliveries that are not due yet', async () => {
    const we = await endpoint(b.main);
    await deliveries(b.main, we, 2, NOW + 60_000);
    expect(await claim(b.main)).toEqual([]);
    expect(await claim(b.main, { now: NOW + 60_000 })).toHaveLength(2);
  });

  it('gives a delivery whose lease expired to the next worker that claims', async () => {
    const we = await endpoint(b.main);
    const [id] = await deliveries(b.main, we, 1);
    const realNow = Date.now();
    await claim(b.main, { owner: 'wrk_dead', leaseUntil: realNow + 50 });
    expect(await claim(b.main, { owner: 'wrk_b', realNow })).toEqual([]);
    const retaken = await claim(b.main, { owner: 'wrk_b', realNow: realNow + 51 });
    expect(retaken.map((c) => c.id)).toEqual([id]);
    const row = await b.main.db
      .selectFrom('deliveries')
      .select('lease_owner')
      .where('id', '=', id!)
      .executeTakeFirstOrThrow();
    expect(row.lease_owner).toBe('wrk_b');
  });

  it('claims only the endpoint kinds it can send, and any delivery to a deleted or disabled endpoint', async () => {
    const hook = await endpoint(b.main, 'webhook');
    const listen = await endpoint(b.main, 'listen');
    const goneListen = await endpoint(b.main, 'listen');
    await updateEndpoint(b.main.db, goneListen, { deleted: 1, status: 'disabled' });
    const [toHook] = await deliveries(b.main, hook, 1);
    const [toListen] = await deliveries(b.main, listen, 1);
    const [toGone] = await deliveries(b.main, goneListen, 1);

    const worker = await claim(b.main, { owner: 'wrk_worker', kinds: ['webhook', 'destination'] });
    expect(worker.map((c) => c.id).sort()).toEqual([toHook, toGone].sort());
    const next = await nextDueTime(b.main.db, {
      realNow: Date.now(),
      kinds: ['webhook', 'destination'],
    });
    expect(next.due).toBeNull();

    const apiListenLoop = await claim(b.main, { owner: 'wrk_api', kinds: ['listen'] });
    expect(apiListenLoop.map((c) => c.id)).toEqual([toListen]);
  });

  it('leaves deliveries to listen sessions connected to another process to that process', async () => {
    const mine = await endpoint(b.main, 'listen');
    const theirs = await endpoint(b.main, 'listen');
    const hook = await endpoint(b.main, 'webhook');
    const [toMine] = await deliveries(b.main, mine, 1);
    await deliveries(b.main, theirs, 1);
    const [toHook] = await deliveries(b.main, hook, 1);
    const args = { kinds: ['webhook', 'listen'], listenSessions: [mine] };
    const next = await nextDueTime(b.main.db, { realNow: Date.now(), ...args });
    expect(next.due).toBe(NOW);
    const claimed = await claim(b.main, args);
    expect(claimed.map((c) => c.id).sort()).toEqual([toMine, toHook].sort());
    expect(await nextDueTime(b.main.db, { realNow: Date.now(), ...args })).toMatchObject({
      due: null,
    });
    // The process holding the other session takes it.
    const other = await claim(b.main, { kinds: ['listen'], listenSessions: [theirs] });
    expect(other).toHaveLength(1);
  });

  it.runIf(backend === 'sqlite')(
    'SQLite without leases: writes none, reads each delivery with its event, leaves out what the worker holds',
    async () => {
      const we = await endpoint(b.main);
      const ids = await deliveries(b.main, we, 5);
      const first = await claim(b.main, { limit: 2, heldIds: new Map() });
      expect(first.map((c) => c.id)).toEqual(ids.slice(0, 2));
      const [event] = await findEvents(b.main.db, [first[0]!.event_id]);
      expect(first[0]!.event).toEqual(event);
      expect(first[0]!.event!.pending_webhooks).toBe(5);
      const leased = await b.main.db
        .selectFrom('deliveries')
        .select('id')
        .where('lease_owner', 'is not', null)
        .execute();
      expect(leased).toEqual([]);

      const held = new Map(first.map((c) => [c.id, we]));
      const rest = await claim(b.main, { limit: 10, heldIds: held });
      expect(rest.map((c) => c.id)).toEqual(ids.slice(2));
      for (const c of rest) held.set(c.id, we);
      expect(await claim(b.main, { heldIds: held })).toEqual([]);
      // The worker tops each endpoint up to what it may hold, counting what it holds.
      held.delete(ids[0]!);
      const again = await claim(b.main, {
        heldIds: held,
        topUpTo: 5,
        heldHere: new Map([[we, 4]]),
      });
      expect(again.map((c) => c.id)).toEqual([ids[0]]);
    },
  );

  it.runIf(backend === 'sqlite')(
    'SQLite without leases: the next due time leaves out what the worker holds',
    async () => {
      const we = await endpoint(b.main);
      const [now] = await deliveries(b.main, we, 1, NOW);
      await deliveries(b.main, we, 1, NOW + 5_000);
      const args = { realNow: Date.now(), kinds: ['webhook'] };
      expect(await b.main.nextDue({ ...args, heldIds: new Map() })).toEqual({
        due: NOW,
        leaseEnds: null,
      });
      const held = new Map([[now!, we]]);
      expect(await b.main.nextDue({ ...args, heldIds: held })).toEqual({
        due: NOW + 5_000,
        leaseEnds: null,
      });
    },
  );

  it.runIf(backend === 'sqlite')(
    'SQLite without leases: deliveries to endpoints of kinds the worker does not send stay for the process that sends them',
    async () => {
      const goneListen = await endpoint(b.main, 'listen');
      await updateEndpoint(b.main.db, goneListen, { deleted: 1, status: 'disabled' });
      const [toGone] = await deliveries(b.main, goneListen, 1);
      const kinds = ['webhook', 'destination'];
      expect(await claim(b.main, { kinds, heldIds: new Map() })).toEqual([]);
      // An API process's listen loop (with leases) cancels it.
      const listenLoop = await claim(b.main, { kinds: ['listen'] });
      expect(listenLoop.map((c) => c.id)).toEqual([toGone]);
    },
  );

  it.runIf(backend === 'sqlite')(
    'SQLite: one connection at a time holds the delivery lock, until it closes',
    async () => {
      const other = await b.openRaw();
      b.main.lockDeliveries!();
      expect(() => other.lockDeliveries!()).toThrow(DeliveryLockError);
      expect(() => other.lockDeliveries!()).toThrow(/another Switchboard process delivers from/);
      // Taking it again where it is held is a no-op.
      expect(() => b.main.lockDeliveries!()).not.toThrow();
      await b.main.close();
      expect(() => other.lockDeliveries!()).not.toThrow();
    },
  );

  it('skips the endpoints the worker says are at their limit in this process', async () => {
    const busy = await endpoint(b.main);
    const free = await endpoint(b.main);
    await deliveries(b.main, busy, 2);
    const [toFree] = await deliveries(b.main, free, 1);
    const claimed = await claim(b.main, { excludeEndpoints: [busy] });
    expect(claimed.map((c) => c.id)).toEqual([toFree]);
  });

  it.runIf(backend === 'sqlite')(
    'SQLite claims per endpoint: oldest first, topped up to what the worker may hold of it',
    async () => {
      const backlogged = await endpoint(b.main);
      const other = await endpoint(b.main);
      const old = await deliveries(b.main, backlogged, 10, NOW - 1_000);
      const [toOther] = await deliveries(b.main, other, 1, NOW);
      await deliveries(b.main, other, 1, NOW + 5_000);
      const claimed = await claim(b.main, {
        endpointLimit: 2,
        topUpTo: 5,
        heldHere: new Map([[backlogged, 1]]),
      });
      // 5 - 1 = 4 of the backlog (the oldest), and the other endpoint's due delivery.
      expect(claimed.map((c) => c.id)).toEqual([...old.slice(0, 4), toOther]);
      // Without topUpTo: twice the limit, less what is held.
      const more = await claim(b.main, {
        endpointLimit: 2,
        heldHere: new Map([[backlogged, 1]]),
      });
      expect(more.map((c) => c.id)).toEqual(old.slice(4, 7));

      // When next to look, leaving out the endpoints at their limit here.
      const args = { realNow: Date.now(), kinds: ['webhook'] };
      expect(await b.main.nextDue(args)).toMatchObject({ due: NOW - 1_000 });
      expect(await b.main.nextDue({ ...args, excludeEndpoints: [backlogged] })).toMatchObject({
        due: NOW + 5_000,
      });
    },
  );

  it('two workers claiming at once never take the same delivery', async () => {
    const peer = await b.peer();
    const endpoints = [await endpoint(b.main), await endpoint(b.main), await endpoint(b.main)];
    const all: string[] = [];
    for (const we of endpoints) all.push(...(await deliveries(b.main, we, 120)));
    const taken: Record<string, string[]> = { wrk_a: [], wrk_b: [] };
    const run = async (db: Dialect, owner: string) => {
      for (;;) {
        const got = await claim(db, { owner, limit: 7 });
        if (got.length === 0) return;
        taken[owner]!.push(...got.map((c) => c.id));
        await deliver(
          db,
          got.map((c) => c.id),
        );
      }
    };
    await Promise.all([run(b.main, 'wrk_a'), run(peer, 'wrk_b'), run(b.main, 'wrk_a')]);
    const claimed = [...taken.wrk_a!, ...taken.wrk_b!];
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.sort()).toEqual(all.sort());
    if (multiProcess) expect(taken.wrk_b!.length).toBeGreaterThan(0);
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
      let delivered = 0;
      const run = async (db: Dialect, owner: string) => {
        for (let round = 0; round < 200 && delivered < 80; round++) {
          const got = await claim(db, { owner, endpointLimit: limit });
          for (const n of (await leasedNow()).values()) most = Math.max(most, n);
          // Deliver one at a time, as attempts finish, so claims race with freed slots.
          for (const c of got) {
            await deliver(db, [c.id]);
            delivered++;
          }
        }
      };
      await Promise.all([run(b.main, 'wrk_a'), run(peer, 'wrk_b'), run(peer, 'wrk_c')]);
      expect(delivered).toBe(80);
      expect(most).toBeLessThanOrEqual(limit);
      expect(most).toBe(limit);
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
        b.main,
        { disableAfterMs: 9 * 86_400_000, warnAfterMs: 3 * 86_400_000 },
        () => NOW,
        createLogger({ level: 'error', format: 'json', write: () => {} }),
      );
      writer.add({
        attempt: {
          id: `wa_${deliveryId}`,
          delivery_id: deliveryId!,
          event_id: eventId,
          endpoint_id: we,
          platform_id: 'acct_conf',
          url: null,
          started_ms: NOW,
          duration_ms: 1,
          status_code: 500,
          error: 'HTTP 500',
          response_body: null,
          request_headers: '{}',
          outcome: 'failed',
          next_attempt_ms: NOW + 60_000,
          chaos: null,
        },
        decision: { kind: 'retry', at: NOW + 60_000 },
        deliveryId: deliveryId!,
        attemptsMade: 1,
        firstAttemptMs: NOW,
        countsPending: true,
        trackHealth: true,
      });
      const flushed = writer.flush();
      await new Promise((r) => setTimeout(r, 200));
      commit();
      await reEnabled;
      await flushed;
      // The failure starts a new streak; it does not bring back the one the re-enable cleared.
      expect((await findEndpoint(b.main.db, we))!.failing_since_ms).toBe(NOW);
    },
  );

  it('two workers writing outcomes for the same events at once neither deadlock nor lose a count', async () => {
    const peer = await b.peer();
    const [we1, we2] = [await endpoint(b.main), await endpoint(b.main)];
    const errors: string[] = [];
    const writer = (db: Dialect) =>
      new OutcomeWriter(
        db,
        { disableAfterMs: 9 * 86_400_000, warnAfterMs: 3 * 86_400_000 },
        () => NOW,
        createLogger({ level: 'error', format: 'json', write: (l) => void errors.push(l) }),
      );
    // Three rounds: a deadlock needs the two transactions to overlap, which timing decides.
    for (let round = 0; round < 3; round++) {
      const [a, c] = [writer(b.main), writer(peer)];
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
      const delivered = (deliveryId: string, eventId: string, endpointId: string) => ({
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
        decision: { kind: 'delivered' as const },
        deliveryId,
        attemptsMade: 1,
        firstAttemptMs: NOW,
        countsPending: true,
        trackHealth: true,
      });
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
    "counts what a worker says it holds instead of its own leases, and other workers' leases",
    async () => {
      const hot = await endpoint(b.main);
      await deliveries(b.main, hot, 10);
      const limit = { endpointLimit: 3 };
      expect(await claim(b.main, { owner: 'wrk_a', ...limit })).toHaveLength(3);
      // Still holding all three: nothing more.
      const held = (n: number) => new Map([[hot, n]]);
      expect(await claim(b.main, { owner: 'wrk_a', ...limit, heldHere: held(3) })).toHaveLength(0);
      // Two attempts ended (their outcomes not yet written): two slots are free again for wrk_a...
      expect(await claim(b.main, { owner: 'wrk_a', ...limit, heldHere: held(1) })).toHaveLength(2);
      // ...while another worker counts every lease of wrk_a.
      expect(await claim(b.main, { owner: 'wrk_b', ...limit })).toHaveLength(0);
    },
  );

  it('tells when the next delivery falls due, and when a lease on one ends', async () => {
    const we = await endpoint(b.main);
    await deliveries(b.main, we, 1, NOW);
    await deliveries(b.main, we, 1, NOW + 5_000);
    const kinds = ['webhook'];
    const realNow = Date.now();
    expect(await nextDueTime(b.main.db, { realNow, kinds })).toEqual({ due: NOW, leaseEnds: null });
    await claim(b.main, { now: NOW, realNow, leaseUntil: realNow + 7_000 });
    expect(await nextDueTime(b.main.db, { realNow, kinds })).toEqual({
      due: NOW + 5_000,
      leaseEnds: realNow + 7_000,
    });
  });

  it('reports queue depth and when the oldest due delivery fell due', async () => {
    const we = await endpoint(b.main);
    await deliveries(b.main, we, 2, NOW - 4_000);
    await deliveries(b.main, we, 3, NOW + 60_000);
    expect(await queueStats(b.main.db, NOW, Date.now())).toEqual({
      pending: 5,
      due: 2,
      oldestDueMs: NOW - 4_000,
    });
  });

  it.runIf(backend === 'sqlite')(
    'reads the queue through the partial index of pending deliveries, not the whole table',
    async () => {
      const we = await endpoint(b.main);
      const ids = await deliveries(b.main, we, 3, NOW - 1_000);
      await deliver(b.main, ids.slice(0, 2));
      const { sql, parameters } = queueStatsQuery(b.main.db, NOW, Date.now()).compile();
      const plan = await b.main.db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`EXPLAIN QUERY PLAN ${sql}`, [...parameters]),
      );
      const details = plan.rows.map((r) => r.detail);
      expect(details.join('\n')).toMatch(/USING INDEX deliveries_pending/);
      expect(details).not.toContain('SCAN deliveries');
      expect(await queueStats(b.main.db, NOW, Date.now())).toMatchObject({ pending: 1, due: 1 });
    },
  );

  it('two workers claiming scheduled tasks at once never run the same task', async () => {
    const peer = await b.peer();
    for (let i = 0; i < 60; i++) {
      await insertTask(b.main.db, {
        id: `task_conf_${i}`,
        platform_id: 'acct_conf',
        kind: 'noop',
        payload: '{}',
        due_ms: NOW,
        status: 'pending',
        lease_until_ms: null,
        created_ms: NOW,
      });
    }
    const ran: string[] = [];
    const run = async (db: Dialect) => {
      for (;;) {
        const realNow = Date.now();
        const tasks = await claimDueTasks(db, {
          now: NOW,
          realNow,
          leaseUntil: realNow + 60_000,
          limit: 4,
        });
        if (tasks.length === 0) return;
        for (const t of tasks) {
          ran.push(t.id);
          await completeTask(db.db, t.id);
        }
      }
    };
    await Promise.all([run(b.main), run(peer), run(peer)]);
    expect(ran).toHaveLength(60);
    expect(new Set(ran).size).toBe(60);
  });

  it('a row read for update is not changed by another transaction until the first commits', async () => {
    const peer = await b.peer();
    await insertObject(b.main.db, {
      id: 'counter_conf',
      platform_id: 'acct_conf',
      account_id: null,
      livemode: 0,
      type: 'counter',
      data: '0',
      internal: '{}',
      parent_id: null,
      created: 0,
      deleted: 0,
    });
    const increment = (db: Dialect) =>
      db.db.transaction().execute(async (tx) => {
        const row = await findObjectForUpdate(db, tx, 'counter_conf');
        // Yield between the read and the write, where a lost update would happen.
        await new Promise((r) => setTimeout(r, 1));
        await updateObject(tx, 'counter_conf', { data: String(Number(row!.data) + 1) });
      });
    await Promise.all(Array.from({ length: 30 }, (_, i) => increment(i % 2 === 0 ? b.main : peer)));
    const row = await b.main.db
      .selectFrom('objects')
      .select('data')
      .where('id', '=', 'counter_conf')
      .executeTakeFirstOrThrow();
    expect(row.data).toBe('30');
  });

  it('runs work under an exclusive lock one holder at a time', async () => {
    const peer = await b.peer();
    let inside = 0;
    let most = 0;
    const work = async () => {
      inside++;
      most = Math.max(most, inside);
      await new Promise((r) => setTimeout(r, 20));
      inside--;
    };
    if (multiProcess) {
      await Promise.all([b.main, peer, b.main, peer].map((d) => d.exclusive('conf', work)));
      expect(most).toBe(1);
    } else {
      // One process: nothing else can hold it, and the work runs.
      await b.main.exclusive('conf', work);
      expect(most).toBe(1);
    }
  });

  it.runIf(multiProcess)(
    'wakes a listener in another process when deliveries are queued',
    async () => {
      const peer = await b.peer();
      let woken = 0;
      const stop = await b.main.listenDeliveries(() => woken++);
      try {
        const initial = woken; // one call right after connecting: anything missed before
        expect(initial).toBe(1);
        await peer.notifyDeliveries();
        const deadline = Date.now() + 5_000;
        while (woken === initial && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 10));
        expect(woken).toBeGreaterThan(initial);
      } finally {
        await stop();
      }
      const after = woken;
      await peer.notifyDeliveries();
      await new Promise((r) => setTimeout(r, 200));
      expect(woken).toBe(after);
    },
  );
});

describe(`upgrading a database on ${backend}`, () => {
  it('0008 moves the pending_webhooks of each event to event_pending, and drops the column', async () => {
    const fresh = await openBackend({ migrate: false });
    try {
      const db = fresh.main.db;
      const migrator = new Migrator({ db, provider: migrationProvider(fresh.main) });
      const to7 = await migrator.migrateTo('0007-narrow-delivery-indexes');
      expect(to7.error).toBeUndefined();
      for (const [id, pending] of [
        ['evt_up_two', 2],
        ['evt_up_none', 0],
      ] as const) {
        await sql`
          INSERT INTO events (id, platform_id, account_id, livemode, type, object, api_version,
            created, created_ms, data, request_id, idempotency_key, pending_webhooks, object_id)
          VALUES (${id}, 'acct_up', NULL, 0, 'customer.created', 'event', NULL, 1, 1000, '{}',
            NULL, NULL, ${pending}, NULL)
        `.execute(db);
      }
      // 0008 and what came after it, whatever later migrations there are.
      expect((await migrate(fresh.main)).slice(0, 2)).toEqual([
        '0008-event-pending',
        '0009-account-keys',
      ]);
      const rows = await findEvents(db, ['evt_up_two', 'evt_up_none']);
      expect(Object.fromEntries(rows.map((r) => [r.id, r.pending_webhooks]))).toEqual({
        evt_up_two: 2,
        evt_up_none: 0,
      });
      await expect(sql`SELECT pending_webhooks FROM events`.execute(db)).rejects.toThrow();
    } finally {
      await fresh.close();
    }
  });
});

describe.runIf(multiProcess)(`migrations on ${backend}`, () => {
  it('several processes starting at once on an empty database apply each migration once', async () => {
    const fresh = await openBackend({ migrate: false });
    try {
      const dialects = await Promise.all(Array.from({ length: 5 }, () => fresh.openRaw()));
      const applied = await Promise.all(dialects.map((d) => migrate(d)));
      const names = applied.flat();
      expect(names.sort()).toEqual([...new Set(names)].sort());
      expect(names).toContain('0001-initial');
      const rows = await fresh.main.db
        .selectFrom('kysely_migration' as never)
        .select('name' as never)
        .execute();
      expect(rows).toHaveLength(names.length);
      // And the schema works.
      expect(await queueStats(fresh.main.db, NOW, Date.now())).toMatchObject({ pending: 0 });
    } finally {
      await fresh.close();
    }
  });
});
