import { AttemptsTable } from '../components/attempts';
import { LastHour } from '../components/chart';
import { EndpointStatusBadge } from '../components/status';
import { Empty, Fields, LoadFailed, Loading, Notice, PageHeader } from '../components/ui';
import { useAction, useAsync, useDebounced } from '../lib/hooks';
import { useLive } from '../lib/live';
import { Link } from '../lib/router';
import { useApi } from '../lib/session';
import type { Attempt, EndpointStats, EventDestination, List } from '../lib/types';
import { destinationScope, eventsSummary } from './webhooks';

/**
 * A v2 event destination: what it receives, its recent attempts, enable or disable, and a ping
 * (a `v2.core.event_destination.ping` thin event). It is created and changed through the v2 API.
 */
export function DestinationDetail({ id }: { id: string }) {
  const api = useApi();
  const path = `/v2/core/event_destinations/${id}`;
  const destination = useAsync(
    () => api.get<EventDestination>(path, { include: ['webhook_endpoint.url'] }),
    [api.key, id],
  );
  const attempts = useAsync(
    () =>
      api.get<List<Attempt>>(`/v1/switchboard/event_destinations/${id}/attempts`, { limit: 20 }),
    [api.key, id],
  );
  const stats = useAsync(
    () => api.get<EndpointStats>(`/v1/switchboard/event_destinations/${id}/stats`, { minutes: 60 }),
    [api.key, id],
  );
  const { message, busy, act } = useAction();
  const refresh = useDebounced(() => {
    attempts.reload();
    stats.reload();
  }, 300);
  useLive((m) => {
    if (m.kind === 'attempt' && m.data.webhook_endpoint === id) refresh();
  });

  if (destination.error && !destination.data)
    return (
      <LoadFailed
        title="Event destination"
        error={destination.error}
        back={{ to: '/webhooks', label: 'Back to webhooks' }}
      />
    );
  const d = destination.data;
  if (!d) return <Loading what="the event destination" />;
  const enabled = d.status === 'enabled';
  const thin = d.event_payload === 'thin';

  return (
    <div>
      <PageHeader
        title={d.name}
        subtitle={
          <>
            <Link to="/webhooks">Webhooks</Link> / <code>{d.id}</code>{' '}
            <EndpointStatusBadge status={d.status} />
          </>
        }
        actions={
          <>
            {thin && (
              <button
                type="button"
                className="button"
                disabled={busy || !enabled}
                onClick={() =>
                  void act(async () => {
                    const ping = await api.post<{ id: string }>(`${path}/ping`);
                    refresh();
                    return `Ping sent: ${ping.id}. Its attempt appears below.`;
                  })
                }
              >
                Send ping
              </button>
            )}
            <button
              type="button"
              className="button"
              disabled={busy}
              onClick={() =>
                void act(async () => {
                  await api.post(`${path}/${enabled ? 'disable' : 'enable'}`);
                  destination.reload();
                  return enabled
                    ? 'Destination disabled: it receives nothing until enabled again.'
                    : 'Destination enabled.';
                })
              }
            >
              {enabled ? 'Disable' : 'Enable'}
            </button>
          </>
        }
      />
      {message && <Notice tone={message.tone}>{message.text}</Notice>}

      <section className="card" aria-labelledby="details-title">
        <h2 id="details-title">Details</h2>
        <Fields
          items={[
            ['URL', <span className="break">{d.webhook_endpoint?.url ?? d.type}</span>],
            ['Events from', destinationScope(d)],
            ['Payload', thin ? 'Thin (v2 events)' : 'Snapshot (v1 events)'],
            ['Listening to', eventsSummary(d.enabled_events)],
            ['Mode', d.livemode ? 'Live' : 'Test'],
            ['Description', d.description || '—'],
          ]}
        />
      </section>

      <LastHour stats={stats} />

      <section className="card" aria-labelledby="attempts-title">
        <h2 id="attempts-title">Recent attempts</h2>
        {attempts.error && <Notice tone="error">{attempts.error}</Notice>}
        {attempts.data && attempts.data.data.length > 0 && (
          <AttemptsTable attempts={attempts.data.data} />
        )}
        {attempts.data && attempts.data.data.length === 0 && (
          <Empty title="No attempts yet">
            <p>
              {thin
                ? 'Nothing has been sent to this destination. Send a ping, or make a change that emits one of its v2 events.'
                : 'Nothing has been sent to this destination. Make a change that emits one of its v1 events.'}
            </p>
          </Empty>
        )}
        {!attempts.data && !attempts.error && <Loading what="attempts" />}
      </section>
    </div>
  );
}
