import { useState, type FormEvent } from 'react';
import { Command, Notice } from '../components/ui';
import { Api, messageOf } from '../lib/api';
import { navigate } from '../lib/router';
import { modeOfKey, setSession } from '../lib/session';
import type { Platform } from '../lib/types';

export function platformName(p: Platform): string | null {
  return p.settings?.dashboard?.display_name ?? p.business_profile?.name ?? null;
}

export function SignIn() {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const value = key.trim();
    const mode = modeOfKey(value);
    if (!mode) {
      setError('That is not a secret key: it starts with sk_test_ or sk_live_.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const platform = await new Api(value).get<Platform>('/v1/account');
      setSession((s) => ({
        ...s,
        keys: { ...s.keys, [mode]: value },
        mode,
        sandbox: null,
        platform: { id: platform.id, name: platformName(platform) },
      }));
      if (location.pathname.replace(/\/$/, '') === '/dashboard')
        navigate('/webhooks', { replace: true });
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in" id="main">
      <div className="sign-in-card">
        <p className="brand">
          <span className="logo" aria-hidden="true" /> Switchboard
        </p>
        <h1 tabIndex={-1} id="page-title">
          Sign in
        </h1>
        <p>Use a secret key of your platform. It stays in this browser tab’s session.</p>
        <form onSubmit={(e) => void submit(e)}>
          <div className="field">
            <label htmlFor="secret-key">Secret key</label>
            <input
              id="secret-key"
              name="secret-key"
              type="password"
              autoComplete="off"
              spellCheck={false}
              placeholder="sk_test_..."
              value={key}
              onChange={(e) => setKey(e.target.value)}
              aria-describedby="secret-key-hint"
              required
            />
            <p className="hint" id="secret-key-hint">
              The server printed its keys on first start. Show the test key again with:
            </p>
            <Command>switchboard keys</Command>
          </div>
          {error && <Notice tone="error">{error}</Notice>}
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </div>
    </main>
  );
}
