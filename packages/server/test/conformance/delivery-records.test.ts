import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/storage/dialect.js';
import { openStorage } from '../../src/storage/open.js';
import {
  countDeliveredWebhooks,
  deliveriesForEvent,
  finishDeliveries,
  insertAttempts,
  insertDeliveries,
  type AttemptRow,
} from '../../src/storage/repositories/deliveries.js';
import { findEvent, insertEvent } from '../../src/storage/repositories/events.js';

/** Recording attempt outcomes, as the delivery worker does after each batch of attempts. */
describe('delivery records (SQLite)', () => {
  let dir: string;
  let storage: Dialect;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-records-'));
    storage = await openStorage(join(dir, 'db.sqlite'));
  });

  afterAll(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function attempt(n: number, batch: string): Omit<AttemptRow, 'seq'> {
    return {
      id: `wa_${batch}_${n}`,
      delivery_id: `dlv_${batch}_${n}`,
      event_id: `evt_${batch}`,
      endpoint_id: 'we_records',
      platform_id: 'acct_records',
      url: `https://example.com/hook/${n}`,
      started_ms: 1_000 + n,
      duration_ms: n % 7,
      status_code: n % 3 === 0 ? null : 200 + n,
      error: n % 3 === 0 ? `connect ECONNREFUSED #${n}` : null,
      response_body: n % 2 === 0 ? `{"n":${n}}` : null,
      request_headers: JSON.stringify({ n }),
      outcome: n % 3 === 0 ? 'failed' : 'succeeded',
      next_attempt_ms: n % 3 === 0 ? 9_000 + n : null,
      chaos: n % 4 === 0 ? `chaos: note ${n}` : null,
    };
  }

  it.each([0, 1, 3, 5, 21, 85, 150])(
    'stores %i attempts at once, each with exactly its own values',
    async (count) => {
      const batch = `b${count}`;
      const rows = Array.from({ length: count }, (_, n) => attempt(n, batch));
      await insertAttempts(storage.db, rows);
      const stored = await storage.db
        .selectFrom('attempts')
        .selectAll()
        .where('event_id', '=', `evt_${batch}`)
        .orderBy('seq')
        .execute();
      expect(stored.map(({ seq: _seq, ...rest }) => rest)).toEqual(rows);
    },
  );

  it('finishes each delivery with its own outcome and gives up its lease', async () => {
    const base = {
      event_id: 'evt_finish',
      endpoint_id: 'we_records',
      platform_id: 'acct_records',
      one_shot: 0,
      attempts: 0,
      first_attempt_ms: null,
      next_attempt_ms: 10,
      lease_until_ms: 99_999,
      lease_owner: 'wrk_test',
      last_status_code: null,
      last_error: null,
      created_ms: 10,
      updated_ms: 10,
    };
    await insertDeliveries(storage.db, [
      { ...base, id: 'dlv_ok', status: 'pending' },
      { ...base, id: 'dlv_retry', status: 'pending' },
      { ...base, id: 'dlv_gone', status: 'pending' },
    ]);
    await finishDeliveries(storage.db, [
      {
        id: 'dlv_ok',
        status: 'succeeded',
        attempts: 1,
        first_attempt_ms: 20,
        next_attempt_ms: null,
        last_status_code: 200,
        last_error: null,
        updated_ms: 30,
      },
      {
        id: 'dlv_retry',
        status: 'pending',
        attempts: 2,
        first_attempt_ms: 21,
        next_attempt_ms: 600_000,
        last_status_code: 503,
        last_error: 'HTTP 503',
        updated_ms: 31,
      },
      {
        id: 'dlv_gone',
        status: 'failed',
        attempts: 4,
        first_attempt_ms: 22,
        next_attempt_ms: null,
        last_status_code: null,
        last_error: 'timeout',
        updated_ms: 32,
      },
    ]);
    const rows = await deliveriesForEvent(storage.db, 'evt_finish');
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(byId.dlv_ok).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      first_attempt_ms: 20,
      next_attempt_ms: null,
      last_status_code: 200,
      last_error: null,
      updated_ms: 30,
    });
    expect(byId.dlv_retry).toMatchObject({
      status: 'pending',
      attempts: 2,
      first_attempt_ms: 21,
      next_attempt_ms: 600_000,
      last_status_code: 503,
      last_error: 'HTTP 503',
      updated_ms: 31,
    });
    expect(byId.dlv_gone).toMatchObject({
      status: 'failed',
      attempts: 4,
      first_attempt_ms: 22,
      last_error: 'timeout',
      updated_ms: 32,
    });
    for (const r of rows) expect([r.lease_until_ms, r.lease_owner]).toEqual([null, null]);
  });

  it('counts delivered webhooks down to zero, never below', async () => {
    await insertEvent(storage.db, {
      id: 'evt_count',
      platform_id: 'acct_records',
      account_id: null,
      livemode: 0,
      type: 'customer.created',
      object: 'event',
      api_version: '2025-01-27.acacia',
      created: 1,
      created_ms: 1_000,
      data: '{}',
      request_id: null,
      idempotency_key: null,
      pending_webhooks: 3,
      object_id: null,
    });
    await countDeliveredWebhooks(storage.db, [{ id: 'evt_count', n: 2 }]);
    expect((await findEvent(storage.db, 'evt_count'))!.pending_webhooks).toBe(1);
    await countDeliveredWebhooks(storage.db, [{ id: 'evt_count', n: 2 }]);
    expect((await findEvent(storage.db, 'evt_count'))!.pending_webhooks).toBe(1);
    await countDeliveredWebhooks(storage.db, [{ id: 'evt_count', n: 1 }]);
    expect((await findEvent(storage.db, 'evt_count'))!.pending_webhooks).toBe(0);
  });
});
