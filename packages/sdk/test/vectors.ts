import { messages } from '../src/errors.js';
import { computeSignature } from '../src/node.js';

/**
 * Webhook verification cases, each with the outcome every compatible verifier must reach: ours
 * (sync and Web Crypto) and the official `stripe` package's (sync and async).
 */
export interface Vector {
  name: string;
  payload: unknown;
  header: unknown;
  secret: string;
  tolerance?: number;
  /** Unix ms the delivery is received at. */
  receivedAt: number;
  /** `ok`, or the start of the error message; `plain` errors are not SignatureVerificationError. */
  expect: { ok: true; id: string } | { ok: false; message: string; plain?: boolean };
}

export const SECRET = 'whsec_test_secret';
export const T = 1_700_000_000;
const at = (seconds: number) => (T + seconds) * 1000;

export const compactBody = '{"id":"evt_test_webhook","object":"event"}';
/** Pretty-printed, non-ASCII and CRLF: any re-encoding or re-serialising breaks its signature. */
export const prettyBody =
  '{\r\n  "id": "evt_1Pretty",\r\n  "object": "event",\r\n  "type": "customer.created",\r\n' +
  '  "livemode": false,\r\n  "created": 1700000000,\r\n  "data": { "object": { "id": "cus_1", ' +
  '"object": "customer", "name": "Zoë Ærøskøbing 東京 🚀" } }\r\n}\r\n';

const sig = (body: string, secret = SECRET, t = T) => computeSignature(body, secret, t);
const ok = (id: string) => ({ ok: true as const, id });
const fail = (message: string, plain = false) => ({ ok: false as const, message, plain });

