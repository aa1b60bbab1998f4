/** Options of `generateTestHeaderString`, the same as stripe-node's `WebhookTestHeaderOptions`. */
export interface TestHeaderOptions {
  payload: string;
  secret: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Default `v1`. */
  scheme?: string;
  /** Use this signature instead of computing one. */
  signature?: string;
}
