import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEventClient,
  createNotificationHandler,
  parseEventNotification,
  parseEventNotificationAsync,
  signPayload,
  StripeApiError,
  type EventNotification,
} from '../src/index.js';

const secret = 'whsec_thin_test';
const apiKey = 'sk_test_thin_events_0001';

const notificationBody = JSON.stringify(
  {
    id: 'evt_test_PRusxl5mzbdd6okmxL03TAaEgxxqmNCCJxgB8L5d',
    object: 'v2.core.event',
    type: 'v2.core.account[requirements].updated',
    livemode: false,
    created: '2026-11-23T16:58:10.221Z',
    context: 'acct_srKIGnOg60FhbXwb',
    related_object: {
      id: 'acct_srKIGnOg60FhbXwb',
      type: 'v2.core.account',
      url: '/v2/core/accounts/acct_srKIGnOg60FhbXwb',
    },
    reason: { type: 'request', request: { id: 'req_v2abc', idempotency_key: 'idem-123' } },
  },
  null,
  2,
);

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** Answers the two GETs a thin event needs, as the v2 reference describes them, and records them. */
function fakeApi() {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method!, url: req.url!, headers: req.headers });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Request-Id': 'req_fake' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      return send(401, {
        error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' },
      });
    }
    const path = decodeURIComponent(req.url!.split('?')[0]!);
    const event = /^\/v2\/core\/events\/(.+)$/.exec(path);
    if (event) {
      if (event[1] === 'evt_missing') {
        return send(404, {
          error: {
            type: 'invalid_request_error',
            code: 'not_found',
            message: 'No such event: evt_missing',
          },
        });
      }
      return send(200, {
        ...JSON.parse(notificationBody),
        id: event[1],
        data: null,
        changes: { before: {}, after: {} },
      });
    }
    const account = /^\/v2\/core\/accounts\/(acct_\w+)$/.exec(path);
    if (account) {
      return send(200, {
        id: account[1],
        object: 'v2.core.account',
        applied_configurations: ['merchant'],
        created: '2026-11-23T16:58:10.221Z',
        livemode: false,
      });
    }
    send(404, {
      error: {
        type: 'invalid_request_error',
        code: 'not_found',
        message: `Unrecognized request URL (GET: ${path})`,
      },
    });
  });
  return { server, requests };
}

describe('parsing thin event notifications, against stripe.parseEventNotification', () => {
  const stripe = new Stripe('sk_test_unused');
  const header = signPayload(notificationBody, secret);

  it('parses the same notification as the official package, sync and async', async () => {
    const theirs = stripe.parseEventNotification(notificationBody, header, secret);
    for (const ours of [
      parseEventNotification(notificationBody, header, secret),
      await parseEventNotificationAsync(new TextEncoder().encode(notificationBody), header, secret),
    ]) {
      expect(ours.id).toBe(theirs.id);
      expect(ours.type).toBe(theirs.type);
      expect(ours.livemode).toBe(theirs.livemode);
      expect(ours.created).toBe(String(theirs.created));
      expect(ours.context).toBe(String(theirs.context));
      expect(ours.related_object).toEqual((theirs as { related_object?: unknown }).related_object);
    }
  });

  it('accepts headers from stripe.webhooks.generateTestHeaderString for a notification', () => {
    const theirHeader = stripe.webhooks.generateTestHeaderString({
      payload: notificationBody,
      secret,
    });
    expect(parseEventNotification(notificationBody, theirHeader, secret).id).toBe(
      JSON.parse(notificationBody).id,
    );
  });

  it('fails with the same messages for a v1 event, another object type and a bad signature', async () => {
    const bodies = [
      JSON.stringify({ id: 'evt_1', object: 'event', type: 'customer.created' }),
      JSON.stringify({ id: 'evt_2', object: 'v2.core.account', type: 'x' }),
      JSON.stringify({ id: 'evt_3', type: 'no.object' }),
    ];
    const cases: Array<[string, string]> = [
      ...bodies.map((b): [string, string] => [b, signPayload(b, secret)]),
      [notificationBody, signPayload(notificationBody, 'whsec_other')],
    ];
    for (const [body, sig] of cases) {
      const theirs = catchMessage(() => stripe.parseEventNotification(body, sig, secret));
      expect(theirs).toBeTruthy();
      expect(catchMessage(() => parseEventNotification(body, sig, secret))).toBe(theirs);
      const theirsAsync = await catchMessageAsync(() =>
        stripe.parseEventNotificationAsync(body, sig, secret),
      );
      expect(theirsAsync).toBeTruthy();
      expect(await catchMessageAsync(() => parseEventNotificationAsync(body, sig, secret))).toBe(
        theirsAsync,
      );
    }
  });
});

