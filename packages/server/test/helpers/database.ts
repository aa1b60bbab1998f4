import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';

/**
 * Which backend the tests run on. The `postgres` vitest project sets SWITCHBOARD_TEST_DB=postgres
 * and SWITCHBOARD_TEST_PG_URL (a throwaway cluster that `.ci/run` starts); every test file then
 * gets databases of its own, created here and dropped afterwards.
 */
export const backend: 'sqlite' | 'postgres' =
  process.env.SWITCHBOARD_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

/** The cluster's admin URL, when one is available (also to the sqlite project, for conformance). */
export const pgAdminUrl: string | undefined = process.env.SWITCHBOARD_TEST_PG_URL || undefined;

export interface TestDatabase {
  /** What `--db` takes: a file path or a postgres:// URL. */
  url: string;
  drop(): Promise<void>;
}

/** A new, empty PostgreSQL database on the test cluster. */
export async function createPgDatabase(adminUrl = pgAdminUrl): Promise<TestDatabase> {
  if (!adminUrl) throw new Error('SWITCHBOARD_TEST_PG_URL is not set');
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A fresh database for one server: a SQLite file in `dir`, or a new PostgreSQL database. */
export async function freshDatabase(dir: string, name = 'test'): Promise<TestDatabase> {
  if (backend === 'postgres') return createPgDatabase();
  return { url: join(dir, `${name}.db`), drop: async () => {} };
}
