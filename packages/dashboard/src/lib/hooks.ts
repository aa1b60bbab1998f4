import { useCallback, useEffect, useRef, useState } from 'react';
import { messageOf } from './api';

export interface Async<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  /** Loads again, keeping what is shown until the answer comes. */
  reload(): void;
}

/**
 * Runs `load` when `deps` change; a late answer to an older request is dropped, and data loaded for
 * other deps is never shown as if it were for these.
 */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): Async<T> {
  const depsKey = JSON.stringify(deps);
  const [state, setState] = useState<{
    key: string | null;
    data: T | undefined;
    error: string | null;
    loading: boolean;
  }>({ key: null, data: undefined, error: null, loading: true });
  const [tick, setTick] = useState(0);
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    loadRef.current().then(
      (data) => {
        if (mine === generation.current)
          setState({ key: depsKey, data, error: null, loading: false });
      },
      (e: unknown) => {
        if (mine === generation.current)
          setState((s) => ({
            key: depsKey,
            data: s.key === depsKey ? s.data : undefined,
            error: messageOf(e),
            loading: false,
          }));
      },
    );
  }, [depsKey, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  const current = state.key === depsKey;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : null,
    loading: !current || state.loading,
    reload,
  };
}

/** A function that runs `fn` once, `ms` after the last of a burst of calls. */
export function useDebounced(fn: () => void, ms: number): () => void {
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  return useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => fnRef.current(), ms);
  }, [ms]);
}

/** A page's message after an action: good news, an error, or information. */
export interface PageMessage {
  tone: 'good' | 'error' | 'info';
  text: string;
}

/**
 * Runs a page's actions one at a time: `busy` while one runs, then its text as a good `message`,
 * or its error as an error `message` (an action that returns nothing leaves the message as it is).
 */
export function useAction(initial: PageMessage | null = null) {
  const [message, setMessage] = useState<PageMessage | null>(initial);
  const [busy, setBusy] = useState(false);
  async function act(what: () => Promise<string | void>): Promise<void> {
    setBusy(true);
    try {
      const text = await what();
      if (text) setMessage({ tone: 'good', text });
    } catch (e) {
      setMessage({ tone: 'error', text: messageOf(e) });
    } finally {
      setBusy(false);
    }
  }
  return { message, setMessage, busy, act };
}
