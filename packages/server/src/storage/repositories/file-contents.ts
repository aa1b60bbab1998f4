import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** Stores an uploaded file's bytes under the file's id. */
export async function insertFileContent(
  db: Kysely<Database>,
  id: string,
  content: Buffer,
): Promise<void> {
  await db.insertInto('file_contents').values({ id, content }).execute();
}

/**
 * A file's bytes, by the id of a file the caller was already found to own (scope/finders.ts):
 * never by an id a request names.
 */
export async function findFileContent(
  db: Kysely<Database>,
  id: string,
): Promise<Buffer | undefined> {
  const row = await db
    .selectFrom('file_contents')
    .select('content')
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? Buffer.from(row.content) : undefined;
}
