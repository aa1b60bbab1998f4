import type { Dialect } from './dialect.js';
import { openPostgres } from './dialects/postgres/postgres-dialect.js';
import { openSqlite } from './dialects/sqlite/sqlite-dialect.js';
import { migrate } from './migrate.js';

export const isPostgresUrl = (db: string): boolean => /^postgres(ql)?:\/\//.test(db);

export interface OpenOptions {
  /** Apply migrations first (default true). */
  migrate?: boolean;
  /** PostgreSQL: connections in this process's pool. */
  poolSize?: number;
  /** PostgreSQL: told when an idle connection is lost (the pool replaces it). */
  onConnectionError?: (error: Error) => void;
  /** SQLite: told once when the database file is deleted or replaced under the process. */
  onProblem?: (why: string) => void;
}

/** Opens the database named by `--db`: a postgres:// URL, or else a SQLite file path. */
export async function openStorage(db: string, options: OpenOptions = {}): Promise<Dialect> {
  const dialect = isPostgresUrl(db)
    ? openPostgres(db, {
        ...(options.poolSize ? { poolSize: options.poolSize } : {}),
        ...(options.onConnectionError ? { onConnectionError: options.onConnectionError } : {}),
      })
    : openSqlite(db, options.onProblem ? { onProblem: options.onProblem } : {});
  try {
    if (options.migrate !== false) await migrate(dialect);
  } catch (e) {
    await dialect.close().catch(() => undefined);
    throw e;
  }
  return dialect;
}
