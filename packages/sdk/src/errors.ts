/**
 * Raised when a webhook's `Stripe-Signature` header does not verify. Messages match the official
 * `stripe` package's, so code and logs written against it read the same.
 */
export class SignatureVerificationError extends Error {
  readonly type = 'StripeSignatureVerificationError';
  readonly header: string | undefined;
  readonly payload: string | undefined;

  constructor(
    message: string,
    details: { header?: string | undefined; payload?: string | undefined } = {},
  ) {
    super(message);
    this.name = 'SignatureVerificationError';
    this.header = details.header;
    this.payload = details.payload;
  }
}

const docsLocation =
  '\nLearn more about webhook signing and explore webhook integration examples for various frameworks at ' +
  'https://docs.stripe.com/webhooks/signature';

export const messages = {
  noPayload: 'No webhook payload was provided.',
  noHeader: 'No stripe-signature header value was provided.',
  noSecret: 'No webhook secret value was provided. It should start with `whsec_`',
  noTimestamp: 'Unable to extract timestamp and signatures from header',
  noSignatures: 'No signatures found with expected scheme',
  mismatch:
    'No signatures found matching the expected signature for payload.' +
    ' Are you passing the raw request body you received from Stripe? \n' +
    ' If a webhook request is being forwarded by a third-party tool,' +
    ' ensure that the exact request body, including JSON formatting and new line style, is preserved.\n' +
    docsLocation +
    '\n',
  objectPayload:
    'Webhook payload must be provided as a string or a Buffer (https://nodejs.org/api/buffer.html) instance representing the _raw_ request body.' +
    'Payload was provided as a parsed JavaScript object instead. \n' +
    'Signature verification is impossible without access to the original signed material. \n' +
    docsLocation +
    '\n',
  whitespaceSecret:
    '\n\nNote: The provided signing secret contains whitespace. This often indicates an extra newline or space is in the value',
  tolerance: 'Timestamp outside the tolerance zone',
  arrayHeader:
    'Unexpected: An array was passed as a header, which should not be possible for the stripe-signature header.',
  thinEvent:
    'You passed a thin event notification to a function that expects a webhook. Use the corresponding EventNotification method instead.',
  noOptions: 'Options are required',
} as const;
