import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Dialect } from './dialect.js';
import * as initial from './migrations/0001-initial.js';
import * as scheduledTasks from './migrations/0002-scheduled-tasks.js';
import * as listenSecrets from './migrations/0003-listen-secrets.js';
import * as leaseIndex from './migrations/0004-lease-index.js';
import * as claimFunction from './migrations/0005-claim-function.js';
import * as freeDeliveriesIndex from './migrations/0006-free-deliveries-index.js';
import * as narrowDeliveryIndexes from './migrations/0007-narrow-delivery-indexes.js';
import * as eventPending from './migrations/0008-event-pending.js';
import * as accountKeys from './migrations/0009-account-keys.js';
import * as keyExpiryRedirectUris from './migrations/0010-key-expiry-redirect-uris.js';
import * as keyPermissions from './migrations/0011-key-permissions.js';
import * as chaos from './migrations/0012-chaos.js';
import * as postgresQueue from './migrations/0013-postgres-queue.js';
import * as fileContents from './migrations/0014-file-contents.js';
import * as claimByKey from './migrations/0015-claim-by-key.js';
import * as claimAlone from './migrations/0016-claim-alone.js';
import * as queuePlansUseIndexes from './migrations/0017-queue-plans-use-indexes.js';

/** Versioned migrations, applied in name order (exported for the tests that upgrade a database). */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  const all: Record<string, Migration> = {
    '0001-initial': { up: (db) => initial.up(db, dialect.name) },
    '0002-scheduled-tasks': { up: (db) => scheduledTasks.up(db, dialect.name) },
    '0003-listen-secrets': { up: (db) => listenSecrets.up(db) },
    '0004-lease-index': { up: (db) => leaseIndex.up(db) },
    '0005-claim-function': { up: (db) => claimFunction.up(db, dialect.name) },
    '0006-free-deliveries-index': { up: (db) => freeDeliveriesIndex.up(db, dialect.name) },
    '0007-narrow-delivery-indexes': { up: (db) => narrowDeliveryIndexes.up(db, dialect.name) },
    '0008-event-pending': { up: (db) => eventPending.up(db, dialect.name) },
    '0009-account-keys': { up: (db) => accountKeys.up(db) },
    '0010-key-expiry-redirect-uris': { up: (db) => keyExpiryRedirectUris.up(db, dialect.name) },
    '0011-key-permissions': { up: (db) => keyPermissions.up(db) },
    '0012-chaos': { up: (db) => chaos.up(db) },
    '0013-postgres-queue': { up: (db) => postgresQueue.up(db, dialect.name) },
    '0014-file-contents': { up: (db) => fileContents.up(db, dialect.name) },
    '0015-claim-by-key': { up: (db) => claimByKey.up(db, dialect.name) },
    '0016-claim-alone': { up: (db) => claimAlone.up(db, dialect.name) },
    '0017-queue-plans-use-indexes': { up: (db) => queuePlansUseIndexes.up(db, dialect.name) },
  };
  return { getMigrations: async () => all };
}

/**
 * Applies the migrations not yet applied; returns their names. Safe when several processes start
 * at once: they queue on a lock across processes (on top of the lock Kysely's migrator takes, which
 * does not cover creating its own bookkeeping tables), and the later ones find nothing to do.
 */
export async function migrate(dialect: Dialect): Promise<string[]> {
  const migrator = new Migrator({ db: dialect.db, provider: migrationProvider(dialect) });
  const { error, results } = await dialect.exclusive('migrate', () => migrator.migrateToLatest());
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
