import Database from 'better-sqlite3';
import { createSqliteDedupeStore, type DedupeStore } from '@switchboard/sdk';

/** What the platform keeps about one connected account. */
export interface AccountState {
  account: {
    id: string;
    livemode: boolean;
    data: Record<string, unknown>;
    updatedAt: number;
  } | null;
  /** Objects retrieved from the API as the account, by `<object>:<id>`. */
  objects: Record<string, Record<string, unknown>>;
  /** The events handled for the account, oldest first. */
  events: Array<{ id: string; type: string }>;
}

/**
 * The platform's state about its connected accounts, in one SQLite file: the account itself, the
 * objects retrieved for it, the events handled, and (through the SDK) processed event ids.
 */
export class AccountStore {
  readonly db: Database.Database;
  readonly dedupe: DedupeStore;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS connected_accounts (
        id TEXT PRIMARY KEY,
        livemode INTEGER NOT NULL,
        data TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS account_objects (
        account TEXT NOT NULL,
        object TEXT NOT NULL,
        id TEXT NOT NULL,
        data TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (account, object, id)
      );
      CREATE TABLE IF NOT EXISTS handled_events (
        id TEXT PRIMARY KEY,
        account TEXT,
        type TEXT NOT NULL,
        handled_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS handled_events_account ON handled_events (account);
    `);
    this.dedupe = createSqliteDedupeStore(this.db);
  }

  saveAccount(id: string, livemode: boolean, data: object): void {
    this.db
      .prepare(
        `INSERT INTO connected_accounts (id, livemode, data, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET livemode = excluded.livemode, data = excluded.data, updated_at = excluded.updated_at`,
      )
      .run(id, livemode ? 1 : 0, JSON.stringify(data), Date.now());
  }

  saveObject(account: string, object: string, id: string, data: object): void {
    this.db
      .prepare(
        `INSERT INTO account_objects (account, object, id, data, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (account, object, id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
      )
      .run(account, object, id, JSON.stringify(data), Date.now());
  }

  recordEvent(id: string, type: string, account: string | undefined): void {
    this.db
      .prepare(
        'INSERT OR IGNORE INTO handled_events (id, account, type, handled_at) VALUES (?, ?, ?, ?)',
      )
      .run(id, account ?? null, type, Date.now());
  }

  /** Removes everything kept about an account, in one transaction; returns how many rows went. */
  removeAccount(id: string): number {
    return this.db.transaction(() => {
      let removed = 0;
      removed += this.db.prepare('DELETE FROM connected_accounts WHERE id = ?').run(id).changes;
      removed += this.db.prepare('DELETE FROM account_objects WHERE account = ?').run(id).changes;
      removed += this.db.prepare('DELETE FROM handled_events WHERE account = ?').run(id).changes;
      return removed;
    })();
  }

  state(id: string): AccountState {
    const row = this.db.prepare('SELECT * FROM connected_accounts WHERE id = ?').get(id) as
      { id: string; livemode: number; data: string; updated_at: number } | undefined;
    const objects = this.db
      .prepare('SELECT object, id, data FROM account_objects WHERE account = ? ORDER BY updated_at')
      .all(id) as Array<{ object: string; id: string; data: string }>;
    const events = this.db
      .prepare('SELECT id, type FROM handled_events WHERE account = ? ORDER BY handled_at, rowid')
      .all(id) as Array<{ id: string; type: string }>;
    return {
      account: row
        ? {
            id: row.id,
            livemode: row.livemode === 1,
            data: JSON.parse(row.data),
            updatedAt: row.updated_at,
          }
        : null,
      objects: Object.fromEntries(objects.map((o) => [`${o.object}:${o.id}`, JSON.parse(o.data)])),
      events,
    };
  }

  close(): void {
    this.db.close();
  }
}
