import type Stripe from 'stripe';
import { onboardedAccount } from './accounts.js';
import { Receiver, type Received } from './receiver.js';
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
  const res = await fetch(`${server.url}/v1/switchboard/publishable_key`, {
    headers: { Authorization: `Bearer ${TEST_KEY}` },
  });
  const pk = ((await res.json()) as { key: string }).key;
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

/** The verified deliveries of events of `type` about the object `id`. */
export const deliveriesAbout = (receiver: Receiver, type: string, id: string): Received[] =>
  receiver.received.filter(
    (r) =>
      r.verified &&
      r.event?.type === type &&
      (r.event.data as { object: { id: string } }).object.id === id,
  );
