import { Pool } from 'undici';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';

/** A small seeded PRNG (mulberry32): the same requests every run. */
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

const paths = [
  '/v1/customers',
  '/v1/customers/cus_x',
  '/v1/accounts',
  '/v1/accounts/acct_x/persons',
  '/v1/accounts/acct_x/external_accounts',
  '/v1/payment_intents',
  '/v1/payment_intents/pi_x/confirm',
  '/v1/payouts',
  '/v1/webhook_endpoints',
  '/v1/webhook_endpoints/we_x',
  '/v1/events',
  '/v1/events/evt_x/retry',
  '/v1/balance',
  '/v1/stripecli/sessions',
  '/oauth/deauthorize',
  '/v1/nope',
  '/v2/core/accounts',
  '/v2/core/event_destinations',
  '/v2/core/events',
  '/v2/core/accounts/acct_x',
  '/%E0%A4%A',
  '/v1/customers/%ZZ',
];
const params = [
  'name',
  'email',
  'amount',
  'currency',
  'metadata',
  'enabled_events',
  'url',
  'type',
  'connect',
  'limit',
  'expand',
  'address',
  'capabilities',
  'external_account',
  'confirm',
  'payment_method',
];

/** One hostile request: malformed encodings, deep nesting, huge arrays, invalid UTF-8, wrong types. */
function makeRequest(r: () => number, i: number): FuzzRequest {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const path = pick(paths);
  const method = pick(['GET', 'POST', 'POST', 'POST', 'DELETE', 'PUT', 'PATCH']);
  const headers: Record<string, string> = { Authorization: `Bearer ${TEST_KEY}` };
  const kind = i % 12;
  let body: string | Buffer | undefined;
  switch (kind) {
    case 0:
      body = Array.from(
        { length: 1 + Math.floor(r() * 20) },
        () => `${pick(params)}=${encodeURIComponent(String(r()))}`,
      ).join('&');
      break;
    case 1:
      body = `${pick(params)}${'[x]'.repeat(5 + Math.floor(r() * 60))}=1`;
      break;
    case 2:
      body = Array.from(
        { length: 2000 + Math.floor(r() * 3000) },
        (_, k) => `${pick(params)}[${k}]=v`,
      ).join('&');
      break;
    case 3:
      body = Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3d, 0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1]);
      break;
    case 4:
      body = `${pick(params)}=%${pick(['ZZ', 'E0%A4%A', 'C3', '0', ''])}&${pick(params)}[=1&]=2&=&&[&]`;
      break;
    case 5:
      body = `amount=${pick(['abc', '1e99', '-1', '9'.repeat(40), ''])}&currency[x]=1&enabled_events=*&connect=maybe&limit=-5&url=javascript:alert(1)`;
      break;
    case 6:
      body = 'x'.repeat(1_100_000 + Math.floor(r() * 200_000));
      break;
    case 7:
      headers['Content-Type'] = 'application/json';
      body = pick([
        '{',
        '{"a":',
        '[1,2]',
        'null',
        '"str"',
        '{"display_name":{"$gt":1}}',
        '{"a":'.repeat(200) + '1' + '}'.repeat(200),
        '\u0000\u0001',
      ]);
      break;
    case 8:
      headers['Stripe-Account'] = pick([
        'acct_',
        'acct_' + 'a'.repeat(300),
        '../etc',
        'acct_x\r\nX: y'.replace(/\r\n/g, ' '),
        '',
      ]);
      body = 'name=x';
      break;
    case 9:
      headers['Idempotency-Key'] = 'k'.repeat(Math.floor(r() * 600));
      headers['Stripe-Version'] = pick(['2024-06-20', 'x', '9999-99-99.z', '']);
      body = 'name=x';
      break;
    case 10:
      headers['Content-Type'] = pick([
        'text/plain',
        'multipart/form-data; boundary=x',
        'application/xml',
        'application/x-www-form-urlencoded; charset=latin1',
      ]);
      body = 'name=x';
      break;
    default:
      headers.Authorization = pick([
        'Bearer ',
        'Basic !!!',
        'Bearer sk_test_nope',
        'Token x',
        `Basic ${Buffer.from(':').toString('base64')}`,
      ]);
      body = 'name=x';
      break;
  }
  if (method === 'GET' || method === 'DELETE') {
    const q =
      typeof body === 'string' && body.length < 20_000
        ? body
        : 'limit=abc&created[gte]=x&types[0]=*';
    // Control characters cannot travel in a request line; escape them so the server sees the rest.
    return {
      method,
      path: `${path}?${q.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c))}`,
      headers,
    };
  }
  if (body !== undefined && !headers['Content-Type'])
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  return { method, path, headers, body };
}

