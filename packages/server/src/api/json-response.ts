import type { ServerResponse } from 'node:http';

/**
 * Answers with JSON text and the headers every JSON answer of this server carries (the API, the
 * dashboard's routes, the probes). Does nothing once headers are out. Node leaves the body out of
 * an answer to HEAD by itself.
 */
export function sendJson(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, no-store',
  });
  res.end(text);
}
