import type { WebhookHandler } from '../handler-core.js';
import { adapterMessages, DEFAULT_MAX_BODY_BYTES, errorBody, jsonBody } from './respond.js';

export interface FetchAdapterOptions {
  /** Larger bodies are refused with 413. Default 1 MiB. */
  maxBodyBytes?: number;
}

function json(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

/**
 * A Web-standard `(Request) => Promise<Response>` for Hono (`app.post('/webhook', (c) =>
 * handle(c.req.raw))`), Next.js route handlers (`export const POST = handle`), Deno, Bun,
 * Cloudflare Workers and others. It reads the body with `request.arrayBuffer()`: do not call
 * `request.json()` or `request.text()` before it, since a body can be read only once.
 */
export function toFetchHandler(
  handler: WebhookHandler<unknown>,
  options: FetchAdapterOptions = {},
): (request: Request) => Promise<Response> {
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return async (request) => {
    if (request.method !== 'POST') {
      return json(405, errorBody('method_not_allowed', adapterMessages.method), { Allow: 'POST' });
    }
    const declared = Number(request.headers.get('content-length') ?? '0');
    if (declared > max)
      return json(413, errorBody('body_too_large', adapterMessages.tooLarge(max)));
    if (request.bodyUsed) {
      return json(500, errorBody('raw_body_unavailable', 'The request body was already read.'));
    }
    const body = new Uint8Array(await request.arrayBuffer());
    if (body.byteLength > max)
      return json(413, errorBody('body_too_large', adapterMessages.tooLarge(max)));
    const result = await handler.handle(body, request.headers.get('stripe-signature'));
    return json(result.status, jsonBody(result));
  };
}
