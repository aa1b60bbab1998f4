import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUniqueViolation } from '../../src/api/idempotency.js';
import type { Dialect } from '../../src/storage/dialect.js';
import { openStorage } from '../../src/storage/open.js';
import { findObject } from '../../src/storage/repositories/objects.js';
import { reusable, reusableInsert } from '../../src/storage/repositories/reusable.js';
import { backend } from '../helpers/database.js';
import { openBackend, type Backend } from './backend.js';

/** Statements compiled once and run again with new values (storage/repositories/reusable.ts). */
describe('reusable statements (SQLite)', () => {
  let dir: string;
  let storage: Dialect;
  const insertObject = reusableInsert('objects');
  const byType = reusable<{ type: string; platform: string }, { id: string }>((db, v) =>
    db
      .selectFrom('objects')
      .select('id')
      .where('type', '=', v.type)
      .where('platform_id', '=', v.platform)
      .where('deleted', '=', 0)
      .orderBy('seq'),
  );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-reusable-'));
    storage = await openStorage(join(dir, 'db.sqlite'));
  });

  afterAll(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const row = (id: string, type: string) => ({
    id,
    platform_id: 'acct_reuse',
    account_id: null,
    livemode: 0,
    type,
    data: JSON.stringify({ id }),
    internal: '{}',
    parent_id: null,
    created: 1,
    deleted: 0,
  });

  it('binds each run its own values, including fixed values written in the query', async () => {
    await insertObject(storage.db, [row('cus_1', 'customer'), row('cus_2', 'customer')]);
    await insertObject(storage.db, [row('po_1', 'payout')]);
    await insertObject(storage.db, [{ ...row('cus_gone', 'customer'), deleted: 1 }]);
    expect(await byType(storage.db, { type: 'customer', platform: 'acct_reuse' })).toEqual([
      { id: 'cus_1' },
      { id: 'cus_2' },
    ]);
    expect(await byType(storage.db, { type: 'payout', platform: 'acct_reuse' })).toEqual([
      { id: 'po_1' },
    ]);
    expect(await byType(storage.db, { type: 'customer', platform: 'acct_other' })).toEqual([]);
  });

  it('leaves out columns whose value is undefined, so they take their defaults', async () => {
    await insertObject(storage.db, [
      { ...row('cus_defaults', 'customer'), internal: undefined, deleted: undefined } as never,
    ]);
    const stored = await findObject(storage.db, 'cus_defaults');
    expect(stored).toMatchObject({ id: 'cus_defaults', internal: '{}', deleted: 0 });
  });

  it('works inside a transaction and is rolled back with it', async () => {
    await storage.db
      .transaction()
      .execute(async (tx) => {
        await insertObject(tx, [row('cus_rolled_back', 'customer')]);
        expect(await findObject(tx, 'cus_rolled_back')).toBeDefined();
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await findObject(storage.db, 'cus_rolled_back')).toBeUndefined();
  });
});

