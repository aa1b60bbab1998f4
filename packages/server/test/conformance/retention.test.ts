import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  insertAttempts,
  insertDeliveries,
  type AttemptRow,
  type DeliveryRow,
} from '../../src/storage/repositories/deliveries.js';
import { insertEvent } from '../../src/storage/repositories/events.js';
import { deleteEventsBefore } from '../../src/storage/repositories/retention.js';
import { openBackend, type Backend } from './backend.js';

const DAY = 86_400;
const NOW = 1_800_000_000;

function delivery(eventId: string, n: number, status: string): Omit<DeliveryRow, 'seq'> {
  return {
    id: `dlv_${eventId}_${n}`,
    event_id: eventId,
    endpoint_id: 'we_retention',
    platform_id: 'acct_retention',
    status,
    one_shot: 0,
    attempts: 1,
    first_attempt_ms: 1,
    next_attempt_ms: status === 'pending' ? NOW * 1000 : null,
    lease_until_ms: null,
    lease_owner: null,
    last_status_code: 500,
    last_error: null,
    created_ms: 1,
    updated_ms: 1,
  };
}

function attempt(eventId: string, n: number): Omit<AttemptRow, 'seq'> {
  return {
    id: `wa_${eventId}_${n}`,
    delivery_id: `dlv_${eventId}_0`,
    event_id: eventId,
    endpoint_id: 'we_retention',
    platform_id: 'acct_retention',
    url: 'https://example.com/hook',
    started_ms: 1,
    duration_ms: 1,
    status_code: 500,
    error: null,
    response_body: null,
    request_headers: '{}',
    outcome: 'failed',
    next_attempt_ms: null,
    chaos: null,
  };
}

/** Deleting events past retention, with what hangs off them (storage/repositories/retention.ts). */
describe('events past retention', () => {
  let b: Backend;
  beforeAll(async () => {
    b = await openBackend();
  });
  afterAll(async () => {
    await b?.close();
  });

  /** An event `age` days old with two deliveries (the first `status`) and three attempts. */
  async function event(id: string, ageDays: number, status = 'succeeded'): Promise<void> {
    const created = NOW - ageDays * DAY;
    await insertEvent(b.main.db, {
      id,
      platform_id: 'acct_retention',
      account_id: null,
      livemode: 0,
      type: 'customer.created',
      object: 'event',
      api_version: null,
      created,
      created_ms: created * 1000,
      data: '{}',
      request_id: null,
      idempotency_key: null,
      object_id: null,
      // One endpoint never answered 2xx: every event has a count left.
      pending_webhooks: 1,
    });
    await insertDeliveries(b.main.db, [delivery(id, 0, status), delivery(id, 1, 'failed')]);
    await insertAttempts(b.main.db, [attempt(id, 0), attempt(id, 1), attempt(id, 2)]);
  }

  async function left(table: 'events' | 'deliveries' | 'attempts' | 'event_pending') {
    const column = table === 'events' ? 'id' : 'event_id';
    const rows = await b.main.db.selectFrom(table).select(column).execute();
    return [...new Set(rows.map((r) => (r as Record<string, string>)[column]!))].sort();
  }

  it('deletes old events with their deliveries, attempts and counts, in rounds, and keeps the rest', async () => {
    // Seven events 40-34 days old (one with a delivery still pending), then two inside 30 days.
    for (let i = 0; i < 7; i++)
      await event(`evt_old${i}`, 40 - i, i === 2 ? 'pending' : 'succeeded');
    await event('evt_new0', 29);
    await event('evt_new1', 1);

    let pauses = 0;
    const deleted = await deleteEventsBefore(b.main.db, NOW - 30 * DAY, {
      round: 3,
      pause: async () => {
        pauses++;
        return true;
      },
    });
    expect(deleted).toBe(6);
    // Rounds of 3: [old0-2], [old3-5], [old6, new0 ...] which ends at the first event kept.
    expect(pauses).toBe(2);
    const kept = ['evt_new0', 'evt_new1', 'evt_old2'];
    expect(await left('events')).toEqual(kept);
    expect(await left('deliveries')).toEqual(kept);
    expect(await left('attempts')).toEqual(kept);
    expect(await left('event_pending')).toEqual(kept);

    // Nothing more to do; once its delivery is done, the held-back event goes too.
    expect(await deleteEventsBefore(b.main.db, NOW - 30 * DAY)).toBe(0);
    await b.main.db
      .updateTable('deliveries')
      .set({ status: 'succeeded' })
      .where('event_id', '=', 'evt_old2')
      .execute();
    expect(await deleteEventsBefore(b.main.db, NOW - 30 * DAY)).toBe(1);
    expect(await left('events')).toEqual(['evt_new0', 'evt_new1']);
    expect(await left('attempts')).toEqual(['evt_new0', 'evt_new1']);
  });

  it('ends after the round in progress when its pause answers false (the server stopping)', async () => {
    // Written before every event kept so far: the walk stops at the first event it keeps.
    await b.main.db.deleteFrom('events').execute();
    for (let i = 0; i < 4; i++) await event(`evt_stop${i}`, 50 - i);
    const deleted = await deleteEventsBefore(b.main.db, NOW - 30 * DAY, {
      round: 2,
      pause: async () => false,
    });
    expect(deleted).toBe(2);
    expect(await left('events')).toEqual(['evt_stop2', 'evt_stop3']);
  });
});
