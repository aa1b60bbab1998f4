import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';

/** Sends a POST's headers and part of its body, then drops the connection. */
async function abortPost(server: TestServer, path: string, headers: string[] = []): Promise<void> {
  const socket = connect(server.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(
    [
      `POST ${path} HTTP/1.1`,
      `Host: 127.0.0.1:${server.port}`,
      'Content-Type: application/x-www-form-urlencoded',
      'Content-Length: 1000',
      ...headers,
      '',
      'name=half',
    ].join('\r\n'),
  );
  await new Promise((r) => setTimeout(r, 50));
  socket.destroy();
}

/** A client that goes away mid-request is not a server error (issue 18, finding 11). */
describe('aborted requests', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ config: { logLevel: 'debug' } });
  });
  afterAll(() => server.close());

  it('are logged at debug without a stack, and a link token in the path stays redacted', async () => {
    const stripe = server.stripe();
    const account = await stripe.accounts.create({ type: 'express' });
    const link = await stripe.accountLinks.create({
      account: account.id,
      type: 'account_onboarding',
      return_url: 'https://platform.example/return',
    });
    const token = new URL(link.url).pathname.split('/').pop()!;
    const before = server.logs.length;
    await abortPost(server, '/v1/customers', [`Authorization: Bearer ${TEST_KEY}`]);
    await abortPost(server, new URL(link.url).pathname);
    const lines = await eventually(() => {
      const fresh = server.logs.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>);
      return fresh.filter((l) => l.msg === 'request aborted by the client').length === 2
        ? fresh
        : undefined;
    });
    expect(lines.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
    expect(server.logs.slice(before).join('\n')).not.toContain(token);
    expect(JSON.stringify(lines)).not.toMatch(/\bat .*\.js:\d+/);
    // The link was not used up by the aborted submit, and the server still answers.
    expect((await fetch(link.url, { redirect: 'manual' })).status).toBe(200);
  });
});
