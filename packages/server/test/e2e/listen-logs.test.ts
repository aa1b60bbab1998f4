import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';

/**
 * The Stripe CLI recycles its websocket about once a minute ("Resetting the connection"): a
 * session's reconnections are not news at INFO, its first connection is.
 */
describe('listen session logs', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  async function connect(url: string, id: string): Promise<WebSocket> {
    const ws = new WebSocket(`${url}?websocket_feature=webhooks`, 'stripecli-devproxy-v1', {
      headers: { 'Websocket-Id': id },
    });
    await new Promise((resolve, reject) => ws.on('open', resolve).on('error', reject));
    return ws;
  }

  it('logs "listen session connected" once at INFO however often the CLI reconnects', async () => {
    const session = (await (
      await fetch(`${server.url}/v1/stripecli/sessions`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${TEST_KEY}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: 'device_name=logs&websocket_features[]=webhooks',
      })
    ).json()) as { websocket_url: string; websocket_id: string };
    const connected = () =>
      server.logs.filter((l) => l.includes('"listen session connected"')).length;
    for (let i = 0; i < 4; i++) {
      const ws = await connect(session.websocket_url, session.websocket_id);
      await eventually(() => connected() === 1, 5_000, 'the connection to be logged');
      const closed = new Promise((r) => ws.on('close', r));
      ws.close(1000, 'Resetting the connection');
      await closed;
    }
    expect(connected()).toBe(1);
    expect(server.logs.some((l) => l.includes('listen session reconnected'))).toBe(false);
  });
});
