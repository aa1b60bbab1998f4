import { Command } from 'commander';
import { CliError } from '../api/client.js';
import {
  addConnectionOptions,
  resolveConnection,
  type ConnectionFlags,
} from '../config/connection.js';
import { action, collect, printJson, printTable } from '../output.js';
import { triggerFixture, triggerNames, type Fixture } from '../trigger/fixture.js';
import { applyRewrites } from '../trigger/rewrite.js';
import { runFixture } from '../trigger/run.js';

export interface FixtureFlags extends ConnectionFlags {
  override?: string[];
  add?: string[];
  remove?: string[];
  skip?: string[];
  json?: boolean;
}

interface TriggerFlags extends FixtureFlags {
  list?: boolean;
}

/** Adds the fixture-editing flags that `trigger` and `fixtures` share. */
export function addFixtureOptions(cmd: Command): Command {
  return cmd
    .option('--override <step:path=value>', "change a step's param (repeatable)", collect)
    .option('--add <step:path=value>', 'add a param a step does not set (repeatable)', collect)
    .option('--remove <step:path>', "remove a step's param (repeatable)", collect)
    .option('--skip <step>', 'leave a step out (repeatable)', collect)
    .option('--api-version <version>', 'send this Stripe-Version');
}

/** Applies the edits, runs the steps (printing them, or JSON at the end). */
export async function runAndReport(
  fixture: Fixture,
  flags: FixtureFlags,
  label: Record<string, string>,
): Promise<void> {
  const edited = applyRewrites(fixture, flags);
  const conn = resolveConnection(flags);
  const out = flags.json ? undefined : (line: string) => process.stdout.write(line + '\n');
  const steps = await runFixture(edited, conn, { skip: flags.skip, out });
  if (flags.json) printJson({ ...label, stripe_account: conn.stripeAccount ?? null, steps });
}

export function triggerCommand(): Command {
  const cmd = new Command('trigger')
    .description(
      'Trigger an event by making the API calls that cause it (the Stripe CLI fixture format); the server sends the event to your endpoints.',
    )
    .argument('[event]', 'the event to trigger, e.g. payout.failed (see --list)')
    .option('--list', 'list the events it can trigger');
  addFixtureOptions(cmd);
  addConnectionOptions(cmd, { stripeAccount: true });
  cmd.option('--json', 'print the steps run, with the ids they created, as JSON');
  cmd.addHelpText(
    'after',
    `
With --stripe-account every request carries Stripe-Account, so the events come from that connected
account and go to your Connect (connect=true) endpoints. Triggers that otherwise create an account
(account.*, person.*, capability.updated) act on the named account instead; account.application.*
need a Standard account, and charges and payouts an onboarded one. The v2.core.account.* triggers
create a v2 account of their own: run them without --stripe-account.

Examples:
  switchboard trigger customer.created
  switchboard trigger payout.failed --stripe-account acct_1Nv0FGQ9RKHgCVdK
  switchboard trigger payment_intent.succeeded --override payment_intent:amount=5000
  switchboard trigger person.updated --add person_updated:email=jenny@example.com
  switchboard trigger --list`,
  );
  cmd.action(
    action('trigger', async (event: string | undefined, flags: TriggerFlags) => {
      if (flags.list) return listTriggers(flags.json);
      if (!event)
        throw new CliError('name the event to trigger (`switchboard trigger --list` shows them)');
      const fixture = triggerFixture(event);
      await runAndReport(fixture, flags, { trigger: event });
      if (!flags.json) {
        process.stdout.write(
          'Trigger succeeded! Check your endpoints, `switchboard events list` or the dashboard for event details.\n',
        );
        if (fixture._meta.note) process.stdout.write(`Note: ${fixture._meta.note}\n`);
      }
    }),
  );
  return cmd;
}

function listTriggers(json?: boolean): void {
  const rows = triggerNames().map((name) => ({
    event: name,
    description: triggerFixture(name)._meta.description ?? '',
  }));
  if (json) return printJson(rows);
  process.stdout.write('Supported events:\n');
  printTable(
    ['EVENT', 'WHAT IT DOES'],
    rows.map((r) => [r.event, r.description]),
  );
}
