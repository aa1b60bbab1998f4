import { describe, expect, it } from 'vitest';
import { redactSecrets } from './logger.js';

describe('redactSecrets', () => {
  it('hides keys, secrets, link tokens, refresh tokens and authorization codes', () => {
    const line = [
      'sk_test_abcdefghijkl0123',
      'rk_live_abcdefghijkl0123',
      'whsec_abcdef0123456789',
      'cliws_abcdef0123456789',
      '/connect/setup/acctlink_Abc123Def456',
      '/express/login/loginlink_Abc123Def456',
      `rt_${'a1'.repeat(24)}`,
      `ac_${'b2'.repeat(16)}`,
    ].join(' ');
    expect(redactSecrets(line)).toBe(
      [
        'sk_test_[redacted]',
        'rk_live_[redacted]',
        'whsec_[redacted]',
        'cliws_[redacted]',
        '/connect/setup/acctlink_[redacted]',
        '/express/login/loginlink_[redacted]',
        'rt_[redacted]',
        'ac_[redacted]',
      ].join(' '),
    );
  });

  it('leaves ordinary words and short ids alone', () => {
    const line = 'evt_123 acct_1ABC ac_short rt_x acctlink_… account_link';
    expect(redactSecrets(line)).toBe(line);
  });
});
