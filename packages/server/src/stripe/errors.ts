/**
 * The catalog of errors the API returns, each with Stripe's HTTP status, type and code. Every
 * failure a client can cause is one of these; anything else is our bug and becomes a logged 500
 * that leaks nothing. docs/errors.md lists them (a test keeps the two in step).
 */
export type StripeErrorType =
  | 'api_error'
  | 'card_error'
  | 'idempotency_error'
  | 'invalid_request_error'
  | 'rate_limit_error'
  | 'authentication_error'
  | 'permission_error';

export interface StripeErrorBody {
  type: StripeErrorType;
  code?: string | undefined;
  message: string;
  param?: string | undefined;
  decline_code?: string | undefined;
  doc_url?: string | undefined;
  [extra: string]: unknown;
}

export class StripeError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
    this.name = 'StripeError';
  }

  toJSON(): object {
    const error: StripeErrorBody = { ...this.body };
    if (error.code && !switchboardCodes.has(error.code))
      error.doc_url ??= `https://stripe.com/docs/error-codes/${error.code.replace(/_/g, '-')}`;
    for (const k of Object.keys(error)) if (error[k] === undefined) delete error[k];
    return { error };
  }
}

/**
 * An error of Stripe's OAuth endpoints (`/oauth/token`), which answer in OAuth's shape instead:
 * `{"error": "invalid_grant", "error_description": "..."}`. stripe-node maps `error` to its
 * OAuth error classes (`StripeInvalidGrantError`, ...).
 */
export class OAuthError extends StripeError {
  constructor(status: number, error: string, description: string) {
    super(status, { type: 'invalid_request_error', code: error, message: description });
    this.name = 'OAuthError';
  }

  override toJSON(): object {
    return { error: this.body.code, error_description: this.body.message };
  }
}

/** Codes of Switchboard's own (no page on stripe.com to link to): docs/errors.md explains them. */
const switchboardCodes = new Set(['operation_not_supported', 'parameter_not_supported']);

const invalid = (message: string, code?: string, param?: string, status = 400) =>
  new StripeError(status, { type: 'invalid_request_error', code, message, param });

