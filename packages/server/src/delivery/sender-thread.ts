// The sender thread's entry point (see threaded-transport.ts): POSTs the signed requests the main
// thread posts with an HttpTransport of its own, at most `endpointConcurrency` in flight per
// endpoint, and posts the results back in batches.
import { parentPort, workerData } from 'node:worker_threads';
import { HttpTransport, type HttpResult } from './http-transport.js';
import type { FromSender, Outgoing, SenderThreadData, ToSender } from './threaded-transport.js';

if (parentPort) {
  const port = parentPort;
  const { rules, endpointConcurrency } = workerData as SenderThreadData;
  const http = new HttpTransport(rules);
  // In flight by endpoint, and those waiting here for one of the endpoint's requests to end.
  const active = new Map<string, number>();
  const waiting = new Map<string, Outgoing[]>();
  let results: Array<[number, HttpResult]> = [];
  // Results that arrive in one turn of this thread's event loop go back as one message.
  const flush = () => {
    const batch = results;
    results = [];
    port.postMessage({ type: 'results', batch } satisfies FromSender);
  };
  port.on('message', (message: ToSender) => {
    if (message.type === 'close') {
      void http.close().finally(() => {
        if (results.length > 0) flush();
        port.postMessage({ type: 'closed' } satisfies FromSender);
        port.close();
      });
      return;
    }
    for (const outgoing of message.batch) {
      const endpointId = outgoing[1];
      const n = active.get(endpointId) ?? 0;
      if (n < endpointConcurrency) {
        active.set(endpointId, n + 1);
        send(outgoing);
      } else {
        const queue = waiting.get(endpointId) ?? [];
        queue.push(outgoing);
        waiting.set(endpointId, queue);
      }
    }
  });

  /** Sends; when the answer is in, the endpoint's next waiting request takes the slot. */
  function send([id, endpointId, request]: Outgoing): void {
    void http.post(request).then((result) => {
      if (results.length === 0) setImmediate(flush);
      results.push([id, result]);
      const queue = waiting.get(endpointId);
      const next = queue?.shift();
      if (queue?.length === 0) waiting.delete(endpointId);
      if (next) return send(next);
      const left = (active.get(endpointId) ?? 1) - 1;
      if (left === 0) active.delete(endpointId);
      else active.set(endpointId, left);
    });
  }
}
