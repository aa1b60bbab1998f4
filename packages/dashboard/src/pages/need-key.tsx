import { useState, type FormEvent } from 'react';
import { Notice, PageHeader } from '../components/ui';
import { Api, messageOf } from '../lib/api';
import { getSession, modeOfKey, setSession, type Mode } from '../lib/session';
import type { Platform } from '../lib/types';

/** Shown after switching to a mode whose key the user has not given yet. */
export function NeedKey({ mode }: { mode: Mode }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const value = key.trim();
    if (modeOfKey(value) !== mode) {
      setError(`That is not a ${mode} secret key: it starts with sk_${mode}_.`);
      return;
    }
    try {
      const platform = await new Api(value).get<Platform>('/v1/account');
      const signedIn = getSession().platform;
      if (signedIn && platform.id !== signedIn.id) {
        setError(`That key belongs to another platform (${platform.id}), not ${signedIn.id}.`);
        return;
      }
      setSession((s) => ({ ...s, keys: { ...s.keys, [mode]: value } }));
    } catch (err) {
      setError(messageOf(err));
    }
  }

  return (
    <div>
      <PageHeader
        title={`${mode === 'live' ? 'Live' : 'Test'} mode`}
        subtitle={`Enter your ${mode} secret key to see ${mode} endpoints and events.`}
      />
      <form className="narrow" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor="mode-key">{mode === 'live' ? 'Live' : 'Test'} secret key</label>
          <input
            id="mode-key"
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder={`sk_${mode}_...`}
            value={key}
            onChange={(e) => setKey(e.target.value)}
            required
          />
          <p className="hint">
            {mode === 'live'
              ? 'The live key was printed once, on the server’s first start (it is stored hashed).'
              : 'Show it with `switchboard keys`.'}
          </p>
        </div>
        {error && <Notice tone="error">{error}</Notice>}
        <button type="submit" className="button primary">
          Use this key
        </button>
      </form>
    </div>
  );
}
