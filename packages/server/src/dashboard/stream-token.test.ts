import { describe, expect, it } from 'vitest';
import { readStreamToken, signStreamToken, verifyStreamToken } from './stream-token.js';

const hash = 'a'.repeat(64);
const grant = { keyId: 'key_1', accountId: 'acct_1', expiresMs: 2_000 };

describe('stream tokens', () => {
  it('round-trips the grant and verifies before expiry', () => {
    const token = signStreamToken(grant, hash);
    expect(token).toMatch(/^sbst_/);
    const read = readStreamToken(token)!;
    expect(read).toMatchObject(grant);
    expect(verifyStreamToken(read, hash, 1_999)).toBe(true);
  });

  it('refuses an expired token, one signed with another key, and a tampered payload', () => {
    const token = signStreamToken(grant, hash);
    expect(verifyStreamToken(readStreamToken(token)!, hash, 2_000)).toBe(false);
    expect(verifyStreamToken(readStreamToken(token)!, 'b'.repeat(64), 0)).toBe(false);
    const longer = signStreamToken({ ...grant, expiresMs: 9_999_999 }, 'b'.repeat(64));
    const forged = `${longer.split('.')[0]}.${token.split('.')[1]}`;
    expect(verifyStreamToken(readStreamToken(forged)!, hash, 0)).toBe(false);
  });

  it('reads garbage as no token', () => {
    for (const t of ['', 'sbst_', 'sbst_x.y', 'sk_test_123', `sbst_${'a'.repeat(2000)}.b`]) {
      expect(readStreamToken(t)).toBeNull();
    }
  });
});
