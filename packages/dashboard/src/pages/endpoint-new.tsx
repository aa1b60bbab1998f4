import { useState, type FormEvent } from 'react';
import { EventPicker } from '../components/event-picker';
import { Notice, PageHeader } from '../components/ui';
import { messageOf } from '../lib/api';
import { Link, navigate } from '../lib/router';
import { useApi } from '../lib/session';
import type { Endpoint } from '../lib/types';

/** The seed's two scopes, as Stripe's Workbench names them. */
const scopes = [
  {
    value: 'account',
    title: 'Your account',
    hint: 'Events of resources in your own account: your customers, direct charges, and charges you make for connected accounts. (API: connect=false.)',
  },
  {
    value: 'connect',
    title: 'Connected accounts',
    hint: 'Events of resources in your connected accounts; each event carries a top-level account. (API: connect=true.)',
  },
] as const;

/** Stripe Workbench's "Add destination" for webhooks: scope first, then URL and events. */
export function EndpointNew() {
  const api = useApi();
  const [scope, setScope] = useState<'account' | 'connect'>('account');
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>([]);
  const [apiVersion, setApiVersion] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (events.length === 0) {
      setError('Choose at least one event, or All events.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const created = await api.post<Endpoint>('/v1/webhook_endpoints', {
        url: url.trim(),
        enabled_events: events,
        connect: scope === 'connect',
        api_version: apiVersion.trim() || undefined,
        description: description.trim() || undefined,
      });
      navigate(`/webhooks/${created.id}?created=1`);
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }

  return (
    <div>
      <PageHeader
        title="Add a webhook endpoint"
        subtitle={
          <>
            <Link to="/webhooks">Webhooks</Link> / New
          </>
        }
      />
      <form className="form" onSubmit={(e) => void submit(e)}>
        <fieldset className="scope">
          <legend>Events from</legend>
          {scopes.map((o) => (
            <label key={o.value} className={`scope-option ${scope === o.value ? 'on' : ''}`}>
              <input
                type="radio"
                name="scope"
                value={o.value}
                checked={scope === o.value}
                onChange={() => setScope(o.value)}
                aria-labelledby={`scope-${o.value}`}
                aria-describedby={`scope-${o.value}-hint`}
              />
              <span>
                <strong id={`scope-${o.value}`}>{o.title}</strong>
                <span className="muted" id={`scope-${o.value}-hint`}>
                  {o.hint}
                </span>
              </span>
            </label>
          ))}
        </fieldset>

        <div className="field">
          <label htmlFor="endpoint-url">Endpoint URL</label>
          <input
            id="endpoint-url"
            type="url"
            required
            placeholder="https://example.com/webhook"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
          />
        </div>

        <EventPicker value={events} onChange={setEvents} />

        <div className="field-row">
          <div className="field">
            <label htmlFor="endpoint-version">API version</label>
            <input
              id="endpoint-version"
              placeholder="Your account’s default"
              pattern="\d{4}-\d{2}-\d{2}(\.[a-z]+)?"
              value={apiVersion}
              onChange={(e) => setApiVersion(e.target.value)}
              aria-describedby="endpoint-version-hint"
            />
            <p className="hint" id="endpoint-version-hint">
              For example 2026-07-29.dahlia. Leave empty to use the account’s default.
            </p>
          </div>
          <div className="field">
            <label htmlFor="endpoint-description">Description</label>
            <input
              id="endpoint-description"
              placeholder="Optional"
              value={description}
              onChange={(e) => setDescription(e.target.value)}
            />
          </div>
        </div>

        {error && <Notice tone="error">{error}</Notice>}
        <div className="form-actions">
          <Link to="/webhooks" className="button">
            Cancel
          </Link>
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create endpoint'}
          </button>
        </div>
      </form>
    </div>
  );
}
