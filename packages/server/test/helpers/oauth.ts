import { expect } from 'vitest';
import { TEST_KEY } from './server.js';

/** Registers `uris` as the platform's Connect redirect URIs (its Connect settings). */
export async function registerRedirectUris(
  server: { url: string },
  uris: string[],
  key = TEST_KEY,
): Promise<void> {
  const body = new URLSearchParams(uris.map((u) => ['redirect_uris[]', u]));
  const res = await fetch(`${server.url}/v1/switchboard/connect_settings`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}` },
    body: uris.length ? body : new URLSearchParams({ redirect_uris: '' }),
  });
  expect(res.status, await res.text()).toBe(200);
}

/** The platform's registered Connect redirect URIs, as the API reads them back. */
export async function registeredRedirectUris(
  server: { url: string },
  key = TEST_KEY,
): Promise<string[]> {
  const res = await fetch(`${server.url}/v1/switchboard/connect_settings`, {
    headers: { Authorization: `Bearer ${key}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { redirect_uris: string[] }).redirect_uris;
}

/** The authorize page as a browser opens it: the page, its form's fields and its cookie. */
export async function openAuthorize(
  server: { url: string },
  authorizeUrl: string,
): Promise<{ url: string; status: number; html: string; fields: string[][]; cookie: string }> {
  // stripe-node builds https://<host>/oauth/authorize?..., without the port: the user opens the
  // same path and query on this server.
  const parsed = new URL(authorizeUrl);
  const url = `${server.url}${parsed.pathname}${parsed.search}`;
  const page = await fetch(url);
  const html = await page.text();
  const fields = [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(
    ([, name, value]) => [name!, value!.replace(/&#38;/g, '&')],
  );
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
  return {
    url: `${new URL(url).origin}${new URL(url).pathname}`,
    status: page.status,
    html,
    fields,
    cookie,
  };
}

/** Connects a new account through the authorize page, as a user's browser would. */
export async function connect(
  server: { url: string },
  authorizeUrl: string,
  action: 'connect' | 'deny' = 'connect',
): Promise<URL> {
  const page = await openAuthorize(server, authorizeUrl);
  expect(page.status, page.html).toBe(200);
  const form = new URLSearchParams([...page.fields, ['action', action]]);
  const res = await fetch(page.url, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Cookie: page.cookie,
      // What a browser sends with a form posted from the page itself.
      'Sec-Fetch-Site': 'same-origin',
      Origin: new URL(page.url).origin,
    },
    body: form.toString(),
  });
  expect(res.status, await res.clone().text()).toBe(303);
  return new URL(res.headers.get('location')!);
}
