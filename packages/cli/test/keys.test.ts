import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_KEY, type TestServer } from '../../server/test/helpers/server.js';
import { freshConfigHome, runCli } from './helpers/cli.js';

interface WireKey {
  id: string;
  type: string;
  current: boolean;
  redacted_secret: string;
  secret?: string;
}

/** `switchboard keys list|roll|revoke`: a platform's keys through the API (issue 18, finding 5). */
describe('switchboard keys', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const works = async (key: string) =>
    (await fetch(`${server.url}/v1/customers`, { headers: { Authorization: `Bearer ${key}` } }))
      .status === 200;

  it('lists redacted, rolls the stored key in place, and revokes a restricted key', async () => {
    const home = freshConfigHome();
    const env = { XDG_CONFIG_HOME: home, SWITCHBOARD_API_BASE: server.url };
    expect((await runCli(['login', '--api-key', TEST_KEY], { env })).code).toBe(0);

    const table = await runCli(['keys', 'list'], { env });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(
      new RegExp(`^\\*key_\\w+ +secret +sk_test_\\.\\.\\.${TEST_KEY.slice(-4)} `, 'm'),
    );
    expect(table.stdout).not.toContain(TEST_KEY);

    const rolled = await runCli(['keys', 'roll', '--expires-in', '1h'], { env });
    expect(rolled.code, rolled.stderr).toBe(0);
    const fresh = /^ {2}(sk_test_\w+) /m.exec(rolled.stdout)![1]!;
    expect(rolled.stdout).toContain('Stored for');
    const stored = JSON.parse(readFileSync(join(home, 'switchboard', 'config.json'), 'utf8'));
    expect(stored.servers[server.url].test_key).toBe(fresh);
    expect(await works(fresh)).toBe(true);
    expect(await works(TEST_KEY)).toBe(true);

    const listed = JSON.parse(
      (await runCli(['keys', 'list', '--json'], { env })).stdout,
    ) as WireKey[];
    expect(listed.map((k) => k.current)).toEqual([false, true]);

    const restricted = (await (
      await fetch(`${server.url}/v1/switchboard/restricted_keys`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${fresh}` },
      })
    ).json()) as { secret: string };
    const all = (await (
      await fetch(`${server.url}/v1/switchboard/api_keys`, {
        headers: { Authorization: `Bearer ${fresh}` },
      })
    ).json()) as { data: WireKey[] };
    const id = all.data.find((k) => k.type === 'restricted')!.id;
    const revoked = await runCli(['keys', 'revoke', id], { env });
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toBe(
      `Revoked restricted key ${id} (rk_test_...${restricted.secret.slice(-4)}).\n`,
    );
    expect(
      (
        await fetch(`${server.url}/v1/events`, {
          headers: { Authorization: `Bearer ${restricted.secret}` },
        })
      ).status,
    ).toBe(401);

    const refused = await runCli(['keys', 'roll', '--expires-in', '8d'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'switchboard keys roll: --expires-in: at most 7d (604800 seconds)\n',
    );

    // Without a subcommand, `keys` still reads the database: the new test key is shown, the old one
    // (on its way out) is not.
    const fromDb = await runCli(['keys', '--db', server.db, '--json'], { env });
    expect(fromDb.code, fromDb.stderr).toBe(0);
    expect(JSON.parse(fromDb.stdout)[0].test_keys).toEqual([fresh]);
  }, 90_000);
});
