import type Stripe from 'stripe';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { MemoryDedupeStore } from './dedupe.js';
import type { Application, Customer, Event } from './events.js';
import { createWebhookHandler, type EventContext } from './handler.js';
import { signPayload } from './node.js';

const secret = 'whsec_handler_test';

function eventBody(
  fields: Partial<Event> & { type: string; object?: unknown },
  dataObject: unknown = {},
): string {
  return JSON.stringify({
    id: `evt_${Math.random().toString(36).slice(2)}`,
    object: 'event',
    api_version: '2026-07-29.dahlia',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object: dataObject },
    ...fields,
  });
}

const deauthorized = (account = 'acct_1Connected') =>
  eventBody(
    { type: 'account.application.deauthorized', account },
    { id: 'ca_1Platform', object: 'application', name: 'Platform' },
  );
const customerCreated = (account?: string, livemode = false) =>
  eventBody(
    { type: 'customer.created', livemode, ...(account ? { account } : {}) },
    { id: 'cus_1', object: 'customer', email: 'a@example.com' },
  );

describe('createWebhookHandler', () => {
  it('runs the handler for the type, typed by event type, and answers 200', async () => {
    const seen: Array<{ app: Application; ctx: EventContext }> = [];
    const handler = createWebhookHandler({
      secret,
      on: {
        'account.application.deauthorized': (event, ctx) => {
          expectTypeOf(event.data.object).toEqualTypeOf<Application>();
          seen.push({ app: event.data.object, ctx });
        },
      },
    });
    const body = deauthorized('acct_1Gone');
    const result = await handler.handle(body, signPayload(body, secret));
    expect(result.status).toBe(200);
    expect(result.outcome).toBe('handled');
    expect(result.body).toEqual({ received: true, outcome: 'handled' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.app.id).toBe('ca_1Platform');
    expect(seen[0]!.ctx).toEqual({
      scope: 'connect',
      account: 'acct_1Gone',
      requestOptions: { stripeAccount: 'acct_1Gone' },
      livemode: false,
    });
  });

  it('answers 400 for a bad signature, a missing header and a signed body that is not an event', async () => {
    let ran = 0;
    const handler = createWebhookHandler({ secret, on: { 'customer.created': () => void ran++ } });
    const body = customerCreated();
    const badSig = await handler.handle(body, signPayload(body, 'whsec_other'));
    expect(badSig.status).toBe(400);
    expect(badSig.outcome).toBe('invalid');
    expect(badSig.body).toMatchObject({ error: { type: 'signature_verification_error' } });
    expect((await handler.handle(body, undefined)).status).toBe(400);
    for (const garbage of ['{not json', '[1,2]', '{"id":"evt_1"}', '"x"']) {
      const r = await handler.handle(garbage, signPayload(garbage, secret));
      expect(r.status, garbage).toBe(400);
      expect(r.body, garbage).toMatchObject({ error: { type: 'invalid_payload' } });
    }
    const thin = JSON.stringify({
      id: 'evt_t',
      object: 'v2.core.event',
      type: 'v2.core.account.updated',
      livemode: false,
      created: 'x',
    });
    const thinResult = await handler.handle(thin, signPayload(thin, secret));
    expect(thinResult.status).toBe(400);
    expect(thinResult.body).toMatchObject({
      error: { message: expect.stringContaining('thin event') },
    });
    expect(ran).toBe(0);
  });

  it('answers 500 when the handler throws, so the sender retries, and reports the error', async () => {
    const errors: unknown[] = [];
    let attempts = 0;
    const handler = createWebhookHandler({
      secret,
      on: {
        'customer.created': () => {
          attempts++;
          if (attempts === 1) throw new Error('database down');
        },
      },
      onError: (error) => errors.push(error),
    });
    const body = customerCreated();
    const first = await handler.handle(body, signPayload(body, secret));
    expect(first.status).toBe(500);
    expect(first.outcome).toBe('failed');
    expect(first.body).toEqual({
      error: { type: 'handler_error', message: 'The handler for customer.created failed.' },
    });
    expect((errors[0] as Error).message).toBe('database down');
    const retry = await handler.handle(body, signPayload(body, secret));
    expect(retry.status).toBe(200);
    expect(attempts).toBe(2);
  });

  it('routes by scope: connect handlers for connected accounts, platform handlers for the platform, `on` for both', async () => {
    const calls: string[] = [];
    const handler = createWebhookHandler({
      secret,
      platform: {
        'customer.created': (e, ctx) =>
          void calls.push(`platform:${ctx.account ?? '-'}:${e.data.object.id}`),
      },
      connect: { 'customer.created': (_e, ctx) => void calls.push(`connect:${ctx.account}`) },
      on: {
        'customer.created': () => void calls.push('on'),
        'account.application.deauthorized': (_e, ctx) => void calls.push(`on:${ctx.scope}`),
      },
    });
    for (const body of [customerCreated(), customerCreated('acct_A'), deauthorized('acct_B')]) {
      expect((await handler.handle(body, signPayload(body, secret))).outcome).toBe('handled');
    }
    expect(calls).toEqual(['platform:-:cus_1', 'connect:acct_A', 'on:connect']);
  });

  it('gives events nobody handles to onUnhandled and acknowledges them', async () => {
    const unhandled: string[] = [];
    const handler = createWebhookHandler({
      secret,
      connect: { 'customer.created': () => {} },
      onUnhandled: (event, ctx) => void unhandled.push(`${event.type}@${ctx.scope}`),
    });
    const platformCustomer = customerCreated();
    const other = eventBody({ type: 'invoice.paid' as never, account: 'acct_X' });
    for (const body of [platformCustomer, other]) {
      const result = await handler.handle(body, signPayload(body, secret));
      expect(result.status).toBe(200);
      expect(result.outcome).toBe('unhandled');
    }
    expect(unhandled).toEqual(['customer.created@platform', 'invoice.paid@connect']);
  });

  it('acknowledges events of the other mode without running handlers when livemode is set', async () => {
    const handled: boolean[] = [];
    const skipped: string[] = [];
    const handler = createWebhookHandler({
      secret,
      livemode: true,
      on: { 'customer.created': (e) => void handled.push(e.livemode) },
      onSkipped: (e) => void skipped.push(e.id),
    });
    const test = customerCreated('acct_A', false);
    const live = customerCreated('acct_A', true);
    const t = await handler.handle(test, signPayload(test, secret));
    expect([t.status, t.outcome]).toEqual([200, 'skipped']);
    const l = await handler.handle(live, signPayload(live, secret));
    expect([l.status, l.outcome]).toEqual([200, 'handled']);
    expect(handled).toEqual([true]);
    expect(skipped).toEqual([JSON.parse(test).id]);
  });

  it('with dedupe, runs an event once however often it is delivered', async () => {
    let runs = 0;
    const handler = createWebhookHandler({
      secret,
      dedupe: new MemoryDedupeStore(),
      on: { 'customer.created': () => void runs++ },
    });
    const body = customerCreated('acct_A');
    const outcomes = [];
    for (let i = 0; i < 3; i++) {
      // A retry is signed anew with a fresh timestamp.
      outcomes.push(
        (await handler.handle(body, signPayload(body, secret, Math.floor(Date.now() / 1000) + i)))
          .outcome,
      );
    }
    expect(outcomes).toEqual(['handled', 'duplicate', 'duplicate']);
    expect(runs).toBe(1);
  });

  it('with dedupe, answers 409 to a delivery racing a running one, and 200 after it finished', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let runs = 0;
    const handler = createWebhookHandler({
      secret,
      dedupe: new MemoryDedupeStore(),
      on: {
        'customer.created': async () => {
          runs++;
          await gate;
        },
      },
    });
    const body = customerCreated('acct_A');
    const first = handler.handle(body, signPayload(body, secret));
    await new Promise((r) => setTimeout(r, 10));
    const racing = await handler.handle(body, signPayload(body, secret));
    expect([racing.status, racing.outcome]).toEqual([409, 'in_progress']);
    release();
    expect((await first).outcome).toBe('handled');
    expect((await handler.handle(body, signPayload(body, secret))).outcome).toBe('duplicate');
    expect(runs).toBe(1);
  });

  it('with dedupe, runs a failed event again on the retry', async () => {
    let runs = 0;
    const handler = createWebhookHandler({
      secret,
      dedupe: new MemoryDedupeStore(),
      onError: () => {},
      on: {
        'customer.created': () => {
          if (++runs === 1) throw new Error('transient');
        },
      },
    });
    const body = customerCreated();
    expect((await handler.handle(body, signPayload(body, secret))).status).toBe(500);
    expect((await handler.handle(body, signPayload(body, secret))).outcome).toBe('handled');
    expect(runs).toBe(2);
  });

  it('verifies with any of several secrets during a roll, and reads a secrets function per delivery', async () => {
    let current = ['whsec_old'];
    const handler = createWebhookHandler({
      secrets: () => current,
      on: { 'customer.created': () => {} },
    });
    const body = customerCreated();
    expect((await handler.handle(body, signPayload(body, 'whsec_old'))).status).toBe(200);
    current = ['whsec_new', 'whsec_old'];
    expect((await handler.handle(body, signPayload(body, 'whsec_new'))).status).toBe(200);
    current = ['whsec_new'];
    expect((await handler.handle(body, signPayload(body, 'whsec_old'))).status).toBe(400);
    const fixed = createWebhookHandler({ secrets: ['whsec_a', 'whsec_b'] });
    expect((await fixed.handle(body, signPayload(body, 'whsec_b'))).status).toBe(200);
  });

  it('applies the tolerance, with `now` injectable', async () => {
    const body = customerCreated();
    const header = signPayload(body, secret, 1_700_000_000);
    const at = (s: number) => () => (1_700_000_000 + s) * 1000;
    expect((await createWebhookHandler({ secret, now: at(299) }).handle(body, header)).status).toBe(
      200,
    );
    expect((await createWebhookHandler({ secret, now: at(301) }).handle(body, header)).status).toBe(
      400,
    );
    expect(
      (await createWebhookHandler({ secret, now: at(61), tolerance: 60 }).handle(body, header))
        .status,
    ).toBe(400);
  });

  it('refuses to be created without a secret', () => {
    expect(() => createWebhookHandler({})).toThrow(/needs `secret` or `secrets`/);
    expect(() => createWebhookHandler({ secret: '' })).toThrow(/needs `secret` or `secrets`/);
    expect(() => createWebhookHandler({ secrets: [] })).toThrow(/`secrets` is empty/);
  });

  it("takes the official stripe package's Event union as its type parameter", async () => {
    const ids: string[] = [];
    const handler = createWebhookHandler<Stripe.Event>({
      secret,
      on: {
        'customer.created': (event) => {
          expectTypeOf(event.data.object).toEqualTypeOf<Stripe.Customer>();
          ids.push(event.data.object.id);
        },
        'account.application.deauthorized': (event) => {
          expectTypeOf(event.data.object).toEqualTypeOf<Stripe.Application>();
        },
      },
    });
    const body = customerCreated('acct_A');
    expect((await handler.handle(body, signPayload(body, secret))).outcome).toBe('handled');
    expect(ids).toEqual(['cus_1']);
  });

  it('narrows its own Event union on event.type', () => {
    const describeEvent = (event: Event): string => {
      switch (event.type) {
        case 'customer.created':
          expectTypeOf(event.data.object).toEqualTypeOf<Customer>();
          return event.data.object.email ?? '';
        case 'balance.available':
          return String(event.data.object.available[0]?.amount);
        default:
          return event.type;
      }
    };
    expect(describeEvent(JSON.parse(customerCreated()) as Event)).toBe('a@example.com');
  });
});

describe('createWebhookHandler when its own side fails', () => {
  it('answers 500 (retry) and reports it when the secrets function throws', async () => {
    const errors: unknown[] = [];
    const handler = createWebhookHandler({
      secrets: () => Promise.reject(new Error('vault unreachable')),
      onError: (error) => errors.push(error),
    });
    const body = customerCreated();
    const result = await handler.handle(body, signPayload(body, secret));
    expect([result.status, result.outcome]).toEqual([500, 'failed']);
    expect(result.body).toEqual({
      error: { type: 'secrets_unavailable', message: 'The signing secrets could not be loaded.' },
    });
    expect((errors[0] as Error).message).toBe('vault unreachable');
  });
});