/**
 * Hostile input: 10,000 malformed requests and bad websocket frames. No 5xx, the process stays up,
 * memory stays bounded, and every answer is a Stripe-style error.
 */
describe('hostile input', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { logLevel: 'warn' } });
  });
  afterAll(() => server.close());

  it(
    'answers 10,000 malformed requests with Stripe-style 4xx errors, never a 5xx',
    { timeout: 120_000 },
    async () => {
      const pool = new Pool(server.url, { connections: 16 });
      const r = rng(20261124);
      const statuses = new Map<number, number>();
      const bad: string[] = [];
      const rssBefore = process.memoryUsage().rss;
      let next = 0;
      const total = Number(process.env.FUZZ_REQUESTS ?? 10_000);
      const worker = async () => {
        while (next < total) {
          const i = next++;
          const req = makeRequest(r, i);
          try {
            const res = await pool.request({
              method: req.method as 'GET',
              path: req.path,
              headers: req.headers,
              body: req.body,
              headersTimeout: 10_000,
              bodyTimeout: 10_000,
            });
            const text = await res.body.text();
            statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
            if (res.statusCode >= 500)
              bad.push(
                `${res.statusCode} ${req.method} ${req.path.slice(0, 80)}: ${text.slice(0, 200)}`,
              );
            if (res.statusCode >= 400) {
              const json = JSON.parse(text) as { error?: { type?: string; message?: string } };
              if (typeof json.error?.type !== 'string' || typeof json.error?.message !== 'string')
                bad.push(`not Stripe-shaped: ${text.slice(0, 200)}`);
            }
          } catch (e) {
            // A body over the limit may be answered (413) before it is fully sent: the connection closes.
            if (!(req.body && req.body.length > 1_000_000))
              bad.push(`${req.method} ${req.path.slice(0, 80)}: ${(e as Error).message}`);
          }
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
      await pool.close();
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      const grownMb = (process.memoryUsage().rss - rssBefore) / 1e6;
      console.log(
        `fuzz: ${total} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}, rss grew ${grownMb.toFixed(0)} MB`,
      );
      expect(bad.slice(0, 10)).toEqual([]);
      expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
      expect(grownMb).toBeLessThan(300);
    },
  );

  it('ignores bad websocket frames on the listen protocol and keeps the session working', async () => {
    const session = (await (
      await fetch(`${server.url}/v1/stripecli/sessions`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${TEST_KEY}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: 'device_name=fuzz&websocket_features[]=webhooks',
      })
    ).json()) as {
      websocket_url: string;
      websocket_id: string;
      websocket_authorized_feature: string;
    };
    const unknown = new WebSocket(`${session.websocket_url}?websocket_feature=webhooks`, {
      headers: { 'Websocket-Id': 'cliws_guess' },
    });
    const refused = await new Promise<string>((resolve) => {
      unknown.on('unexpected-response', (_q, res) => {
        let b = '';
        res.on('data', (c: Buffer) => (b += c));
        res.on('end', () => resolve(b));
      });
      unknown.on('error', () => undefined);
    });
    expect(refused).toContain('Unknown WebSocket ID.');

    const ws = new WebSocket(
      `${session.websocket_url}?websocket_feature=webhooks`,
      'stripecli-devproxy-v1',
      { headers: { 'Websocket-Id': session.websocket_id } },
    );
    await new Promise((resolve, reject) => ws.on('open', resolve).on('error', reject));
    const r = rng(7);
    for (let i = 0; i < 500; i++) {
      const frames = [
        Buffer.from(Array.from({ length: Math.floor(r() * 200) }, () => Math.floor(r() * 256))),
        '{"type":"event_ack","webhook_id":' + '['.repeat(Math.floor(r() * 100)),
        JSON.stringify({ type: 'event_ack', webhook_id: { nested: true } }),
        JSON.stringify({ type: 'webhook_response', status: 'x', body: 'y'.repeat(1000) }),
        'not json at all',
        JSON.stringify([1, 2, 3]),
        'null',
      ];
      ws.send(frames[i % frames.length]!);
    }
    const received = new Promise<{ type: string; webhook_id: string; event_payload: string }>(
      (resolve) =>
        ws.on('message', (d) =>
          resolve(
            JSON.parse(d.toString()) as { type: string; webhook_id: string; event_payload: string },
          ),
        ),
    );
    await server.stripe().customers.create({ name: 'after the junk' });
    const message = await received;
    expect(message.type).toBe('webhook_event');
    expect(JSON.parse(message.event_payload).type).toBe('customer.created');
    ws.send(JSON.stringify({ type: 'event_ack', webhook_id: message.webhook_id }));
    ws.close(1000, 'Connection Done');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
