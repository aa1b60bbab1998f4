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

/**
 * Answers with a file's bytes (a file's contents, a file link). Never rendered as a page of this
 * server: an uploaded SVG must not run scripts as it, so the answer is sandboxed and not sniffed.
 */
export function sendBytes(
  res: ServerResponse,
  data: Buffer,
  contentType: string,
  filename: string | null,
): void {
  if (res.headersSent) return;
  const headers: Record<string, string | number> = {
    'Content-Type': contentType,
    'Content-Length': data.length,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; sandbox",
  };
  if (filename)
    headers['Content-Disposition'] = `inline; filename*=UTF-8''${encodeURIComponent(filename)}`;
  res.writeHead(200, headers);
  res.end(data);
}
