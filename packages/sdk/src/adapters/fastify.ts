import type { WebhookHandler } from '../handler-core.js';
import { adapterMessages, DEFAULT_MAX_BODY_BYTES, errorBody, jsonBody } from './respond.js';

/** The parts of a Fastify instance the plugin uses; Fastify 4 and 5 fit. */
export interface FastifyLikeInstance {
  removeAllContentTypeParsers(): void;
  addContentTypeParser(
    contentType: string,
    options: { parseAs: 'buffer'; bodyLimit?: number },
    parser: (
      request: unknown,
      body: Uint8Array,
      done: (error: Error | null, body?: unknown) => void,
    ) => void,
  ): void;
  post(
    path: string,
    handler: (request: FastifyLikeRequest, reply: FastifyLikeReply) => Promise<unknown>,
  ): unknown;
}

export interface FastifyLikeRequest {
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export interface FastifyLikeReply {
  code(status: number): FastifyLikeReply;
  header(name: string, value: string): FastifyLikeReply;
  send(payload: string): unknown;
}

export interface FastifyWebhookOptions {
  /** The route's path inside the plugin (Fastify's `prefix` option also applies). Default `/webhook`. */
  path?: string;
  /** Larger bodies are refused with 413 by Fastify. Default 1 MiB. */
  maxBodyBytes?: number;
}

/**
 * A Fastify plugin adding `POST <path>` for webhooks: `app.register(fastifyWebhook(handler))`.
 *
 * Fastify parses JSON bodies before handlers run, and the signature needs the raw bytes. Inside
 * this plugin's own (encapsulated) context every content type is kept as a Buffer; the rest of
 * your app keeps its parsers. Do not wrap it with `fastify-plugin`, which would remove that
 * encapsulation.
 */
export function fastifyWebhook(
  handler: WebhookHandler<unknown>,
  options: FastifyWebhookOptions = {},
): (instance: FastifyLikeInstance) => Promise<void> {
  const path = options.path ?? '/webhook';
  const bodyLimit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return async (instance) => {
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) =>
      done(null, body),
    );
    instance.post(path, async (request, reply) => {
      const body = request.body;
      if (!(body instanceof Uint8Array) && typeof body !== 'string') {
        // No body at all (no Content-Type): let the verifier report the missing payload.
        if (body != null) {
          return reply
            .code(500)
            .header('content-type', 'application/json')
            .send(errorBody('raw_body_unavailable', adapterMessages.parsedBody));
        }
      }
      const result = await handler.handle(body ?? '', request.headers['stripe-signature']);
      return reply
        .code(result.status)
        .header('content-type', 'application/json')
        .send(jsonBody(result));
    });
  };
}
