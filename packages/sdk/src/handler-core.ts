import { createDedupe, type Dedupe, type DedupeStore } from './dedupe.js';
import { verifyHeaderAsync } from './web-crypto.js';
import type { HeaderValue } from './verify-core.js';

/** What the delivery pipeline needs of an event, snapshot or thin. */
export interface DeliveredEvent {
  id: string;
  type: string;
  livemode: boolean;
}

/** What became of one delivery. */
export type WebhookOutcome =
  /** A handler ran and succeeded. */
  | 'handled'
  /** No handler for the type (after `onUnhandled`, if any, succeeded). */
  | 'unhandled'
  /** The event was already processed; acknowledged without running anything. */
  | 'duplicate'
  /** Another delivery of the event is being processed right now; the sender should retry. */
  | 'in_progress'
  /** The event's `livemode` is not the one this handler takes; acknowledged. */
  | 'skipped'
  /** Bad signature, bad body or a thin notification sent to a snapshot handler. */
  | 'invalid'
  /** The handler threw; the sender should retry. */
  | 'failed';

/** The answer to give the sender: adapters write `status` and `body` as JSON. */
export interface WebhookResult<E = DeliveredEvent> {
  status: number;
  body: WebhookResponseBody;
  outcome: WebhookOutcome;
  /** The verified event, once the body was verified and parsed. */
  event?: E;
  /** What went wrong, for `invalid` and `failed`. */
  error?: unknown;
}

export type WebhookResponseBody =
  { received: true; outcome: WebhookOutcome } | { error: { type: string; message: string } };

/** Anything that turns a raw delivery into an answer; every adapter takes one. */
export interface WebhookHandler<E = DeliveredEvent> {
  handle(rawBody: unknown, signatureHeader: HeaderValue): Promise<WebhookResult<E>>;
}

/** Secrets: one, several during a roll, or a function read on every delivery. */
export type SecretsSource =
  readonly string[] | (() => readonly string[] | Promise<readonly string[]>);

export interface CoreOptions<E extends DeliveredEvent, C> {
  secrets: SecretsSource;
  tolerance: number | undefined;
  /** Parses a verified body; throws `InvalidPayloadError` if it is not the right kind. */
  parse(text: string): E;
  context(event: E): C;
  route(event: E, context: C): ((event: E, context: C) => unknown) | undefined;
  onUnhandled: ((event: E, context: C) => unknown) | undefined;
  livemode: boolean | undefined;
  onSkipped: ((event: E, context: C) => unknown) | undefined;
  dedupe: Dedupe<E> | undefined;
  onError: (error: unknown, event: E | undefined) => void;
  now: () => number;
}

const decoder = new TextDecoder();

function invalid<E>(type: string, error: unknown): WebhookResult<E> {
  const message = error instanceof Error ? error.message : String(error);
  return { status: 400, outcome: 'invalid', error, body: { error: { type, message } } };
}

function ok<E>(outcome: WebhookOutcome, event: E): WebhookResult<E> {
  return { status: 200, outcome, event, body: { received: true, outcome } };
}

export function resolveSecrets(options: {
  secret?: string | undefined;
  secrets?: SecretsSource | undefined;
}): SecretsSource {
  if (options.secrets !== undefined) {
    if (Array.isArray(options.secrets) && options.secrets.length === 0) {
      throw new Error('`secrets` is empty: pass the endpoint signing secret(s) (whsec_...).');
    }
    return options.secrets;
  }
  if (typeof options.secret === 'string' && options.secret !== '') return [options.secret];
  throw new Error(
    'A webhook handler needs `secret` or `secrets`: the endpoint signing secret(s) (whsec_...).',
  );
}

export function toDedupe<E extends DeliveredEvent>(
  dedupe: DedupeStore | Dedupe<E> | undefined | false,
  now: () => number,
): Dedupe<E> | undefined {
  if (!dedupe) return undefined;
  if ('run' in dedupe) return dedupe;
  return createDedupe<E>({ store: dedupe, now });
}

export function defaultOnError(error: unknown, event: DeliveredEvent | undefined): void {
  const what = event ? `${event.type} (${event.id})` : 'a delivery';
  console.error(`[switchboard] the handler for ${what} failed:`, error);
}

/**
 * The steps every delivery goes through, in order: verify the signature, parse, filter by mode,
 * claim the event id, run the handler, answer. Returns the outcome as data; it throws only on our
 * own bugs.
 */
export function createCore<E extends DeliveredEvent, C>(
  options: CoreOptions<E, C>,
): WebhookHandler<E> {
  return {
    async handle(rawBody, header) {
      let secrets: readonly string[];
      try {
        secrets = typeof options.secrets === 'function' ? await options.secrets() : options.secrets;
      } catch (error) {
        // Our side failed, not the sender's: 500, so the delivery is retried.
        options.onError(error, undefined);
        return {
          status: 500,
          outcome: 'failed',
          error,
          body: {
            error: {
              type: 'secrets_unavailable',
              message: 'The signing secrets could not be loaded.',
            },
          },
        };
      }
      try {
        await verifyHeaderAsync(rawBody, header, secrets, {
          tolerance: options.tolerance,
          receivedAt: options.now(),
        });
      } catch (error) {
        return invalid('signature_verification_error', error);
      }
      let event: E;
      try {
        const text = typeof rawBody === 'string' ? rawBody : decoder.decode(rawBody as Uint8Array);
        event = options.parse(text);
      } catch (error) {
        return invalid('invalid_payload', error);
      }
      const context = options.context(event);
      if (options.livemode !== undefined && event.livemode !== options.livemode) {
        try {
          await options.onSkipped?.(event, context);
        } catch (error) {
          options.onError(error, event);
        }
        return ok('skipped', event);
      }
      const run = async (): Promise<WebhookOutcome> => {
        const handler = options.route(event, context);
        if (handler) {
          await handler(event, context);
          return 'handled';
        }
        await options.onUnhandled?.(event, context);
        return 'unhandled';
      };
      try {
        if (!options.dedupe) return ok(await run(), event);
        const result = await options.dedupe.run(event, run);
        if (result.status === 'duplicate') return ok('duplicate', event);
        if (result.status === 'in_progress') {
          return {
            status: 409,
            outcome: 'in_progress',
            event,
            body: {
              error: {
                type: 'in_progress',
                message: `Event ${event.id} is being processed by another delivery; retry later.`,
              },
            },
          };
        }
        return ok(result.value, event);
      } catch (error) {
        options.onError(error, event);
        return {
          status: 500,
          outcome: 'failed',
          event,
          error,
          body: {
            error: { type: 'handler_error', message: `The handler for ${event.type} failed.` },
          },
        };
      }
    },
  };
}
