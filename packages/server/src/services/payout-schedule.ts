import type Stripe from 'stripe';
import { DAY_MS, nextPayoutRun } from '../domain/payout-schedule.js';
import { findObject } from '../storage/repositories/objects.js';
import type { WriteContext } from './context.js';
import { scheduleTask } from './scheduler.js';

/**
 * Connected accounts' payout schedules at work (domain/payout-schedule.ts says when runs fall):
 * how long an account's charge funds are held, and its next automatic payout run, scheduled on
 * the server clock whenever it has funds to pay out (resources/payouts.ts runs it).
 */

function connectedAccount(row: { type: string; deleted: number; data: string } | undefined) {
  return row && row.type === 'account' && row.deleted === 0
    ? (JSON.parse(row.data) as Stripe.Account)
    : null;
}

/**
 * How long a charge's funds are held before they are available, for the account that receives
 * them: the account's `delay_days` when its platform set it, else `--funds-available-after`
 * (whose default, 2 days, is the US minimum Stripe starts accounts with).
 */
export async function fundsHoldMs(w: WriteContext, accountId: string | null): Promise<number> {
  const fallback = w.services.config.fundsAvailableAfterMs;
  if (!accountId) return fallback;
  const row = await findObject(w.db, accountId);
  const account = connectedAccount(row);
  const set = row && (JSON.parse(row.internal) as { payout_delay_set?: boolean }).payout_delay_set;
  const days = account?.settings?.payouts?.schedule.delay_days;
  return set && days !== undefined ? days * DAY_MS : fallback;
}

/**
 * Schedules the account's next automatic payout run, if its payouts are enabled and its schedule
 * pays out (not `manual`). One task per account, mode and run: calling it again for the same run
 * adds nothing. The run pays out what is available then (it may be nothing).
 */
export async function scheduleAutomaticPayout(
  w: WriteContext,
  accountId: string,
  livemode: boolean,
): Promise<void> {
  const account = connectedAccount(await findObject(w.db, accountId));
  const schedule = account?.payouts_enabled ? account.settings?.payouts?.schedule : undefined;
  const run = schedule ? nextPayoutRun(schedule, w.now) : null;
  if (run === null) return;
  await scheduleTask(
    w,
    'payout.automatic',
    run,
    { livemode, accountId, run },
    `task_payout_${accountId}_${livemode ? 'live' : 'test'}_${run}`,
  );
}
