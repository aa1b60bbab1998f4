import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dialect } from '../../src/storage/dialect.js';
import { openStorage } from '../../src/storage/open.js';
import { backend, createPgDatabase } from '../helpers/database.js';

/**
 * The backend a conformance file runs on: a real SQLite file (sqlite project) or a real PostgreSQL
 * database (postgres project). `peer()` is what another worker process would use: a connection pool
 * of its own on PostgreSQL; on SQLite, which serves one process, the same handle.
 */
export interface Backend {
  name: 'sqlite' | 'postgres';
  url: string;
  main: Dialect;
  peer(): Promise<Dialect>;
  /** Opens the database without applying migrations. */
  openRaw(): Promise<Dialect>;
  close(): Promise<void>;
}

export async function openBackend(options: { migrate?: boolean } = {}): Promise<Backend> {
  const opened: Dialect[] = [];
  let url: string;
  let cleanup: () => Promise<void>;
  if (backend === 'postgres') {
    const db = await createPgDatabase();
    url = db.url;
    cleanup = () => db.drop();
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-conformance-'));
    url = join(dir, 'conformance.db');
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  }
  const open = async (migrate: boolean) => {
    const d = await openStorage(url, { migrate });
    opened.push(d);
    return d;
  };
  const main = await open(options.migrate !== false);
  return {
    name: backend,
    url,
    main,
    peer: async () => (backend === 'postgres' ? open(true) : main),
    openRaw: () => open(false),
    async close() {
      for (const d of opened) await d.close().catch(() => undefined);
      await cleanup();
    },
  };
}
