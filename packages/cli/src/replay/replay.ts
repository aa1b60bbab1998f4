import { ApiError, call, listAll, type Connection } from '../api/client.js';
import { isDestination, listDestinations } from '../api/destinations.js';
import { listThinEvents } from '../api/thin-events.js';
import type { Progress } from './progress.js';
import {
  destinationsReceiving,
  endpointsReceiving,
  type OwnedEndpoint,
  type RoutedDestination,
  type RoutedEndpoint,
  type RoutedEvent,
} from './targets.js';

export interface ReplayEvent extends RoutedEvent {
  /** Unix seconds. */
  created: number;
  /** A v1 (snapshot) event, or a v2 (thin) one. */
  object: 'event' | 'v2.core.event';
}

/** One resend to make: an event to an endpoint or event destination. */
export interface Resend {
  event: ReplayEvent;
  endpoint: string;
}

export interface ReplayPlan {
  events: ReplayEvent[];
  resends: Resend[];
}

export interface ResendOutcome extends Resend {
  /** rejected: the server refused the resend; the others are the delivery's state. */
  status: 'rejected' | 'pending' | 'succeeded' | 'failed';
  reason: string | null;
}

const CONCURRENCY = 4;

/** Runs `work` on every item, `CONCURRENCY` at a time, in order of the items. */
async function eachLimited<T>(items: readonly T[], work: (item: T, i: number) => Promise<void>) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(CONCURRENCY, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i]!, i);
    }
  });
  await Promise.all(lanes);
}

/** The v2 (thin) events of the window, as replay routes them. */
async function thinEvents(
  events: Connection,
  filters: Record<string, unknown>,
): Promise<ReplayEvent[]> {
  return (await listThinEvents(events, filters)).map((e) => ({
    id: e.id,
    object: 'v2.core.event',
    type: e.type,
    account: e.context,
    livemode: e.livemode,
    created: Math.floor(Date.parse(e.created) / 1000),
  }));
}

/**
 * The matching events, v1 and v2, oldest first, and where each is resent: to `--endpoint` if
 * given (a webhook endpoint takes v1 events; an event destination the kind of its payload), else
 * to every enabled endpoint and destination that receives it under the seed's rules (the
 * platform's endpoints, with `--account` that account's own, and the platform's destinations).
 */
export async function planReplay(
  platform: Connection,
  events: Connection,
  filters: Record<string, unknown>,
  endpoint: string | undefined,
): Promise<ReplayPlan> {
  const v1: ReplayEvent[] = [];
  for await (const e of listAll<Omit<ReplayEvent, 'object'>>(events, '/v1/events', filters))
    v1.push({ ...e, object: 'event' });
  const v2 = await thinEvents(events, filters);
  // Oldest first: v1 events are listed newest first, so reversed; the sort is stable.
  const matched = [...v1.reverse(), ...v2].sort((a, b) => a.created - b.created);
  if (endpoint !== undefined) {
    let payload: 'thin' | 'snapshot' = 'snapshot';
    if (isDestination(endpoint)) {
      const d = await call<RoutedDestination>(
        platform,
        'GET',
        `/v2/core/event_destinations/${encodeURIComponent(endpoint)}`,
      );
      payload = d.event_payload;
    }
    const kind = payload === 'thin' ? 'v2.core.event' : 'event';
    const theirs = matched.filter((e) => e.object === kind);
    return { events: theirs, resends: theirs.map((event) => ({ event, endpoint })) };
  }
  const endpoints: OwnedEndpoint[] = [];
  for await (const e of listAll<RoutedEndpoint>(platform, '/v1/webhook_endpoints'))
    endpoints.push({ endpoint: e, owner: null });
  if (events.stripeAccount) {
    for await (const e of listAll<RoutedEndpoint>(events, '/v1/webhook_endpoints'))
      endpoints.push({ endpoint: e, owner: events.stripeAccount });
  }
  const routed = await listDestinations(platform);
  const resends = matched.flatMap((event) => [
    ...(event.object === 'event'
      ? endpointsReceiving(event, endpoints).map((t) => ({ event, endpoint: t.endpoint.id }))
      : []),
    ...destinationsReceiving(event, routed).map((d) => ({ event, endpoint: d.id })),
  ]);
  return { events: matched, resends };
}

/** Asks the server to resend each event to its endpoint (`POST /v1/switchboard/events/{id}/retry`). */
export async function sendResends(
  conn: Connection,
  resends: readonly Resend[],
  progress: Progress,
): Promise<ResendOutcome[]> {
  const outcomes: ResendOutcome[] = new Array(resends.length);
  let done = 0;
  await eachLimited(resends, async (r, i) => {
    try {
      // Switchboard's resend (Stripe's takes v1 events to webhook endpoints only).
      await call(conn, 'POST', `/v1/switchboard/events/${encodeURIComponent(r.event.id)}/retry`, {
        params: { endpoint: r.endpoint },
      });
      outcomes[i] = { ...r, status: 'pending', reason: null };
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      outcomes[i] = { ...r, status: 'rejected', reason: e.message };
    }
    progress.update(++done, resends.length, 'sent');
  });
  return outcomes;
}

interface WireDelivery {
  webhook_endpoint: string;
  status: 'pending' | 'succeeded' | 'failed';
  resend: boolean;
  last_status_code: number | null;
  last_error: string | null;
}

/**
 * Waits until the resends are delivered or `waitMs` passes, reading each event's deliveries: the
 * latest resend delivery of an event to an endpoint is the one this replay queued.
 */
export async function awaitOutcomes(
  conn: Connection,
  outcomes: ResendOutcome[],
  waitMs: number,
  progress: Progress,
): Promise<void> {
  const deadline = Date.now() + waitMs;
  const sent = outcomes.filter((o) => o.status !== 'rejected').length;
  for (;;) {
    const pending = outcomes.filter((o) => o.status === 'pending');
    progress.update(sent - pending.length, sent, 'delivered');
    if (pending.length === 0 || Date.now() >= deadline) return;
    const byEvent = new Map<string, ResendOutcome[]>();
    for (const o of pending) byEvent.set(o.event.id, [...(byEvent.get(o.event.id) ?? []), o]);
    await eachLimited([...byEvent.keys()], async (id) => {
      const page = await call<{ data: WireDelivery[] }>(
        conn,
        'GET',
        `/v1/switchboard/events/${encodeURIComponent(id)}/deliveries`,
      );
      for (const o of byEvent.get(id)!) {
        const mine = page.data.filter((d) => d.resend && d.webhook_endpoint === o.endpoint).at(-1);
        if (!mine || mine.status === 'pending') continue;
        o.status = mine.status;
        if (mine.status === 'failed')
          o.reason = mine.last_status_code
            ? `the endpoint answered ${mine.last_status_code}`
            : (mine.last_error ?? 'delivery failed');
      }
    });
    if (outcomes.some((o) => o.status === 'pending')) await new Promise((r) => setTimeout(r, 200));
  }
}
