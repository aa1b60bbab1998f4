#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { accountsCommand } from './commands/accounts.js';
import { endpointsCommand } from './commands/endpoints.js';
import { eventsCommand } from './commands/events.js';
import { fixturesCommand } from './commands/fixtures.js';
import { keysCommand } from './commands/keys.js';
import { listenCommand } from './commands/listen.js';
import { loginCommand } from './commands/login.js';
import { migrateCommand } from './commands/migrate.js';
import { replayCommand } from './commands/replay.js';
import { platformsCommand } from './commands/platforms.js';
import { redirectUrisCommand } from './commands/redirect-uris.js';
import { sandboxesCommand } from './commands/sandboxes.js';
import { serveCommand } from './commands/serve.js';
import { triggerCommand } from './commands/trigger.js';

// `switchboard trigger --list | head`: a closed pipe ends the command quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const { version } = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as { version: string };

const program = new Command('switchboard')
  .description('Self-hosted Stripe-compatible Connect webhooks: server, CLI and delivery engine.')
  .version(version)
  .showHelpAfterError();
program.addCommand(serveCommand());
program.addCommand(keysCommand());
program.addCommand(loginCommand());
program.addCommand(listenCommand());
program.addCommand(triggerCommand());
program.addCommand(fixturesCommand());
program.addCommand(eventsCommand());
program.addCommand(endpointsCommand());
program.addCommand(replayCommand());
program.addCommand(accountsCommand());
program.addCommand(sandboxesCommand());
program.addCommand(platformsCommand());
program.addCommand(redirectUrisCommand());
program.addCommand(migrateCommand());

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`switchboard: ${(e as Error).message}\n`);
  if (process.env.SWITCHBOARD_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
