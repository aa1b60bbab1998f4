import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { blockedReason, type Cidr } from '../domain/addresses.js';

/**
 * When a live endpoint is saved: https is required unless the host is allowlisted, and the host
 * must not be (or resolve to) a private address. A name that does not resolve now is accepted;
 * every connection is checked again.
 */
export async function liveUrlProblem(
  url: string,
  allowlist: readonly Cidr[],
): Promise<string | null> {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) {
    addresses = [host];
  } else {
    addresses = await new Promise<string[]>((resolve) =>
      dnsLookup(host, { all: true }, (err, found) =>
        resolve(err ? [] : found.map((a) => a.address)),
      ),
    );
  }
  for (const a of addresses) {
    const reason = blockedReason(a, allowlist);
    if (reason) return `${host} resolves to ${reason}`;
  }
  const allowlisted = addresses.length > 0 && addresses.every((a) => blockedReason(a, []) !== null);
  if (parsed.protocol !== 'https:' && !allowlisted) return 'live-mode endpoints must use https';
  return null;
}
