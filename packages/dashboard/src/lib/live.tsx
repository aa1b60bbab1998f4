import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { apiFor } from './session';
import type { StreamedAttempt, StreamedEvent } from './types';

export type LiveMessage =
  { kind: 'event'; data: StreamedEvent } | { kind: 'attempt'; data: StreamedAttempt };

export type LiveStatus = 'connecting' | 'live' | 'offline';

type Listener = (m: LiveMessage) => void;

interface LiveContextValue {
  status: LiveStatus;
  subscribe(listener: Listener): () => void;
}

const LiveContext = createContext<LiveContextValue>({
  status: 'offline',
  subscribe: () => () => undefined,
});

/**
 * One server-sent-events stream per signed-in key: new events and delivery attempts as the server
 * records them. The key buys a one-minute token (EventSource cannot send headers, and a key must not
 * go in a URL); after a drop, a new token and a new stream, backing off up to 10 s.
 */
export function LiveProvider({ apiKey, children }: { apiKey: string; children: ReactNode }) {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const listeners = useRef(new Set<Listener>());
  const [value] = useState<Omit<LiveContextValue, 'status'>>(() => ({
    subscribe(listener) {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
  }));

  useEffect(() => {
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | null = null;
    let stopped = false;
    let failures = 0;
    const emit = (m: LiveMessage) => {
      for (const l of listeners.current) l(m);
    };

    async function connect() {
      setStatus('connecting');
      try {
        const { url } = await apiFor(apiKey).post<{ url: string }>('/v1/switchboard/stream_tokens');
        if (stopped) return;
        source = new EventSource(url);
        source.addEventListener('ready', () => {
          failures = 0;
          setStatus('live');
        });
        source.addEventListener('event', (e) =>
          emit({
            kind: 'event',
            data: JSON.parse((e as MessageEvent<string>).data) as StreamedEvent,
          }),
        );
        source.addEventListener('attempt', (e) =>
          emit({
            kind: 'attempt',
            data: JSON.parse((e as MessageEvent<string>).data) as StreamedAttempt,
          }),
        );
        source.onerror = () => {
          source?.close();
          source = null;
          schedule();
        };
      } catch {
        schedule();
      }
    }

    function schedule() {
      if (stopped) return;
      setStatus('offline');
      failures++;
      retry = setTimeout(() => void connect(), Math.min(10_000, 500 * 2 ** failures));
    }

    void connect();
    return () => {
      stopped = true;
      source?.close();
      if (retry) clearTimeout(retry);
    };
  }, [apiKey]);

  return <LiveContext.Provider value={{ ...value, status }}>{children}</LiveContext.Provider>;
}

export function useLiveStatus(): LiveStatus {
  return useContext(LiveContext).status;
}

/** Calls `handler` for each live message while the component is shown. */
export function useLive(handler: Listener): void {
  const { subscribe } = useContext(LiveContext);
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => subscribe((m) => ref.current(m)), [subscribe]);
}