export const vectors: Vector[] = [
  {
    name: 'the reference vector',
    payload: compactBody,
    header: 't=1700000000,v1=d95c6b7477fbd7e9f90b1b0ef5f9c7ac25abca5382460e0d988c2b2a5b71b990',
    secret: SECRET,
    receivedAt: at(10),
    expect: ok('evt_test_webhook'),
  },
  {
    name: 'a pretty-printed UTF-8 body with CRLF',
    payload: prettyBody,
    header: `t=${T},v1=${sig(prettyBody)}`,
    secret: SECRET,
    receivedAt: at(1),
    expect: ok('evt_1Pretty'),
  },
  {
    name: 'the body as bytes',
    payload: new TextEncoder().encode(prettyBody),
    header: `t=${T},v1=${sig(prettyBody)}`,
    secret: SECRET,
    receivedAt: at(1),
    expect: ok('evt_1Pretty'),
  },
  {
    name: 'a roll: signatures for the old and the new secret, verified with the old',
    payload: compactBody,
    header: `t=${T},v1=${sig(compactBody, 'whsec_new')},v1=${sig(compactBody)}`,
    secret: SECRET,
    receivedAt: at(1),
    expect: ok('evt_test_webhook'),
  },
  {
    name: 'a test-mode decoy v0 beside the v1',
    payload: compactBody,
    header: `t=${T},v1=${sig(compactBody)},v0=${sig(compactBody, 'whsec_decoy')}`,
    secret: SECRET,
    receivedAt: at(1),
    expect: ok('evt_test_webhook'),
  },
  {
    name: 'only a v0 signature, even a correct one (no downgrade)',
    payload: compactBody,
    header: `t=${T},v0=${sig(compactBody)}`,
    secret: SECRET,
    receivedAt: at(1),
    expect: fail(messages.noSignatures),
  },
  {
    name: 'no timestamp',
    payload: compactBody,
    header: `v1=${sig(compactBody)}`,
    secret: SECRET,
    receivedAt: at(1),
    expect: fail(messages.noTimestamp),
  },
  {
    name: 'a garbage header',
    payload: compactBody,
    header: 'garbage',
    secret: SECRET,
    receivedAt: at(1),
    expect: fail(messages.noTimestamp),
  },
  {
    name: 'an empty header',
    payload: compactBody,
    header: '',
    secret: SECRET,
    receivedAt: at(1),
    expect: fail(messages.noHeader),
  },
  {
    name: 'no header',
    payload: compactBody,
    header: undefined,
    secret: SECRET,
    receivedAt: at(1),
    expect: fail(messages.noHeader),
  },
  {
    name: 'an empty payload',
    payload: '',
    header: `t=${T},v1=${sig('')}`,
    secret: SECRET,
    receivedAt: at(1),
    expect: fail(messages.noPayload),
  },
  {
    name: 'the wrong secret',
    payload: compactBody,
    header: `t=${T},v1=${sig(compactBody)}`,
    secret: 'whsec_wrong',
    receivedAt: at(1),
    expect: fail(messages.mismatch),
  },
  {
    name: 'the secret without its whsec_ prefix',
    payload: compactBody,
    header: `t=${T},v1=${sig(compactBody)}`,
    secret: 'test_secret',
    receivedAt: at(1),
    expect: fail(messages.mismatch),
  },
  {
    name: 'a secret with a trailing newline',
    payload: compactBody,
    header: `t=${T},v1=${sig(compactBody)}`,
    secret: `${SECRET}\n`,
    receivedAt: at(1),
    expect: fail(messages.mismatch + messages.whitespaceSecret),
  },
  {
    name: 'a body changed by one byte',
    payload: compactBody.replace('evt_test', 'evt_tesT'),
    header: `t=${T},v1=${sig(compactBody)}`,
    secret: SECRET,
    receivedAt: at(1),
    expect: fail(messages.mismatch),
  },
  {
    name: 'a body re-serialised after parsing',
    payload: JSON.stringify(JSON.parse(prettyBody)),
    header: `t=${T},v1=${sig(prettyBody)}`,
    secret: SECRET,
    receivedAt: at(1),
    expect: fail(messages.mismatch),
  },
  {
    name: 'a parsed object instead of the raw body',
    payload: JSON.parse(compactBody),
    header: `t=${T},v1=${sig(compactBody)}`,
    secret: SECRET,
    receivedAt: at(1),
    expect: fail(messages.objectPayload),
  },
  {
    name: 'an upper-case hex signature',
    payload: compactBody,
    header: `t=${T},v1=${sig(compactBody).toUpperCase()}`,
    secret: SECRET,
    receivedAt: at(1),
    expect: fail(messages.mismatch),
  },
  {
    name: 'a signature 299 s old',
    payload: compactBody,
    header: `t=${T},v1=${sig(compactBody)}`,
    secret: SECRET,
    receivedAt: at(299),
    expect: ok('evt_test_webhook'),
  },
  {
    name: 'a signature 301 s old',
    payload: compactBody,
    header: `t=${T},v1=${sig(compactBody)}`,
    secret: SECRET,
    receivedAt: at(301),
    expect: fail(messages.tolerance),
  },
  {
    name: 'a signature an hour in the future',
    payload: compactBody,
    header: `t=${T},v1=${sig(compactBody)}`,
    secret: SECRET,
    receivedAt: at(-3600),
    expect: ok('evt_test_webhook'),
  },
  {
    name: 'a 10 s tolerance and a signature 11 s old',
    payload: compactBody,
    header: `t=${T},v1=${sig(compactBody)}`,
    secret: SECRET,
    tolerance: 10,
    receivedAt: at(11),
    expect: fail(messages.tolerance),
  },
  {
    name: 'a header given as an array',
    payload: compactBody,
    header: [`t=${T},v1=${sig(compactBody)}`],
    secret: SECRET,
    receivedAt: at(1),
    expect: fail(messages.arrayHeader, true),
  },
  {
    name: 'a thin v2 notification given to constructEvent',
    payload: '{"id":"evt_thin","object":"v2.core.event"}',
    header: `t=${T},v1=${sig('{"id":"evt_thin","object":"v2.core.event"}')}`,
    secret: SECRET,
    receivedAt: at(1),
    expect: fail(messages.thinEvent, true),
  },
];
