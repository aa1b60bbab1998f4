import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebhookHandler } from '../handler-core.js';
import { answerNode, writeJson, type NodeAdapterOptions } from './node-http.js';
import { adapterMessages, DEFAULT_MAX_BODY_BYTES, errorBody } from './respond.js';

/** The parts of Express's request it reads; Express's own types fit. */
export type ExpressLikeRequest = IncomingMessage & { body?: unknown };

/**
 * Express middleware for a webhook route: `app.post('/webhook', expressWebhook(handler))`.
 *
 * The signature covers the raw bytes, so they must reach it unparsed. It takes them from
 * `express.raw()` / `express.text()` when one ran (`req.body` a Buffer or string), else reads the
 * stream itself; if a JSON parser got there first (`req.body` an object) the bytes are gone and it
 * answers 500 with a message saying how to mount it. Works with Express 4 and 5.
 */
export function expressWebhook(
  handler: WebhookHandler<unknown>,
  options: NodeAdapterOptions = {},
): (req: ExpressLikeRequest, res: ServerResponse, next?: (error?: unknown) => void) => void {
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return (req, res, next) => {
    const body = req.body;
    let raw: Uint8Array | string | undefined;
    if (body instanceof Uint8Array || typeof body === 'string') raw = body;
    else if (body !== undefined && !(isEmptyObject(body) && !req.readableEnded)) {
      writeJson(res, 500, errorBody('raw_body_unavailable', adapterMessages.parsedBody));
      return;
    }
    answerNode(handler, req, res, max, raw).catch((error: unknown) => {
      if (next) next(error);
      else res.destroy(error as Error);
    });
  };
}

/** Express 4's body-parser leaves `{}` on requests it skipped; the stream is then still unread. */
function isEmptyObject(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.getPrototypeOf(value) === Object.prototype &&
    Object.keys(value).length === 0
  );
}
