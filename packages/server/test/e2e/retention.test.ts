import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver } from '../helpers/receiver.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

const DAY = 86_400_000;

/** Housekeeping deletes events past --event-retention-days, with their deliveries and attempts. */
describe('event retention', () => {
  let server: TestServer;
  let receiver: Receiver;
  beforeAll(async () => {
    server = await startTestServer({ manualClock: true });
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  const rows = async (table: 'deliveries' | 'attempts' | 'event_pending', eventId: string) =>
    (
      await server.sb.services.dialect.db
        .selectFrom(table)
        .select('event_id')
        .where('event_id', '=', eventId)
        .execute()
    ).length;

  it('deletes what the API no longer shows, and keeps the objects', async () => {
    const stripe = server.stripe();
    const endpoint = await stripe.webhookEndpoints.create({
      url: receiver.url('/retention'),
      enabled_events: ['customer.created'],
    });
    receiver.expect('/retention', endpoint.secret!);
    const old = await stripe.customers.create({ name: 'old' });
    const oldEvent = (await stripe.events.list({ limit: 1 })).data[0]!;
    await eventually(() => receiver.at('/retention').length === 1);
    await eventually(async () => (await rows('attempts', oldEvent.id)) === 1);
    expect(await server.sb.housekeeping.run()).toEqual({ events: 0 });

    server.clock!.advance(31 * DAY);
    const recent = await stripe.customers.create({ name: 'recent' });
    const { events } = await server.sb.housekeeping.run();
    expect(events).toBe(1);
    expect(server.logs.some((l) => l.includes('deleted events past retention'))).toBe(true);

    expect((await stripe.events.list()).data.map((e) => e.data.object)).toEqual([
      expect.objectContaining({ id: recent.id }),
    ]);
    for (const table of ['deliveries', 'attempts', 'event_pending'] as const)
      expect(await rows(table, oldEvent.id)).toBe(0);
    const rowsLeft = await server.sb.services.dialect.db
      .selectFrom('events')
      .select('id')
      .where('id', '=', oldEvent.id)
      .execute();
    expect(rowsLeft).toEqual([]);
    // Objects are not events: the customer is still there, as on Stripe.
    expect((await stripe.customers.retrieve(old.id)).id).toBe(old.id);
  });
});
