import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import type { Mount } from '../app.js';

export const DASHBOARD_PATH = '/dashboard';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The SPA loads its scripts and styles from itself and talks only to this server's API. */
const securityHeaders = {
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/**
 * Serves the built dashboard (packages/dashboard/dist) at /dashboard: files with their content
 * types, Vite's hashed assets cached for a year, index.html revalidated every time and returned for
 * any other path under /dashboard (the SPA routes itself). Until the dashboard is built, a page
 * says how to build it. A browser opening / is sent to the dashboard.
 */
export function dashboardStatic(dir: string): Mount {
  const root = normalize(dir);
  return async (req, res, path) => {
    const method = req.method ?? 'GET';
    if (path === '/' && method === 'GET' && (req.headers.accept ?? '').includes('text/html')) {
      res.writeHead(302, { Location: `${DASHBOARD_PATH}/` }).end();
      return true;
    }
    if (path !== DASHBOARD_PATH && !path.startsWith(`${DASHBOARD_PATH}/`)) return false;
    if (method !== 'GET' && method !== 'HEAD') {
      res
        .writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' })
        .end('Method Not Allowed');
      return true;
    }
    if (path === DASHBOARD_PATH) {
      const query = (req.url ?? '').includes('?')
        ? (req.url ?? '').slice(req.url!.indexOf('?'))
        : '';
      res.writeHead(301, { Location: `${DASHBOARD_PATH}/${query}` }).end();
      return true;
    }
    let relative: string;
    try {
      relative = decodeURIComponent(path.slice(DASHBOARD_PATH.length + 1));
    } catch {
      return (sendText(res, 400, 'Bad request: the path is not valid percent-encoding.'), true);
    }
    const file = relative === '' ? null : resolveInside(root, relative);
    if (file && (await isFile(file))) {
      await sendFile(req, res, file, relative.startsWith('assets/'));
      return true;
    }
    // A missing asset is a 404; any other path is a route of the SPA.
    if (
      relative.startsWith('assets/') ||
      (extname(relative) !== '' && !relative.endsWith('.html'))
    ) {
      sendText(res, 404, `Not found: ${path}`);
      return true;
    }
    const index = join(root, 'index.html');
    if (!(await isFile(index))) {
      sendHtml(res, 404, notBuiltPage(root));
      return true;
    }
    await sendFile(req, res, index, false);
    return true;
  };
}

/** The file `relative` names inside `root`, or null when it would leave it (`..`, absolute, NUL). */
function resolveInside(root: string, relative: string): string | null {
  if (relative.includes('\0')) return null;
  const file = normalize(join(root, relative));
  return file.startsWith(root.endsWith(sep) ? root : root + sep) ? file : null;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: string,
  immutable: boolean,
): Promise<void> {
  const info = await stat(file);
  const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  const type = contentTypes[extname(file).toLowerCase()] ?? 'application/octet-stream';
  const headers: Record<string, string> = {
    'Content-Type': type,
    // Vite puts a content hash in every asset's name: a new build means new names.
    'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    ETag: etag,
    ...(type.startsWith('text/html') ? securityHeaders : { 'X-Content-Type-Options': 'nosniff' }),
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers).end();
    return;
  }
  const body = await readFile(file);
  res.writeHead(200, { ...headers, 'Content-Length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(text);
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-cache',
    ...securityHeaders,
  });
  res.end(html);
}

function notBuiltPage(dir: string): string {
  const escaped = dir.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Switchboard dashboard not built</title></head>
<body>
<main>
<h1>The dashboard is not built yet</h1>
<p>Switchboard serves the dashboard from <code>${escaped}</code>, which has no <code>index.html</code>.</p>
<p>Build it from the repository's root, then reload this page (no restart needed):</p>
<pre><code>npm run build</code></pre>
<p>The API works without it: <code>curl -u sk_test_...: http://HOST:PORT/v1/webhook_endpoints</code>.</p>
</main>
</body>
</html>
`;
}
