import { Agent, request } from 'undici';
import {
  endpointPolicy,
  type DestinationPolicy,
  type DestinationRules,
} from '../domain/addresses.js';
import { recordedHeaders } from '../domain/delivery-headers.js';
import { guardedLookup, literalBlockedReason } from './destination-guard.js';
import { signedHeaders } from './signing.js';
import type { OutgoingDelivery, Transport, TransportResult } from './transport.js';

/** Response bodies are kept up to this many characters in the attempt log. */
const EXCERPT = 2_000;
/** Bodies larger than this are not read to the end: the connection is dropped instead. */
const READ_LIMIT = 64 * 1024;

function retryAfterMs(value: string | string[] | undefined, now: number): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return null;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/**
 * What the attempt log says about a request that got no answer: a coarse category, as Stripe's
 * Dashboard shows them ("Timed out", "TLS error", ...), never the address or port the connection
 * went to, nor the system's message: the attempt log is readable by whoever made the endpoint,
 * and verbatim errors would make it a port scanner. The detail goes to the server's own log
 * (debug).
 */
export function describeError(e: unknown, timeoutMs: number): { error: string; detail: string } {
  const err = e as {
    code?: string;
    message?: string;
    name?: string;
    cause?: { code?: string; message?: string };
  };
  const code = err.code ?? err.cause?.code ?? '';
  const message = err.cause?.message ?? err.message ?? String(e);
  const detail = code && !message.includes(code) ? `${code}: ${message}` : message;
  const error = (() => {
    if (
      code === 'UND_ERR_HEADERS_TIMEOUT' ||
      code === 'UND_ERR_BODY_TIMEOUT' ||
      code === 'UND_ERR_CONNECT_TIMEOUT' ||
      code === 'ETIMEDOUT' ||
      err.name === 'TimeoutError' ||
      code === 'ABORT_ERR'
    )
      return `Timed out (no response within ${timeoutMs} ms)`;
    if (code === 'EADDRNOTALLOWED') return BLOCKED;
    if (code === 'ECONNREFUSED') return 'Connection refused';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'ENODATA')
      return 'DNS failure: the host name does not resolve';
    if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN')
      return 'Host unreachable';
    if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL)/.test(code))
      return 'TLS error';
    if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET')
      return 'Connection closed before a response';
    return 'Connection failed';
  })();
  return { error, detail };
}

/** The attempt log's words for a connection the destination policy did not allow. */
const BLOCKED = "Blocked: this server's destination policy does not allow the address";

// No cap on connections per origin: several endpoints may share a host, and one that hangs must
// not starve the others. The worker caps deliveries in flight per endpoint instead.
const AGENT_OPTIONS = { keepAliveTimeout: 10_000, pipelining: 1 };

/** One signed POST: what the sender thread gets for each delivery. */
export interface HttpRequest {
  url: string | null;
  headers: Record<string, string>;
  body: string;
  livemode: boolean;
  timeoutMs: number;
}

/** What came back from one POST (TransportResult without the headers, which the caller has). */
export type HttpResult = Omit<TransportResult, 'requestHeaders'>;

/** The delivery as a POST, signed now. */
export function signedRequest(d: OutgoingDelivery): HttpRequest {
  return {
    url: d.url,
    headers: signedHeaders(d),
    body: d.body,
    livemode: d.livemode,
    timeoutMs: d.timeoutMs,
  };
}

const failed = (error: string, detail: string, durationMs = 0): HttpResult => ({
  result: { kind: 'network-error', error },
  durationMs,
  responseBody: null,
  detail,
});

/**
 * POSTs deliveries with undici over keep-alive connections. Redirects are not followed (a 3xx is a
 * failure, as on Stripe); each attempt has a deadline for headers and body. Each endpoint is held
 * to its destination policy (`--destination-policy`, never laxer than `public` for a live-mode
 * endpoint): under `public` and `private` requests go through a connection pool whose DNS lookup
 * refuses addresses the policy does not allow (SSRF), and IP literals are checked first.
 */
export class HttpTransport implements Transport {
  readonly #open: Agent;
  readonly #guarded = new Map<DestinationPolicy, Agent>();

  constructor(private readonly rules: DestinationRules = { policy: 'any', allowlist: [] }) {
    this.#open = new Agent(AGENT_OPTIONS);
  }

  #agent(policy: DestinationPolicy): Agent {
    if (policy === 'any') return this.#open;
    let agent = this.#guarded.get(policy);
    if (!agent) {
      agent = new Agent({
        ...AGENT_OPTIONS,
        connect: { lookup: guardedLookup(policy, this.rules.allowlist) as never },
      });
      this.#guarded.set(policy, agent);
    }
    return agent;
  }

  /** Signs the delivery now and POSTs it. */
  async send(d: OutgoingDelivery): Promise<TransportResult> {
    const request = signedRequest(d);
    const result = await this.post(request);
    return { ...result, requestHeaders: recordedHeaders(request.headers) };
  }

  /** POSTs a request whose headers are already signed. */
  async post(d: HttpRequest): Promise<HttpResult> {
    const started = performance.now();
    if (!d.url) return failed('endpoint has no URL', 'endpoint has no URL');
    const policy = endpointPolicy(this.rules.policy, d.livemode);
    const blocked =
      policy === 'any' ? null : literalBlockedReason(d.url, policy, this.rules.allowlist);
    if (blocked) return failed(BLOCKED, `refused to connect: ${blocked}`);
    try {
      const response = await request(d.url, {
        method: 'POST',
        headers: d.headers,
        body: d.body,
        dispatcher: this.#agent(policy),
        headersTimeout: d.timeoutMs,
        bodyTimeout: d.timeoutMs,
      });
      let text = '';
      let size = 0;
      // The deadline covers the whole answer: headersTimeout and bodyTimeout bound the waits, and
      // this bounds a body that trickles in. (AbortSignal.timeout per request cost ~3% CPU.)
      const deadline = started + d.timeoutMs;
      for await (const chunk of response.body) {
        if (performance.now() > deadline) {
          response.body.destroy();
          return failed(
            `Timed out (no complete response within ${d.timeoutMs} ms)`,
            'the response body did not end in time',
            Math.round(performance.now() - started),
          );
        }
        size += (chunk as Buffer).length;
        if (text.length < EXCERPT) text += (chunk as Buffer).toString('utf8');
        if (size > READ_LIMIT) {
          response.body.destroy();
          break;
        }
      }
      return {
        result: {
          kind: 'response',
          statusCode: response.statusCode,
          retryAfterMs: retryAfterMs(response.headers['retry-after'], Date.now()),
        },
        durationMs: Math.round(performance.now() - started),
        responseBody: text.length > EXCERPT ? text.slice(0, EXCERPT) : text,
      };
    } catch (e) {
      const { error, detail } = describeError(e, d.timeoutMs);
      return failed(error, detail, Math.round(performance.now() - started));
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.#open, ...this.#guarded.values()].map((a) => a.close()));
  }
}
