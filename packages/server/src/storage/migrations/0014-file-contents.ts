import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

/**
 * Uploaded files' bytes (`POST /v1/files`), apart from `objects`: a file object is read and
 * listed often, its up to 16 MB of content only when downloaded. The row's id is the file's.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('file_contents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('content', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
    .execute();
}
