import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import type { Config } from '../config/schema.js';
import { blockedReason, endpointPolicy } from '../domain/addresses.js';

/** The host's addresses, or null when the name does not resolve. */
async function addressesOf(host: string): Promise<string[] | null> {
  if (isIP(host)) return [host];
  return new Promise((resolve) =>
    dnsLookup(host, { all: true }, (err, found) =>
      resolve(err || found.length === 0 ? null : found.map((a) => a.address)),
    ),
  );
}

/**
 * When an endpoint or event destination is saved: what is wrong with its URL under the server's
 * destination policy (`--destination-policy`; `public` for a live-mode endpoint), or null. Under
 * `any` nothing is checked. Otherwise the host must resolve now (a name that does not could
 * later resolve anywhere) and to addresses the policy allows; a live-mode URL must also use https
 * unless its host is allowlisted. Every connection is checked again (delivery/destination-guard).
 * The answer never says what a name resolved to: the API is no oracle for internal DNS.
 */
export async function destinationProblem(
  url: string,
  livemode: boolean,
  config: Pick<Config, 'destinationPolicy' | 'destinationAllowlist'>,
): Promise<string | null> {
  const policy = endpointPolicy(config.destinationPolicy, livemode);
  if (policy === 'any') return null;
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const addresses = await addressesOf(host);
  if (!addresses) return `the host ${host} does not resolve`;
  if (addresses.some((a) => blockedReason(a, config.destinationAllowlist, policy) !== null)) {
    return policy === 'public'
      ? `${host} is not a public address${livemode ? ' (live-mode endpoints must be reachable on the internet)' : ''}`
      : `${host} is a loopback, link-local or reserved address`;
  }
  const allowlisted = addresses.every((a) => blockedReason(a, [], policy) !== null);
  if (livemode && parsed.protocol !== 'https:' && !allowlisted)
    return 'live-mode endpoints must use https';
  return null;
}
