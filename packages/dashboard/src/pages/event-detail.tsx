import { useState } from 'react';
import { AttemptDetails } from '../components/attempts';
import { DeliveryBadge, HttpStatus } from '../components/status';
import { Empty, Fields, Json, Loading, Notice, PageHeader } from '../components/ui';
import { messageOf } from '../lib/api';
import { formatDateTime, formatDuration } from '../lib/format';
import { useAsync, useDebounced } from '../lib/hooks';
import { useLive } from '../lib/live';
import { Link } from '../lib/router';
import { useApi } from '../lib/session';
import type { Attempt, Delivery, Endpoint, List, StripeEvent } from '../lib/types';

export function EventDetail({ id }: { id: string }) {
  const api = useApi();
  // Switchboard's retrieve finds a connected account's event too; its account then scopes the
  // rest, as Stripe's API wants (Stripe-Account).
  const event = useAsync(() => api.get<StripeEvent>(`/v1/switchboard/events/${id}`), [api.key, id]);
  const loaded = event.data !== undefined;
  const account = event.data?.account ?? null;
  const opts = { account };
  const deliveries = useAsync(
    () =>
      loaded
        ? api.get<List<Delivery>>(`/v1/events/${id}/deliveries`, {}, opts)
        : new Promise<List<Delivery>>(() => undefined),
    [api.key, id, loaded, account],
  );
  const attempts = useAsync(
    () =>
      loaded
        ? api.get<List<Attempt>>(`/v1/events/${id}/attempts`, { limit: 100 }, opts)
        : new Promise<List<Attempt>>(() => undefined),
    [api.key, id, loaded, account],
  );
  const endpoints = useAsync(
    () => api.get<List<Endpoint>>('/v1/webhook_endpoints', { limit: 100 }),
    [api.key],
  );
  const [message, setMessage] = useState<{ tone: 'good' | 'error'; text: string } | null>(null);
  const refresh = useDebounced(() => {
    deliveries.reload();
    attempts.reload();
  }, 200);
  useLive((m) => {
    if (m.kind === 'attempt' && m.data.event === id) refresh();
  });

  async function resend(endpointId: string, url: string) {
    try {
      await api.post(`/v1/events/${id}/retry`, { webhook_endpoint: endpointId }, opts);
      setMessage({ tone: 'good', text: `Resend queued to ${url}: the attempt appears below.` });
      refresh();
    } catch (e) {
      setMessage({ tone: 'error', text: messageOf(e) });
    }
  }

  if (event.error && !event.data)
    return (
      <div>
        <PageHeader title="Event" />
        <Notice tone="error">{event.error}</Notice>
        <p>
          <Link to="/events">Back to events</Link>
        </p>
      </div>
    );
  const e = event.data;
  if (!e) return <Loading what="the event" />;

  // One section per endpoint the event was owed to, newest delivery first in each.
  const byEndpoint = new Map<string, Delivery[]>();
  for (const d of deliveries.data?.data ?? [])
    byEndpoint.set(d.webhook_endpoint, [...(byEndpoint.get(d.webhook_endpoint) ?? []), d]);
  const endpointOf = (eid: string) => endpoints.data?.data.find((x) => x.id === eid);

  return (
    <div>
      <PageHeader
        title={e.type}
        subtitle={
          <>
            <Link to="/events">Events</Link> / <code>{e.id}</code>
          </>
        }
      />
      {message && <Notice tone={message.tone}>{message.text}</Notice>}
      <div className="grid-2">
        <section className="card" aria-labelledby="event-details">
          <h2 id="event-details">Details</h2>
          <Fields
            items={[
              [
                'From',
                e.account ? (
                  <Link to={`/accounts/${e.account}`}>
                    <code>{e.account}</code>
                  </Link>
                ) : (
                  'Your account'
                ),
              ],
              ['Mode', e.livemode ? 'Live' : 'Test'],
              ['Created', formatDateTime(e.created)],
              ['API version', e.api_version ?? '—'],
              ['Pending webhooks', String(e.pending_webhooks)],
              ['Request', e.request?.id ?? 'Automatic (no API request)'],
            ]}
          />
        </section>
        <section className="card" aria-labelledby="event-payload">
          <h2 id="event-payload">Event data</h2>
          <Json value={e} label="Event JSON" />
        </section>
      </div>

      <section className="card" aria-labelledby="event-deliveries">
        <h2 id="event-deliveries">Deliveries</h2>
        {deliveries.error && <Notice tone="error">{deliveries.error}</Notice>}
        {deliveries.data && byEndpoint.size === 0 && (
          <Empty title="No endpoint received this event">
            <p>
              No {e.account ? 'Connected accounts' : 'Your account'} endpoint in{' '}
              {e.livemode ? 'live' : 'test'} mode listened to <code>{e.type}</code> when it
              happened. <Link to="/webhooks/new">Add an endpoint</Link>, then resend it from here.
            </p>
          </Empty>
        )}
        {[...byEndpoint.entries()].map(([endpointId, list]) => {
          const ep = endpointOf(endpointId);
          const latest = list[list.length - 1]!;
          const tries = (attempts.data?.data ?? []).filter(
            (a) => a.webhook_endpoint === endpointId,
          );
          const label = ep?.url ?? endpointId;
          return (
            <div className="delivery" key={endpointId} data-endpoint={endpointId}>
              <div className="delivery-header">
                <div>
                  {ep ? (
                    <Link to={`/webhooks/${endpointId}`} className="strong break">
                      {ep.url}
                    </Link>
                  ) : (
                    <code>{endpointId}</code>
                  )}{' '}
                  <DeliveryBadge
                    status={
                      latest.status === 'pending' && latest.attempts > 0
                        ? 'retrying'
                        : latest.status
                    }
                  />
                  {latest.status === 'pending' && latest.next_attempt && (
                    <span className="muted small">
                      {' '}
                      next attempt {formatDateTime(latest.next_attempt)}
                    </span>
                  )}
                </div>
                {ep && (
                  <button
                    type="button"
                    className="button"
                    aria-label={`Resend to ${label}`}
                    onClick={() => void resend(endpointId, label)}
                  >
                    Resend
                  </button>
                )}
              </div>
              {tries.length === 0 ? (
                <p className="muted">Waiting for the first attempt…</p>
              ) : (
                <ol className="attempt-list" aria-label={`Attempts to ${label}`}>
                  {tries.map((a) => (
                    <li key={a.id} data-attempt={a.id}>
                      <details>
                        <summary>
                          <HttpStatus code={a.status_code} error={a.error} />
                          <span className="nowrap">{formatDateTime(a.created)}</span>
                          <span className="muted">{formatDuration(a.duration_ms)}</span>
                          {list.find((d) => d.id === a.delivery)?.resend && (
                            <span className="muted">resend</span>
                          )}
                        </summary>
                        <AttemptDetails attempt={a} body={e} />
                      </details>
                    </li>
                  ))}
                </ol>
              )}
            </div>
          );
        })}
      </section>
    </div>
  );
}
