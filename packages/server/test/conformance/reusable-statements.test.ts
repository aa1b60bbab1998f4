import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/storage/dialect.js';
import { openStorage } from '../../src/storage/open.js';
import { findObject } from '../../src/storage/repositories/objects.js';
import { reusable, reusableInsert } from '../../src/storage/repositories/reusable.js';

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
