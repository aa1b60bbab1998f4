import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../storage/schema.js';
import { probesHandler } from './probes.js';

describe('/healthz and /readyz', () => {
  const open: Array<{ server: Server; db: Kysely<Database> }> = [];
  afterEach(async () => {
    for (const { server, db } of open.splice(0)) {
      await new Promise((r) => server.close(r));
      await db.destroy().catch(() => undefined);
    }
  });

  async function serve(state: { stopping: boolean }) {
    const raw = new BetterSqlite3(':memory:');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
    const probes = probesHandler(db, () => state.stopping);
    const server = createServer((req, res) => {
      void probes(req, res, (req.url ?? '/').split('?')[0]!).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    open.push({ server, db });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const get = async (path: string, method = 'GET') => {
      const res = await fetch(url + path, { method });
      return { status: res.status, body: await res.text() };
    };
    return { raw, get };
  }

  it('answers ready while the database answers, and unavailable once it does not', async () => {
    const state = { stopping: false };
    const { raw, get } = await serve(state);
    expect(await get('/healthz')).toEqual({ status: 200, body: '{"status":"ok"}' });
    expect(await get('/readyz')).toEqual({
      status: 200,
      body: '{"status":"ready","database":"ok"}',
    });
    expect(await get('/readyz', 'HEAD')).toEqual({ status: 200, body: '' });
    expect((await get('/readyz', 'POST')).status).toBe(404);

    raw.close();
    expect(await get('/readyz')).toEqual({
      status: 503,
      body: '{"status":"unavailable","database":"unreachable"}',
    });
    // Liveness does not depend on the database.
    expect((await get('/healthz')).status).toBe(200);
  });

  it('answers stopping once the process shuts down', async () => {
    const state = { stopping: false };
    const { get } = await serve(state);
    expect((await get('/readyz')).status).toBe(200);
    state.stopping = true;
    expect(await get('/readyz')).toEqual({ status: 503, body: '{"status":"stopping"}' });
    expect((await get('/healthz')).status).toBe(200);
  });
});
