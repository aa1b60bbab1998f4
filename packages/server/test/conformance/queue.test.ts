import { CompiledQuery, Migrator, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryLockError, type Dialect } from '../../src/storage/dialect.js';
import { migrate, migrationProvider } from '../../src/storage/migrate.js';
import { queueStats, queueStatsQuery } from '../../src/storage/repositories/deliveries.js';
import { findEvents } from '../../src/storage/repositories/events.js';
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
import { backend } from '../helpers/database.js';
import { openBackend, type Backend } from './backend.js';
import { NOW, deliver, deliveries, endpoint } from './queue-fixtures.js';

/**
 * The storage interfaces every backend implements, run against a real SQLite file and a real
 * PostgreSQL database (the sqlite and postgres vitest projects). No mocks. The delivery queue has
 * a suite of its own (delivery-queue.test.ts).
 */
const multiProcess = backend === 'postgres';

let b: Backend;

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

  it('claims due tasks in the order they fell due, whatever order the rows are stored in', async () => {
    // Inserted latest-due first, then one lease taken and expired: PostgreSQL's RETURNING gives
    // rows in storage order, which is neither.
    const dues = [NOW - 1, NOW - 5_000, NOW - 3_000, NOW - 9_000, NOW - 7_000];
    for (const [i, due] of dues.entries()) {
      await insertTask(b.main.db, {
        id: `task_order_${i}`,
        platform_id: 'acct_conf',
        kind: 'noop',
        payload: '{}',
        due_ms: due,
        status: 'pending',
        lease_until_ms: null,
        created_ms: NOW,
      });
    }
    await b.main.db
      .updateTable('scheduled_tasks')
      .set({ lease_until_ms: 1 })
      .where('id', '=', 'task_order_3')
      .execute();
    const claimed = await claimDueTasks(b.main, {
      now: NOW,
      realNow: Date.now(),
      leaseUntil: Date.now() + 60_000,
      limit: 10,
    });
    expect(claimed.map((t) => Number(t.due_ms))).toEqual([...dues].sort((x, y) => x - y));
  });

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
