import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer } from './checkpointer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function database() {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-checkpoint-'));
  dirs.push(dir);
  const file = join(dir, 'db.sqlite');
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('create table rows (id integer primary key, body text not null)');
  return { db, file };
}

describe('the SQLite checkpointer thread', () => {
  it('keeps the WAL bounded under constant writes, with every committed row kept', async () => {
    const { db, file } = database();
    const failures: string[] = [];
    const checkpointer = startCheckpointer(file, (e) => failures.push(e), {
      intervalMs: 5,
      restartFrames: 64,
    });
    const insert = db.prepare('insert into rows (body) values (?)');
    const body = 'x'.repeat(3000);
    let largestWal = 0;
    // ~2 pages a transaction, 8 between pauses of a millisecond, until 48 MB have been written
    // (a count, not a duration: a loaded machine writes more slowly, not less): without
    // checkpoints the WAL only grows.
    const target = 48 * 1024 * 1024;
    let written = 0;
    while (written * 2 * 4096 < target) {
      for (let i = 0; i < 8; i++) {
        insert.run(body);
        written++;
      }
      largestWal = Math.max(largestWal, statSync(`${file}-wal`).size);
      await new Promise((r) => setTimeout(r, 1));
    }
    await checkpointer.stop();
    const grown = written * 2 * 4096;
    expect(failures).toEqual([]);
    expect(grown).toBeGreaterThan(16 * 1024 * 1024);
    expect(largestWal).toBeLessThan(grown / 4);
    expect(db.prepare('select count(*) as n from rows').get()).toEqual({ n: written });
    db.close();
    const reopened = new BetterSqlite3(file, { readonly: true });
    expect(reopened.prepare('select count(*) as n from rows').get()).toEqual({ n: written });
    reopened.close();
  });

  it('reports when its thread cannot work, so the caller can fall back to automatic checkpoints', async () => {
    const failure = await new Promise<string>((resolve) => {
      startCheckpointer(join(tmpdir(), 'no-such-dir-for-switchboard', 'db.sqlite'), resolve);
    });
    expect(failure).toMatch(/directory|unable to open|no such/i);
  });
});
