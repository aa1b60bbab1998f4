/**
 * The Node build (Node 20+): the Web-standard API plus synchronous verification with
 * `node:crypto` and the `node:http` and Express adapters.
 * @module
 */
export * from './shared.js';
export {
  computeSignature,
  constructEvent,
  generateTestHeaderString,
  parseEventNotification,
  signPayload,
  verifyHeader,
} from './node.js';
export {
  BodyTooLargeError,
  readRawBody,
  toNodeListener,
  type NodeAdapterOptions,
} from './adapters/node-http.js';
export { expressWebhook, type ExpressLikeRequest } from './adapters/express.js';
