import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** The platform's listen secret for a mode, created on first use: stable across sessions. */
export async function listenSecret(
  db: Kysely<Database>,
  platformId: string,
  livemode: boolean,
  create: () => string,
): Promise<string> {
  const mode = livemode ? 1 : 0;
  const row = await db
    .selectFrom('listen_secrets')
    .select('secret')
    .where('platform_id', '=', platformId)
    .where('livemode', '=', mode)
    .executeTakeFirst();
  if (row) return row.secret;
  const secret = create();
  await db
    .insertInto('listen_secrets')
    .values({ platform_id: platformId, livemode: mode, secret })
    .execute();
  return secret;
}
