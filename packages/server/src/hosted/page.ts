import type { IncomingMessage, ServerResponse } from 'node:http';
import { newId } from '../domain/ids.js';
import type { Services, WriteContext } from '../services/context.js';
import { findObject, type ObjectRow } from '../storage/repositories/objects.js';
import { serverScope, type Scope } from '../scope/scope.js';
import { findPlatform, type PlatformRow } from '../storage/repositories/platforms.js';
import { findPlatformAccount } from '../scope/finders.js';

/** Text made safe to put in HTML. */
export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A small self-contained HTML page (no scripts, no outside resources). */
export function sendPage(res: ServerResponse, status: number, title: string, body: string): void {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1a1f36}
code{background:#f6f8fa;padding:0 .25em}button{font:inherit;padding:.5em 1em;margin:.25em .5em .25em 0}
table{border-collapse:collapse}td,th{text-align:left;padding:.2em 1em .2em 0}
.note{color:#697386;font-size:.875rem}</style></head>
<body>${body}</body></html>`;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
    'Referrer-Policy': 'no-referrer',
  });
  res.end(html);
}

export function sendRedirect(res: ServerResponse, url: string): void {
  res.writeHead(303, { Location: url, 'Cache-Control': 'no-store' });
  res.end();
}

/** The most a form POSTed to one of these pages may hold (they have a few short fields). */
const FORM_LIMIT = 10_000;

/**
 * A form POSTed by one of these pages. A body past FORM_LIMIT bytes gets a 413 page (and the
 * connection is closed rather than read to its end): resolves with null, the answer sent.
 */
export async function readForm(
  req: IncomingMessage,
  res: ServerResponse,
): Promise<URLSearchParams | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > FORM_LIMIT) {
      res.setHeader('Connection', 'close');
      sendPage(
        res,
        413,
        'Form too large',
        `<h1>Form too large</h1><p>This page takes forms of at most ${FORM_LIMIT} bytes.</p>`,
      );
      return null;
    }
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** What a page writes as: the platform itself, in `livemode`, under a request id of its own. */
export function pageWrite(
  platform: PlatformRow,
  livemode: boolean,
  now: number,
): Omit<WriteContext, 'db' | 'afterCommit' | 'services'> {
  return {
    platform,
    livemode,
    accountId: null,
    now,
    request: { id: newId('req', 14), idempotency_key: null },
  };
}

/**
 * The scope a single-use link grants: its platform and mode, as the link itself (its token is
 * the credential: it was found by it).
 */
export function linkScope(platform: PlatformRow, link: ObjectRow): Scope {
  return serverScope(platform, link.livemode === 1, null, { kind: 'link', linkId: link.id });
}

/** A link (account link, login link) by its token, with its platform; undefined if unknown. */
export async function findLink(
  services: Services,
  token: string,
  type: 'account_link' | 'login_link',
): Promise<{ link: ObjectRow; platform: PlatformRow } | undefined> {
  const db = services.dialect.db;
  const link = await findObject(db, token);
  if (!link || link.type !== type) return undefined;
  const platform = await findPlatform(db, link.platform_id);
  return platform ? { link, platform } : undefined;
}

/**
 * An object a public URL names by its id (a Checkout Session, a payment link: the URL is its
 * credential, as Stripe's are), with its platform and its own scope (its mode and account).
 */
export async function findByUrl(
  services: Services,
  id: string,
  type: string,
): Promise<{ row: ObjectRow; platform: PlatformRow; scope: Scope } | undefined> {
  const db = services.dialect.db;
  const row = await findObject(db, id);
  if (!row || row.type !== type || row.deleted !== 0) return undefined;
  const platform = await findPlatform(db, row.platform_id);
  if (!platform) return undefined;
  const livemode = row.livemode === 1;
  const bare = serverScope(platform, livemode, null, { kind: 'link', linkId: row.id });
  const account = row.account_id ? await findPlatformAccount(db, bare, row.account_id) : null;
  if (row.account_id && (!account || account.deleted !== 0)) return undefined;
  return {
    row,
    platform,
    scope: serverScope(platform, livemode, account ?? null, { kind: 'link', linkId: row.id }),
  };
}
