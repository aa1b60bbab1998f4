import { useState } from 'react';
import { Badge, CopyButton, Loading, Notice, PageHeader } from '../components/ui';
import { useAction, useAsync } from '../lib/hooks';
import { effectiveMode, useApi, useSession } from '../lib/session';
import type { ConnectSettings } from '../lib/types';

const PATH = '/v1/switchboard/connect_settings';

/**
 * The platform's settings: its Connect OAuth redirect URIs (Stripe's Connect settings), the only
 * places `/oauth/authorize` sends a browser back to. The first is the default, for links without
 * `redirect_uri`; until one is registered, loopback URLs are accepted.
 */
export function Settings() {
  const api = useApi();
  const session = useSession();
  const settings = useAsync(() => api.get<ConnectSettings>(PATH), [api.key]);
  const { message, busy, act } = useAction();
  const [draft, setDraft] = useState('');
  const uris = settings.data?.redirect_uris ?? [];
  const live = effectiveMode(session) === 'live';

  // `redirect_uris=` (null) empties the list; an empty array would send nothing.
  const save = (next: string[], said: string, then?: () => void) =>
    act(async () => {
      await api.post<ConnectSettings>(PATH, { redirect_uris: next.length ? next : null });
      settings.reload();
      then?.();
      return said;
    });

  return (
    <div>
      <PageHeader
        title="Settings"
        subtitle={`Connect settings of this ${session.sandbox ? 'sandbox' : 'platform'}.`}
      />
      {settings.error && <Notice tone="error">{settings.error}</Notice>}
      {message && <Notice tone={message.tone}>{message.text}</Notice>}
      {!settings.data && !settings.error && <Loading what="the settings" />}
      {settings.data && (
        <section className="card" aria-labelledby="redirect-uris-title">
          <h2 id="redirect-uris-title">OAuth redirect URIs</h2>
          <p className="hint">
            Where <code>/oauth/authorize</code> may send the browser back with an authorization
            code: a <code>redirect_uri</code> must match one exactly, as on Stripe, and a link
            without one returns to the default. Client id (<code>client_id</code>):{' '}
            <code>{settings.data.application}</code>{' '}
            <CopyButton text={settings.data.application} label="Copy client id" />
          </p>
          {uris.length === 0 ? (
            <p>
              No redirect URIs registered: only loopback URLs (
              <code>http://localhost:PORT/...</code>) are accepted.
            </p>
          ) : (
            <ul className="redirect-uris" aria-label="Registered redirect URIs">
              {uris.map((u, i) => (
                <li key={u}>
                  <code className="break">{u}</code> {i === 0 && <Badge tone="info">Default</Badge>}
                  {i > 0 && (
                    <button
                      type="button"
                      className="button subtle"
                      disabled={busy}
                      aria-label={`Make ${u} the default`}
                      onClick={() =>
                        void save([u, ...uris.filter((x) => x !== u)], `${u} is the default.`)
                      }
                    >
                      Make default
                    </button>
                  )}
                  <button
                    type="button"
                    className="button subtle"
                    disabled={busy}
                    aria-label={`Remove ${u}`}
                    onClick={() =>
                      void save(
                        uris.filter((x) => x !== u),
                        `Removed ${u}.`,
                      )
                    }
                  >
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          )}
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              const uri = draft.trim();
              if (!uri) return;
              void save([...uris.filter((x) => x !== uri), uri], `Added ${uri}.`, () =>
                setDraft(''),
              );
            }}
          >
            <div className="field grow">
              <label htmlFor="redirect-uri">Redirect URI</label>
              <input
                id="redirect-uri"
                type="url"
                required
                placeholder={
                  live
                    ? 'https://platform.example/oauth/callback'
                    : 'http://localhost:3000/callback'
                }
                value={draft}
                onChange={(e) => setDraft(e.target.value)}
              />
            </div>
            <button type="submit" className="button primary" disabled={busy}>
              Add redirect URI
            </button>
          </form>
        </section>
      )}
    </div>
  );
}
