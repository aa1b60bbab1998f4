import { expect } from 'vitest';
import type { TestServer } from './server.js';

/** Connects a new account through the authorize page, as a user's browser would. */
export async function connect(
  server: TestServer,
  authorizeUrl: string,
  action: 'connect' | 'deny' = 'connect',
): Promise<URL> {
  // stripe-node builds https://<host>/oauth/authorize?..., without the port: the user opens the
  // same path and query on this server.
  const parsed = new URL(authorizeUrl);
  const url = `${server.url}${parsed.pathname}${parsed.search}`;
  const page = await fetch(url);
  expect(page.status).toBe(200);
  const html = await page.text();
  const hidden = [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(
    ([, name, value]) => [name!, value!.replace(/&#38;/g, '&')],
  );
  const form = new URLSearchParams([...hidden, ['action', action]] as string[][]);
  const res = await fetch(new URL(url).origin + new URL(url).pathname, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  expect(res.status).toBe(303);
  return new URL(res.headers.get('location')!);
}
