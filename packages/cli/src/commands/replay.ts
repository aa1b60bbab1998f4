import { Command } from 'commander';
import { CliError } from '../api/client.js';
import {
  addConnectionOptions,
  resolveConnection,
  type ConnectionFlags,
} from '../config/connection.js';
import { action, collectList, formatTime, printJson } from '../output.js';
import { progressBar } from '../replay/progress.js';
import { awaitOutcomes, planReplay, sendResends, type ResendOutcome } from '../replay/replay.js';
import { parseDuration } from '../time.js';
import { eventFilters } from './events.js';

interface ReplayFlags extends ConnectionFlags {
  since: string;
  until?: string;
  type?: string[];
  account?: string;
  endpoint?: string;
  failedOnly?: boolean;
  dryRun?: boolean;
  wait: string;
  json?: boolean;
}

export function replayCommand(): Command {
  const cmd = new Command('replay')
    .description(
      'Resend every event of a time window (bulk redelivery), e.g. after an outage of your receiver.',
    )
    .requiredOption('--since <time>', 'from: ISO date, unix seconds or a duration ago (2h, 3d)')
    .option('--until <time>', 'to (same forms; default: now)')
    .option(
      '--type <type>',
      'only events of these types (repeatable, or comma-separated)',
      collectList,
    )
    .option('--account <acct>', "a connected account's events instead of the platform's own")
    .option(
      '--endpoint <id>',
      'resend to this webhook endpoint (we_) or event destination (ed_) only (default: every one that receives the event)',
    )
    .option('--failed-only', 'only events with a delivery that has not succeeded')
    .option('--dry-run', 'count the events and resends, send nothing')
    .option(
      '--wait <duration>',
      'how long to wait for the deliveries to finish (0: do not wait)',
      '60s',
    );
  addConnectionOptions(cmd);
  cmd.option('--json', 'print the summary as JSON').addHelpText(
    'after',
    `
Each resend is a single attempt outside the retry schedule. Without --endpoint, an event goes again
to every enabled endpoint that receives it: the platform's own events to its Your-account endpoints,
a connected account's events (--account) to the Connect endpoints and to that account's own. v2
(thin) events of the window go again to the thin event destinations that receive them (events_from
@self or @accounts), and v1 events to snapshot destinations too. A progress bar is drawn on a
terminal (stderr); the summary goes to stdout. Exits 1 if any resend was refused, failed or is
still pending.

Examples:
  switchboard replay --since 2h --dry-run
  switchboard replay --since 2026-11-24T09:00:00Z --until 2026-11-24T11:30:00Z --failed-only
  switchboard replay --since 1d --account acct_1Nv0FGQ9RKHgCVdK --type payout.failed --endpoint we_123
  switchboard replay --since 6h --type 'v2.core.account*' --endpoint ed_test_61Rp`,
  );
  cmd.action(
    action('replay', async (flags: ReplayFlags) => {
      const filters = eventFilters({ ...flags, until: flags.until ?? 'now' });
      const waitMs = parseDuration(flags.wait, '--wait') * 1000;
      if (flags.account !== undefined && !/^acct_[A-Za-z0-9]+$/.test(flags.account))
        throw new CliError(
          `--account: ${JSON.stringify(flags.account)} is not an account id (acct_...)`,
        );
      const platform = resolveConnection(flags);
      const events = flags.account ? { ...platform, stripeAccount: flags.account } : platform;
      const plan = await planReplay(platform, events, filters, flags.endpoint);
      const window = filters.created as { gte: number; lte: number };
      const endpoints = new Set(plan.resends.map((r) => r.endpoint)).size;

      if (flags.dryRun) {
        const summary = {
          dry_run: true,
          matched: plan.events.length,
          resends: plan.resends.length,
          endpoints,
        };
        if (flags.json) return printJson(summary);
        process.stdout.write(
          `Dry run: ${plan.events.length} events matched (${formatTime(window.gte)} to ${formatTime(window.lte)} UTC); ` +
            `a replay would send ${plan.resends.length} resends to ${endpoints} endpoints.\n`,
        );
        return;
      }

      const progress = progressBar();
      const outcomes = await sendResends(events, plan.resends, progress);
      if (waitMs > 0) await awaitOutcomes(events, outcomes, waitMs, progress);
      progress.clear();
      report(plan.events.length, outcomes, waitMs > 0, flags.json);
    }),
  );
  return cmd;
}

function report(matched: number, outcomes: ResendOutcome[], waited: boolean, json?: boolean): void {
  const count = (s: ResendOutcome['status']) => outcomes.filter((o) => o.status === s).length;
  const rejected = count('rejected');
  const summary = {
    matched,
    sent: outcomes.length - rejected,
    succeeded: count('succeeded'),
    failed: count('failed') + rejected,
    pending: waited ? count('pending') : 0,
    not_awaited: waited ? 0 : count('pending'),
    failures: outcomes
      .filter((o) => o.status === 'failed' || o.status === 'rejected')
      .map((o) => ({ event: o.event.id, webhook_endpoint: o.endpoint, reason: o.reason })),
  };
  if (json) printJson(summary);
  else {
    const lines = [
      `Replay: ${summary.matched} events matched, ${summary.sent} resends sent.`,
      waited
        ? `  succeeded: ${summary.succeeded}  failed: ${summary.failed}${summary.pending ? `  still pending: ${summary.pending}` : ''}`
        : `  not awaited (--wait 0): ${summary.not_awaited}  refused: ${rejected}`,
    ];
    for (const f of summary.failures.slice(0, 20))
      lines.push(`  failed: ${f.event} -> ${f.webhook_endpoint}: ${f.reason}`);
    if (summary.failures.length > 20)
      lines.push(`  ... and ${summary.failures.length - 20} more (--json lists all)`);
    process.stdout.write(lines.join('\n') + '\n');
  }
  const bad = summary.failed + summary.pending;
  if (bad > 0) {
    process.stderr.write(
      `switchboard replay: ${summary.failed} of ${outcomes.length} resends failed${summary.pending ? `, ${summary.pending} still pending` : ''}\n`,
    );
    process.exitCode = 1;
  }
}
