import type { Upload } from '../resources/route.js';
import { errors } from '../stripe/errors.js';

export interface MultipartBody {
  /** The text parts, in order, as a form would send them (`file_link_data[create]`, `true`). */
  fields: Array<[string, string]>;
  uploads: Upload[];
}

const CRLF = Buffer.from('\r\n');
const HEADERS_END = Buffer.from('\r\n\r\n');

/** The boundary of a `multipart/form-data` Content-Type, or a Stripe-style error. */
export function boundaryOf(contentType: string): string {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary || boundary.length > 200)
    throw errors.malformedBody('a multipart/form-data body needs a boundary in its Content-Type');
  return boundary;
}

/**
 * Splits a `multipart/form-data` body into its text fields and its files. Parts with a
 * `filename` (or a Content-Type other than text) are files; the others are text, as stripe-node,
 * curl `-F` and browsers send them.
 */
export function parseMultipart(body: Buffer, boundary: string): MultipartBody {
  const delimiter = Buffer.from(`--${boundary}`);
  const fields: Array<[string, string]> = [];
  const uploads: Upload[] = [];
  let at = body.indexOf(delimiter);
  if (at === -1) throw errors.malformedBody('the multipart/form-data body has no parts');
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') break;
    if (!body.subarray(at, at + 2).equals(CRLF))
      throw errors.malformedBody('a multipart/form-data boundary is not followed by a line end');
    const headersEnd = body.indexOf(HEADERS_END, at);
    if (headersEnd === -1) throw errors.malformedBody('a multipart/form-data part has no headers');
    const headers = partHeaders(body.subarray(at + 2, headersEnd).toString('utf8'));
    const start = headersEnd + HEADERS_END.length;
    const next = body.indexOf(Buffer.concat([CRLF, delimiter]), start);
    if (next === -1) throw errors.malformedBody('the multipart/form-data body ends mid-part');
    const content = body.subarray(start, next);
    const disposition = /^form-data\s*;(.*)$/i.exec(headers.get('content-disposition') ?? '');
    const name = disposition ? dispositionParam(disposition[1]!, 'name') : null;
    if (name === null)
      throw errors.malformedBody('a multipart/form-data part has no Content-Disposition name');
    const filename = dispositionParam(disposition![1]!, 'filename');
    const contentType = headers.get('content-type') ?? null;
    if (filename !== null || (contentType !== null && !contentType.startsWith('text/plain')))
      uploads.push({ name, filename, contentType, data: Buffer.from(content) });
    else fields.push([name, textOf(content)]);
    at = next + CRLF.length;
  }
  return { fields, uploads };
}

function partHeaders(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) out.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return out;
}

/** `name="file"` or `filename=x.pdf` from a Content-Disposition's parameters. */
function dispositionParam(params: string, key: string): string | null {
  const pattern = new RegExp(`(?:^|;)\\s*${key}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, 'i');
  const match = pattern.exec(params);
  if (!match) return null;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]!.trim();
}

function textOf(content: Buffer): string {
  const text = content.toString('utf8');
  if (text.includes('\uFFFD') && !content.includes(Buffer.from('\uFFFD')))
    throw errors.malformedBody('a multipart/form-data field is not valid UTF-8');
  return text;
}
