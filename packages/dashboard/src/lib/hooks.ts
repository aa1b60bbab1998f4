import { useCallback, useEffect, useRef, useState } from 'react';
import { messageOf } from './api';

export interface Async<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  /** Loads again, keeping what is shown until the answer comes. */
  reload(): void;
}

/** Runs `load` when `deps` change; a late answer to an older request is dropped. */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): Async<T> {
  const [state, setState] = useState<{
    data: T | undefined;
    error: string | null;
    loading: boolean;
  }>({ data: undefined, error: null, loading: true });
  const [tick, setTick] = useState(0);
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const depsKey = JSON.stringify(deps);
  const lastDeps = useRef(depsKey);

  useEffect(() => {
    const mine = ++generation.current;
    const changed = lastDeps.current !== depsKey;
    lastDeps.current = depsKey;
    setState((s) => ({ data: changed ? undefined : s.data, error: null, loading: true }));
    loadRef.current().then(
      (data) => {
        if (mine === generation.current) setState({ data, error: null, loading: false });
      },
      (e: unknown) => {
        if (mine === generation.current)
          setState((s) => ({ data: s.data, error: messageOf(e), loading: false }));
      },
    );
  }, [depsKey, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
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
