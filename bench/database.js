// The database a benchmark runs on: `--db sqlite` (a file in the run's directory) or `--db postgres`
// (a throwaway PostgreSQL cluster in that directory, with durable settings, stopped afterwards), or
// `--db postgres://...` (an existing server: a database is created for the run and dropped after).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { startCluster, stopCluster } from '../scripts/pg-cluster.mjs';

/** The postmaster of a cluster directory and its children (the backends). */
export function postgresPids(clusterDir) {
  let postmaster;
  try {
    postmaster = Number(readFileSync(`${clusterDir}/data/postmaster.pid`, 'utf8').split('\n')[0]);
  } catch {
    return [];
  }
  const pids = [postmaster];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      if (ppid === postmaster) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

export async function benchDatabase(kind, dir, { statements = false } = {}) {
  // (The cluster gets a temporary directory of its own: the `postgres` OS user cannot enter `dir`.)
  if (kind === 'sqlite') {
    return {
      kind,
      url: join(dir, 'bench.db'),
      describe: 'SQLite (WAL)',
      pids: () => [],
      stop: async () => {},
    };
  }
  let adminUrl = kind;
  let cluster = null;
  if (kind === 'postgres') {
    cluster = await startCluster({
      durable: true,
      // Counts every statement a client sends (bench --pg-stats).
      settings: statements
        ? ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track=all']
        : [],
    });
    adminUrl = cluster.url;
  } else if (!/^postgres(ql)?:\/\//.test(kind)) {
    throw new Error(`--db is sqlite, postgres or a postgres:// URL, not '${kind}'`);
  }
  const stamp = Date.now();
  const created = [];
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const version = (await admin.query('SHOW server_version')).rows[0].server_version;
  /** A database of its own for the run (dropped at stop); its URL. */
  const create = async (name) => {
    await admin.query(`CREATE DATABASE ${name}`);
    created.push(name);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const url = await create(`switchboard_bench_${stamp}`);
  if (statements) await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  return {
    kind: 'postgres',
    url,
    describe: `PostgreSQL ${version.split(' ')[0]} (${cluster ? 'throwaway local cluster, default durable settings' : 'given server'})`,
    another: (name) => create(`${name}_${stamp}`),
    /**
     * What PostgreSQL counted for the database at `dbUrl` so far: commits (pg_stat_database), and
     * with `statements` the statements run (pg_stat_statements, those inside functions too) and
     * the round trips (the statements clients sent, BEGIN and COMMIT included). Waits until the
     * counts stop moving (backends report commits up to a second late, idle ones later still).
     */
    async counters(dbUrl) {
      const name = new URL(dbUrl).pathname.slice(1);
      const read = async () => {
        const { rows } = await admin.query(
          `SELECT xact_commit::bigint AS commits FROM pg_stat_database WHERE datname = $1`,
          [name],
        );
        const out = { commits: Number(rows[0]?.commits ?? 0), statements: null, roundTrips: null };
        if (statements) {
          const s = await admin.query(
            `SELECT coalesce(sum(calls), 0)::bigint AS statements,
               coalesce(sum(calls) FILTER (WHERE toplevel), 0)::bigint AS round_trips
             FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1`,
            [name],
          );
          out.statements = Number(s.rows[0].statements);
          out.roundTrips = Number(s.rows[0].round_trips);
        }
        return out;
      };
      let last = await read();
      for (let i = 0; i < 30; i++) {
        await new Promise((r) => setTimeout(r, 500));
        const next = await read();
        if (next.commits === last.commits && next.statements === last.statements) return next;
        last = next;
      }
      return last;
    },
    /** The cluster's processes, when the bench started it (their CPU is PostgreSQL's). */
    pids: () => (cluster ? postgresPids(cluster.dir) : []),
    async stop() {
      for (const name of created) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
      if (cluster) stopCluster(cluster.dir);
    },
  };
}
