import { useEffect, useState } from 'react';
import { useEventTypes } from '../lib/event-types';
import { useAsync } from '../lib/hooks';
import { useApi } from '../lib/session';
import type { ConnectedAccount, Endpoint, List, StripeEvent } from '../lib/types';
import { Dialog } from './ui';

/**
 * "Send test event", as Stripe's Dashboard does it: choose an event type (of those the endpoint
 * listens to) and, for a Connect endpoint, the connected account it comes from; the server sends
 * an event of that type with Stripe's example object to this endpoint only
 * (POST /v1/switchboard/webhook_endpoints/{id}/test_event).
 */
export function TestEventDialog({
  endpoint,
  open,
  onClose,
  send,
}: {
  endpoint: Endpoint;
  open: boolean;
  onClose(): void;
  send(params: { type: string; account?: string }): void;
}) {
  const api = useApi();
  const known = useEventTypes()?.test_events;
  const connect = endpoint.application !== null;
  const types = (known ?? []).filter(
    (t) => endpoint.enabled_events.includes('*') || endpoint.enabled_events.includes(t),
  );
  const accounts = useAsync(
    () =>
      connect
        ? api.get<List<ConnectedAccount>>('/v1/accounts', { limit: 100 })
        : Promise.resolve(null),
    [api.key, connect],
  );
  const [type, setType] = useState('');
  const [account, setAccount] = useState('');
  useEffect(() => {
    if (!types.includes(type) && types[0]) setType(types[0]);
  }, [types, type]);
  useEffect(() => {
    const first = accounts.data?.data[0]?.id;
    if (!account && first) setAccount(first);
  }, [accounts.data, account]);
  const noAccount = connect && accounts.data?.data.length === 0;

  return (
    <Dialog open={open} title="Send a test event" onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          send(connect ? { type, account } : { type });
        }}
      >
        <p>
          An event of the type you choose, with Stripe’s example object, goes to this endpoint only,
          once, signed as every delivery is.
        </p>
        <div className="field">
          <label htmlFor="test-event-type">Event type</label>
          <select id="test-event-type" value={type} onChange={(e) => setType(e.target.value)}>
            {types.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          {known && types.length === 0 && (
            <p className="hint">
              This endpoint listens to no event type that test events cover: use a trigger instead.
            </p>
          )}
        </div>
        {connect && (
          <div className="field">
            <label htmlFor="test-event-account">From connected account</label>
            <select
              id="test-event-account"
              value={account}
              onChange={(e) => setAccount(e.target.value)}
            >
              {(accounts.data?.data ?? []).map((a) => (
                <option key={a.id} value={a.id}>
                  {a.id}
                  {a.business_profile?.name || a.email
                    ? ` · ${a.business_profile?.name ?? a.email}`
                    : ''}
                </option>
              ))}
            </select>
            {noAccount && (
              <p className="hint">
                A Connect endpoint’s events come from connected accounts, and there is none yet:
                create one on the Connected accounts page.
              </p>
            )}
          </div>
        )}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="button primary"
            disabled={!type || noAccount || (connect && !account)}
          >
            Send test event
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Sends the test event; says what was sent, for the page. */
export async function sendTestEvent(
  api: ReturnType<typeof useApi>,
  endpoint: Endpoint,
  params: { type: string; account?: string },
): Promise<string> {
  const event = await api.post<StripeEvent>(
    `/v1/switchboard/webhook_endpoints/${endpoint.id}/test_event`,
    params,
  );
  return `Sent a test ${event.type} event (${event.id}${event.account ? `, from ${event.account}` : ''}) to this endpoint: its attempt appears below.`;
}
