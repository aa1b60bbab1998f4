import type { ReactNode } from 'react';
import { AttemptDetails, ChaosBadge } from '../components/attempts';
import { DeliveryBadge, HttpStatus } from '../components/status';
import { Empty, Fields, Json, LoadFailed, Loading, Notice, PageHeader } from '../components/ui';
import { eventAccount, eventCreated, formatDateTime, formatDuration } from '../lib/format';
import { useAction, useAsync, useDebounced } from '../lib/hooks';
import { useLive } from '../lib/live';
import { Link } from '../lib/router';
import { listDestinations } from '../lib/destinations';
import { useApi } from '../lib/session';
import type { AnyEvent, Attempt, Delivery, Endpoint, List } from '../lib/types';

/** A CLI listen session, in words: `stripe listen` (or `switchboard listen`) on its device. */
const listenSessionLabel = (device: string | null | undefined): string =>
  device ? `CLI listen session on ${device}` : 'CLI listen session';

/** Where a delivery went, for its heading: a webhook endpoint or an event destination. */
interface Target {
  url: string;
  /** Its page in the dashboard. */
  page: string;
}

export function EventDetail({ id }: { id: string }) {
  const api = useApi();
  // Switchboard's routes find any event of the platform, v1 or v2, its connected accounts' too.
  const event = useAsync(() => api.get<AnyEvent>(`/v1/switchboard/events/${id}`), [api.key, id]);
  const deliveries = useAsync(
    () => api.get<List<Delivery>>(`/v1/switchboard/events/${id}/deliveries`),
    [api.key, id],
  );
  const attempts = useAsync(
    () => api.get<List<Attempt>>(`/v1/switchboard/events/${id}/attempts`, { limit: 100 }),
    [api.key, id],
  );
  const targets = useAsync(async () => {
    const [endpoints, destinations] = await Promise.all([
      api.get<List<Endpoint>>('/v1/webhook_endpoints', { limit: 100 }),
      listDestinations(api),
    ]);
    const byId = new Map<string, Target>();
    for (const e of endpoints.data) byId.set(e.id, { url: e.url, page: `/webhooks/${e.id}` });
    for (const d of destinations)
      byId.set(d.id, { url: d.webhook_endpoint?.url ?? d.name, page: `/destinations/${d.id}` });
    return byId;
  }, [api.key]);
  const { message, act } = useAction();
  const refresh = useDebounced(() => {
    deliveries.reload();
    attempts.reload();
  }, 200);
  useLive((m) => {
    if (m.kind === 'attempt' && m.data.event === id) refresh();
  });

  const resend = (endpointId: string, url: string) =>
    act(async () => {
      await api.post(`/v1/switchboard/events/${id}/retry`, { endpoint: endpointId });
      refresh();
      return `Resend queued to ${url}: the attempt appears below.`;
    });

  if (event.error && !event.data)
    return (
      <LoadFailed
        title="Event"
        error={event.error}
        back={{ to: '/events', label: 'Back to events' }}
      />
    );
  const e = event.data;
  if (!e) return <Loading what="the event" />;

  // One section per endpoint the event was owed to, newest delivery first in each.
  const byEndpoint = new Map<string, Delivery[]>();
  for (const d of deliveries.data?.data ?? [])
    byEndpoint.set(d.webhook_endpoint, [...(byEndpoint.get(d.webhook_endpoint) ?? []), d]);
  const account = eventAccount(e);
  const thin = e.object === 'v2.core.event';
  const { delivery_status: _status, ...stored } = e;
  // What an attempt sent: a v1 event whole; for a v2 event, its notification (no data, changes).
  const { data: _data, changes: _changes, ...notification } = stored as Record<string, unknown>;
  const sent = thin ? notification : stored;

  return (
    <div>
      <PageHeader
        title={e.type}
        subtitle={
          <>
            <Link to={thin ? '/events?api=v2' : '/events'}>Events</Link> / <code>{e.id}</code>
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
                account ? (
                  <Link to={`/accounts/${account}`}>
                    <code>{account}</code>
                  </Link>
                ) : (
                  'Your account'
                ),
              ],
              ['Mode', e.livemode ? 'Live' : 'Test'],
              ['Created', formatDateTime(eventCreated(e))],
              ...(e.object === 'v2.core.event'
                ? ([
                    ['Kind', 'v2 thin event'],
                    ['Related object', e.related_object ? <code>{e.related_object.id}</code> : '—'],
                    ['Request', e.reason?.request?.id ?? 'Automatic (no API request)'],
                  ] satisfies Array<[string, ReactNode]>)
                : ([
                    ['API version', e.api_version ?? '—'],
                    ['Pending webhooks', String(e.pending_webhooks)],
                    ['Request', e.request?.id ?? 'Automatic (no API request)'],
                  ] satisfies Array<[string, ReactNode]>)),
            ]}
          />
        </section>
        <section className="card" aria-labelledby="event-payload">
          <h2 id="event-payload">Event data</h2>
          <Json value={stored} label="Event JSON" />
        </section>
      </div>

      <section className="card" aria-labelledby="event-deliveries">
        <h2 id="event-deliveries">Deliveries</h2>
        {deliveries.error && <Notice tone="error">{deliveries.error}</Notice>}
        {deliveries.data && byEndpoint.size === 0 && (
          <Empty
            title={
              thin ? 'No event destination received this event' : 'No endpoint received this event'
            }
          >
            {thin ? (
              <p>
                No thin event destination in {e.livemode ? 'live' : 'test'} mode with events from{' '}
                {account ? 'connected accounts (@accounts)' : 'your account (@self)'} listened to{' '}
                <code>{e.type}</code> when it happened. Create one with{' '}
                <code>stripe.v2.core.eventDestinations.create</code>, then resend it from here.
              </p>
            ) : (
              <p>
                No {account ? 'Connected accounts' : 'Your account'} endpoint in{' '}
                {e.livemode ? 'live' : 'test'} mode listened to <code>{e.type}</code> when it
                happened. <Link to="/webhooks/new">Add an endpoint</Link>, then resend it from here.
              </p>
            )}
          </Empty>
        )}
        {[...byEndpoint.entries()].map(([endpointId, list]) => {
          const target = targets.data?.get(endpointId);
          const latest = list[list.length - 1]!;
          const session = latest.endpoint_kind === 'listen_session';
          const tries = (attempts.data?.data ?? []).filter(
            (a) => a.webhook_endpoint === endpointId,
          );
          const label =
            target?.url ?? (session ? listenSessionLabel(latest.endpoint_description) : endpointId);
          return (
            <div className="delivery" key={endpointId} data-endpoint={endpointId}>
              <div className="delivery-header">
                <div>
                  {target ? (
                    <Link to={target.page} className="strong break">
                      {target.url}
                    </Link>
                  ) : session ? (
                    <>
                      <span className="strong">{label}</span>{' '}
                      <code className="muted small">{endpointId}</code>
                    </>
                  ) : (
                    <code>{endpointId}</code>
                  )}{' '}
                  {endpointId.startsWith('ed_') && (
                    <span className="muted small">event destination </span>
                  )}
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
                {target && (
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
                          <ChaosBadge attempt={a} />
                          <span className="nowrap">{formatDateTime(a.created)}</span>
                          <span className="muted">{formatDuration(a.duration_ms)}</span>
                          {list.find((d) => d.id === a.delivery)?.resend && (
                            <span className="muted">resend</span>
                          )}
                        </summary>
                        <AttemptDetails
                          attempt={a}
                          body={sent}
                          hint={
                            thin
                              ? 'The thin notification this destination received: the event without its data, which the receiver fetches.'
                              : undefined
                          }
                        />
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