/** Constructors for every error the API returns; the key is the name docs/errors.md uses. */
export const errors = {
  unrecognizedUrl: (method: string, path: string) =>
    invalid(
      `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
      undefined,
      undefined,
      404,
    ),
  /**
   * An operation of Stripe's API that Switchboard does not emulate. 400, not 501: the SDKs retry
   * a 5xx (stripe-node twice by default) and raise it as StripeAPIError, a fault on Stripe's side
   * that apps retry too; a 400 is StripeInvalidRequestError in every SDK and never retried. Not
   * 404, which apps read as "no such object".
   */
  operationNotSupported: (operation: string, method: string, path: string) =>
    invalid(
      `Switchboard does not emulate ${operation} (${method} ${path}) of Stripe's API; see docs/resources.md for the operations it serves.`,
      'operation_not_supported',
    ),
  missingApiKey: () =>
    new StripeError(401, {
      type: 'invalid_request_error',
      message:
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    }),
  invalidApiKey: (redacted: string) =>
    new StripeError(401, {
      type: 'invalid_request_error',
      code: 'api_key_invalid',
      message: `Invalid API Key provided: ${redacted}`,
    }),
  restrictedKeyForbidden: (redacted: string, what: string) =>
    new StripeError(403, {
      type: 'permission_error',
      message: `The provided key '${redacted}' does not have the required permissions for this endpoint on account. Having the '${what}' permission would allow this request to continue.`,
    }),
  accountInvalid: (redacted: string, account: string) =>
    new StripeError(403, {
      type: 'invalid_request_error',
      code: 'account_invalid',
      message: `The provided key '${redacted}' does not have access to account '${account}' (or that account does not exist). Application access may have been revoked.`,
    }),
  /** An OAuth access token with `read_only` scope tried to write. */
  oauthReadOnly: () =>
    new StripeError(403, {
      type: 'permission_error',
      code: 'oauth_scope_read_only',
      message:
        'This OAuth access token was granted the read_only scope: it can read the connected account but not change it. Connect the account with scope=read_write to write.',
    }),
  /** A route only the platform's own secret key may call (not a restricted key, an OAuth token, or Stripe-Account). */
  platformKeyRequired: (what: string) =>
    new StripeError(403, {
      type: 'permission_error',
      code: 'platform_key_required',
      message: `The ${what} API belongs to the platform as a whole: use the platform's own secret key, without Stripe-Account (restricted keys, publishable keys and OAuth access tokens cannot).`,
    }),
  /** Something only the platform does, asked while acting as a connected account. */
  stripeAccountNotAllowed: (message: string, param?: string) =>
    invalid(message, 'stripe_account_not_allowed', param),
  /** A publishable key (`pk_`) on a route Stripe.js may not call. */
  publishableKeyForbidden: (redacted: string) =>
    new StripeError(403, {
      type: 'invalid_request_error',
      code: 'secret_key_required',
      message: `This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys. (Key: ${redacted})`,
    }),
  /** The connected account disconnected from the platform (account.application.deauthorized). */
  accountDeauthorized: (id: string) =>
    invalid(
      `The account '${id}' has deauthorized your platform: your key no longer has access to it. It must connect to your platform again before you can act as it.`,
      'account_invalid',
      undefined,
      403,
    ),
  /** A test key tried to change a live connected account. */
  liveAccountNeedsLiveKey: (id: string, param: string) =>
    invalid(
      `The account '${id}' is a live-mode account: a test-mode key may act on it (test activity on a production connection) and read it, but changing it takes a live-mode key.`,
      'livemode_mismatch',
      param,
      403,
    ),
  accountHeaderInvalid: (value: string) =>
    invalid(
      `Invalid Stripe-Account header: '${value}'. Please pass a connected account id such as 'acct_...'.`,
      'account_invalid',
      undefined,
      400,
    ),
  livemodeMismatch: (what: string, id: string, livemode: boolean) =>
    invalid(
      `No such ${what}: '${id}'; a similar object exists in ${livemode ? 'live' : 'test'} mode, but a ${livemode ? 'test' : 'live'} mode key was used to make this request.`,
      'resource_missing',
      'id',
      404,
    ),
  resourceMissing: (what: string, id: string, param = 'id') =>
    invalid(`No such ${what}: '${id}'`, 'resource_missing', param, 404),
  parameterUnknown: (param: string) =>
    invalid(`Received unknown parameter: ${param}`, 'parameter_unknown', param),
  /** A parameter Stripe takes that this operation does not apply (yet): refused, never dropped. */
  parameterNotSupported: (param: string, why?: string) =>
    invalid(
      `Switchboard does not support the parameter ${param} here${why ? `: ${why}` : ''}. It is part of Stripe's API, but Switchboard refuses it rather than ignore it; see docs/resources.md.`,
      'parameter_not_supported',
      param,
    ),
  parameterMissing: (param: string) =>
    invalid(`Missing required param: ${param}.`, 'parameter_missing', param),
  parameterInvalid: (param: string, message: string, code = 'parameter_invalid') =>
    invalid(message, code === 'parameter_invalid' ? undefined : code, param),
  parameterInvalidInteger: (param: string, value: string) =>
    invalid(`Invalid integer: ${value}`, 'parameter_invalid_integer', param),
  parameterEmpty: (param: string) =>
    invalid(
      `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`,
      'parameter_invalid_empty',
      param,
    ),
  parametersExclusive: (a: string, b: string) =>
    invalid(`You may only specify one of these parameters: ${a}, ${b}.`, 'parameters_exclusive', a),
  malformedBody: (detail: string) =>
    invalid(`Invalid request body: ${detail}`, undefined, undefined, 400),
  bodyTooLarge: (limit: number) =>
    invalid(`Request body too large: the limit is ${limit} bytes.`, undefined, undefined, 413),
  unsupportedContentType: (type: string) =>
    invalid(
      `Invalid request: unsupported Content-Type ${type}. If error persists and you need assistance, please contact support@stripe.com.`,
      undefined,
      undefined,
      400,
    ),
  idempotencyMismatch: (key: string) =>
    new StripeError(400, {
      type: 'idempotency_error',
      message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
    }),
  idempotencyInProgress: () =>
    new StripeError(409, {
      type: 'idempotency_error',
      code: 'idempotency_key_in_use',
      message:
        'There is currently another in-progress request using this Stripe API Key and idempotency key. Please try again later.',
    }),
  idempotencyOtherApiKey: (key: string) =>
    new StripeError(400, {
      type: 'idempotency_error',
      message: `The request with idempotency key '${key}' was made with another API key, and its result carries secrets, which only that key can read again. Retry with the API key that made it, or use a new idempotency key.`,
    }),
  idempotencyKeyTooLong: () =>
    invalid('Idempotency-Key must be at most 255 characters long.', undefined, undefined, 400),
  rateLimited: () =>
    new StripeError(429, {
      type: 'rate_limit_error',
      code: 'rate_limit',
      message: 'Too many requests made to the API too quickly.',
    }),
  clockNotManual: () =>
    invalid(
      "The server's clock follows real time: only a manual clock is advanced. Start the server with `switchboard serve --clock manual` (one process with both roles).",
    ),
  clockStalled: (detail: string) =>
    new StripeError(500, {
      type: 'api_error',
      message: `The clock stopped advancing: ${detail}. It stands at the time of that work; the server's log tells what went wrong.`,
    }),
  invalidRequest: (message: string, param?: string, code?: string, status = 400) =>
    invalid(message, code, param, status),
  cardError: (
    message: string,
    code: string,
    declineCode?: string,
    extra: Record<string, unknown> = {},
  ) =>
    new StripeError(402, {
      type: 'card_error',
      code,
      decline_code: declineCode,
      message,
      ...extra,
    }),
  internal: (requestId: string) =>
    new StripeError(500, {
      type: 'api_error',
      message: `An unexpected error occurred on our side (request ${requestId}). Nothing was changed; please retry.`,
    }),
  /** OAuth (`/oauth/token`): the code or refresh token is unknown, used, expired or not the caller's. */
  oauthInvalidGrant: (description: string) => new OAuthError(400, 'invalid_grant', description),
  /** OAuth: a parameter is missing or has a value the endpoint does not take. */
  oauthInvalidRequest: (description: string) => new OAuthError(400, 'invalid_request', description),
  /** OAuth: a scope that is not `read_only` / `read_write`, or broader than the grant's. */
  oauthInvalidScope: (description: string) => new OAuthError(400, 'invalid_scope', description),
  /** OAuth: `grant_type` is neither `authorization_code` nor `refresh_token`. */
  oauthUnsupportedGrantType: (grantType: string) =>
    new OAuthError(400, 'unsupported_grant_type', `Unsupported grant type: ${grantType}`),
} as const;

/** `sk_test_abc...wxyz` shown as Stripe shows keys in errors: prefix, stars, last four. */
export function redactKey(key: string): string {
  const match = /^(sk|rk|pk)_(test|live)_/.exec(key);
  const prefix = match ? match[0] : '';
  return `${prefix}${'*'.repeat(Math.max(4, Math.min(key.length - prefix.length - 4, 20)))}${key.slice(-4)}`;
}
