import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

/** The first schema: tenants, keys, objects, events, endpoints, deliveries, attempts, idempotency. */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const seq = dialect === 'postgres' ? 'bigserial' : 'integer';
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  const table = (name: string) =>
    db.schema
      .createTable(name)
      // SQLite: a plain INTEGER PRIMARY KEY (the rowid) is already increasing for our insert-only
      // tables; AUTOINCREMENT would add a sqlite_sequence update to every insert.
      .addColumn('seq', seq, (c) => c.primaryKey())
      .addColumn('id', 'text', (c) => c.notNull().unique());

  await table('platforms')
    .addColumn('parent_id', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('application_id', 'text', (c) => c.notNull())
    .addColumn('application_name', 'text', (c) => c.notNull())
    .addColumn('default_api_version', 'text', (c) => c.notNull())
    .addColumn('created', big, (c) => c.notNull())
    .execute();

  await table('api_keys')
    .addColumn('platform_id', 'text', (c) => c.notNull())
    .addColumn('livemode', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('token', 'text')
    .addColumn('last4', 'text', (c) => c.notNull())
    .addColumn('created', big, (c) => c.notNull())
    .addColumn('revoked', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await table('objects')
    .addColumn('platform_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text')
    .addColumn('livemode', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('internal', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('parent_id', 'text')
    .addColumn('created', big, (c) => c.notNull())
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('objects_by_owner')
    .on('objects')
    .columns(['platform_id', 'type', 'livemode', 'account_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('objects_by_parent')
    .on('objects')
    .columns(['parent_id', 'type', 'seq'])
    .execute();

  await table('events')
    .addColumn('platform_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text')
    .addColumn('livemode', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('object', 'text', (c) => c.notNull())
    .addColumn('api_version', 'text')
    .addColumn('created', big, (c) => c.notNull())
    .addColumn('created_ms', big, (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text')
    .addColumn('idempotency_key', 'text')
    .addColumn('pending_webhooks', 'integer', (c) => c.notNull())
    .addColumn('object_id', 'text')
    .execute();
  await db.schema
    .createIndex('events_by_owner')
    .on('events')
    .columns(['platform_id', 'livemode', 'account_id', 'seq'])
    .execute();

  await table('endpoints')
    .addColumn('platform_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text')
    .addColumn('livemode', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('connect', 'integer', (c) => c.notNull())
    .addColumn('api_version', 'text')
    .addColumn('description', 'text')
    .addColumn('enabled_events', 'text', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('disabled_reason', 'text')
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('previous_secrets', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('application', 'text')
    .addColumn('created', big, (c) => c.notNull())
    .addColumn('failing_since_ms', big)
    .addColumn('warned_at_ms', big)
    .addColumn('config', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('endpoints_by_platform')
    .on('endpoints')
    .columns(['platform_id', 'deleted'])
    .execute();

  await table('deliveries')
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('platform_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('one_shot', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('first_attempt_ms', big)
    .addColumn('next_attempt_ms', big)
    .addColumn('lease_until_ms', big)
    .addColumn('lease_owner', 'text')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_ms', big, (c) => c.notNull())
    .addColumn('updated_ms', big, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('deliveries_due')
    .on('deliveries')
    .columns(['status', 'next_attempt_ms'])
    .execute();
  await db.schema
    .createIndex('deliveries_by_event')
    .on('deliveries')
    .columns(['event_id'])
    .execute();
  await db.schema
    .createIndex('deliveries_by_endpoint')
    .on('deliveries')
    .columns(['endpoint_id', 'status'])
    .execute();

  await table('attempts')
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('platform_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('started_ms', big, (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('response_body', 'text')
    .addColumn('request_headers', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('next_attempt_ms', big)
    .execute();
  await db.schema
    .createIndex('attempts_by_event')
    .on('attempts')
    .columns(['event_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('attempts_by_endpoint')
    .on('attempts')
    .columns(['endpoint_id', 'seq'])
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('platform_id', 'text', (c) => c.notNull())
    .addColumn('account_scope', 'text', (c) => c.notNull())
    .addColumn('livemode', 'integer', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer', (c) => c.notNull())
    .addColumn('response_body', 'text', (c) => c.notNull())
    .addColumn('created_ms', big, (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', [
      'platform_id',
      'account_scope',
      'livemode',
      'key',
    ])
    .execute();
}
