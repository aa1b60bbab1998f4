import type Stripe from 'stripe';
import {
  applied,
  boolean,
  effect,
  expandParam,
  listParams,
  metadata,
  object,
  range,
  required,
  string,
} from '../stripe/params.js';
import { errors } from '../stripe/errors.js';
import { emitEvent } from '../services/emit-event.js';
import { publicBaseUrl, type WriteContext } from '../services/context.js';
import type { Scope } from '../scope/scope.js';
import type { Dialect } from '../storage/dialect.js';
import { findFileContent, insertFileContent } from '../storage/repositories/file-contents.js';
import { FileContent, get, post, type Resource, type Upload } from './route.js';
import { listFilterTest } from './shared-params.js';
import { createObject, listVisible, parseData, requireObject, type ListObject } from './common.js';
import {
  checkUpload,
  expiresAt,
  FILE_LABEL,
  MAX_UPLOAD_BYTES,
  mimeTypes,
  purposes,
} from './file-types.js';
import { createFileLink, linksOf } from './file-links.js';

/**
 * Files (`/v1/files`): uploads (multipart/form-data, as stripe-node and curl -F send them),
 * checked against their purpose as Stripe checks them (type from the bytes, size), kept in the
 * database (storage: file_contents) and served back at the file's `url` behind a key that may
 * read the file, as files.stripe.com serves them. A file is the caller's: uploaded with
 * `Stripe-Account`, it is the connected account's.
 */
export const uploadTest = 'uploads a file with the stripe package and serves its bytes at its url';

const linkData = object({
  create: required(boolean()),
  expires_at: applied<number>(),
  metadata: metadata(),
});

/** The upload named `file`, or Stripe's error for a missing one. */
function fileUpload(uploads: Upload[]): Upload {
  const upload = uploads.find((u) => u.name === 'file');
  if (!upload)
    throw errors.invalidRequest(
      'The file must be sent as a file part of a multipart/form-data request.',
      'file',
    );
  return upload;
}

/** A file as the API shows it: with its file links (the newest ten), as Stripe lists them. */
export async function renderFile(
  dialect: Dialect,
  scope: Scope,
  file: Stripe.File,
): Promise<Stripe.File> {
  return { ...file, links: await linksOf(dialect, scope, file.id) };
}

/** Stores a file (an upload, or one Switchboard makes: a report run's CSV) in the writer's scope. */
export async function createFile(
  w: WriteContext,
  base: string,
  upload: Upload,
  purpose: string,
): Promise<Stripe.File> {
  const type = checkUpload(purpose, upload.data, upload.filename);
  const { data } = await createObject<Stripe.File>(w, {
    type: 'file',
    prefix: 'file',
    internal: { content_type: mimeTypes[type] },
    data: (id, created) => ({
      id,
      object: 'file',
      created,
      expires_at: expiresAt(purpose, w.now),
      filename: upload.filename ?? id,
      links: { object: 'list', data: [], has_more: false, url: `/v1/file_links?file=${id}` },
      purpose: purpose as Stripe.File.Purpose,
      size: upload.data.length,
      title: null,
      type,
      url: purposes[purpose]!.downloadable ? `${base}/v1/files/${id}/contents` : null,
    }),
  });
  await insertFileContent(w.db, data.id, upload.data);
  return data;
}

export const files: Resource = {
  name: 'files',
  routes: [
    post(
      '/v1/files',
      {
        file: effect(required(string()), uploadTest),
        purpose: required(applied<string>()),
        file_link_data: effect(linkData, uploadTest),
        ...expandParam,
      },
      async ({ w, params, services, host, uploads }) => {
        const base = publicBaseUrl(services, host);
        const file = await createFile(w, base, fileUpload(uploads), params.purpose);
        let links: ListObject<Stripe.FileLink> = file.links!;
        if (params.file_link_data?.create) {
          const { create: _, ...link } = params.file_link_data;
          const made = await createFileLink(w, base, file, link);
          links = { ...links, data: [made] };
        }
        const shown = { ...file, links };
        await emitEvent(w, { type: 'file.created', object: shown as never });
        return shown;
      },
      { bodyLimit: MAX_UPLOAD_BYTES + 64 * 1024 },
    ),

    get('/v1/files/:id', expandParam, async ({ services, db, caller, path }) => {
      const row = await requireObject(db, caller, 'file', path.id!, FILE_LABEL);
      return renderFile(services.dialect, caller, parseData(row));
    }),

    // Where a file's `url` points (files.stripe.com/v1/files/{file}/contents on Stripe): its
    // bytes, for a key that may read the file.
    get('/v1/files/:id/contents', {}, async ({ db, caller, path }) => {
      const row = await requireObject(db, caller, 'file', path.id!, FILE_LABEL);
      const file = parseData<Stripe.File>(row);
      if (!file.url)
        throw errors.invalidRequest(
          `Files of purpose ${file.purpose} cannot be downloaded.`,
          undefined,
          undefined,
          403,
        );
      const data = await findFileContent(db, row.id);
      if (!data) throw errors.resourceMissing(FILE_LABEL, row.id);
      const { content_type } = JSON.parse(row.internal) as { content_type: string };
      return new FileContent(data, content_type, file.filename ?? null);
    }),

    get(
      '/v1/files',
      {
        ...listParams,
        purpose: effect(applied<string>(), listFilterTest),
        created: effect(range(), listFilterTest),
      },
      async ({ services, caller, params, url }) => {
        const list = await listVisible<Stripe.File>(
          services.dialect,
          caller,
          url,
          {
            type: 'file',
            where: params.purpose === undefined ? {} : { purpose: params.purpose },
            created: params.created,
          },
          params,
          FILE_LABEL,
        );
        const data = await Promise.all(
          list.data.map((f) => renderFile(services.dialect, caller, f)),
        );
        return { ...list, data };
      },
    ),
  ],
};
