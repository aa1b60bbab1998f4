import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thinDestination } from '../helpers/destinations.js';
import { LIVE_KEY, startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';

async function newSession(server: TestServer, key = TEST_KEY) {
  const res = await fetch(`${server.url}/v1/stripecli/sessions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}` },
    body: new URLSearchParams({ device_name: 'limits' }),
  });
  return {
    status: res.status,
    body: (await res.json()) as { websocket_id?: string; error?: { message: string } },
  };
}

/**
 * Listen sessions and event destinations are capped per platform and mode, as webhook endpoints
 * are (issue 18, finding 8): each receives every event it takes, so a platform could otherwise
 * slow every platform's deliveries down.
 */
describe('limits per account', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      config: { maxEventDestinations: '2', maxListenSessions: '2' },
    });
  });
  afterAll(() => server.close());

  it('caps event destinations per mode, with a Stripe-style error', async () => {
    const stripe = server.stripe();
    const url = 'http://127.0.0.1:9/unused';
    const first = await thinDestination(stripe, url, ['v2.core.account.created']);
    await thinDestination(stripe, url, ['v2.core.account.created']);
    const refused = thinDestination(stripe, url, ['v2.core.account.created']);
    await expect(refused).rejects.toMatchObject({
      statusCode: 400,
      type: 'StripeInvalidRequestError',
      message:
        'You have reached the maximum of 2 test event destinations on this account: delete one before creating another.',
    });
    // Live mode counts apart; deleting one makes room.
    await thinDestination(server.stripe(LIVE_KEY), 'https://93.184.216.34/unused', [
      'v2.core.account.created',
    ]);
    await stripe.v2.core.eventDestinations.del(first.id);
    await thinDestination(stripe, url, ['v2.core.account.created']);
  });

  it('caps listen sessions per mode; a session gone a while makes room, a connected one does not', async () => {
    expect((await newSession(server)).status).toBe(200);
    expect((await newSession(server)).status).toBe(200);
    const refused = await newSession(server);
    expect(refused.status).toBe(400);
    expect(refused.body.error!.message).toMatch(
      /^You have reached the maximum of 2 test listen sessions on this account/,
    );
    expect((await newSession(server, LIVE_KEY)).status).toBe(200);

    // A CLI killed without quitting: its session was last seen two minutes ago.
    const db = server.sb.services.dialect.db;
    const [oldest] = await db
      .selectFrom('endpoints')
      .select(['id', 'config'])
      .where('kind', '=', 'listen')
      .where('livemode', '=', 0)
      .where('deleted', '=', 0)
      .orderBy('seq')
      .execute();
    const config = { ...JSON.parse(oldest!.config), last_seen_ms: Date.now() - 120_000 };
    await db
      .updateTable('endpoints')
      .set({ config: JSON.stringify(config) })
      .where('id', '=', oldest!.id)
      .execute();
    expect((await newSession(server)).status).toBe(200);
    const ended = await db
      .selectFrom('endpoints')
      .select('deleted')
      .where('id', '=', oldest!.id)
      .executeTakeFirstOrThrow();
    expect(ended.deleted).toBe(1);
    expect((await newSession(server)).status).toBe(400);
  });
});
