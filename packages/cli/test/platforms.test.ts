import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliBin } from '../../server/test/helpers/process.js';
import { startTestServer, TEST_KEY, type TestServer } from '../../server/test/helpers/server.js';

const run = promisify(execFile);

/** Several platforms on one server: `switchboard platforms create` adds one to the running server's database. */
describe('switchboard platforms', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('creates a platform whose keys work at once, isolated from the first platform', async () => {
    const db = join(server.dir, 'test.db');
    const { stdout } = await run(process.execPath, [
      cliBin,
      'platforms',
      'create',
      '--name',
      'Second platform',
      '--db',
      db,
      '--json',
    ]);
    const created = JSON.parse(stdout) as {
      id: string;
      test_key: string;
      live_key: string;
      application: string;
    };
    expect(created.test_key).toMatch(/^sk_test_/);
    expect(created.live_key).toMatch(/^sk_live_/);
    const second = server.stripe(created.test_key);
    expect((await second.accounts.retrieveCurrent()).id).toBe(created.id);
    await server.stripe(TEST_KEY).customers.create({ name: 'first platform' });
    expect((await second.customers.list()).data).toEqual([]);
    const list = await run(process.execPath, [cliBin, 'platforms', 'list', '--db', db, '--json']);
    const ids = (JSON.parse(list.stdout) as Array<{ id: string }>).map((p) => p.id);
    expect(ids).toHaveLength(2);
    expect(ids).toContain(created.id);
  });
});
