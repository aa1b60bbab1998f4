import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { backend } from '../helpers/database.js';
import { cliBin } from '../helpers/process.js';

const run = promisify(execFile);

describe.runIf(backend === 'sqlite')('--roles on SQLite', () => {
  it('refuses a worker-only process: SQLite serves a single process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-roles-'));
    try {
      for (const roles of ['worker']) {
        const failed = await run(process.execPath, [
          cliBin,
          'serve',
          '--roles',
          roles,
          '--port',
          '0',
          '--db',
          join(dir, 'roles.db'),
        ]).catch((e: { code: number; stderr: string }) => e);
        expect(failed).toMatchObject({ code: 1 });
        expect((failed as { stderr: string }).stderr).toContain(
          'SQLite serves a single process: run --roles api,worker, or use PostgreSQL',
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
