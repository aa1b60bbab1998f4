import express from 'express';
import Fastify from 'fastify';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createWebhookHandler,
  expressWebhook,
  fastifyWebhook,
  signPayload,
  toFetchHandler,
  toNodeListener,
  type WebhookHandler,
} from '../src/index.js';
import { prettyBody } from './vectors.js';

const secret = 'whsec_adapter_test';

/** A handler that records the ids it handled; `prettyBody` verifies only if its bytes arrive intact. */
function recordingHandler(): { handler: WebhookHandler<unknown>; handled: string[] } {
  const handled: string[] = [];
  const handler = createWebhookHandler({
    secret,
    on: { 'customer.created': (event) => void handled.push(event.id) },
  });
  return { handler, handled };
}

function signed(body = prettyBody): RequestInit {
  return {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Stripe-Signature': signPayload(body, secret),
    },
    body,
  };
}

const servers: Array<{ close(): unknown }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ close: () => new Promise((r) => server.close(r)) });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function expectRawBodyKept(url: string, handled: string[]): Promise<void> {
  const ok = await fetch(url, signed());
  expect(ok.status).toBe(200);
  expect(await ok.json()).toEqual({ received: true, outcome: 'handled' });
  expect(handled).toEqual(['evt_1Pretty']);
  const bad = await fetch(url, {
    ...signed(),
    headers: { 'Content-Type': 'application/json', 'Stripe-Signature': 't=1,v1=00' },
  });
  expect(bad.status).toBe(400);
  expect(await bad.json()).toMatchObject({ error: { type: 'signature_verification_error' } });
}

describe('node:http adapter', () => {
  it('keeps the raw body intact and answers 200, or 400 for a bad signature', async () => {
    const { handler, handled } = recordingHandler();
    await expectRawBodyKept(await listen(createServer(toNodeListener(handler))), handled);
  });

  it('answers 405 to other methods and 413 to bodies over the limit', async () => {
    const { handler } = recordingHandler();
    const url = await listen(createServer(toNodeListener(handler, { maxBodyBytes: 100 })));
    const get = await fetch(url);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const big = await fetch(url, signed());
    expect(big.status).toBe(413);
  });

  it('answers 500 when the handler throws, so the sender retries', async () => {
    const handler = createWebhookHandler({
      secret,
      onError: () => {},
      on: {
        'customer.created': () => {
          throw new Error('boom');
        },
      },
    });
    const res = await fetch(await listen(createServer(toNodeListener(handler))), signed());
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: { type: 'handler_error', message: 'The handler for customer.created failed.' },
    });
  });
});

describe('Express adapter', () => {
  it('reads the raw body itself when mounted before express.json()', async () => {
    const { handler, handled } = recordingHandler();
    const app = express();
    app.post('/webhook', expressWebhook(handler));
    app.use(express.json());
    app.post('/echo', (req, res) => void res.json(req.body));
    const url = await listen(createServer(app));
    await expectRawBodyKept(`${url}/webhook`, handled);
    const echo = await fetch(`${url}/echo`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"a":1}',
    });
    expect(await echo.json()).toEqual({ a: 1 });
  });

  it('takes the Buffer from express.raw() on the route', async () => {
    const { handler, handled } = recordingHandler();
    const app = express();
    app.post('/webhook', express.raw({ type: 'application/json' }), expressWebhook(handler));
    app.use(express.json());
    await expectRawBodyKept(`${await listen(createServer(app))}/webhook`, handled);
  });

  it('answers 500 with how to fix it when express.json() parsed the body first', async () => {
    const { handler, handled } = recordingHandler();
    const app = express();
    app.use(express.json());
    app.post('/webhook', expressWebhook(handler));
    const res = await fetch(`${await listen(createServer(app))}/webhook`, signed());
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('raw_body_unavailable');
    expect(body.error.message).toContain('before any JSON body parser');
    expect(handled).toEqual([]);
  });
});

describe('Fastify adapter', () => {
  it('keeps the raw body in its own context while the rest of the app parses JSON', async () => {
    const { handler, handled } = recordingHandler();
    const app = Fastify();
    app.post('/echo', async (request) => request.body);
    await app.register(fastifyWebhook(handler), { prefix: '/stripe' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    servers.push(app);
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await expectRawBodyKept(`${url}/stripe/webhook`, handled);
    const echo = await fetch(`${url}/echo`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"a":1}',
    });
    expect(await echo.json()).toEqual({ a: 1 });
    const noBody = await fetch(`${url}/stripe/webhook`, {
      method: 'POST',
      headers: { 'Stripe-Signature': 't=1,v1=00' },
    });
    expect(noBody.status).toBe(400);
  });

  it('refuses bodies over the limit with 413', async () => {
    const { handler } = recordingHandler();
    const app = Fastify();
    await app.register(fastifyWebhook(handler, { path: '/hook', maxBodyBytes: 100 }));
    const res = await app.inject({
      method: 'POST',
      url: '/hook',
      headers: { 'content-type': 'application/json' },
      payload: prettyBody,
    });
    expect(res.statusCode).toBe(413);
  });
});

describe('fetch-style adapter (Hono, Next.js route handlers, Workers)', () => {
  it('keeps the raw body intact and answers 200, or 400 for a bad signature', async () => {
    const { handler, handled } = recordingHandler();
    const handle = toFetchHandler(handler);
    const ok = await handle(new Request('http://x/webhook', signed()));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/json');
    expect(await ok.json()).toEqual({ received: true, outcome: 'handled' });
    expect(handled).toEqual(['evt_1Pretty']);
    const bad = await handle(
      new Request('http://x/webhook', {
        ...signed(),
        headers: { 'Stripe-Signature': 't=1,v1=00' },
      }),
    );
    expect(bad.status).toBe(400);
  });

  it('answers 405 to GET, 413 over the limit and 500 when the body was already read', async () => {
    const { handler } = recordingHandler();
    const handle = toFetchHandler(handler, { maxBodyBytes: 100 });
    expect((await handle(new Request('http://x/webhook'))).status).toBe(405);
    expect((await handle(new Request('http://x/webhook', signed()))).status).toBe(413);
    const read = new Request('http://x/webhook', signed('{}'));
    await read.json();
    const res = await handle(read);
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: { type: 'raw_body_unavailable' } });
  });

  it('works behind a node:http bridge as a Web-standard runtime would call it', async () => {
    const { handler, handled } = recordingHandler();
    const handle = toFetchHandler(handler);
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const response = await handle(
        new Request(`http://127.0.0.1${req.url}`, {
          method: req.method,
          headers: req.headers as Record<string, string>,
          body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
        }),
      );
      response.headers.forEach((value, name) => res.setHeader(name, value));
      res.writeHead(response.status);
      res.end(Buffer.from(await response.arrayBuffer()));
    });
    await expectRawBodyKept(await listen(server), handled);
  });
});
