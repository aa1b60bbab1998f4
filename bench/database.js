// The database a benchmark runs on: `--db sqlite` (a file in the run's directory) or `--db postgres`
// (a throwaway PostgreSQL cluster in that directory, with durable settings, stopped afterwards), or
// `--db postgres://...` (an existing server: a database is created for the run and dropped after).
import { join } from 'node:path';
import pg from 'pg';
import { startCluster, stopCluster } from '../scripts/pg-cluster.mjs';

export async function benchDatabase(kind, dir) {
  // (The cluster gets a temporary directory of its own: the `postgres` OS user cannot enter `dir`.)
  if (kind === 'sqlite') {
    return { kind, url: join(dir, 'bench.db'), describe: 'SQLite (WAL)', stop: async () => {} };
  }
  let adminUrl = kind;
  let cluster = null;
  if (kind === 'postgres') {
    cluster = await startCluster({ durable: true });
    adminUrl = cluster.url;
  } else if (!/^postgres(ql)?:\/\//.test(kind)) {
    throw new Error(`--db is sqlite, postgres or a postgres:// URL, not '${kind}'`);
  }
  const name = `switchboard_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const version = (await admin.query('SHOW server_version')).rows[0].server_version;
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    kind: 'postgres',
    url: url.toString(),
    describe: `PostgreSQL ${version.split(' ')[0]} (${cluster ? 'throwaway local cluster, default durable settings' : 'given server'})`,
    async stop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      if (cluster) stopCluster(cluster.dir);
    },
  };
}
