import type { WebhookResult } from '../handler-core.js';

/** Stripe payloads are a few KiB; 1 MiB leaves room for large objects and refuses floods. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export function jsonBody(result: Pick<WebhookResult, 'body'>): string {
  return JSON.stringify(result.body);
}

export function errorBody(type: string, message: string): string {
  return JSON.stringify({ error: { type, message } });
}

export const adapterMessages = {
  method: 'Webhooks are delivered with POST.',
  tooLarge: (limit: number) => `The body is larger than ${limit} bytes.`,
  parsedBody:
    'The request body was already parsed (req.body is an object), so its signature cannot be verified. ' +
    'Mount the webhook route before any JSON body parser (express.json(), bodyParser.json()), or give ' +
    'it express.raw({ type: "*/*" }), so the raw bytes reach it.',
} as const;
