import { useState, type ReactNode } from 'react';
import { messageOf } from '../lib/api';
import { useAsync } from '../lib/hooks';
import { useLiveStatus, type LiveStatus } from '../lib/live';
import { Link, navigate, useLocation } from '../lib/router';
import {
  apiFor,
  effectiveMode,
  platformKey,
  setSession,
  signOut,
  useSession,
  type Mode,
} from '../lib/session';
import type { List, Sandbox } from '../lib/types';
import { Dialog, Notice } from './ui';

const sections = [
  { to: '/webhooks', label: 'Webhooks' },
  { to: '/events', label: 'Events' },
  { to: '/accounts', label: 'Connected accounts' },
  { to: '/settings', label: 'Settings' },
];

export function Layout({ children }: { children: ReactNode }) {
  const session = useSession();
  const { path } = useLocation();
  const mode = effectiveMode(session);
  return (
    <div className={`shell mode-${mode}`}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      {mode === 'test' && (
        <div className="test-banner" role="note">
          Test mode{session.sandbox ? ` · sandbox “${session.sandbox.name}”` : ''}
        </div>
      )}
      <header className="topbar">
        <Link to="/webhooks" className="brand">
          <span className="logo" aria-hidden="true" /> Switchboard
          {session.platform && (
            <span className="platform" title={session.platform.id}>
              {session.platform.name ?? session.platform.id}
            </span>
          )}
        </Link>
        <nav aria-label="Sections" className="sections">
          {sections.map((s) => (
            <Link
              key={s.to}
              to={s.to}
              aria-current={path === s.to || path.startsWith(`${s.to}/`) ? 'page' : undefined}
            >
              {s.label}
            </Link>
          ))}
        </nav>
        <div className="controls">
          <SandboxPicker />
          <ModeSwitch mode={mode} disabled={session.sandbox !== null} />
          <LiveIndicator />
          <button type="button" className="button subtle" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" className="content">
        {children}
      </main>
    </div>
  );
}

function ModeSwitch({ mode, disabled }: { mode: Mode; disabled: boolean }) {
  const set = (m: Mode) => setSession((s) => ({ ...s, mode: m }));
  return (
    <fieldset className="mode-switch" disabled={disabled}>
      <legend className="visually-hidden">Mode</legend>
      {(['test', 'live'] as const).map((m) => (
        <label key={m} className={mode === m ? 'on' : ''}>
          <input type="radio" name="mode" value={m} checked={mode === m} onChange={() => set(m)} />
          {m === 'test' ? 'Test' : 'Live'}
        </label>
      ))}
    </fieldset>
  );
}

function LiveIndicator() {
  const session = useSession();
  const status: LiveStatus = useLiveStatus();
  if (!session.keys[session.mode] && !session.sandbox) return null;
  const label = { live: 'on', connecting: 'connecting…', offline: 'reconnecting…' }[status];
  return (
    <span className={`live live-${status}`} role="status" aria-label={`Live updates: ${label}`}>
      <span className="dot" aria-hidden="true" />
      {status === 'live' ? 'Live updates' : `Updates ${label}`}
    </span>
  );
}

/** Chooses the platform itself or one of its sandboxes (test mode only); creates sandboxes. */
function SandboxPicker() {
  const session = useSession();
  const key = platformKey(session);
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const sandboxes = useAsync(
    () =>
      key
        ? apiFor(key).get<List<Sandbox>>('/v1/switchboard/sandboxes')
        : Promise.resolve({ data: [] as Sandbox[] } as List<Sandbox>),
    [key],
  );
  if (!key) return null;

  function choose(id: string) {
    if (id === '__new') {
      setCreating(true);
      return;
    }
    const sandbox = sandboxes.data?.data.find((s) => s.id === id);
    setSession((s) => ({
      ...s,
      sandbox:
        sandbox && sandbox.secret_key ? { id, name: sandbox.name, key: sandbox.secret_key } : null,
    }));
    navigate('/webhooks');
  }

  async function create() {
    try {
      const created = await apiFor(key!).post<Sandbox>('/v1/switchboard/sandboxes', {
        name: name.trim() || 'Sandbox',
      });
      setCreating(false);
      setName('');
      sandboxes.reload();
      setSession((s) => ({
        ...s,
        sandbox: { id: created.id, name: created.name, key: created.secret_key! },
      }));
      navigate('/webhooks');
    } catch (e) {
      setError(messageOf(e));
    }
  }

  return (
    <>
      <label className="sandbox-picker">
        <span className="visually-hidden">Environment</span>
        <select
          aria-label="Environment"
          value={session.sandbox?.id ?? ''}
          onChange={(e) => choose(e.target.value)}
        >
          <option value="">Platform</option>
          {(sandboxes.data?.data ?? []).map((s) => (
            <option key={s.id} value={s.id}>
              Sandbox: {s.name}
            </option>
          ))}
          <option value="__new">New sandbox…</option>
        </select>
      </label>
      <Dialog open={creating} title="New sandbox" onClose={() => setCreating(false)}>
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <p>
            A sandbox is an isolated test environment with its own key, objects, events and
            endpoints.
          </p>
          <div className="field">
            <label htmlFor="sandbox-name">Name</label>
            <input
              id="sandbox-name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="QA"
              maxLength={100}
            />
          </div>
          {error && <Notice tone="error">{error}</Notice>}
          <div className="dialog-actions">
            <button type="button" className="button" onClick={() => setCreating(false)}>
              Cancel
            </button>
            <button type="submit" className="button primary">
              Create sandbox
            </button>
          </div>
        </form>
      </Dialog>
    </>
  );
}
