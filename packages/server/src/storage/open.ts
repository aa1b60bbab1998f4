import type { Dialect } from './dialect.js';
import { openSqlite } from './dialects/sqlite/sqlite-dialect.js';
import { migrate } from './migrate.js';

/** Opens the database named by `--db` (a file path; postgres:// URLs come with the Postgres backend). */
export async function openStorage(
  db: string,
  options: { migrate?: boolean } = {},
): Promise<Dialect> {
  if (/^postgres(ql)?:\/\//.test(db)) {
    throw new Error(
      'PostgreSQL is not available in this build; pass --db with a SQLite file path.',
    );
  }
  const dialect = openSqlite(db);
  if (options.migrate !== false) await migrate(dialect);
  return dialect;
}
