import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { blockedReason, type Cidr, type DestinationPolicy } from '../domain/addresses.js';

/**
 * SSRF protection for deliveries under the `public` and `private` destination policies: a DNS
 * lookup that refuses answers the policy does not allow (checked at each connection, so a name
 * that later resolves to an internal address, DNS rebinding, is caught), and a check for URLs with
 * IP literals, which never go through a lookup.
 */
export function guardedLookup(policy: DestinationPolicy, allowlist: readonly Cidr[]) {
  return (
    hostname: string,
    options: { all?: boolean; family?: number } | number,
    callback: (
      err: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void,
  ): void => {
    const opts = typeof options === 'number' ? { family: options } : options;
    dnsLookup(hostname, { family: opts.family ?? 0, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      for (const a of addresses) {
        const reason = blockedReason(a.address, allowlist, policy);
        if (reason) {
          const error: NodeJS.ErrnoException = new Error(
            `refused to connect to ${hostname}: ${reason}`,
          );
          error.code = 'EADDRNOTALLOWED';
          return callback(error, []);
        }
      }
      if (opts.all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

/** The URL's host as an IP literal, or null for a name. */
export function ipLiteral(url: string): string | null {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return isIP(host) ? host : null;
  } catch {
    return null;
  }
}

/** Before connecting: a delivery to an IP literal is judged here (no lookup happens). */
export function literalBlockedReason(
  url: string,
  policy: DestinationPolicy,
  allowlist: readonly Cidr[],
): string | null {
  const ip = ipLiteral(url);
  return ip ? blockedReason(ip, allowlist, policy) : null;
}
