import type Stripe from 'stripe';
import { expect } from 'vitest';
import { onboardedAccount } from './accounts.js';
import { Receiver, type Received } from './receiver.js';
import { schemaErrors } from './schemas.js';
import { startTestServer, TEST_KEY, type TestServer } from './server.js';

/**
 * What the payment scenarios share: a server, a receiver verifying signatures behind a
 * Your-account endpoint (`/account`) and a Connect endpoint (`/connect`) for every event, the
 * platform's test publishable key, and an onboarded Express account (Stripe refuses direct charges
 * on an account whose card_payments is not active).
 */
export interface PaymentsBench {
  server: TestServer;
  receiver: Receiver;
  stripe: Stripe;
  pk: string;
  account: string;
  close(): Promise<void>;
}

export async function startPaymentsBench(): Promise<PaymentsBench> {
  const server = await startTestServer();
  const receiver = await new Receiver().start();
  const stripe = server.stripe();
  for (const connect of [false, true]) {
    const path = connect ? '/connect' : '/account';
    const we = await stripe.webhookEndpoints.create({
      url: receiver.url(path),
      enabled_events: ['*'],
      connect,
    });
    receiver.expect(path, we.secret!);
  }
  const pk = await publishableKey(server);
  const account = (
    await onboardedAccount(stripe, {
      type: 'express',
      capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
    })
  ).id;
  return {
    server,
    receiver,
    stripe,
    pk,
    account,
    close: async () => {
      await server.close();
      await receiver.close();
    },
  };
}

/** The platform's test publishable key (`pk_test_...`), as `switchboard keys` shows it. */
export async function publishableKey(server: TestServer): Promise<string> {
  const res = await fetch(`${server.url}/v1/switchboard/publishable_key`, {
    headers: { Authorization: `Bearer ${TEST_KEY}` },
  });
  return ((await res.json()) as { key: string }).key;
}

/** The verified deliveries of events of `type` about the object `id`. */
export const deliveriesAbout = (receiver: Receiver, type: string, id: string): Received[] =>
  receiver.received.filter(
    (r) =>
      r.verified &&
      r.event?.type === type &&
      (r.event.data as { object: { id: string } }).object.id === id,
  );

/**
 * A verifying receiver with two endpoints of every event, as a Connect platform sets them up:
 * `/platform` (connect=false, the platform's own events) and `/connect` (connect=true, its
 * connected accounts'). Payment flows' tests wait on it for each event they expect, check it came
 * signed to the right endpoint with the right `account`, and check every delivery against
 * Stripe's schemas at the end.
 */
export class PaymentEvents {
  private constructor(readonly receiver: Receiver) {}

  static async start(server: TestServer): Promise<PaymentEvents> {
    const receiver = await new Receiver().start();
    const stripe = server.stripe();
    for (const connect of [false, true]) {
      const path = connect ? '/connect' : '/platform';
      const we = await stripe.webhookEndpoints.create({
        url: receiver.url(path),
        enabled_events: ['*'],
        connect,
      });
      receiver.expect(path, we.secret!);
    }
    return new PaymentEvents(receiver);
  }

  /** The events received so far of `type`, from `account` (null: the platform's own). */
  of(type: string, account: string | null): Stripe.Event[] {
    return this.receiver.received
      .filter((r) => r.event?.type === type && (r.event.account ?? null) === account)
      .map((r) => r.event as unknown as Stripe.Event);
  }

