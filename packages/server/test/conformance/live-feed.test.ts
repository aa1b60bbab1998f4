import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LiveFeed } from '../../src/dashboard/live-feed.js';
import { createLogger } from '../../src/observability/logger.js';
import { insertEvent } from '../../src/storage/repositories/events.js';
import type { Database } from '../../src/storage/schema.js';
import { backend } from '../helpers/database.js';
import { openBackend, type Backend } from './backend.js';

/** The dashboard's live stream reads new rows by seq, from any process's writes. */
let b: Backend;
const quiet = createLogger({ level: 'error', format: 'json', write: () => {} });
let n = 0;

function addEvent(db: Kysely<Database>): Promise<void> {
  return insertEvent(db, {
    id: `evt_feed_${++n}`,
    platform_id: 'acct_feed',
    account_id: null,
    livemode: 0,
    type: 'customer.created',
    object: 'event',
    api_version: null,
    created: 1_800_000_000,
    created_ms: 1_800_000_000_000,
    data: '{}',
    request_id: null,
    idempotency_key: null,
    pending_webhooks: 0,
    object_id: null,
  });
}

async function subscribed(feed: LiveFeed): Promise<string[]> {
  const seen: string[] = [];
  await feed.subscribe({
    platformId: 'acct_feed',
    livemode: false,
    accountId: null,
    push: (kind, data) => seen.push(`${kind}:${(data as { id: string }).id}`),
  });
  return seen;
}

describe(`the live feed on ${backend}`, () => {
  beforeEach(async () => {
    b = await openBackend();
  });
  afterEach(async () => {
    await b.close();
  });

  it('sends each new event once', async () => {
    const feed = new LiveFeed(b.main.db, quiet, 60_000);
    await addEvent(b.main.db);
    const seen = await subscribed(feed);
    await addEvent(b.main.db);
    await addEvent(b.main.db);
    await feed.tick();
    await feed.tick();
    feed.close();
    expect(seen).toEqual([`event:evt_feed_${n - 1}`, `event:evt_feed_${n}`]);
  });

  // Only PostgreSQL lets a transaction take a seq and commit after a later one was read.
  it.runIf(backend === 'postgres')(
    'sends an event whose transaction commits after a later event was read',
    async () => {
      const feed = new LiveFeed(b.main.db, quiet, 60_000);
      const seen = await subscribed(feed);
      const peer = await b.peer();
      let commit!: () => void;
      const held = peer.db.transaction().execute(async (tx) => {
        await addEvent(tx);
        await new Promise<void>((resolve) => (commit = resolve));
      });
      await new Promise((r) => setTimeout(r, 100));
      const late = `event:evt_feed_${n}`;
      await addEvent(b.main.db);
      const early = `event:evt_feed_${n}`;
      await feed.tick();
      expect(seen).toEqual([early]);
      commit();
      await held;
      await feed.tick();
      await feed.tick();
      feed.close();
      expect(seen).toEqual([early, late]);
    },
  );
});
