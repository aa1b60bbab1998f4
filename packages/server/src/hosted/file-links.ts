import { timingSafeEqual } from 'node:crypto';
import type Stripe from 'stripe';
import type { Mount } from '../app.js';
import { sendBytes } from '../api/json-response.js';
import type { Services } from '../services/context.js';
import { findFileContent } from '../storage/repositories/file-contents.js';
import { findObject } from '../storage/repositories/objects.js';
import { isExpired, parseLinkToken } from '../resources/file-links.js';
import { sendPage } from './page.js';

const PATH = /^\/links\/([A-Za-z0-9_-]{1,400})$/;

const sameSecret = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * A file link's `url` (`/links/{token}`, files.stripe.com/links/... on Stripe): the file's bytes,
 * with no key, until the link expires on the server's clock. The token is the credential: it
 * names the link and carries its secret, so the link is found by id and its secret compared.
 */
export function fileLinksMount(services: Services): Mount {
  return async (req, res, path) => {
    const match = PATH.exec(path);
    if (!match || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    const db = services.dialect.db;
    const token = parseLinkToken(match[1]!);
    const row = token ? await findObject(db, token.id) : undefined;
    const { secret } = row ? (JSON.parse(row.internal) as { secret?: string }) : {};
    if (
      !row ||
      row.type !== 'file_link' ||
      row.deleted ||
      !secret ||
      !sameSecret(secret, token!.secret)
    ) {
      sendPage(res, 404, 'Unknown link', '<h1>This link does not exist</h1>');
      return true;
    }
    const link = JSON.parse(row.data) as Stripe.FileLink;
    if (isExpired(link, services.clock.now())) {
      sendPage(res, 410, 'Link expired', '<h1>This link has expired</h1>');
      return true;
    }
    const fileRow = await findObject(db, link.file as string);
    const data = fileRow && !fileRow.deleted ? await findFileContent(db, fileRow.id) : undefined;
    if (!fileRow || !data) {
      sendPage(res, 404, 'Unknown file', '<h1>This file does not exist</h1>');
      return true;
    }
    const file = JSON.parse(fileRow.data) as Stripe.File;
    const { content_type } = JSON.parse(fileRow.internal) as { content_type: string };
    sendBytes(res, data, content_type, file.filename ?? null);
    return true;
  };
}
