import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_KEY, startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';

async function post(
  server: TestServer,
  key: string,
  path: string,
  idempotencyKey: string,
  body: Record<string, string> = {},
) {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Idempotency-Key': idempotencyKey },
    body: new URLSearchParams(body),
  });
  return {
    status: res.status,
    replayed: res.headers.get('idempotent-replayed') === 'true',
    text: await res.text(),
  };
}

/**
 * Idempotency records keep replies for 24 hours. Replies that carry secrets stored hashed (or not
 * at all) elsewhere are kept sealed with the caller's API key: a copy of the database does not
 * reveal them, and a retry with the same key still gets the same answer (issue 18, finding 9).
 */
describe('idempotent replies that carry secrets', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const stored = async () =>
    (await server.sb.services.dialect.db.selectFrom('idempotency_keys').selectAll().execute())
      .map((r) => r.response_body)
      .join('\n');

  it('are not stored in clear, and replay to the same key as they were', async () => {
    const secrets: string[] = [];
    for (const [key, path, body] of [
      [LIVE_KEY, '/v1/switchboard/restricted_keys', {}],
      [TEST_KEY, '/v1/switchboard/sandboxes', { name: 'sealed' }],
      [TEST_KEY, '/v1/stripecli/sessions', { device_name: 'sealed' }],
    ] as const) {
      const first = await post(server, key, path, `idem-${path}`, body);
      expect(first.status, first.text).toBe(200);
      const json = JSON.parse(first.text) as Record<string, string>;
      const secret = json.websocket_id ?? json.secret_key ?? json.secret;
      expect(secret).toMatch(/^(rk_live_|sk_test_|cliws_)/);
      secrets.push(secret!);
      const again = await post(server, key, path, `idem-${path}`, body);
      expect(again).toEqual({ status: 200, replayed: true, text: first.text });
    }
    const live = await fetch(`${server.url}/v1/switchboard/api_keys`, {
      headers: { Authorization: `Bearer ${LIVE_KEY}` },
    });
    const liveKeyId = (
      (await live.json()) as { data: Array<{ id: string; type: string }> }
    ).data.find((k) => k.type === 'secret')!.id;
    const rolled = await post(
      server,
      LIVE_KEY,
      `/v1/switchboard/api_keys/${liveKeyId}/roll`,
      'roll',
      {
        expires_in: '600',
      },
    );
    expect(rolled.status).toBe(200);
    const newLive = (JSON.parse(rolled.text) as { secret: string }).secret;
    secrets.push(newLive);

    const records = await stored();
    for (const secret of secrets) expect(records).not.toContain(secret);
    expect(records).toContain('sealed:v1:');

    // The same request again with the same key: the same new key, not another one.
    const replayed = await post(
      server,
      LIVE_KEY,
      `/v1/switchboard/api_keys/${liveKeyId}/roll`,
      'roll',
      {
        expires_in: '600',
      },
    );
    expect(replayed).toEqual({ status: 200, replayed: true, text: rolled.text });
    // Another key of the platform cannot read it back: a Stripe-style idempotency error.
    const other = await post(
      server,
      newLive,
      `/v1/switchboard/api_keys/${liveKeyId}/roll`,
      'roll',
      {
        expires_in: '600',
      },
    );
    expect(other.status).toBe(400);
    expect(JSON.parse(other.text)).toMatchObject({
      error: { type: 'idempotency_error', message: expect.stringMatching(/another API key/) },
    });
  });

  it('keeps other replies in clear, as Stripe replays them', async () => {
    const created = await post(server, TEST_KEY, '/v1/customers', 'plain', { name: 'Jenny' });
    expect(created.status).toBe(200);
    expect(await stored()).toContain('"name": "Jenny"');
  });
});
