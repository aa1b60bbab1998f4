import { Command } from 'commander';

export function keysCommand(): Command {
  return new Command('keys')
    .description(
      "Show the test secret keys of the server's platforms and sandboxes (live keys are shown only at creation).",
    )
    .option(
      '--db <path>',
      'SQLite database file',
      process.env.SWITCHBOARD_DB ?? '.switchboard/switchboard.db',
    )
    .option('--json', 'print JSON')
    .action(async (opts: { db: string; json?: boolean }) => {
      const { firstPlatform, listPlatforms, openStorage, testKeysOf } =
        await import('@switchboard/server');
      const dialect = await openStorage(opts.db, { migrate: false }).catch((e: Error) => {
        process.stderr.write(`switchboard keys: cannot open ${opts.db}: ${e.message}\n`);
        process.exit(1);
      });
      try {
        const first = await firstPlatform(dialect.db);
        if (!first) {
          process.stderr.write(
            `switchboard keys: no platform in ${opts.db} yet; start the server once with \`switchboard serve\`.\n`,
          );
          process.exit(1);
        }
        const roots = await listPlatforms(dialect.db, null);
        const rows = [];
        for (const p of roots.reverse()) {
          rows.push({
            platform: p.id,
            name: p.name,
            sandbox: false,
            test_keys: await testKeysOf(dialect.db, p.id),
          });
          for (const s of (await listPlatforms(dialect.db, p.id)).reverse()) {
            rows.push({
              platform: s.id,
              name: s.name,
              sandbox: true,
              test_keys: await testKeysOf(dialect.db, s.id),
            });
          }
        }
        if (opts.json) {
          process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
          return;
        }
        for (const r of rows) {
          process.stdout.write(
            `${r.sandbox ? '  sandbox ' : 'platform '}${r.platform} "${r.name}"\n`,
          );
          for (const k of r.test_keys)
            process.stdout.write(`${r.sandbox ? '  ' : ''}  test secret key: ${k}\n`);
        }
      } finally {
        await dialect.close();
      }
    });
}
