import { useState } from 'react';
import { AttemptsTable } from '../components/attempts';
import { ChaosCard } from '../components/chaos';
import { sendTestEvent, TestEventDialog } from '../components/test-event';
import { LastHour } from '../components/chart';
import { EndpointStatusBadge } from '../components/status';
import {
  Command,
  CopyButton,
  Dialog,
  Empty,
  Fields,
  LoadFailed,
  Loading,
  Notice,
  PageHeader,
} from '../components/ui';
import { formatDateTime, triggerCommand } from '../lib/format';
import { useAction, useAsync, useDebounced } from '../lib/hooks';
import { useLive } from '../lib/live';
import { Link, navigate, useLocation } from '../lib/router';
import { useApi } from '../lib/session';
import type { Attempt, Endpoint, EndpointStats, List } from '../lib/types';
import { eventsSummary, scopeOf } from './webhooks';

const overlaps = [
  { seconds: 0, label: 'Now: the old secret stops signing at once' },
  { seconds: 3600, label: 'In 1 hour' },
  { seconds: 86_400, label: 'In 24 hours' },
];

export function EndpointDetail({ id }: { id: string }) {
  const api = useApi();
  const { query } = useLocation();
  const endpoint = useAsync(() => api.get<Endpoint>(`/v1/webhook_endpoints/${id}`), [api.key, id]);
  const stats = useAsync(
    () => api.get<EndpointStats>(`/v1/switchboard/webhook_endpoints/${id}/stats`, { minutes: 60 }),
    [api.key, id],
  );
  const attempts = useAsync(
    () => api.get<List<Attempt>>(`/v1/webhook_endpoints/${id}/attempts`, { limit: 20 }),
    [api.key, id],
  );
  const [live, setLive] = useState<Attempt[]>([]);
  const [secret, setSecret] = useState<string | null>(null);
  const { message, busy, act } = useAction(
    query.get('created')
      ? { tone: 'good', text: 'Endpoint created. Reveal its signing secret to verify deliveries.' }
      : null,
  );
  const [rolling, setRolling] = useState(false);
  const [overlap, setOverlap] = useState(0);
  const [deleting, setDeleting] = useState(false);
  const [testing, setTesting] = useState(false);
  const refreshStats = useDebounced(stats.reload, 500);

  useLive((m) => {
    if (m.kind !== 'attempt' || m.data.webhook_endpoint !== id) return;
    setLive((l) => (l.some((a) => a.id === m.data.id) ? l : [m.data, ...l].slice(0, 20)));
    refreshStats();
  });

  const shown = [
    ...live,
    ...(attempts.data?.data ?? []).filter((a) => !live.some((l) => l.id === a.id)),
  ].slice(0, 20);

  if (endpoint.error && !endpoint.data)
    return (
      <LoadFailed
        title="Webhook endpoint"
        error={endpoint.error}
        back={{ to: '/webhooks', label: 'Back to webhooks' }}
      />
    );
  const e = endpoint.data;
  if (!e) return <Loading what="the endpoint" />;
  const enabled = e.status === 'enabled';

  return (
    <div>
      <PageHeader
        title={<span className="break">{e.url}</span>}
        subtitle={
          <>
            <Link to="/webhooks">Webhooks</Link> / <code>{e.id}</code>{' '}
            <EndpointStatusBadge status={e.status} />
          </>
        }
        actions={
          <>
            <button
              type="button"
              className="button"
              disabled={busy || !enabled}
              onClick={() => setTesting(true)}
            >
              Send test event…
            </button>
            <button
              type="button"
              className="button"
              disabled={busy}
              onClick={() =>
                void act(async () => {
                  await api.post(`/v1/webhook_endpoints/${id}`, { disabled: enabled });
                  endpoint.reload();
                  return enabled
                    ? 'Endpoint disabled: it receives nothing until enabled again.'
                    : 'Endpoint enabled.';
                })
              }
            >
              {enabled ? 'Disable' : 'Enable'}
            </button>
            <button type="button" className="button danger" onClick={() => setDeleting(true)}>
              Delete
            </button>
          </>
        }
      />
      {message && <Notice tone={message.tone}>{message.text}</Notice>}

      <div className="grid-2">
        <section className="card" aria-labelledby="details-title">
          <h2 id="details-title">Details</h2>
          <Fields
            items={[
              ['Events from', scopeOf(e)],
              ['Listening to', eventsSummary(e.enabled_events)],
              ['API version', e.api_version ?? 'Account default'],
              ['Mode', e.livemode ? 'Live' : 'Test'],
              ['Description', e.description ?? '—'],
              ['Created', formatDateTime(e.created)],
            ]}
          />
        </section>
        <section className="card" aria-labelledby="secret-title">
          <h2 id="secret-title">Signing secret</h2>
          <p className="hint">
            Verify each delivery’s <code>Stripe-Signature</code> with it, as with Stripe:{' '}
            <code>stripe.webhooks.constructEvent(body, signature, secret)</code>.
          </p>
          {secret ? (
            <div className="secret">
              <code data-testid="endpoint-secret">{secret}</code>
              <CopyButton text={secret} />
              <button type="button" className="button small" onClick={() => setSecret(null)}>
                Hide
              </button>
            </div>
          ) : (
            <button
              type="button"
              className="button"
              onClick={() =>
                void act(async () => {
                  const s = await api.get<{ secret: string }>(
                    `/v1/switchboard/webhook_endpoints/${id}/secret`,
                  );
                  setSecret(s.secret);
                })
              }
            >
              Reveal secret
            </button>
          )}{' '}
          <button type="button" className="button" onClick={() => setRolling(true)}>
            Roll secret…
          </button>
        </section>
      </div>

      <LastHour stats={stats} />

      <ChaosCard endpointId={id} />

      <section className="card" aria-labelledby="attempts-title">
        <h2 id="attempts-title">Recent attempts</h2>
        {attempts.error && <Notice tone="error">{attempts.error}</Notice>}
        {shown.length > 0 ? (
          <AttemptsTable attempts={shown} />
        ) : attempts.data ? (
          <Empty title="No attempts yet">
            <p>
              Nothing has been sent to this endpoint. Use <strong>Send test event…</strong>, or
              trigger an event{e.application ? ' on a connected account' : ''}:
            </p>
            <Command>
              {triggerCommand(
                e.enabled_events.includes('*') ? 'customer.created' : e.enabled_events[0]!,
                e.application ? 'acct_...' : undefined,
              )}
            </Command>
          </Empty>
        ) : (
          <Loading what="attempts" />
        )}
      </section>

      <TestEventDialog
        endpoint={e}
        open={testing}
        onClose={() => setTesting(false)}
        send={(params) =>
          void act(async () => {
            const said = await sendTestEvent(api, e, params);
            setTesting(false);
            return said;
          })
        }
      />

      <Dialog open={rolling} title="Roll the signing secret" onClose={() => setRolling(false)}>
        <form
          onSubmit={(ev) => {
            ev.preventDefault();
            void act(async () => {
              const rolled = await api.post<Endpoint>(`/v1/webhook_endpoints/${id}/roll_secret`, {
                previous_secret_expires_in: overlap,
              });
              setRolling(false);
              setSecret(rolled.secret ?? null);
              return overlap === 0
                ? 'Secret rolled: the old secret no longer signs.'
                : `Secret rolled: deliveries carry a signature with each secret until the old one expires (${overlap / 3600} h).`;
            });
          }}
        >
          <p>
            A new secret signs from now on. Keep the old one signing for a while so your receivers
            can switch without failing.
          </p>
          <fieldset>
            <legend>Expire the current secret</legend>
            {overlaps.map((o) => (
              <label key={o.seconds} className="check">
                <input
                  type="radio"
                  name="overlap"
                  checked={overlap === o.seconds}
                  onChange={() => setOverlap(o.seconds)}
                />
                <span>{o.label}</span>
              </label>
            ))}
          </fieldset>
          <div className="dialog-actions">
            <button type="button" className="button" onClick={() => setRolling(false)}>
              Cancel
            </button>
            <button type="submit" className="button primary" disabled={busy}>
              Roll secret
            </button>
          </div>
        </form>
      </Dialog>

      <Dialog open={deleting} title="Delete this endpoint?" onClose={() => setDeleting(false)}>
        <p>
          <code>{e.url}</code> stops receiving events at once; pending deliveries are canceled. This
          cannot be undone.
        </p>
        <div className="dialog-actions">
          <button type="button" className="button" onClick={() => setDeleting(false)}>
            Cancel
          </button>
          <button
            type="button"
            className="button danger"
            onClick={() =>
              void act(async () => {
                await api.del(`/v1/webhook_endpoints/${id}`);
                setDeleting(false);
                navigate('/webhooks');
              })
            }
          >
            Delete endpoint
          </button>
        </div>
      </Dialog>
    </div>
  );
}
