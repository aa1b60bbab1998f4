import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { AttemptRow } from './deliveries.js';
import { pendingWebhooks, type EventRow } from './events.js';

/**
 * Reads for the dashboard's live stream: rows added since a position (seq), and rows at seqs the
 * stream found missing below it (`missing`: transactions that had not committed when it read past
 * them), oldest first.
 */
export interface FeedPosition {
  events: number;
  attempts: number;
}

export async function feedEnd(db: Kysely<Database>): Promise<FeedPosition> {
  const [e, a] = await Promise.all([
    db
      .selectFrom('events')
      .select((eb) => eb.fn.max<number>('seq').as('m'))
      .executeTakeFirst(),
    db
      .selectFrom('attempts')
      .select((eb) => eb.fn.max<number>('seq').as('m'))
      .executeTakeFirst(),
  ]);
  return { events: Number(e?.m ?? 0), attempts: Number(a?.m ?? 0) };
}

export type FeedEvent = Pick<
  EventRow,
  | 'seq'
  | 'id'
  | 'platform_id'
  | 'account_id'
  | 'livemode'
  | 'type'
  | 'object'
  | 'created'
  | 'pending_webhooks'
>;

export async function eventsAfter(
  db: Kysely<Database>,
  seq: number,
  limit: number,
  missing: readonly number[] = [],
): Promise<FeedEvent[]> {
  return db
    .selectFrom('events')
    .leftJoin('event_pending', 'event_pending.event_id', 'events.id')
    .select([
      'seq',
      'id',
      'platform_id',
      'account_id',
      'livemode',
      'type',
      'object',
      'created',
      pendingWebhooks.as('pending_webhooks'),
    ])
    .where((eb) =>
      missing.length > 0
        ? eb.or([eb('seq', '>', seq), eb('seq', 'in', [...missing])])
        : eb('seq', '>', seq),
    )
    .orderBy('seq', 'asc')
    .limit(limit + missing.length)
    .execute();
}

export type FeedAttempt = AttemptRow & {
  account_id: string | null;
  livemode: number;
  event_type: string;
};

/** Attempts with their event's account, mode and type (attempts do not store them). */
export async function attemptsAfter(
  db: Kysely<Database>,
  seq: number,
  limit: number,
  missing: readonly number[] = [],
): Promise<FeedAttempt[]> {
  return db
    .selectFrom('attempts')
    .innerJoin('events', 'events.id', 'attempts.event_id')
    .selectAll('attempts')
    .select(['events.account_id', 'events.livemode', 'events.type as event_type'])
    .where((eb) =>
      missing.length > 0
        ? eb.or([eb('attempts.seq', '>', seq), eb('attempts.seq', 'in', [...missing])])
        : eb('attempts.seq', '>', seq),
    )
    .orderBy('attempts.seq', 'asc')
    .limit(limit + missing.length)
    .execute();
}
