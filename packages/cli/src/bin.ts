#!/usr/bin/env node
import { Command } from 'commander';
import { keysCommand } from './commands/keys.js';
import { listenCommand } from './commands/listen.js';
import { migrateCommand } from './commands/migrate.js';
import { serveCommand } from './commands/serve.js';

const program = new Command('switchboard')
  .description('Self-hosted Stripe-compatible Connect webhooks: server, CLI and delivery engine.')
  .version('0.1.0')
  .showHelpAfterError();
program.addCommand(serveCommand());
program.addCommand(keysCommand());
program.addCommand(listenCommand());
program.addCommand(migrateCommand());

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`switchboard: ${(e as Error).message}\n`);
  if (process.env.SWITCHBOARD_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
