import type { Dialect } from '../../src/storage/dialect.js';
import { insertDeliveries } from '../../src/storage/repositories/deliveries.js';
import { insertEndpoint } from '../../src/storage/repositories/endpoints.js';
import { insertEvent } from '../../src/storage/repositories/events.js';
import { endpointRow, pendingDeliveryRow } from '../helpers/rows.js';

/** The clock time (ms) the queue conformance tests run at. */
export const NOW = 1_800_000_000_000;

let seq = 0;

/** A new enabled endpoint of `kind` on the conformance platform; returns its id. */
export async function endpoint(db: Dialect, kind = 'webhook'): Promise<string> {
  const id = `we_conf_${++seq}`;
  await insertEndpoint(
    db.db,
    endpointRow({
      id,
      platform_id: 'acct_conf',
      kind,
      url: 'http://127.0.0.1:9/hook',
      secret: 'whsec_conformance',
      created: NOW / 1000,
    }),
  );
  return id;
}

/** `n` deliveries of one new event to `endpointId`, due at `dueMs`; returns their ids. */
export async function deliveries(
  db: Dialect,
  endpointId: string,
  n: number,
  dueMs = NOW,
): Promise<string[]> {
  const eventId = `evt_conf_${++seq}`;
  await insertEvent(db.db, {
    id: eventId,
    platform_id: 'acct_conf',
    account_id: null,
    livemode: 0,
    type: 'customer.created',
    object: 'event',
    api_version: null,
    created: NOW / 1000,
    created_ms: NOW,
    data: '{}',
    request_id: null,
    idempotency_key: null,
    pending_webhooks: n,
    object_id: null,
  });
  const ids = Array.from({ length: n }, () => `dlv_conf_${++seq}`);
  await insertDeliveries(
    db.db,
    ids.map((id) =>
      pendingDeliveryRow({
        id,
        event_id: eventId,
        endpoint_id: endpointId,
        platform_id: 'acct_conf',
        next_attempt_ms: dueMs,
        created_ms: NOW,
      }),
    ),
  );
  return ids;
}

/** Finishes deliveries as an outcome does: delivered, lease cleared. */
export async function deliver(db: Dialect, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.db
    .updateTable('deliveries')
    .set({ status: 'succeeded', lease_until_ms: null, lease_owner: null })
    .where('id', 'in', ids)
    .execute();
}
