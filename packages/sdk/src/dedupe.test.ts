import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDedupe, MemoryDedupeStore, type DedupeStore } from './dedupe.js';
import { createSqliteDedupeStore } from './sqlite-dedupe.js';

const dir = mkdtempSync(join(tmpdir(), 'sdk-dedupe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** One conformance suite, run against every store. */
const stores: Record<string, () => DedupeStore> = {
  MemoryDedupeStore: () => new MemoryDedupeStore(),
  'createSqliteDedupeStore (better-sqlite3, a file)': () =>
    createSqliteDedupeStore(new Database(join(dir, `dedupe-${files++}.db`))),
};

for (const [name, make] of Object.entries(stores)) {
  describe(`DedupeStore conformance: ${name}`, () => {
    it('claims a new key once; a second claim sees it processing, then processed once completed', async () => {
      const store = make();
      expect(await store.claim('evt_1', 1000, 2000)).toBe('claimed');
      expect(await store.claim('evt_1', 1001, 2001)).toBe('processing');
      await store.complete('evt_1', 10_000);
      expect(await store.claim('evt_1', 1002, 2002)).toBe('processed');
      expect(await store.claim('evt_2', 1002, 2002)).toBe('claimed');
    });

    it('lets a key be claimed again after a release or after its lease lapsed', async () => {
      const store = make();
      expect(await store.claim('evt_r', 1000, 2000)).toBe('claimed');
      await store.release('evt_r');
      expect(await store.claim('evt_r', 1001, 2001)).toBe('claimed');
      // The process holding it died: past the lease, another delivery takes over.
      expect(await store.claim('evt_r', 2001, 3001)).toBe('claimed');
    });

    it('does not release a processed key, and forgets it only after its retention', async () => {
      const store = make();
      await store.claim('evt_p', 1000, 2000);
      await store.complete('evt_p', 5000);
      await store.release('evt_p');
      expect(await store.claim('evt_p', 4999, 6000)).toBe('processed');
      expect(await store.claim('evt_p', 5000, 6000)).toBe('claimed');
    });

    it('prunes keys past their lease or retention', async () => {
      const store = make();
      await store.claim('old', 0, 100);
      await store.complete('old', 200);
      await store.claim('stuck', 0, 300);
      await store.claim('fresh', 0, 10_000);
      expect(await store.prune!(500)).toBe(2);
      expect(await store.claim('fresh', 600, 700)).toBe('processing');
    });

    it('runs each event once through createDedupe, and again after a failure', async () => {
      let now = 1_000;
      const dedupe = createDedupe({ store: make(), now: () => now, leaseMs: 100, retainMs: 1_000 });
      const event = { id: 'evt_d' };
      await expect(
        dedupe.run(event, () => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await dedupe.run(event, () => 'first')).toEqual({
        status: 'processed',
        value: 'first',
      });
      expect(await dedupe.run(event, () => 'again')).toEqual({ status: 'duplicate' });
      now += 1_001;
      expect(await dedupe.run(event, () => 'after retention')).toEqual({
        status: 'processed',
        value: 'after retention',
      });
    });
  });
}

describe('createSqliteDedupeStore', () => {
  it('keeps processed ids across connections and restarts, and lets only one connection claim', () => {
    const file = join(dir, 'shared.db');
    const a = createSqliteDedupeStore(new Database(file));
    const b = createSqliteDedupeStore(new Database(file));
    expect(a.claim('evt_s', 1000, 2000)).toBe('claimed');
    expect(b.claim('evt_s', 1000, 2000)).toBe('processing');
    a.complete('evt_s', 100_000);
    const reopened = createSqliteDedupeStore(new Database(file));
    expect(reopened.claim('evt_s', 3000, 4000)).toBe('processed');
  });

  it('forgets expired keys by itself every pruneEvery claims', () => {
    const db = new Database(':memory:');
    const store = createSqliteDedupeStore(db, { pruneEvery: 3 });
    store.claim('a', 0, 10);
    store.claim('b', 0, 10);
    const count = () =>
      (db.prepare('SELECT count(*) AS n FROM processed_webhook_events').get() as { n: number }).n;
    expect(count()).toBe(2);
    store.claim('c', 100, 200);
    expect(count()).toBe(1);
  });

  it('uses the table it is given and refuses unsafe table names', () => {
    const db = new Database(':memory:');
    const store = createSqliteDedupeStore(db, { table: 'my_events' });
    store.claim('evt_t', 1, 2);
    expect(db.prepare('SELECT key, state FROM my_events').all()).toEqual([
      { key: 'evt_t', state: 'processing' },
    ]);
    expect(() => createSqliteDedupeStore(db, { table: 'x; DROP TABLE y' })).toThrow(
      /Invalid table name/,
    );
  });
});

describe('MemoryDedupeStore', () => {
  it('stays within maxEntries, dropping the oldest keys', () => {
    const store = new MemoryDedupeStore({ maxEntries: 3 });
    for (const id of ['a', 'b', 'c', 'd']) store.claim(id, 0, 1_000);
    expect(store.size).toBe(3);
    expect(store.claim('a', 1, 1_000)).toBe('claimed');
    expect(store.claim('d', 1, 1_000)).toBe('processing');
  });
});
