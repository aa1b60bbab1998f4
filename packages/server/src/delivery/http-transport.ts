import { Agent, request } from 'undici';
import type { Cidr } from '../domain/addresses.js';
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

function describeError(e: unknown, timeoutMs: number): string {
  const err = e as {
    code?: string;
    message?: string;
    name?: string;
    cause?: { code?: string; message?: string };
  };
  const code = err.code ?? err.cause?.code;
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    err.name === 'TimeoutError' ||
    code === 'ABORT_ERR'
  ) {
    return `timeout: no response within ${timeoutMs} ms`;
  }
  const message = err.cause?.message ?? err.message ?? String(e);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

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

const failed = (error: string, durationMs = 0): HttpResult => ({
  result: { kind: 'network-error', error },
  durationMs,
  responseBody: null,
});

/**
 * POSTs deliveries with undici over keep-alive connections. Redirects are not followed (a 3xx is a
 * failure, as on Stripe); each attempt has a deadline for headers and body. Live deliveries go
 * through a second connection pool whose DNS lookup refuses private addresses (SSRF).
 */
export class HttpTransport implements Transport {
  readonly #agent: Agent;
  readonly #liveAgent: Agent;

  constructor(private readonly allowlist: readonly Cidr[] = []) {
    // No cap on connections per origin: several endpoints may share a host, and one that hangs
    // must not starve the others. The worker caps deliveries in flight per endpoint instead.
    const options = { keepAliveTimeout: 10_000, pipelining: 1 };
    this.#agent = new Agent(options);
    this.#liveAgent = new Agent({
      ...options,
      connect: { lookup: guardedLookup(allowlist) as never },
    });
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
    if (!d.url) return failed('endpoint has no URL');
    if (d.livemode) {
      const reason = literalBlockedReason(d.url, this.allowlist);
      if (reason) return failed(`refused to connect: ${reason}`);
    }
    try {
      const response = await request(d.url, {
        method: 'POST',
        headers: d.headers,
        body: d.body,
        dispatcher: d.livemode ? this.#liveAgent : this.#agent,
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
            `timeout: no complete response within ${d.timeoutMs} ms`,
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
      return failed(describeError(e, d.timeoutMs), Math.round(performance.now() - started));
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.#agent.close(), this.#liveAgent.close()]);
  }
}
