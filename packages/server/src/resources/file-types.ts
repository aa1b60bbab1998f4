import { errors } from '../stripe/errors.js';

/** How "No such ..." names a file, as Stripe does. */
export const FILE_LABEL = 'file upload';

/**
 * What Stripe takes for each purpose of an upload (its file upload guide): the types, the
 * largest size, when the file expires and whether it can be downloaded (its `url`, its links).
 */
export interface Purpose {
  types: readonly FileType[];
  maxBytes: number;
  /** Months until the file expires (`expires_at`); null: never. */
  expiresInMonths: number | null;
  /** Days until it expires, for the purposes counted in days. */
  expiresInDays?: number;
  downloadable: boolean;
}

export type FileType = 'pdf' | 'jpg' | 'png' | 'gif' | 'svg' | 'csv' | 'xlsx' | 'docx';

const MB = 1024 * 1024;
const documents: readonly FileType[] = ['pdf', 'jpg', 'png'];
const images: readonly FileType[] = ['jpg', 'png', 'gif'];

export const purposes: Record<string, Purpose> = {
  account_requirement: {
    types: documents,
    maxBytes: 16 * MB,
    expiresInMonths: null,
    downloadable: false,
  },
  additional_verification: {
    types: documents,
    maxBytes: 16 * MB,
    expiresInMonths: null,
    downloadable: false,
  },
  business_icon: { types: images, maxBytes: 512 * 1024, expiresInMonths: null, downloadable: true },
  business_logo: { types: images, maxBytes: 512 * 1024, expiresInMonths: null, downloadable: true },
  customer_signature: {
    types: ['jpg', 'png', 'svg'],
    maxBytes: 4 * MB,
    expiresInMonths: null,
    expiresInDays: 7,
    downloadable: true,
  },
  dispute_evidence: { types: documents, maxBytes: 5 * MB, expiresInMonths: 9, downloadable: true },
  // Made by report runs (resources/reporting.ts), never uploaded: POST /v1/files refuses it.
  finance_report_run: {
    types: ['csv'],
    maxBytes: 16 * MB,
    expiresInMonths: null,
    downloadable: true,
  },
  identity_document: {
    types: documents,
    maxBytes: 16 * MB,
    expiresInMonths: null,
    downloadable: false,
  },
  pci_document: { types: ['pdf'], maxBytes: 16 * MB, expiresInMonths: null, downloadable: false },
  tax_document_user_upload: {
    types: ['pdf', 'csv', 'jpg', 'png', 'xlsx', 'docx'],
    maxBytes: 16 * MB,
    expiresInMonths: null,
    downloadable: true,
  },
  terminal_reader_splashscreen: {
    types: images,
    maxBytes: 4 * MB,
    expiresInMonths: null,
    downloadable: true,
  },
};

/** The largest upload of any purpose: the body limit of `POST /v1/files`. */
export const MAX_UPLOAD_BYTES = Math.max(...Object.values(purposes).map((p) => p.maxBytes));

export const mimeTypes: Record<FileType, string> = {
  pdf: 'application/pdf',
  jpg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};

const startsWith = (data: Buffer, bytes: number[]) =>
  data.length >= bytes.length && bytes.every((b, i) => data[i] === b);

/**
 * The type of an upload, from its first bytes as Stripe tells them (the name does not make a
 * PNG a PDF); the name decides only between formats that share their bytes (a zip is xlsx or
 * docx, text is csv).
 */
export function detectType(data: Buffer, filename: string | null): FileType | null {
  const ext = filename?.toLowerCase().split('.').pop() ?? '';
  if (startsWith(data, [0x25, 0x50, 0x44, 0x46])) return 'pdf';
  if (startsWith(data, [0x89, 0x50, 0x4e, 0x47])) return 'png';
  if (startsWith(data, [0xff, 0xd8, 0xff])) return 'jpg';
  if (startsWith(data, [0x47, 0x49, 0x46, 0x38])) return 'gif';
  if (startsWith(data, [0x50, 0x4b, 0x03, 0x04]))
    return ext === 'xlsx' || ext === 'docx' ? ext : null;
  const head = data.subarray(0, 1024).toString('utf8').trimStart();
  if (/^(<\?xml[^>]*>\s*)?<svg[\s>]/i.test(head)) return 'svg';
  if (ext === 'csv' && !data.includes(0)) return 'csv';
  return null;
}

/** Checks an upload against its purpose: its type and size, with Stripe-style errors. */
export function checkUpload(purpose: string, data: Buffer, filename: string | null): FileType {
  const rules = purposes[purpose];
  if (!rules)
    throw errors.invalidRequest(
      `Files of purpose ${purpose} are made by Stripe, not uploaded.`,
      'purpose',
    );
  if (data.length === 0) throw errors.invalidRequest('The file is empty.', 'file');
  if (data.length > rules.maxBytes)
    throw errors.invalidRequest(
      `The file is ${data.length} bytes: a file of purpose ${purpose} may be at most ${rules.maxBytes} bytes (${sizeText(rules.maxBytes)}).`,
      'file',
    );
  const type = detectType(data, filename);
  if (!type || !rules.types.includes(type))
    throw errors.invalidRequest(
      `Invalid file: a file of purpose ${purpose} must be one of the following types: ${rules.types.join(', ')} (this one is ${type ?? 'of an unknown type'}).`,
      'file',
    );
  return type;
}

function sizeText(bytes: number): string {
  return bytes >= MB ? `${bytes / MB} MB` : `${bytes / 1024} KB`;
}

/** When a file of `purpose` uploaded at `nowMs` expires (unix seconds), or null. */
export function expiresAt(purpose: string, nowMs: number): number | null {
  const rules = purposes[purpose];
  if (rules?.expiresInDays) return Math.floor(nowMs / 1000) + rules.expiresInDays * 86_400;
  if (!rules?.expiresInMonths) return null;
  const at = new Date(nowMs);
  at.setUTCMonth(at.getUTCMonth() + rules.expiresInMonths);
  return Math.floor(at.getTime() / 1000);
}
