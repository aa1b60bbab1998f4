import { Command } from 'commander';
import { addConnectionOptions } from '../config/connection.js';
import { action } from '../output.js';
import { readFixture } from '../trigger/fixture.js';
import { addFixtureOptions, runAndReport, type FixtureFlags } from './trigger.js';

export function fixturesCommand(): Command {
  const cmd = new Command('fixtures')
    .description(
      'Run a fixture file (the Stripe CLI format, as `stripe fixtures FILE`): API calls in order, each able to use earlier answers.',
    )
    .argument('<file>', 'the fixture JSON file');
  addFixtureOptions(cmd);
  addConnectionOptions(cmd, { stripeAccount: true });
  cmd.option('--json', 'print the steps run, with the ids they created, as JSON').addHelpText(
    'after',
    `
A step is {"name", "path", "method", "params"}, with optional "expected_error_type",
"idempotency_key" and "headers"; strings may reference \${step:path|default}, \${.env:VAR},
\${time-now-RFC3339} and \${generate-uuid}. The triggers' own fixtures are in the CLI's fixtures/
directory.

Example:
  switchboard fixtures ./seed-data.json --stripe-account acct_1Nv0FGQ9RKHgCVdK`,
  );
  cmd.action(
    action('fixtures', async (file: string, flags: FixtureFlags) => {
      await runAndReport(readFixture(file), flags, { fixture: file });
      if (!flags.json) process.stdout.write('Fixture succeeded!\n');
    }),
  );
  return cmd;
}
