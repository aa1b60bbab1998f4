/** One message of a server-sent-events stream. */
export interface SseMessage {
  event: string;
  data: unknown;
}

/**
 * Opens a server-sent-events stream with fetch and collects its messages, as a browser's
 * EventSource would parse them (event/data lines, blank line between messages, comments ignored).
 */
export async function openSse(url: string): Promise<{
  status: number;
  messages: SseMessage[];
  waitFor(predicate: (m: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  /** Settles when the server ends the stream (or it is closed). */
  ended: Promise<void>;
  close(): void;
}> {
  const abort = new AbortController();
  const res = await fetch(url, { signal: abort.signal });
  const messages: SseMessage[] = [];
  const listeners = new Set<() => void>();
  let ended: Promise<void> = Promise.resolve();
  if (res.ok && res.body) {
    ended = (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let event = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data.push(line.slice(6));
            }
            if (data.length === 0) continue;
            messages.push({ event, data: JSON.parse(data.join('\n')) });
            for (const l of listeners) l();
          }
        }
      } catch {
        // aborted
      }
    })();
  }
  return {
    status: res.status,
    messages,
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = messages.find(predicate);
          if (!hit) return false;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(hit);
          return true;
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(
              `no matching stream message in ${timeoutMs} ms; got ${messages.map((m) => m.event).join(', ')}`,
            ),
          );
        }, timeoutMs);
        if (!check()) listeners.add(check);
      });
    },
    ended,
    close: () => abort.abort(),
  };
}
