import { Command } from 'commander';

const dbOption = () => process.env.SWITCHBOARD_DB ?? '.switchboard/switchboard.db';

/**
 * `switchboard platforms`: the server's platforms, managed on its database directly (an operator's
 * command, like `keys`). Each platform has its own keys, accounts, endpoints and events.
 */
export function platformsCommand(): Command {
  const cmd = new Command('platforms').description(
    'Create and list the platforms of a server (each with its own keys, connected accounts, endpoints and events).',
  );
  cmd
    .command('create')
    .description('Create a platform and print its keys (the live key is shown only now).')
    .requiredOption('--name <name>', 'the platform (and its Connect application) name')
    .option('--db <path>', 'the database of the server', dbOption())
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  switchboard platforms create --name "Acme Marketplace"')
    .action(async (opts: { name: string; db: string; json?: boolean }) => {
      const { createPlatform, openStorage } = await import('@switchboard/server');
      const dialect = await openStorage(opts.db);
      try {
        const created = await createPlatform(dialect.db, { name: opts.name, now: Date.now() });
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify({ id: created.platform.id, name: opts.name, application: created.platform.application_id, test_key: created.testKey, live_key: created.liveKey }, null, 2)}\n`,
          );
          return;
        }
        process.stdout.write(
          [
            `platform ${created.platform.id} "${opts.name}" (Connect application ${created.platform.application_id})`,
            `  Test secret key: ${created.testKey}`,
            `  Live secret key: ${created.liveKey}   (shown only now: it is stored hashed)`,
            '',
          ].join('\n'),
        );
      } finally {
        await dialect.close();
      }
    });
  cmd
    .command('list')
    .description('List the platforms (sandboxes are listed by `switchboard sandboxes list`).')
    .option('--db <path>', 'the database of the server', dbOption())
    .option('--json', 'print JSON')
    .action(async (opts: { db: string; json?: boolean }) => {
      const { listPlatforms, openStorage } = await import('@switchboard/server');
      const dialect = await openStorage(opts.db, { migrate: false });
      try {
        const rows = (await listPlatforms(dialect.db, null)).reverse();
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify(
              rows.map((p) => ({
                id: p.id,
                name: p.name,
                application: p.application_id,
                created: Number(p.created),
              })),
              null,
              2,
            )}\n`,
          );
          return;
        }
        for (const p of rows) process.stdout.write(`${p.id}  ${p.name}  (${p.application_id})\n`);
      } finally {
        await dialect.close();
      }
    });
  return cmd;
}
