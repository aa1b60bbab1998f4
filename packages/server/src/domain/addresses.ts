/**
 * Which network addresses a delivery may reach. Webhooks are sent to URLs that users type, so a
 * server that delivers them must not be turned against its own network: under the `public`
 * policy (always for live-mode endpoints) loopback, private, link-local (cloud metadata at
 * 169.254.169.254), carrier-grade NAT, multicast and reserved ranges are refused unless the
 * operator allowlists them.
 */
export interface Cidr {
  family: 4 | 6;
  bits: bigint;
  prefix: number;
}

function ipv4ToBigInt(ip: string): bigint | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    n = (n << 8n) + BigInt(p);
  }
  return n;
}

function ipv6ToBigInt(ip: string): bigint | null {
  let text = ip.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // IPv4-mapped tail: ::ffff:1.2.3.4
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToBigInt(v4[1]!);
    if (n === null) return null;
    text =
      text.slice(0, -v4[1]!.length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 && missing !== 0) return null;
  if (missing < 0) return null;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
    n = (n << 16n) + BigInt(parseInt(g, 16));
  }
  return n;
}

export function parseIp(ip: string): { family: 4 | 6; value: bigint } | null {
  const v4 = ipv4ToBigInt(ip);
  if (v4 !== null) return { family: 4, value: v4 };
  const v6 = ipv6ToBigInt(ip);
  return v6 === null ? null : { family: 6, value: v6 };
}

export function parseCidr(text: string): Cidr | null {
  const [ip, prefixText] = text.split('/');
  const parsed = parseIp(ip ?? '');
  if (!parsed) return null;
  const max = parsed.family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return null;
  return { family: parsed.family, bits: parsed.value, prefix };
}

export function inCidr(ip: { family: 4 | 6; value: bigint }, cidr: Cidr): boolean {
  if (ip.family !== cidr.family) return false;
  const width = BigInt(ip.family === 4 ? 32 : 128);
  const shift = width - BigInt(cidr.prefix);
  return ip.value >> shift === cidr.bits >> shift;
}

/** Private networks: what `private` lets through beside public addresses. */
const privateRanges = [
  '10.0.0.0/8',
  '100.64.0.0/10',
  '172.16.0.0/12',
  '192.168.0.0/16',
  'fc00::/7',
].map((c) => parseCidr(c)!);

/** Never public: loopback, link-local (cloud metadata), unspecified, multicast, reserved. */
const internalRanges = [
  '0.0.0.0/8',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '255.255.255.255/32',
  '::/128',
  '::1/128',
  '::ffff:0:0/96',
  '64:ff9b::/96',
  '100::/64',
  '2001:db8::/32',
  'fe80::/10',
  'ff00::/8',
].map((c) => parseCidr(c)!);

/**
 * Where deliveries may go (`--destination-policy`): `public` addresses only; `private`, public
 * ones and private networks; `any` address. An allowlist opens chosen ranges under every policy.
 */
export type DestinationPolicy = 'public' | 'private' | 'any';

export interface DestinationRules {
  policy: DestinationPolicy;
  allowlist: readonly Cidr[];
}

/**
 * The policy an endpoint is held to: the server's, but never laxer than `public` for a live-mode
 * endpoint, whatever mode its events are (a live Connect endpoint also gets test events).
 */
export function endpointPolicy(policy: DestinationPolicy, livemode: boolean): DestinationPolicy {
  return livemode ? 'public' : policy;
}

/** Why `policy` does not let a delivery reach an address, or null when it does. */
export function blockedReason(
  address: string,
  allowlist: readonly Cidr[],
  policy: DestinationPolicy = 'public',
): string | null {
  if (policy === 'any') return null;
  const ip = parseIp(address);
  if (!ip) return `'${address}' is not an IP address`;
  // An IPv4-mapped IPv6 address is judged as the IPv4 address it carries.
  const mapped =
    ip.family === 6 && ip.value >> 32n === 0xffffn
      ? { family: 4 as const, value: ip.value & 0xffffffffn }
      : ip;
  if (allowlist.some((c) => inCidr(mapped, c) || inCidr(ip, c))) return null;
  if (internalRanges.some((c) => inCidr(mapped, c)))
    return `${address} is a loopback, link-local or reserved address`;
  if (policy === 'public' && privateRanges.some((c) => inCidr(mapped, c)))
    return `${address} is a private address`;
  return null;
}
