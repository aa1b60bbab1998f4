/**
 * Where Connect OAuth may send a browser back to: the platform's registered redirect URIs, as in
 * Stripe's Connect settings. Stripe redirects only to a URI that exactly matches a registered one,
 * and without `redirect_uri` to the first. Until a platform registers any, Switchboard accepts
 * loopback URLs (`http://localhost:PORT/...`, `127.0.0.1`, `[::1]`): the local-development
 * default, which sends nothing off the user's machine.
 */
export type RedirectChoice =
  { kind: 'ok'; uri: string } | { kind: 'unregistered'; uri: string } | { kind: 'none' };

export function isLoopbackUrl(value: string): boolean {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

export function chooseRedirect(
  registered: readonly string[],
  asked: string | null,
): RedirectChoice {
  if (asked === null) return registered[0] ? { kind: 'ok', uri: registered[0] } : { kind: 'none' };
  if (registered.includes(asked)) return { kind: 'ok', uri: asked };
  if (registered.length === 0 && isLoopbackUrl(asked)) return { kind: 'ok', uri: asked };
  return { kind: 'unregistered', uri: asked };
}
