import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';
import {
  applied,
  applyMetadata,
  effect,
  expandParam,
  metadata,
  required,
  string,
  type MetadataPatch,
} from '../stripe/params.js';
import { errors } from '../stripe/errors.js';
import { publicBaseUrl, type WriteContext } from '../services/context.js';
import { scheduleTask, type TaskPayload } from '../services/scheduler.js';
import type { Scope } from '../scope/scope.js';
import { listOwnObjects } from '../scope/finders.js';
import type { Dialect } from '../storage/dialect.js';
import { filteredList } from './list-route.js';
import { get, post, type Resource } from './route.js';
import {
  createObject,
  findObjectToChange,
  listOf,
  parseData,
  requireObject,
  requireObjectToChange,
  saveObject,
  type ListObject,
} from './common.js';
import { FILE_LABEL, purposes } from './file-types.js';

/**
 * File links (`/v1/file_links`): a URL that serves a file without a key (hosted/file-links.ts)
 * until `expires_at` on the server's clock. `expired` turns true then, by a scheduled task, so
 * that lists filter on it; the link itself is checked against the clock when it is followed.
 */
export const LINK_LABEL = 'file link';
const EXPIRE_TASK = 'file_link.expire';

/** What a link's url carries, as Stripe's do: base64 of the link's id and its secret. */
export function linkToken(id: string, secret: string): string {
  return Buffer.from(`${id}|${secret}`).toString('base64url');
}

export function parseLinkToken(token: string): { id: string; secret: string } | null {
  const [id, secret, ...rest] = Buffer.from(token, 'base64url').toString('utf8').split('|');
  return id && secret && rest.length === 0 ? { id, secret } : null;
}

/** The newest ten links of a file, as a file shows them (`links`). */
export async function linksOf(
  dialect: Dialect,
  scope: Scope,
  fileId: string,
): Promise<ListObject<Stripe.FileLink>> {
  const page = await listOwnObjects(
    dialect,
    scope,
    { type: 'file_link', where: { file: fileId } },
    { limit: 10 },
  );
  return listOf(
    `/v1/file_links?file=${fileId}`,
    page,
    page.rows.map((r) => parseData<Stripe.FileLink>(r)),
  );
}

export function futureTime(at: number, nowMs: number, param: string): number {
  if (at * 1000 <= nowMs)
    throw errors.invalidRequest(`${param} must be in the future, not ${at}.`, param);
  return at;
}

async function expireLater(w: WriteContext, link: Stripe.FileLink): Promise<void> {
  if (link.expires_at === null) return;
  await scheduleTask(w, EXPIRE_TASK, link.expires_at * 1000, {
    livemode: w.livemode,
    accountId: w.accountId,
    link: link.id,
  });
}

/** Makes a link to a file the caller was found to own (a link to it, or `file_link_data`). */
export async function createFileLink(
  w: WriteContext,
  base: string,
  file: Stripe.File,
  params: { expires_at?: number | undefined; metadata?: MetadataPatch | undefined },
): Promise<Stripe.FileLink> {
  if (!purposes[file.purpose]?.downloadable)
    throw errors.invalidRequest(
      `Links cannot be made to files of purpose ${file.purpose}: they cannot be downloaded.`,
      'file',
    );
  const expiresAt =
    params.expires_at === undefined ? null : futureTime(params.expires_at, w.now, 'expires_at');
  const secret = `fl_${w.livemode ? 'live' : 'test'}_${randomBytes(18).toString('base64url')}`;
  const { data } = await createObject<Stripe.FileLink>(w, {
    type: 'file_link',
    prefix: 'link',
    internal: { secret },
    data: (id) => ({
      id,
      object: 'file_link',
      created: Math.floor(w.now / 1000),
      expired: false,
      expires_at: expiresAt,
      file: file.id,
      livemode: w.livemode,
      metadata: applyMetadata({}, params.metadata),
      url: `${base}/links/${linkToken(id, secret)}`,
    }),
  });
  await expireLater(w, data);
  return data;
}

/** The scheduled task: a link whose `expires_at` has come is `expired`. */
async function expire(w: WriteContext, payload: TaskPayload): Promise<void> {
  const row = await findObjectToChange(w, payload.link as string);
  if (!row || row.deleted) return;
  const link = parseData<Stripe.FileLink>(row);
  if (link.expired || link.expires_at === null || link.expires_at * 1000 > w.now) return;
  await saveObject(w.db, row.id, { ...link, expired: true });
}

/** Whether a link can no longer be followed, on the server's clock. */
export const isExpired = (link: Stripe.FileLink, nowMs: number): boolean =>
  link.expired || (link.expires_at !== null && link.expires_at * 1000 <= nowMs);

export const fileLinks: Resource = {
  name: 'file_links',
  routes: [
    post(
      '/v1/file_links',
      {
        file: effect(
          required(string()),
          'a file link serves its file without a key until it expires',
        ),
        expires_at: applied<number>(),
        metadata: metadata(),
        ...expandParam,
      },
      async ({ w, caller, params, services, host }) => {
        const row = await requireObject(w.db, caller, 'file', params.file, FILE_LABEL, 'file');
        return createFileLink(w, publicBaseUrl(services, host), parseData(row), params);
      },
    ),

    get('/v1/file_links/:id', expandParam, async ({ db, caller, path, now }) => {
      const link = parseData<Stripe.FileLink>(
        await requireObject(db, caller, 'file_link', path.id!, LINK_LABEL),
      );
      return { ...link, expired: isExpired(link, now) };
    }),

    post(
      '/v1/file_links/:id',
      { expires_at: applied<number | 'now' | ''>(), metadata: metadata(), ...expandParam },
      async ({ w, caller, path, params }) => {
        const row = await requireObjectToChange(w, caller, 'file_link', path.id!, LINK_LABEL);
        const before = parseData<Stripe.FileLink>(row);
        let expiresAt = before.expires_at;
        let expired = before.expired;
        if (params.expires_at !== undefined) {
          if (isExpired(before, w.now))
            throw errors.invalidRequest(
              'This file link has expired: its expires_at can no longer change.',
              'expires_at',
            );
          if (params.expires_at === 'now') {
            expiresAt = Math.floor(w.now / 1000);
            expired = true;
          } else if (params.expires_at === '') expiresAt = null;
          else expiresAt = futureTime(params.expires_at, w.now, 'expires_at');
        }
        const after: Stripe.FileLink = {
          ...before,
          expires_at: expiresAt,
          expired,
          metadata: applyMetadata(before.metadata, params.metadata),
        };
        if (after.expires_at !== before.expires_at && !expired) await expireLater(w, after);
        // Stripe's event list has no file_link events.
        await saveObject(w.db, row.id, after);
        return after;
      },
    ),

    filteredList('/v1/file_links', {
      type: 'file_link',
      filters: ['file'],
      flags: ['expired'],
      label: LINK_LABEL,
    }),
  ],
  tasks: { [EXPIRE_TASK]: expire },
};
