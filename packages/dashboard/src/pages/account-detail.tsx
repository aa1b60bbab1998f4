import { useState } from 'react';
import { DeliveryBadge } from '../components/status';
import {
  Badge,
  Command,
  Empty,
  Fields,
  LoadFailed,
  Loading,
  Notice,
  PageHeader,
} from '../components/ui';
import { ApiError, messageOf } from '../lib/api';
import { fixtures, fixturesFor, reconnect, takesCharges, type Fixture } from '../lib/fixtures';
import { formatDateTime, triggerCommand } from '../lib/format';
import { useAsync, useDebounced } from '../lib/hooks';
import { useLive } from '../lib/live';
import { Link } from '../lib/router';
import { effectiveMode, useApi, useSession } from '../lib/session';
import type { ConnectedAccount, List, StripeEvent } from '../lib/types';
import { accountName } from './accounts';
import { eventLink } from './events';

/** What the API says of an account that disconnected from the platform. */
interface Deauthorized {
  deauthorized: string;
}

export function AccountDetail({ id }: { id: string }) {
  const api = useApi();
  const session = useSession();
  // An account that deauthorized the platform answers 403: its page says so and offers to
  // connect it again, instead of ending there.
  const account = useAsync(async (): Promise<ConnectedAccount | Deauthorized> => {
    try {
      return await api.get<ConnectedAccount>(`/v1/accounts/${id}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 403 && e.code === 'account_invalid')
        return { deauthorized: e.message };
      throw e;
    }
  }, [api.key, id]);
  // The account's own events, listed as the account (Stripe-Account), as Stripe's API lists them.
  const events = useAsync(
    () => api.get<List<StripeEvent>>('/v1/events', { limit: 20 }, { account: id }),
    [api.key, id],
  );
  const statuses = useAsync(
    () => api.get<List<StripeEvent>>('/v1/switchboard/events', { limit: 20, account: id }),
    [api.key, id],
  );
  const [running, setRunning] = useState<string | null>(null);
  const [message, setMessage] = useState<{ tone: 'good' | 'error'; text: string } | null>(null);
  const refresh = useDebounced(() => {
    events.reload();
    statuses.reload();
  }, 300);
  useLive((m) => {
    if (m.data.account === id) refresh();
  });

  async function trigger(f: Fixture) {
    setRunning(f.event);
    setMessage(null);
    try {
      const text = await f.run({ api, account: id, mode: effectiveMode(session) });
      setMessage({ tone: 'good', text: `${f.event}: ${text}` });
      if (f.event.startsWith('account.')) account.reload();
    } catch (e) {
      setMessage({ tone: 'error', text: `${f.event}: ${messageOf(e)}` });
    } finally {
      setRunning(null);
    }
  }

  /** Onboarding as the account's owner would do it (hosted page), or at once with test data. */
  async function onboard(how: 'page' | 'helper') {
    setRunning(`onboarding:${how}`);
    setMessage(null);
    try {
      if (how === 'page') {
        const back = window.location.href;
        const link = await api.post<{ url: string }>('/v1/account_links', {
          account: id,
          type: 'account_onboarding',
          refresh_url: back,
          return_url: back,
        });
        window.location.assign(link.url);
        return;
      }
      await api.post(`/v1/test_helpers/accounts/${id}/complete_onboarding`, {});
      setMessage({ tone: 'good', text: `Completed the onboarding of ${id} with test data.` });
      account.reload();
    } catch (e) {
      setMessage({ tone: 'error', text: `Onboarding: ${messageOf(e)}` });
    } finally {
      setRunning(null);
    }
  }

  if (account.error && !account.data)
    return (
      <LoadFailed
        title="Connected account"
        error={account.error}
        back={{ to: '/accounts', label: 'Back to connected accounts' }}
      />
    );
  const a = account.data;
  if (!a) return <Loading what="the account" />;
  if ('deauthorized' in a)
    return (
      <DeauthorizedAccount
        id={id}
        reason={a.deauthorized}
        running={running}
        message={message}
        reconnect={() => void trigger(reconnect)}
      />
    );
  const statusOf = (eid: string) => statuses.data?.data.find((s) => s.id === eid)?.delivery_status;

  return (
    <div>
      <PageHeader
        title={accountName(a) ?? a.id}
        subtitle={
          <>
            <Link to="/accounts">Connected accounts</Link> / <code>{a.id}</code>
          </>
        }
      />
      {message && <Notice tone={message.tone}>{message.text}</Notice>}
      <div className="grid-2">
        <section className="card" aria-labelledby="account-details">
          <h2 id="account-details">Details</h2>
          <Fields
            items={[
              ['Type', a.type ?? '—'],
              ['Country', a.country ?? '—'],
              ['Email', a.email ?? '—'],
              ['Charges', a.charges_enabled ? 'Enabled' : 'Not enabled'],
              ['Payouts', a.payouts_enabled ? 'Enabled' : 'Not enabled'],
              ['Created', a.created ? formatDateTime(a.created) : '—'],
            ]}
          />
          <p>
            <Link to={`/events?account=${a.id}`}>All events of this account →</Link>
          </p>
        </section>
        <section className="card" aria-labelledby="account-onboarding">
          <h2 id="account-onboarding">Onboarding</h2>
          {(a.requirements?.currently_due ?? []).length === 0 ? (
            <p>
              Nothing is due
              {a.requirements?.disabled_reason ? ` (${a.requirements.disabled_reason})` : ''}.
            </p>
          ) : (
            <>
              <p className="hint">Currently due:</p>
              <ul className="due">
                {a.requirements!.currently_due!.map((f) => (
                  <li key={f}>
                    <code>{f}</code>
                  </li>
                ))}
              </ul>
            </>
          )}
          <p className="hint">
            The onboarding page is what an account link leads to (Switchboard’s stand-in for
            Stripe’s hosted onboarding); completing with test data does what submitting it does.
            Either way the account sends <code>account.updated</code> to your Connected accounts
            endpoints.
          </p>
          <div className="actions">
            <button
              type="button"
              className="button small"
              disabled={running !== null}
              onClick={() => void onboard('page')}
            >
              Open the onboarding page
            </button>
            <button
              type="button"
              className="button small"
              disabled={running !== null}
              onClick={() => void onboard('helper')}
            >
              {running === 'onboarding:helper' ? 'Completing…' : 'Complete with test data'}
            </button>
          </div>
        </section>
        <section className="card" aria-labelledby="account-trigger">
          <h2 id="account-trigger">Trigger events</h2>
          <p className="hint">
            Each button makes the API calls the Stripe CLI’s fixture makes, as this account, so the
            event comes from real state and goes to your Connected accounts endpoints.
          </p>
          <ul className="fixtures">
            {fixturesFor(a, effectiveMode(session)).map((f) => (
              <li key={f.event}>
                <div>
                  <code>{f.event}</code>
                  <div className="muted small">
                    {f.how}
                    {f.note ? ` · ${f.note}` : ''}
                  </div>
                </div>
                <button
                  type="button"
                  className="button small"
                  disabled={running !== null}
                  aria-label={`Trigger ${f.event}`}
                  onClick={() => void trigger(f)}
                >
                  {running === f.event ? 'Running…' : 'Trigger'}
                </button>
              </li>
            ))}
          </ul>
          {!takesCharges(a) && (
            <p className="hint">
              {fixtures
                .filter((f) => f.for === takesCharges)
                .map((f) => f.event)
                .join(', ')}{' '}
              need an account that can take charges: complete its onboarding first.
            </p>
          )}
        </section>
      </div>
      <section className="card" aria-labelledby="account-events">
        <h2 id="account-events">Recent events</h2>
        {events.error && <Notice tone="error">{events.error}</Notice>}
        {!events.data && !events.error && <Loading what="events" />}
        {events.data && events.data.data.length === 0 && (
          <Empty title="No events for this account yet">
            <p>Use a Trigger button, or run:</p>
            <Command>{triggerCommand('customer.created', a.id)}</Command>
          </Empty>
        )}
        {events.data && events.data.data.length > 0 && (
          <div className="table-wrap">
            <table className="table">
              <caption className="visually-hidden">Recent events of {a.id}</caption>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Delivery</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {events.data.data.map((e) => (
                  <tr key={e.id}>
                    <td>
                      <Link to={eventLink(e)} className="strong">
                        {e.type}
                      </Link>
                      <div className="muted small">
                        <code>{e.id}</code>
                      </div>
                    </td>
                    <td>
                      <DeliveryBadge status={statusOf(e.id)} />
                    </td>
                    <td className="nowrap">{formatDateTime(e.created)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

/**
 * An account that deauthorized the platform: the platform no longer sees it (as on Stripe), but
 * its page says what happened, links its events, and connects it again
 * (`account.application.authorized`) with the test helper.
 */
function DeauthorizedAccount({
  id,
  reason,
  running,
  message,
  reconnect: connect,
}: {
  id: string;
  reason: string;
  running: string | null;
  message: { tone: 'good' | 'error'; text: string } | null;
  reconnect(): void;
}) {
  return (
    <div>
      <PageHeader
        title={<code>{id}</code>}
        subtitle={
          <>
            <Link to="/accounts">Connected accounts</Link> / <code>{id}</code>{' '}
            <Badge tone="neutral">Disconnected</Badge>
          </>
        }
      />
      {message && <Notice tone={message.tone}>{message.text}</Notice>}
      <div className="grid-2">
        <section className="card" aria-labelledby="account-disconnected">
          <h2 id="account-disconnected">Disconnected from your platform</h2>
          <p>{reason}</p>
          <p className="hint">
            It sent <code>account.application.deauthorized</code> to your Connected accounts
            endpoints. Until it connects again, your keys cannot read it or act as it, and it is
            left out of the connected accounts list.
          </p>
          <p>
            <Link to={`/events?account=${id}`}>Its events →</Link>
          </p>
        </section>
        <section className="card" aria-labelledby="account-reconnect">
          <h2 id="account-reconnect">Connect it again</h2>
          <p className="hint">
            As if its owner went through your OAuth link again: the account connects, and{' '}
            <code>account.application.authorized</code> goes to your Connected accounts endpoints.
          </p>
          <button
            type="button"
            className="button primary"
            disabled={running !== null}
            onClick={connect}
          >
            {running === reconnect.event ? 'Connecting…' : 'Reconnect the account'}
          </button>
        </section>
      </div>
    </div>
  );
}
