import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend, freshDatabase, type TestDatabase } from '../helpers/database.js';
import { cliBin } from '../helpers/process.js';
import { migrationProvider } from '../../src/storage/migrate.js';

const run = promisify(execFile);

describe('switchboard migrate', () => {
  let dir: string;
  let db: TestDatabase;
  /** With a password in the URL on PostgreSQL (the test cluster trusts it): it must not be shown. */
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-migrate-'));
    db = await freshDatabase(dir, 'migrate');
    url = db.url;
    if (backend === 'postgres') {
      const u = new URL(db.url);
      u.password = 'pw_not_to_be_shown';
      url = u.toString();
    }
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies every migration once, then reports the database up to date', async () => {
    const first = await run(process.execPath, [cliBin, 'migrate', '--db', url]);
    const names = Object.keys(await migrationProvider({ name: backend } as never).getMigrations());
    expect(first.stdout).toMatch(new RegExp(`applied 0001-initial, .*${names.at(-1)}\\n$`));
    const second = await run(process.execPath, [cliBin, 'migrate', '--db', url]);
    expect(second.stdout).toMatch(/: up to date\n$/);
    expect(first.stdout + second.stdout).not.toContain('pw_not_to_be_shown');
  });

  it('exits 1 with a clear message when the database cannot be reached', async () => {
    const failed = await run(process.execPath, [
      cliBin,
      'migrate',
      '--db',
      'postgres://sb:pw_not_to_be_shown@127.0.0.1:1/none',
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 1 });
    const stderr = (failed as { stderr: string }).stderr;
    expect(stderr).toMatch(/^switchboard migrate: .*ECONNREFUSED/);
    expect(stderr).not.toContain('pw_not_to_be_shown');
  });
});
