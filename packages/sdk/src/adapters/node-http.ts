import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebhookHandler } from '../handler-core.js';
import { adapterMessages, DEFAULT_MAX_BODY_BYTES, errorBody, jsonBody } from './respond.js';

export interface NodeAdapterOptions {
  /** Larger bodies are refused with 413. Default 1 MiB. */
  maxBodyBytes?: number;
}

/** Raised by {@link readRawBody} when a body passes the limit. */
export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
}

/**
 * Reads a request's body as the exact bytes sent, never decoding or re-encoding them: the
 * signature covers those bytes.
 */
export async function readRawBody(
  req: AsyncIterable<Uint8Array | string>,
  maxBytes: number = DEFAULT_MAX_BODY_BYTES,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    size += buf.length;
    if (size > maxBytes) throw new BodyTooLargeError(adapterMessages.tooLarge(maxBytes));
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export function writeJson(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent) return;
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/** Reads the body (or takes `raw`), runs the handler and writes its answer. */
export async function answerNode(
  handler: WebhookHandler<unknown>,
  req: IncomingMessage,
  res: ServerResponse,
  maxBodyBytes: number,
  raw?: Uint8Array | string,
): Promise<void> {
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    writeJson(res, 405, errorBody('method_not_allowed', adapterMessages.method));
    return;
  }
  let body: Uint8Array | string;
  try {
    body = raw ?? (await readRawBody(req, maxBodyBytes));
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      res.setHeader('Connection', 'close');
      writeJson(res, 413, errorBody('body_too_large', error.message));
      req.resume();
      return;
    }
    // The client went away mid-body: nobody is left to answer.
    res.destroy();
    return;
  }
  let result;
  try {
    result = await handler.handle(body, req.headers['stripe-signature']);
  } catch (error) {
    // A handler from createWebhookHandler returns outcomes; a custom one may throw.
    console.error('[switchboard] the webhook handler threw:', error);
    writeJson(res, 500, errorBody('handler_error', 'The webhook handler failed.'));
    return;
  }
  writeJson(res, result.status, jsonBody(result));
}

/**
 * A `node:http` request listener: `http.createServer(toNodeListener(handler))`, or call it from
 * your own router for the webhook path. It reads the raw body itself, so nothing else may read the
 * request stream first.
 */
export function toNodeListener(
  handler: WebhookHandler<unknown>,
  options: NodeAdapterOptions = {},
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return (req, res) => answerNode(handler, req, res, max);
}