  /**
   * Waits for an event of `type` from `account` (null: the platform) whose object matches, and
   * checks it was verified and sent only to the endpoint of its scope.
   */
  async event<T = Record<string, unknown>>(
    type: string,
    account: string | null,
    match: (object: T) => boolean = () => true,
  ): Promise<Stripe.Event & { data: { object: T } }> {
    const path = account === null ? '/platform' : '/connect';
    const hit = () =>
      this.receiver.received.find(
        (r) =>
          r.event?.type === type &&
          (r.event.account ?? null) === account &&
          match((r.event.data as { object: T }).object),
      );
    await this.receiver.waitFor(
      () => hit() !== undefined,
      10_000,
      `${type} from ${account ?? 'the platform'}`,
    );
    const first = hit()!;
    expect(first.verified, first.verifyError ?? '').toBe(true);
    expect(first.path).toBe(path);
    const copies = this.receiver.received.filter((r) => r.event?.id === first.event!.id);
    expect(copies.map((r) => r.path)).toEqual([path]);
    return first.event as never;
  }

  /** Fails if an event of `type` from `account` matching arrived (after a short settle). */
  async none(type: string, account: string | null, match: (o: never) => boolean = () => true) {
    await new Promise((r) => setTimeout(r, 150));
    expect(
      this.of(type, account).filter((e) => match(e.data.object as never)),
      `${type} from ${account ?? 'the platform'}`,
    ).toEqual([]);
  }

  /** Every delivery so far was verified and validates against Stripe's schemas. */
  checkAll(): void {
    expect(this.receiver.received.length).toBeGreaterThan(0);
    expect(this.receiver.received.filter((r) => !r.verified).map((r) => r.verifyError)).toEqual([]);
    expect(this.receiver.received.flatMap((r) => schemaErrors(r.event))).toEqual([]);
  }

  close(): Promise<void> {
    return this.receiver.close();
  }
}

/** What a payment scenario file runs against: a server, its events' receiver, the platform. */
export interface PaymentScenario {
  server: TestServer;
  events: PaymentEvents;
  stripe: Stripe;
}

/**
 * Starts a payment scenario file's server (with a manual clock if asked), its verifying receiver
 * (PaymentEvents) and the platform's `stripe` client. End it with endPaymentScenario.
 */
export async function startPaymentScenario(
  options: { manualClock?: boolean } = {},
): Promise<PaymentScenario> {
  const server = await startTestServer(options);
  const events = await PaymentEvents.start(server);
  return { server, events, stripe: server.stripe() };
}

/** Checks every delivery of the file (verified, schema-valid), then stops server and receiver. */
export async function endPaymentScenario(s: Partial<PaymentScenario>): Promise<void> {
  s.events?.checkAll();
  await s.server?.close();
  await s.events?.close();
}

/** The USD amounts of a balance: available and pending. */
export async function usd(
  stripe: Stripe,
  account?: string,
): Promise<{ available: number; pending: number }> {
  const b = await stripe.balance.retrieve({}, account ? { stripeAccount: account } : {});
  const pick = (list: Stripe.Balance.Available[]) =>
    list.find((e) => e.currency === 'usd')?.amount ?? 0;
  return { available: pick(b.available), pending: pick(b.pending) };
}

/** The balance transactions of an account (or the platform), newest first, with what matters. */
export async function ledger(
  stripe: Stripe,
  account?: string,
): Promise<Array<[string, number, number, string]>> {
  const list = await stripe.balanceTransactions.list(
    { limit: 100 },
    account ? { stripeAccount: account } : {},
  );
  expect(list.data.flatMap((t) => schemaErrors(t))).toEqual([]);
  return list.data.map((t) => [t.type, t.amount, t.fee, t.source as string]);
}

/** Stripe's US card fee: 2.9% + 30 cents. */
export const cardFee = (amount: number) => Math.round(amount * 0.029) + 30;

/**
 * A connected account that can take charges and receive transfers, as a platform has one after
 * onboarding: card_payments and transfers requested (a Standard account asks for none), onboarded
 * with Stripe's test values.
 */
export const payableAccount = (
  server: TestServer,
  type: 'express' | 'custom' | 'standard' = 'express',
): Promise<Stripe.Account> =>
  onboardedAccount(server.stripe(), {
    type,
    country: 'US',
    ...(type === 'standard'
      ? {}
      : { capabilities: { card_payments: { requested: true }, transfers: { requested: true } } }),
  });
