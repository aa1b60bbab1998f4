import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogue } from '../../src/stripe/catalogue.js';
import { startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';

/** Stripe's OpenAPI spec (and the `stripe` package's newer operations) as the router's catalogue. */
describe('every operation of Stripe’s API is known', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const send = async (method: string, path: string) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${TEST_KEY}`,
        'Content-Type': path.startsWith('/v2/') ? 'application/json' : undefined!,
      },
    });
    const body = (await res.json()) as { error?: { code?: string; message: string } };
    return { status: res.status, headers: res.headers, error: body.error };
  };

  it('answers every operation, with placeholder ids, without "Unrecognized request URL"', async () => {
    const ops = catalogue().operations;
    expect(ops.filter((o) => o.p.startsWith('/v1/')).length).toBeGreaterThanOrEqual(468);
    const unrecognized: string[] = [];
    for (const op of ops) {
      const path = op.p.replace(/\{[^}]+\}/g, 'xx_placeholder');
      const res = await send(op.m, path);
      if (res.error?.message.startsWith('Unrecognized request URL'))
        unrecognized.push(`${op.m} ${op.p}`);
    }
    expect(unrecognized).toEqual([]);
  });

  it('refuses an operation it does not emulate with operation_not_supported, a 400 no client retries', async () => {
    const res = await send('GET', '/v1/issuing/settlements/ist_123');
    expect(res.status).toBe(400);
    expect(res.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'operation_not_supported',
    });
    expect(res.error!.message).toContain(
      'GetIssuingSettlementsSettlement (GET /v1/issuing/settlements/{settlement})',
    );
    expect(res.error).not.toHaveProperty('doc_url');

    // stripe-node, allowed two retries, sends it once and raises StripeInvalidRequestError.
    let requests = 0;
    const stripe = server.stripe(TEST_KEY, { maxNetworkRetries: 2 });
    stripe.on('request', () => requests++);
    await expect(stripe.rawRequest('GET', '/v1/issuing/settlements/ist_123')).rejects.toMatchObject(
      {
        type: 'StripeInvalidRequestError',
        code: 'operation_not_supported',
        statusCode: 400,
      },
    );
    expect(requests).toBe(1);
  });

  it('knows operations newer than the spec from the stripe package', async () => {
    const stripe = server.stripe();
    await expect(
      stripe.billing.meters.create({
        display_name: 'Calls',
        event_name: 'api_call',
        default_aggregation: { formula: 'sum' },
      }),
    ).rejects.toMatchObject({ code: 'operation_not_supported' });
  });

  it('asks for a key first, and still refuses URLs Stripe does not have', async () => {
    const res = await fetch(`${server.url}/v1/issuing/cards`);
    expect(res.status).toBe(401);
    const missing = await send('GET', '/v1/not_a_stripe_resource');
    expect(missing.status).toBe(404);
    expect(missing.error!.message).toMatch(/^Unrecognized request URL/);
  });
});