/** `each` through the dialect's runEach, on the backend this project names (SQLite or PostgreSQL). */
describe('reusable statements run for many values (Dialect.runEach)', () => {
  let b: Backend;
  const insertObject = reusableInsert('objects');
  const rename = reusable<{ id: string; data: string }>((db, v) =>
    db.updateTable('objects').set({ data: v.data }).where('id', '=', v.id),
  );
  const row = (id: string) => ({
    id,
    platform_id: 'acct_each',
    account_id: null,
    livemode: 0,
    type: 'customer',
    data: '{}',
    internal: '{}',
    parent_id: null,
    created: 1,
    deleted: 0,
  });

  beforeAll(async () => {
    b = await openBackend();
    await insertObject(b.main.db, [row('cus_each_1'), row('cus_each_2'), row('cus_each_3')]);
  });
  afterAll(async () => {
    await b.close();
  });

  const dataOf = async (id: string) => (await findObject(b.main.db, id))?.data;

  it('runs the statement once per set of values, inside the transaction', async () => {
    await b.main.db.transaction().execute(async (tx) => {
      await rename.each(
        tx,
        [
          { id: 'cus_each_1', data: '{"n":1}' },
          { id: 'cus_each_2', data: '{"n":2}' },
        ],
        b.main.runEach,
      );
      // The transaction sees its own writes.
      expect((await findObject(tx, 'cus_each_2'))?.data).toBe('{"n":2}');
    });
    expect(await dataOf('cus_each_1')).toBe('{"n":1}');
    expect(await dataOf('cus_each_2')).toBe('{"n":2}');
    expect(await dataOf('cus_each_3')).toBe('{}');
  });

  it('is rolled back with its transaction', async () => {
    await b.main.db
      .transaction()
      .execute(async (tx) => {
        await rename.each(tx, [{ id: 'cus_each_3', data: '{"n":3}' }], b.main.runEach);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await dataOf('cus_each_3')).toBe('{}');
  });

  it('an insert that fails inside a transaction fails it with its own error, and nothing of it is kept', async () => {
    // On PostgreSQL inserts are pipelined (sent unawaited): the failure must still surface, as
    // itself, by the commit at the latest.
    const failed = await b.main.db
      .transaction()
      .execute(async (tx) => {
        await insertObject(tx, [row('cus_each_tx_1')]);
        await insertObject(tx, [row('cus_each_1')]);
        return 'committed';
      })
      .catch((e: unknown) => e);
    expect(isUniqueViolation(failed)).toBe(true);
    expect(await findObject(b.main.db, 'cus_each_tx_1')).toBeUndefined();
    // A statement awaited after the failed insert fails with the insert's error too.
    const read = await b.main.db
      .transaction()
      .execute(async (tx) => {
        await insertObject(tx, [row('cus_each_1')]);
        return findObject(tx, 'cus_each_2');
      })
      .catch((e: unknown) => e);
    expect(isUniqueViolation(read)).toBe(true);
    // A transaction rolled back before anything was awaited keeps nothing either.
    await b.main.db
      .transaction()
      .execute(async (tx) => {
        await insertObject(tx, [row('cus_each_tx_2')]);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await findObject(b.main.db, 'cus_each_tx_2')).toBeUndefined();
    // The connection is usable afterwards.
    expect(await dataOf('cus_each_2')).toBe('{"n":2}');
  });

  it('outside a transaction, runs each through Kysely', async () => {
    await rename.each(b.main.db, [{ id: 'cus_each_3', data: '{"n":33}' }], b.main.runEach);
    expect(await dataOf('cus_each_3')).toBe('{"n":33}');
  });
});

/** PostgreSQL keeps the statements compiled once prepared (dialects/postgres/postgres-dialect.ts). */
describe.runIf(backend === 'postgres')('reusable statements prepared on PostgreSQL', () => {
  let b: Backend;
  let one: Dialect;
  const insertObject = reusableInsert('objects');
  const byType = reusable<{ type: string }, { id: string }>((db, v) =>
    db.selectFrom('objects').select('id').where('type', '=', v.type).orderBy('id'),
  );

  beforeAll(async () => {
    b = await openBackend();
    // One connection, so the session whose prepared statements are listed is the one that ran them.
    one = await openStorage(b.url, { migrate: false, poolSize: 1 });
  });
  afterAll(async () => {
    await one?.close();
    await b.close();
  });

  const prepared = async () =>
    (
      await sql<{ name: string; statement: string }>`
        select name, statement from pg_prepared_statements order by name`.execute(one.db)
    ).rows;

  it('prepares each once per connection, by name, and runs ad-hoc queries unnamed', async () => {
    const row = (id: string, type: string) => ({
      id,
      platform_id: 'acct_prepared',
      account_id: null,
      livemode: 0,
      type,
      data: '{}',
      internal: '{}',
      parent_id: null,
      created: 1,
      deleted: 0,
    });
    await insertObject(one.db, [row('cus_p1', 'customer')]);
    await insertObject(one.db, [row('po_p1', 'payout')]);
    expect(await byType(one.db, { type: 'customer' })).toEqual([{ id: 'cus_p1' }]);
    expect(await byType(one.db, { type: 'payout' })).toEqual([{ id: 'po_p1' }]);
    await one.db
      .selectFrom('objects')
      .select('id')
      .where('id', 'in', ['cus_p1', 'po_p1'])
      .execute();

    const statements = await prepared();
    // The one-row insert and the select, each prepared once though each ran twice.
    expect(statements.map((s) => s.name)).toEqual([
      expect.stringMatching(/^sb_[0-9a-f]{32}$/),
      expect.stringMatching(/^sb_[0-9a-f]{32}$/),
    ]);
    expect(statements.map((s) => s.statement).sort()).toEqual([
      expect.stringMatching(/^insert into "objects"/),
      expect.stringMatching(/^select "id" from "objects"/),
    ]);
    // Inside a transaction, with the rows rolled back with it.
    await one.db
      .transaction()
      .execute(async (tx) => {
        await insertObject(tx, [row('cus_p2', 'customer')]);
        expect(await byType(tx, { type: 'customer' })).toEqual([
          { id: 'cus_p1' },
          { id: 'cus_p2' },
        ]);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await byType(one.db, { type: 'customer' })).toEqual([{ id: 'cus_p1' }]);
    expect(await prepared()).toHaveLength(2);
  });
});
