import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Dialect } from './dialect.js';
import * as initial from './migrations/0001-initial.js';
import * as scheduledTasks from './migrations/0002-scheduled-tasks.js';
import * as listenSecrets from './migrations/0003-listen-secrets.js';

/** Versioned migrations, applied in name order. Kysely's migrator takes a lock, so concurrent starts are safe. */
function provider(dialect: Dialect): MigrationProvider {
  const all: Record<string, Migration> = {
    '0001-initial': { up: (db) => initial.up(db, dialect.name) },
    '0002-scheduled-tasks': { up: (db) => scheduledTasks.up(db, dialect.name) },
    '0003-listen-secrets': { up: (db) => listenSecrets.up(db) },
  };
  return { getMigrations: async () => all };
}

export async function migrate(dialect: Dialect): Promise<string[]> {
  const migrator = new Migrator({ db: dialect.db, provider: provider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
