export {
  computeSignature,
  constructEvent,
  generateTestHeaderString,
  signPayload,
  verifyHeader,
  type TestHeaderOptions,
} from './node.js';
export { SignatureVerificationError } from './errors.js';
export { parseSignatureHeader, formatSignatureHeader } from './header.js';
export { DEFAULT_TOLERANCE, type VerifyOptions } from './verify-core.js';