function catchMessage(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

async function catchMessageAsync(fn: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await fn();
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

describe('fetching the full event and the related object', () => {
  const api = fakeApi();
  let baseUrl = '';
  let port = 0;

  beforeAll(async () => {
    await new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve));
    port = (api.server.address() as AddressInfo).port;
    baseUrl = `http://127.0.0.1:${port}`;
  });
  afterAll(() => new Promise((resolve) => api.server.close(resolve)));

  const notification = () => JSON.parse(notificationBody) as EventNotification;

  it('sends the requests stripe-node sends: same paths, key, Stripe-Context and Stripe-Request-Trigger', async () => {
    const stripe = new Stripe(apiKey, {
      host: '127.0.0.1',
      port,
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    const theirNotif = stripe.parseEventNotification(
      notificationBody,
      signPayload(notificationBody, secret),
      secret,
    );
    api.requests.length = 0;
    const theirEvent = await theirNotif.fetchEvent();
    const theirObject = await (
      theirNotif as unknown as { fetchRelatedObject(): Promise<unknown> }
    ).fetchRelatedObject();
    const theirRequests = api.requests.splice(0);

    const client = createEventClient({ apiKey, baseUrl });
    const ourEvent = await client.fetchEvent(notification());
    const ourObject = await client.fetchRelatedObject<{ id: string; object: string }>(
      notification(),
    );
    const ourRequests = api.requests.splice(0);

    expect(ourEvent.id).toBe(theirEvent.id);
    expect(ourEvent.changes).toEqual({ before: {}, after: {} });
    expect(ourObject).toMatchObject({ id: 'acct_srKIGnOg60FhbXwb', object: 'v2.core.account' });
    expect(ourObject!.id).toBe((theirObject as { id: string }).id);
    expect(ourRequests.map((r) => `${r.method} ${r.url}`)).toEqual(
      theirRequests.map((r) => `${r.method} ${r.url}`),
    );
    expect(ourRequests.map((r) => r.url)).toEqual([
      '/v2/core/events/evt_test_PRusxl5mzbdd6okmxL03TAaEgxxqmNCCJxgB8L5d',
      '/v2/core/accounts/acct_srKIGnOg60FhbXwb',
    ]);
    for (const [i, ours] of ourRequests.entries()) {
      const theirs = theirRequests[i]!;
      for (const name of [
        'authorization',
        'stripe-context',
        'stripe-request-trigger',
        'stripe-version',
      ]) {
        expect(ours.headers[name], name).toBe(theirs.headers[name]);
      }
      expect(ours.headers['stripe-context']).toBe('acct_srKIGnOg60FhbXwb');
    }
  });

  it('sends no Stripe-Context for the platform’s own events, and no request without a related object', async () => {
    const client = createEventClient({ apiKey, baseUrl });
    api.requests.length = 0;
    const own = { ...notification(), context: null, related_object: null };
    await client.fetchEvent(own);
    expect(await client.fetchRelatedObject(own)).toBeNull();
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]!.headers['stripe-context']).toBeUndefined();
  });

  it('raises StripeApiError with the error envelope for an error answer', async () => {
    const client = createEventClient({ apiKey, baseUrl });
    const error = await client
      .fetchEvent({ ...notification(), id: 'evt_missing' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StripeApiError);
    expect(error).toMatchObject({
      status: 404,
      type: 'invalid_request_error',
      code: 'not_found',
      message: 'No such event: evt_missing',
      requestId: 'req_fake',
    });
    const unauthorized = await createEventClient({ apiKey: 'sk_test_wrong', baseUrl })
      .fetchEvent(notification())
      .catch((e: unknown) => e);
    expect(unauthorized).toMatchObject({ status: 401 });
  });

  it('refuses an absolute related_object.url without sending anything, so the key never leaves for another host', async () => {
    const client = createEventClient({ apiKey, baseUrl });
    api.requests.length = 0;
    const hostile = {
      ...notification(),
      related_object: { type: 'x', url: 'https://evil.example/steal' },
    };
    await expect(client.fetchRelatedObject(hostile)).rejects.toThrow(
      /beginning with a single "\/"/,
    );
    await expect(
      client.fetchRelatedObject({
        ...hostile,
        related_object: { type: 'x', url: '//evil.example/x' },
      }),
    ).rejects.toThrow();
    expect(api.requests).toHaveLength(0);
  });

  it('createNotificationHandler verifies, dispatches by type and lets the handler fetch, answering 200', async () => {
    const fetched: unknown[] = [];
    const handler = createNotificationHandler({
      secret,
      client: createEventClient({ apiKey, baseUrl }),
      on: {
        'v2.core.account[requirements].updated': async (notif, ctx) => {
          expect(ctx.context).toBe('acct_srKIGnOg60FhbXwb');
          const event = await ctx.fetchEvent();
          const account = await ctx.fetchRelatedObject<{ id: string }>();
          fetched.push(notif.id, event.type, account?.id);
        },
      },
    });
    const ok = await handler.handle(notificationBody, signPayload(notificationBody, secret));
    expect([ok.status, ok.outcome]).toEqual([200, 'handled']);
    expect(fetched).toEqual([
      'evt_test_PRusxl5mzbdd6okmxL03TAaEgxxqmNCCJxgB8L5d',
      'v2.core.account[requirements].updated',
      'acct_srKIGnOg60FhbXwb',
    ]);
    const v1 = JSON.stringify({
      id: 'evt_1',
      object: 'event',
      type: 'customer.created',
      livemode: false,
      created: 1,
    });
    const refused = await handler.handle(v1, signPayload(v1, secret));
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      error: { message: expect.stringContaining('webhook payload') },
    });
  });

  it('a notification handler without a client says how to fetch, and answers 500 so the event is retried', async () => {
    const errors: string[] = [];
    const handler = createNotificationHandler({
      secret,
      onError: (e) => errors.push((e as Error).message),
      on: { 'v2.core.account[requirements].updated': (_n, ctx) => ctx.fetchEvent() },
    });
    const result = await handler.handle(notificationBody, signPayload(notificationBody, secret));
    expect(result.status).toBe(500);
    expect(errors[0]).toMatch(/createEventClient/);
  });
});
