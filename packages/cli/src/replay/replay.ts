import { ApiError, call, listAll, type Connection } from '../api/client.js';
import type { Progress } from './progress.js';
import {
  endpointsReceiving,
  type OwnedEndpoint,
  type RoutedEndpoint,
  type RoutedEvent,
} from './targets.js';

export interface ReplayEvent extends RoutedEvent {
  created: number;
}

/** One resend to make: an event to an endpoint. */
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

/**
 * The matching events, oldest first, and where each is resent: to `--endpoint` if given, else to
 * every enabled endpoint that receives it under the seed's rules (the platform's endpoints, and
 * with `--account` that account's own).
 */
export async function planReplay(
  platform: Connection,
  events: Connection,
  filters: Record<string, unknown>,
  endpoint: string | undefined,
): Promise<ReplayPlan> {
  const matched: ReplayEvent[] = [];
  for await (const e of listAll<ReplayEvent & { id: string }>(events, '/v1/events', filters))
    matched.push(e);
  matched.reverse();
  if (endpoint !== undefined) {
    return { events: matched, resends: matched.map((event) => ({ event, endpoint })) };
  }
  const endpoints: OwnedEndpoint[] = [];
  for await (const e of listAll<RoutedEndpoint>(platform, '/v1/webhook_endpoints'))
    endpoints.push({ endpoint: e, owner: null });
  if (events.stripeAccount) {
    for await (const e of listAll<RoutedEndpoint>(events, '/v1/webhook_endpoints'))
      endpoints.push({ endpoint: e, owner: events.stripeAccount });
  }
  const resends = matched.flatMap((event) =>
    endpointsReceiving(event, endpoints).map((t) => ({ event, endpoint: t.endpoint.id })),
  );
  return { events: matched, resends };
}

/** Asks the server to resend each event to its endpoint (`POST /v1/events/{id}/retry`). */
export async function sendResends(
  conn: Connection,
  resends: readonly Resend[],
  progress: Progress,
): Promise<ResendOutcome[]> {
  const outcomes: ResendOutcome[] = new Array(resends.length);
  let done = 0;
  await eachLimited(resends, async (r, i) => {
    try {
      await call(conn, 'POST', `/v1/events/${encodeURIComponent(r.event.id)}/retry`, {
        params: { webhook_endpoint: r.endpoint },
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
        `/v1/events/${encodeURIComponent(id)}/deliveries`,
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
