import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyHeader } from '@switchboard/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { ThreadedHttpTransport } from './threaded-transport.js';
import type { OutgoingDelivery } from './transport.js';

/** Receivers here are on loopback: the local-development policy. */
const ANY = { policy: 'any' as const, allowlist: [] };

const SECRET = 'whsec_threadtest0123456789';

/** A receiver that answers after `delayMs`, verifying signatures and counting requests open at once. */
async function receiver(delayMs: number) {
  const state = { open: 0, maxOpen: 0, verified: 0, rejected: 0 };
  const server: Server = createServer((req, res) => {
    state.open++;
    state.maxOpen = Math.max(state.maxOpen, state.open);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        verifyHeader(
          Buffer.concat(chunks).toString('utf8'),
          req.headers['stripe-signature'] as string,
          SECRET,
        );
        state.verified++;
      } catch {
        state.rejected++;
      }
      setTimeout(() => {
        state.open--;
        res.writeHead(200).end('ok');
      }, delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return { state, url: `http://127.0.0.1:${port}/hook`, close: () => server.close() };
}

function delivery(url: string, n: number, endpointId = 'we_thread'): OutgoingDelivery {
  return {
    deliveryId: `dlv_${n}`,
    eventId: `evt_${n}`,
    endpointId,
    url,
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ id: `evt_${n}`, object: 'event' }),
    signing: { secrets: [SECRET], decoyKey: `v0:${endpointId}` },
    thin: false,
    livemode: false,
    timeoutMs: 5_000,
  };
}

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('ThreadedHttpTransport', () => {
  it('sends from its thread, signed as it sends, never more than the limit in flight per endpoint', async () => {
    const r = await receiver(30);
    cleanup.push(r.close);
    const transport = new ThreadedHttpTransport({ rules: ANY, endpointConcurrency: 3 });
    cleanup.push(() => transport.close());
    expect(transport.queuesPerEndpoint).toBe(6);

    // Ten at once to one endpoint: three go out, the rest wait in the thread for a slot.
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => transport.send(delivery(r.url, i))),
    );
    expect(results.map((x) => x.result)).toEqual(
      Array(10).fill({ kind: 'response', statusCode: 200, retryAfterMs: null }),
    );
    expect(r.state).toMatchObject({ verified: 10, rejected: 0, maxOpen: 3 });
    // The attempt log gets the headers that were sent: a v1 signature and the test-mode decoy.
    const sent = JSON.parse(results[0]!.requestHeaders) as Record<string, string>;
    expect(sent['Stripe-Signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64},v0=[0-9a-f]{64}$/);
    expect(results[0]!.responseBody).toBe('ok');
  });

  it('sends from the main thread when its thread fails', async () => {
    const r = await receiver(0);
    cleanup.push(r.close);
    const transport = new ThreadedHttpTransport({
      rules: ANY,
      endpointConcurrency: 3,
      threadFile: '/nonexistent/sender-thread.js',
    });
    cleanup.push(() => transport.close());
    const results = await Promise.all([0, 1].map((i) => transport.send(delivery(r.url, i))));
    expect(results.map((x) => x.result.kind)).toEqual(['response', 'response']);
    expect(r.state.verified).toBe(2);
  });
});
