import { describe, expect, it } from 'vitest';
import { blockedReason, endpointPolicy, parseCidr } from './addresses.js';

describe('addresses live deliveries may not reach', () => {
  it('refuses loopback, private, link-local, metadata and reserved addresses, v4 and v6', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fc00::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      '224.0.0.1',
    ]) {
      expect(blockedReason(ip, []), ip).not.toBeNull();
    }
  });

  it('allows public addresses', () => {
    for (const ip of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '54.187.174.169'])
      expect(blockedReason(ip, []), ip).toBeNull();
  });

  it('lets an allowlist through, and only what it names', () => {
    const allow = [parseCidr('127.0.0.1/32')!, parseCidr('10.0.0.0/8')!];
    expect(blockedReason('127.0.0.1', allow)).toBeNull();
    expect(blockedReason('10.9.9.9', allow)).toBeNull();
    expect(blockedReason('127.0.0.2', allow)).not.toBeNull();
    expect(blockedReason('192.168.0.1', allow)).not.toBeNull();
  });

  it('rejects malformed CIDRs', () => {
    for (const c of ['300.0.0.1/8', '10.0.0.0/33', 'abc', '::1/129'])
      expect(parseCidr(c), c).toBeNull();
  });
});

describe('destination policies', () => {
  it('private lets private networks through, never loopback, link-local or metadata', () => {
    for (const ip of ['10.1.2.3', '172.16.0.1', '192.168.1.1', '100.64.0.1', 'fd00::1', '8.8.8.8'])
      expect(blockedReason(ip, [], 'private'), ip).toBeNull();
    for (const ip of [
      '127.0.0.1',
      '169.254.169.254',
      '::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '0.0.0.0',
    ])
      expect(blockedReason(ip, [], 'private'), ip).not.toBeNull();
  });

  it('any lets everything through; the allowlist opens ranges under every policy', () => {
    expect(blockedReason('127.0.0.1', [], 'any')).toBeNull();
    expect(blockedReason('127.0.0.1', [parseCidr('127.0.0.1')!], 'private')).toBeNull();
  });

  it('holds live endpoints to public whatever the server allows test endpoints', () => {
    expect(endpointPolicy('any', true)).toBe('public');
    expect(endpointPolicy('private', true)).toBe('public');
    expect(endpointPolicy('any', false)).toBe('any');
    expect(endpointPolicy('public', false)).toBe('public');
  });
});
