import type { IncomingMessage, ServerResponse } from 'node:http';
import { sql, type Kysely } from 'kysely';
import { sendJson } from '../api/json-response.js';
import type { Database } from '../storage/schema.js';

/** A readiness check gives the database this long to answer `SELECT 1`. */
const DATABASE_TIMEOUT_MS = 2_000;

/** Whether the database answers `SELECT 1` in time; never throws. */
async function databaseAnswers(db: Kysely<Database>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), DATABASE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      sql`select 1`.execute(db).then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The probes an orchestrator polls, served without a key on the API port and on `--metrics-port`
 * (the only port of a worker process):
 * - `GET /healthz` (liveness): the process answers; 200 `{"status":"ok"}`.
 * - `GET /readyz` (readiness): the database answers `SELECT 1` within 2 s and the process is not
 *   shutting down; 200 `{"status":"ready","database":"ok"}`, else 503 with `"unavailable"` (the
 *   database did not answer, `"database":"unreachable"`; or the SQLite file was deleted or
 *   replaced under the server, `"database":"file_missing"`) or `"stopping"` (SIGTERM received:
 *   let traffic go elsewhere).
 * Neither says why the database failed: the answer needs no key.
 */
export function probesHandler(
  db: Kysely<Database>,
  stopping: () => boolean,
  problem: () => string | null = () => null,
): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean> {
  return async (req, res, path) => {
    if (path !== '/healthz' && path !== '/readyz') return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (path === '/healthz') {
      sendJson(res, 200, JSON.stringify({ status: 'ok' }));
      return true;
    }
    if (stopping()) {
      sendJson(res, 503, JSON.stringify({ status: 'stopping' }));
      return true;
    }
    if (problem() !== null) {
      sendJson(res, 503, JSON.stringify({ status: 'unavailable', database: 'file_missing' }));
      return true;
    }
    const ok = await databaseAnswers(db);
    if (ok) sendJson(res, 200, JSON.stringify({ status: 'ready', database: 'ok' }));
    else sendJson(res, 503, JSON.stringify({ status: 'unavailable', database: 'unreachable' }));
    return true;
  };
}
