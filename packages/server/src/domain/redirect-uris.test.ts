import { describe, expect, it } from 'vitest';
import { chooseRedirect, isLoopbackUrl } from './redirect-uris.js';

describe('OAuth redirect URIs', () => {
  const registered = ['https://platform.example/cb', 'https://platform.example/other'];

  it('takes only an exact match of a registered URI, and the first without redirect_uri', () => {
    expect(chooseRedirect(registered, 'https://platform.example/other')).toEqual({
      kind: 'ok',
      uri: 'https://platform.example/other',
    });
    expect(chooseRedirect(registered, null)).toEqual({
      kind: 'ok',
      uri: 'https://platform.example/cb',
    });
    for (const asked of [
      'https://platform.example/cb/',
      'https://platform.example/cb?x=1',
      'https://evil.example/cb',
      'http://localhost:4242/cb',
    ])
      expect(chooseRedirect(registered, asked).kind, asked).toBe('unregistered');
  });

  it('accepts loopback URLs only while nothing is registered', () => {
    expect(chooseRedirect([], 'http://localhost:4242/cb').kind).toBe('ok');
    expect(chooseRedirect([], 'http://127.0.0.1:3000/cb').kind).toBe('ok');
    expect(chooseRedirect([], 'http://[::1]:3000/cb').kind).toBe('ok');
    expect(chooseRedirect([], 'https://platform.example/cb').kind).toBe('unregistered');
    expect(chooseRedirect([], 'http://localhost.evil.example/cb').kind).toBe('unregistered');
    expect(chooseRedirect([], null)).toEqual({ kind: 'none' });
    expect(isLoopbackUrl('javascript:alert(1)')).toBe(false);
  });
});
