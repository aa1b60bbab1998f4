import { useSyncExternalStore } from 'react';
import { Api } from './api';

export type Mode = 'test' | 'live';

/**
 * Who is signed in, kept in sessionStorage: it lasts as long as the browser tab and is never sent
 * anywhere but this server's API. One secret key per mode; a sandbox has its own test key.
 */
export interface Session {
  keys: Partial<Record<Mode, string>>;
  mode: Mode;
  sandbox: { id: string; name: string; key: string } | null;
  platform: { id: string; name: string | null } | null;
}

const STORAGE_KEY = 'switchboard.session';
const empty: Session = { keys: {}, mode: 'test', sandbox: null, platform: null };

function load(): Session {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    return raw ? { ...empty, ...(JSON.parse(raw) as Session) } : empty;
  } catch {
    return empty;
  }
}

let current = load();
const listeners = new Set<() => void>();

export function getSession(): Session {
  return current;
}

export function setSession(update: (s: Session) => Session): void {
  current = update(current);
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(current));
  for (const l of listeners) l();
}

export function signOut(): void {
  sessionStorage.removeItem(STORAGE_KEY);
  current = empty;
  for (const l of listeners) l();
}

export function useSession(): Session {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => current,
  );
}

/** The mode a key belongs to, or null when it is not a secret or restricted key. */
export function modeOfKey(key: string): Mode | null {
  const match = /^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/.exec(key.trim());
  return match ? (match[2] as Mode) : null;
}

/** The key requests use now: the sandbox's, else the key of the chosen mode. */
export function activeKey(s: Session): string | null {
  return s.sandbox ? s.sandbox.key : (s.keys[s.mode] ?? null);
}

/** The platform's own key (not a sandbox's), preferring test mode: for listing sandboxes. */
export function platformKey(s: Session): string | null {
  return s.keys.test ?? s.keys.live ?? null;
}

export function effectiveMode(s: Session): Mode {
  return s.sandbox ? 'test' : s.mode;
}

const apis = new Map<string, Api>();
export function apiFor(key: string): Api {
  let api = apis.get(key);
  if (!api) apis.set(key, (api = new Api(key)));
  return api;
}

/** The API client for the active key. Only rendered inside the signed-in layout. */
export function useApi(): Api {
  const session = useSession();
  const key = activeKey(session);
  if (!key) throw new Error('useApi outside a signed-in view');
  return apiFor(key);
}
