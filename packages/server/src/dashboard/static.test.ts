import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardStatic } from './static.js';

/** The static mount behind a real HTTP server, serving a fake build in a temporary directory. */
async function serve(dir: string): Promise<{ url: string; server: Server }> {
  const mount = dashboardStatic(dir);
  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0]!;
      if (!(await mount(req, res, path))) res.writeHead(418).end('not mine');
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('serving the built dashboard', () => {
  let dir: string;
  let url: string;
  let server: Server;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dashboard-static-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>SPA</title>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(dir, 'assets', 'index-abc123.css'), 'body{}');
    writeFileSync(join(dir, 'favicon.svg'), '<svg/>');
    writeFileSync(join(tmpdir(), 'dashboard-secret.txt'), 'outside');
    ({ url, server } = await serve(dir));
  });

  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves files with their content types, hashed assets cached for a year', async () => {
    const js = await fetch(`${url}/dashboard/assets/index-abc123.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await js.text()).toBe('console.log(1)');
    const css = await fetch(`${url}/dashboard/assets/index-abc123.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const svg = await fetch(`${url}/dashboard/favicon.svg`);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(svg.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers index.html for any route of the SPA, revalidated each time, with a strict CSP', async () => {
    for (const path of ['/dashboard/', '/dashboard/webhooks/we_123', '/dashboard/events?type=x']) {
      const res = await fetch(`${url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await res.text()).toContain('<title>SPA</title>');
    }
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await fetch(`${url}/dashboard/`);
    const etag = first.headers.get('etag')!;
    const again = await fetch(`${url}/dashboard/`, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
  });

  it('redirects /dashboard to /dashboard/ and a browser at / to the dashboard', async () => {
    const bare = await fetch(`${url}/dashboard?x=1`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/dashboard/?x=1');
    const root = await fetch(`${url}/`, { redirect: 'manual', headers: { Accept: 'text/html' } });
    expect(root.headers.get('location')).toBe('/dashboard/');
    // API clients asking for / are left to the API.
    expect((await fetch(`${url}/`)).status).toBe(418);
  });

  it('answers 404 for a missing asset instead of the SPA', async () => {
    const res = await fetch(`${url}/dashboard/assets/gone-000.js`);
    expect(res.status).toBe(404);
    expect((await fetch(`${url}/dashboard/logo.png`)).status).toBe(404);
  });

  it('never serves a file outside its directory', async () => {
    for (const path of [
      '/dashboard/..%2fdashboard-secret.txt',
      '/dashboard/%2e%2e/dashboard-secret.txt',
      '/dashboard/assets/..%2f..%2fdashboard-secret.txt',
    ]) {
      const res = await fetch(`${url}${path}`);
      expect(await res.text(), path).not.toBe('outside');
    }
    expect((await fetch(`${url}/dashboard/%E0%A4%A`)).status).toBe(400);
  });

  it('refuses methods other than GET and HEAD', async () => {
    const res = await fetch(`${url}/dashboard/`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    const head = await fetch(`${url}/dashboard/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('tells the user to run npm run build when the dashboard is not built', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'dashboard-empty-'));
    const { url: emptyUrl, server: emptyServer } = await serve(empty);
    try {
      const res = await fetch(`${emptyUrl}/dashboard/webhooks`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toContain('npm run build');
    } finally {
      emptyServer.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
