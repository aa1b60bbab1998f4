import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_KEY, type TestServer } from '../../server/test/helpers/server.js';
import { registeredRedirectUris } from '../../server/test/helpers/oauth.js';
import { runCli } from './helpers/cli.js';

/** `switchboard redirect-uris list|add|remove`: the platform's Connect OAuth redirect URIs. */
describe('switchboard redirect-uris', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const registered = () => registeredRedirectUris(server);

  it('adds, puts first with --default, lists and removes; /oauth/authorize follows', async () => {
    const env = { SWITCHBOARD_API_BASE: server.url, SWITCHBOARD_API_KEY: TEST_KEY };
    const empty = await runCli(['redirect-uris', 'list'], { env });
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stdout).toContain('No redirect URIs registered');

    expect((await runCli(['redirect-uris', 'add', 'https://a.example/cb'], { env })).code).toBe(0);
    const added = await runCli(
      ['redirect-uris', 'add', 'http://localhost:3000/cb', '--default', '--json'],
      { env },
    );
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({
      application: server.sb.startup.platform.application_id,
      redirect_uris: ['http://localhost:3000/cb', 'https://a.example/cb'],
    });
    const listed = await runCli(['redirect-uris', 'list'], { env });
    expect(listed.stdout).toBe('http://localhost:3000/cb   (default)\nhttps://a.example/cb\n');

    // The default is where a link without redirect_uri returns to; others are refused.
    const authorize = (query: Record<string, string>) =>
      fetch(
        `${server.url}/oauth/authorize?${new URLSearchParams({ client_id: server.sb.startup.platform.application_id, ...query })}`,
        { redirect: 'manual' },
      );
    expect((await authorize({})).status).toBe(200);
    expect((await authorize({ redirect_uri: 'https://b.example/cb' })).status).toBe(400);

    const bad = await runCli(['redirect-uris', 'add', 'ftp://a.example/cb'], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^switchboard redirect-uris add: Invalid redirect URI/);
    const missing = await runCli(['redirect-uris', 'remove', 'https://b.example/cb'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('https://b.example/cb is not registered');

    expect(
      (await runCli(['redirect-uris', 'remove', 'http://localhost:3000/cb'], { env })).code,
    ).toBe(0);
    expect(await registered()).toEqual(['https://a.example/cb']);
    expect((await runCli(['redirect-uris', 'remove', 'https://a.example/cb'], { env })).code).toBe(
      0,
    );
    expect(await registered()).toEqual([]);
  }, 90_000);
});
