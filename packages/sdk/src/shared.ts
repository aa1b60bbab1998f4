// What both builds export: nothing here may import a `node:*` module.
export {
  computeSignatureAsync,
  constructEventAsync,
  generateTestHeaderStringAsync,
  parseEventNotificationAsync,
  signPayloadAsync,
  verifyHeaderAsync,
} from './web-crypto.js';
export { SignatureVerificationError } from './errors.js';
export {
  parseSignatureHeader,
  formatSignatureHeader,
  type ParsedSignatureHeader,
} from './header.js';
export { DEFAULT_TOLERANCE, type HeaderValue, type VerifyOptions } from './verify-core.js';
export type { TestHeaderOptions } from './test-header.js';
export {
  createWebhookHandler,
  type EventContext,
  type EventHandler,
  type EventHandlers,
  type Scope,
  type WebhookHandlerOptions,
} from './handler.js';
export type {
  DeliveredEvent,
  SecretsSource,
  WebhookHandler,
  WebhookOutcome,
  WebhookResponseBody,
  WebhookResult,
} from './handler-core.js';
export { InvalidPayloadError } from './payload.js';
export {
  createDedupe,
  MemoryDedupeStore,
  type ClaimResult,
  type Dedupe,
  type DedupeOptions,
  type DedupeOutcome,
  type DedupeStore,
  type Identified,
} from './dedupe.js';
export {
  createSqliteDedupeStore,
  type SqliteDatabaseLike,
  type SqliteDedupeStoreOptions,
  type SqliteStatementLike,
} from './sqlite-dedupe.js';
export { compareEventOrder, type EventOrder, type OrderedEvent } from './ordering.js';
export {
  notificationMessages,
  toEventNotification,
  type EventNotification,
  type RelatedObject,
  type V2Event,
} from './notification.js';
export {
  createEventClient,
  DEFAULT_API_VERSION,
  StripeApiError,
  type EventClient,
  type EventClientOptions,
} from './thin-client.js';
export {
  createNotificationHandler,
  type NotificationContext,
  type NotificationHandlerOptions,
} from './notification-handler.js';
export { toFetchHandler, type FetchAdapterOptions } from './adapters/fetch.js';
export {
  fastifyWebhook,
  type FastifyLikeInstance,
  type FastifyLikeReply,
  type FastifyLikeRequest,
  type FastifyWebhookOptions,
} from './adapters/fastify.js';
export type * from './events.js';
