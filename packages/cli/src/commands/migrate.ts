import { Command } from 'commander';

/** Safe to run while servers start or run: migrations take a lock across processes. */
export function migrateCommand(): Command {
  return new Command('migrate')
    .description(
      'Apply pending database migrations and exit (`serve` also applies them at start). Safe to run from several processes at once.',
    )
    .option(
      '--db <path|url>',
      'SQLite database file or PostgreSQL URL [env SWITCHBOARD_DB]',
      process.env.SWITCHBOARD_DB ?? '.switchboard/switchboard.db',
    )
    .action(async (opts: { db: string }) => {
      const { describeDatabase, migrate, openStorage } = await import('@switchboard/server');
      // The URL may hold a password: name the database without it.
      const where = describeDatabase(opts.db);
      const dialect = await openStorage(opts.db, { migrate: false }).catch((e: Error) => {
        process.stderr.write(`switchboard migrate: cannot open ${where}: ${e.message}\n`);
        process.exit(1);
      });
      try {
        const applied = await migrate(dialect);
        process.stdout.write(
          applied.length === 0
            ? `${where}: up to date\n`
            : `${where}: applied ${applied.join(', ')}\n`,
        );
      } catch (e) {
        process.stderr.write(`switchboard migrate: ${(e as Error).message}\n`);
        process.exitCode = 1;
      } finally {
        await dialect.close();
      }
    });
}
