import { Command, CopyButton, Empty, Loading, Notice, PageHeader } from '../components/ui';
import { EndpointStatusBadge, FailureRate } from '../components/status';
import { useAsync, useDebounced } from '../lib/hooks';
import { useLive } from '../lib/live';
import { Link } from '../lib/router';
import { effectiveMode, useApi, useSession } from '../lib/session';
import { listDestinations } from '../lib/destinations';
import type { Endpoint, EndpointStats, EventDestination, List, PublishableKey } from '../lib/types';

export const scopeOf = (e: Endpoint) => (e.application ? 'Connected accounts' : 'Your account');

/** `events_from` in the seed's words: `@self` is "Your account", `@accounts` "Connected accounts". */
export function destinationScope(d: EventDestination): string {
  const scopes = [
    ...(d.events_from.includes('@self') ? ['Your account'] : []),
    ...(d.events_from.includes('@accounts') ? ['Connected accounts'] : []),
  ];
  return scopes.join(' and ') || '—';
}

export function eventsSummary(types: string[]): string {
  if (types.includes('*')) return 'All events';
  if (types.length <= 2) return types.join(', ');
  return `${types[0]}, ${types[1]} and ${types.length - 2} more`;
}

export function Webhooks() {
  const api = useApi();
  const session = useSession();
  const endpoints = useAsync(
    () => api.get<List<Endpoint>>('/v1/webhook_endpoints', { limit: 100 }),
    [api.key],
  );
  const destinations = useAsync(() => listDestinations(api), [api.key]);
  const publishable = useAsync(
    () => api.get<PublishableKey>('/v1/switchboard/publishable_key'),
    [api.key],
  );
  const stats = useAsync(
    () => api.get<List<EndpointStats>>('/v1/switchboard/webhook_endpoint_stats', { minutes: 60 }),
    [api.key],
  );
  const destinationStats = useAsync(
    () => api.get<List<EndpointStats>>('/v1/switchboard/event_destination_stats', { minutes: 60 }),
    [api.key],
  );
  const refreshStats = useDebounced(() => {
    stats.reload();
    destinationStats.reload();
  }, 700);
  useLive((m) => {
    if (m.kind === 'attempt') refreshStats();
  });
  const statsById = new Map(
    [...(stats.data?.data ?? []), ...(destinationStats.data?.data ?? [])].map((s) => [
      s.webhook_endpoint,
      s,
    ]),
  );
  const statsOf = (id: string) => statsById.get(id);
  const mode = effectiveMode(session);

  return (
    <div>
      <PageHeader
        title="Webhooks"
        subtitle={`Endpoints that receive this ${session.sandbox ? 'sandbox' : 'platform'}’s ${mode} events.`}
        actions={
          <Link to="/webhooks/new" className="button primary">
            + Add endpoint
          </Link>
        }
      />
      {endpoints.error && <Notice tone="error">{endpoints.error}</Notice>}
      {!endpoints.data && !endpoints.error && <Loading what="endpoints" />}
      {endpoints.data && endpoints.data.data.length === 0 && (
        <Empty title="No webhook endpoints yet">
          <p>
            Add an endpoint to receive events: choose <strong>Your account</strong> for the
            platform’s own events, or <strong>Connected accounts</strong> for events of your
            connected accounts.
          </p>
          <p>
            <Link to="/webhooks/new" className="button primary">
              Add an endpoint
            </Link>
          </p>
          <p>Or forward events to a local server with the Stripe CLI:</p>
          <Command>{`stripe listen --all-snapshot --forward-to localhost:4242/webhook --forward-connect-to localhost:4242/connect --api-base ${location.origin} --api-key sk_test_...`}</Command>
        </Empty>
      )}
      {endpoints.data && endpoints.data.data.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Webhook endpoints</caption>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events from</th>
                <th scope="col">Listening to</th>
                <th scope="col">Status</th>
                <th scope="col">Last hour</th>
              </tr>
            </thead>
            <tbody>
              {endpoints.data.data.map((e) => (
                <tr key={e.id}>
                  <td>
                    <Link to={`/webhooks/${e.id}`} className="strong">
                      {e.url}
                    </Link>
                    {e.description && <div className="muted small">{e.description}</div>}
                  </td>
                  <td>{scopeOf(e)}</td>
                  <td>{eventsSummary(e.enabled_events)}</td>
                  <td>
                    <EndpointStatusBadge status={e.status} />
                  </td>
                  <td>
                    <FailureRate stats={statsOf(e.id)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {publishable.data?.key && (
        <section aria-labelledby="keys-heading">
          <h2 id="keys-heading">API keys</h2>
          <p className="muted">
            The {mode} publishable key, for Stripe.js and the mobile SDKs (
            <code>{`Stripe('${publishable.data.key.slice(0, 12)}...')`}</code>): it creates payment
            methods and tokens and confirms intents with their client secret, nothing else.{' '}
            <code>switchboard keys</code> shows the secret keys.
          </p>
          <p>
            <code data-publishable-key>{publishable.data.key}</code>{' '}
            <CopyButton text={publishable.data.key} />
          </p>
        </section>
      )}
      {destinations.data && destinations.data.length > 0 && (
        <section aria-labelledby="destinations-heading">
          <h2 id="destinations-heading">Event destinations</h2>
          <p className="muted">
            Created with the v2 API (<code>stripe.v2.core.eventDestinations.create</code>). Thin
            destinations receive v2 events, listed under{' '}
            <Link to="/events?api=v2">Events (v2)</Link>; snapshot destinations receive v1 events.
          </p>
          <div className="table-wrap">
            <table className="table">
              <caption className="visually-hidden">Event destinations</caption>
              <thead>
                <tr>
                  <th scope="col">Destination</th>
                  <th scope="col">Events from</th>
                  <th scope="col">Payload</th>
                  <th scope="col">Listening to</th>
                  <th scope="col">Status</th>
                  <th scope="col">Last hour</th>
                </tr>
              </thead>
              <tbody>
                {destinations.data.map((d) => (
                  <tr key={d.id} data-destination={d.id}>
                    <td>
                      <Link to={`/destinations/${d.id}`} className="strong">
                        {d.name}
                      </Link>
                      <div className="muted small break">
                        {d.webhook_endpoint?.url ?? d.type} · <code>{d.id}</code>
                      </div>
                    </td>
                    <td>{destinationScope(d)}</td>
                    <td>{d.event_payload === 'thin' ? 'Thin (v2)' : 'Snapshot (v1)'}</td>
                    <td>{eventsSummary(d.enabled_events)}</td>
                    <td>
                      <EndpointStatusBadge status={d.status} />
                    </td>
                    <td>
                      <FailureRate stats={statsOf(d.id)} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </div>
  );
}
