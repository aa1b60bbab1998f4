// The sender thread's entry point (see threaded-transport.ts): sends the deliveries the main
// thread posts with an HttpTransport of its own, and posts the results back in batches.
import { parentPort, workerData } from 'node:worker_threads';
import { HttpTransport } from './http-transport.js';
import type { FromSender, SenderThreadData, ToSender } from './threaded-transport.js';
import type { OutgoingDelivery, TransportResult } from './transport.js';

if (parentPort) {
  const port = parentPort;
  const { allowlist, endpointConcurrency } = workerData as SenderThreadData;
  const http = new HttpTransport(allowlist);
  // In flight by endpoint, and those waiting here for one of the endpoint's requests to end.
  const active = new Map<string, number>();
  const waiting = new Map<string, Array<[number, OutgoingDelivery]>>();
  let results: Array<[number, TransportResult]> = [];
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
    for (const [id, delivery] of message.batch) {
      const n = active.get(delivery.endpointId) ?? 0;
      if (n < endpointConcurrency) {
        active.set(delivery.endpointId, n + 1);
        send(id, delivery);
      } else {
        const queue = waiting.get(delivery.endpointId) ?? [];
        queue.push([id, delivery]);
        waiting.set(delivery.endpointId, queue);
      }
    }
  });

  /** Sends; when the answer is in, the endpoint's next waiting delivery takes the slot. */
  function send(id: number, delivery: OutgoingDelivery): void {
    void http.send(delivery).then((result) => {
      if (results.length === 0) setImmediate(flush);
      results.push([id, result]);
      const endpointId = delivery.endpointId;
      const queue = waiting.get(endpointId);
      const next = queue?.shift();
      if (queue?.length === 0) waiting.delete(endpointId);
      if (next) return send(...next);
      const left = (active.get(endpointId) ?? 1) - 1;
      if (left === 0) active.delete(endpointId);
      else active.set(endpointId, left);
    });
  }
}
