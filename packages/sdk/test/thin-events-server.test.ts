import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver } from '../../server/test/helpers/receiver.js';
import { startTestServer, TEST_KEY, type TestServer } from '../../server/test/helpers/server.js';
import { createEventClient, parseEventNotification } from '../src/index.js';

/** The SDK's thin-event client against Switchboard's real /v2 endpoints. */
describe('thin events from a real Switchboard', () => {
  let server: TestServer;
  let receiver: Receiver;

  beforeAll(async () => {
    server = await startTestServer();
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  it('parses a delivered notification and fetches its event and related object, with and without a context', async () => {
    const stripe = server.stripe(TEST_KEY);
    const destination = await stripe.v2.core.eventDestinations.create({
      name: 'sdk',
      type: 'webhook_endpoint',
      event_payload: 'thin',
      events_from: ['@self', '@accounts'],
      enabled_events: ['v2.core.account.created'],
      webhook_endpoint: { url: receiver.url('/thin') },
      include: ['webhook_endpoint.signing_secret'],
    });
    const secret = destination.webhook_endpoint!.signing_secret!;
    const platformAccount = await stripe.v2.core.accounts.create({
      display_name: 'Own',
      configuration: { merchant: {} },
    });
    const customer = await stripe.v2.core.accounts.create(
      { display_name: 'Inside', configuration: { customer: {} } },
      { stripeContext: platformAccount.id },
    );
    await receiver.waitFor(() => receiver.at('/thin').length >= 2);
    const client = createEventClient({ apiKey: TEST_KEY, baseUrl: server.url });
    for (const delivery of receiver.at('/thin')) {
      const notification = parseEventNotification(
        delivery.body,
        delivery.headers['stripe-signature'] as string,
        secret,
      );
      const event = (await client.fetchEvent(notification)) as { id: string; type: string };
      expect(event).toMatchObject({ id: notification.id, type: 'v2.core.account.created' });
      const related = (await client.fetchRelatedObject(notification)) as {
        id: string;
        object: string;
      };
      expect(related.object).toBe('v2.core.account');
      expect([platformAccount.id, customer.id]).toContain(related.id);
      if (related.id === customer.id) expect(String(notification.context)).toBe(platformAccount.id);
    }
  });
});
