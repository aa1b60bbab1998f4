import { filteredList } from './list-route.js';
import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import {
  applyMetadata,
  effect,
  expandParam,
  extension,
  integer,
  metadata,
  nullableString,
  oneOf,
  refused,
  required,
  string,
  type MetadataPatch,
} from '../stripe/params.js';
import { get, post, type Resource } from './route.js';
import { previousAttributes } from '../domain/event-body.js';
import { newId } from '../domain/ids.js';
import type { PayoutOutcome } from '../domain/test-instruments.js';
import { isPayoutRun } from '../domain/payout-schedule.js';
import {
  readBalance,
  recordBalanceTransaction,
  returnFunds,
  withdrawAvailable,
} from '../services/balance.js';
import type { WriteContext } from '../services/context.js';
import { emitEvent } from '../services/emit-event.js';
import type { TaskPayload } from '../services/scheduler.js';
import { scheduleTask } from '../services/scheduler.js';
import { findObject, type ObjectRow } from '../storage/repositories/objects.js';
import { payoutRefusal } from './account-model.js';
import { platformAccountRow, refreshAccount } from './accounts.js';
import {
  createObject,
  findObjectToChange,
  parseData,
  parseInternal,
  requireObject,
  requireObjectToChange,
  saveObject,
} from './common.js';
import {
  emitExternalAccountEvent,
  type ExternalAccount,
  type ExternalAccountInternal,
} from './external-accounts.js';

/**
 * Payouts from the available balance to an external account: made with `POST /v1/payouts`, and
 * for connected accounts automatically on their payout schedule (`settings.payouts.schedule`;
 * none on `manual`). A payout arrives after `--payout-arrival` on the server's clock:
 * `payout.paid`, or `payout.failed` for Stripe's failing test bank accounts (or
 * `POST /v1/test_helpers/payouts/{id}/fail`). When a payout fails, its external account is
 * disabled and no payouts are made until the external account is updated.
 */
interface PayoutInternal {
  outcome: PayoutOutcome;
}

async function destinationFor(
  w: WriteContext,
  accountId: string | null,
  requested: string | undefined,
  currency: string,
): Promise<ObjectRow | null> {
  // The platform's own payouts go to its own bank accounts, when it has added any.
  accountId ??= w.platform.id;
  const rows = await w.db
    .selectFrom('objects')
    .selectAll()
    .where('parent_id', '=', accountId)
    .where('deleted', '=', 0)
    .where('livemode', '=', w.livemode ? 1 : 0)
    .where('type', 'in', ['bank_account', 'card'])
    .orderBy('seq', 'asc')
    .execute();
  if (requested) {
    const row = rows.find((r) => r.id === requested);
    if (!row) throw errors.resourceMissing('external account', requested, 'destination');
    return row;
  }
  if (rows.length === 0) return null;
  const inCurrency = rows.filter((r) => parseData<ExternalAccount>(r).currency === currency);
  if (inCurrency.length === 0) {
    throw errors.invalidRequest(
      `You have no external accounts in that currency (${currency}).`,
      'currency',
      'no_external_account',
    );
  }
  return (
    inCurrency.find((r) => parseData<ExternalAccount>(r).default_for_currency) ?? inCurrency[0]!
  );
}

function isDisabled(row: ObjectRow): boolean {
  return (parseData<ExternalAccount>(row) as { status?: string }).status === 'errored';
}

/** A failed payout: funds return to the balance, the external account is disabled, events follow. */
async function failPayout(
  w: WriteContext,
  row: ObjectRow,
  payout: Stripe.Payout,
  outcome: { code: string; message: string },
): Promise<Stripe.Payout> {
  const scope = { accountId: row.account_id, livemode: row.livemode === 1 };
  if (payout.balance_transaction) await returnFunds(w, scope, payout.currency, payout.amount);
  const failureTxn = payout.balance_transaction
    ? await recordBalanceTransaction(
        w,
        scope,
        {
          currency: payout.currency,
          amount: payout.amount,
          fee: 0,
          type: 'payout_failure',
          source: payout.id,
          description: 'Payout failure',
        },
        w.now,
        'available',
      )
    : null;
  const failed: Stripe.Payout = {
    ...payout,
    status: 'failed',
    failure_code: outcome.code,
    failure_message: outcome.message,
    failure_balance_transaction: failureTxn,
  };
  await saveObject(w.db, row.id, failed);
  await emitEvent(w, {
    type: 'payout.failed',
    object: failed as never,
    account: row.account_id,
    livemode: row.livemode === 1,
  });
  // The account before its external account, in the order the external account writes lock them.
  if (row.account_id) await findObjectToChange(w, row.account_id);
  const ea = payout.destination
    ? await findObjectToChange(w, payout.destination as string)
    : undefined;
  if (ea && ea.deleted === 0) {
    const before = parseData<ExternalAccount>(ea);
    const after = { ...before, status: 'errored' } as ExternalAccount;
    await saveObject(w.db, ea.id, after, parseInternal(ea));
    const accountRow = row.account_id
      ? (await findObject(w.db, row.account_id))!
      : platformAccountRow(w.platform, row.livemode === 1);
    await emitExternalAccountEvent(
      w,
      accountRow,
      'updated',
      after,
      previousAttributes(before as never, after as never),
    );
    if (row.account_id)
      await refreshAccount(w, row.account_id, (internal) => ({
        ...internal,
        external_account_disabled: true,
      }));
  }
  return failed;
}

async function payPayout(w: WriteContext, row: ObjectRow, payout: Stripe.Payout): Promise<void> {
  const paid: Stripe.Payout = { ...payout, status: 'paid', reconciliation_status: 'completed' };
  await saveObject(w.db, row.id, paid);
  await emitEvent(w, {
    type: 'payout.paid',
    object: paid as never,
    account: row.account_id,
    livemode: row.livemode === 1,
  });
}

/** The scheduled arrival: paid, or failed by the destination's test outcome. */
async function arrive(w: WriteContext, payload: TaskPayload): Promise<void> {
  const row = await findObjectToChange(w, payload.payout as string);
  if (!row) return;
  const payout = parseData<Stripe.Payout>(row);
  if (payout.status !== 'pending' && payout.status !== 'in_transit') return;
  const { outcome } = parseInternal<PayoutInternal>(row);
  if (outcome.kind === 'failed') await failPayout(w, row, payout, outcome);
  else await payPayout(w, row, payout);
}

interface NewPayout {
  amount: number;
  currency: string;
  description?: string | null | undefined;
  destination: ObjectRow | null;
  metadata?: MetadataPatch | undefined;
  method?: Stripe.Payout['method'] | undefined;
  sourceType?: string | undefined;
  statementDescriptor?: string | null | undefined;
  /** Made by the account's payout schedule, not by `POST /v1/payouts`. */
  automatic: boolean;
  /** Test mode's forced outcome (`status=failed`), else the destination's. */
  forced: PayoutOutcome | null;
}

/**
 * Takes the amount from the available balance of the account the write acts as (`w.accountId`,
 * or the platform) and sends it to `destination`: `payout.created`, then its arrival on the
 * server clock (`payout.paid` or `payout.failed`), or failed at once when forced to.
 */
async function createPayout(w: WriteContext, p: NewPayout): Promise<Stripe.Payout> {
  const { currency, destination } = p;
  const description = p.description ?? 'STRIPE PAYOUT';
  const outcome =
    p.forced ??
    (destination
      ? parseInternal<ExternalAccountInternal>(destination).payout
      : { kind: 'paid' as const });
  const scope = { accountId: w.accountId, livemode: w.livemode };
  const forcedFailure = p.forced?.kind === 'failed';
  // A payout forced to fail moves no money, so it needs no funds (the CLI fixture has none).
  let txn: string | null = null;
  const id = newId('po', 24);
  if (!forcedFailure) {
    txn = await withdrawAvailable(w, scope, {
      currency,
      amount: p.amount,
      type: 'payout',
      source: id,
      description,
    });
  }
  const arrival = w.now + w.services.config.payoutArrivalMs;
  const destinationData = destination ? parseData<ExternalAccount>(destination) : null;
  const { data } = await createObject<Stripe.Payout>(w, {
    type: 'payout',
    id,
    data: (payoutId, created) =>
      ({
        id: payoutId,
        object: 'payout',
        amount: p.amount,
        application_fee: null,
        application_fee_amount: null,
        arrival_date: Math.floor(arrival / 1000),
        automatic: p.automatic,
        balance_transaction: txn,
        created,
        currency,
        description,
        destination: destination?.id ?? null,
        failure_balance_transaction: null,
        failure_code: null,
        failure_message: null,
        livemode: w.livemode,
        metadata: applyMetadata({}, p.metadata),
        method: p.method ?? 'standard',
        original_payout: null,
        reconciliation_status: 'not_applicable',
        reversed_by: null,
        source_type: p.sourceType ?? 'card',
        statement_descriptor: p.statementDescriptor ?? null,
        status: 'pending',
        type: destinationData?.object === 'card' ? 'card' : 'bank_account',
      }) as Stripe.Payout,
    internal: { outcome } satisfies PayoutInternal,
  });
  await emitEvent(w, { type: 'payout.created', object: data as never });
  if (forcedFailure) {
    const row = (await findObject(w.db, id))!;
    return failPayout(w, row, data, outcome as { code: string; message: string });
  }
  await scheduleTask(w, 'payout.arrive', arrival, {
    livemode: w.livemode,
    accountId: w.accountId,
    payout: id,
  });
  return data;
}

/**
 * Reverses a paid payout by debiting its bank account, as `POST /v1/payouts/{id}/reverse` does on
 * Stripe: only a connected account's payout to a US bank account. The reversing payout (its
 * `original_payout` the payout, whose `reversed_by` names it) returns the amount to the
 * account's available balance (a `payout` balance transaction of the opposite sign) and arrives
 * as payouts do (`payout.created`, then `payout.paid`); the payout itself gets `payout.updated`.
 */
export const reversalTest =
  "reverses a connected account's paid payout: the reversing payout returns the funds";

async function reversePayout(
  w: WriteContext,
  row: ObjectRow,
  meta: MetadataPatch | undefined,
): Promise<Stripe.Payout> {
  const payout = parseData<Stripe.Payout>(row);
  if (payout.status === 'pending')
    throw errors.invalidRequest(
      'This payout is pending: use /v1/payouts/:id/cancel to cancel it instead of reversing it.',
      'payout',
      'payout_not_reversible',
    );
  if (payout.status !== 'paid')
    throw errors.invalidRequest(
      `Only a paid payout can be reversed; this one is ${payout.status}.`,
      'payout',
    );
  if (payout.reversed_by !== null || payout.original_payout !== null)
    throw errors.invalidRequest(
      payout.reversed_by !== null
        ? `This payout has already been reversed by ${payout.reversed_by as string}.`
        : 'A payout that reverses another cannot be reversed.',
      'payout',
    );
  const destination = payout.destination
    ? await findObject(w.db, payout.destination as string)
    : undefined;
  const country = destination ? parseData<{ country?: string }>(destination).country : undefined;
  if (row.account_id === null || payout.type !== 'bank_account' || country !== 'US')
    throw errors.invalidRequest(
      'Only payouts for connected accounts to US bank accounts may be reversed.',
      'payout',
    );
  const scope = { accountId: row.account_id, livemode: row.livemode === 1 };
  const id = newId('po', 24);
  await returnFunds(w, scope, payout.currency, payout.amount);
  const txn = await recordBalanceTransaction(
    w,
    scope,
    {
      currency: payout.currency,
      amount: payout.amount,
      fee: 0,
      type: 'payout',
      source: id,
      description: 'Payout reversal',
    },
    w.now,
    'available',
  );
  const arrival = w.now + w.services.config.payoutArrivalMs;
  const { data } = await createObject<Stripe.Payout>(w, {
    type: 'payout',
    id,
    data: (_, created) => ({
      ...payout,
      id,
      automatic: false,
      arrival_date: Math.floor(arrival / 1000),
      balance_transaction: txn,
      created,
      metadata: applyMetadata({}, meta),
      original_payout: payout.id,
      reconciliation_status: 'not_applicable',
      reversed_by: null,
      status: 'pending',
    }),
    internal: { outcome: { kind: 'paid' } } satisfies PayoutInternal,
  });
  await emitEvent(w, { type: 'payout.created', object: data as never });
  const reversed: Stripe.Payout = { ...payout, reversed_by: id };
  await saveObject(w.db, row.id, reversed);
  await emitEvent(w, {
    type: 'payout.updated',
    object: reversed as never,
    previousAttributes: { reversed_by: null },
  });
  await scheduleTask(w, 'payout.arrive', arrival, {
    livemode: w.livemode,
    accountId: w.accountId,
    payout: id,
  });
  return data;
}

/**
 * A run of a connected account's payout schedule (services/payout-schedule.ts plans it): each
 * currency's available balance is paid out to the account's default external account for it,
 * as an automatic payout. A run planned under an earlier schedule, or for an account whose
 * payouts are no longer enabled, pays nothing.
 */
async function payOutOnSchedule(w: WriteContext, payload: TaskPayload): Promise<void> {
  const row = payload.accountId ? await findObject(w.db, payload.accountId) : undefined;
  if (!row || row.type !== 'account' || row.deleted !== 0) return;
  const account = parseData<Stripe.Account>(row);
  const schedule = account.settings?.payouts?.schedule;
  if (!account.payouts_enabled || !schedule || !isPayoutRun(schedule, payload.run as number))
    return;
  const balance = await readBalance(w, { accountId: row.id, livemode: w.livemode });
  for (const { amount, currency } of balance.available) {
    if (amount <= 0) continue;
    const destination = await destinationFor(w, row.id, undefined, currency).catch(() => null);
    if (!destination || isDisabled(destination)) continue;
    await createPayout(w, { amount, currency, destination, automatic: true, forced: null });
  }
}

export const payouts: Resource = {
  name: 'payouts',
  routes: [
    post(
      '/v1/payouts',
      {
        amount: required(integer({ min: 1 })),
        currency: required(string({ maxLength: 3 })),
        description: nullableString(),
        destination: string(),
        metadata: metadata(),
        method: oneOf(['standard', 'instant'] as const),
        source_type: oneOf(['bank_account', 'card', 'fpx'] as const),
        statement_descriptor: nullableString({ maxLength: 22 }),
        payout_method: refused('v2 payout methods are not modelled'),
        status: extension(
          oneOf(['paid', 'failed'] as const),
          "test mode only: forces the outcome (the Stripe CLI's payout.failed fixture sends status=failed)",
        ),
        ...expandParam,
      },
      async ({ w, caller, params }) => {
        const currency = params.currency.toLowerCase();
        if (params.status && caller.livemode) throw errors.parameterUnknown('status');
        const destination = await destinationFor(w, caller.accountId, params.destination, currency);
        const internal = caller.account
          ? parseInternal<{ external_account_disabled?: boolean }>(caller.account)
          : {};
        if ((destination && isDisabled(destination)) || internal.external_account_disabled) {
          throw errors.invalidRequest(
            'Payouts are disabled for this account: its external account failed a payout and must be updated before payouts can be made again.',
            'destination',
            'payouts_not_allowed',
          );
        }
        // A connected account pays out only once Stripe enabled its payouts (requirements met,
        // a bank account, an active capability), as on Stripe.
        const refusal = caller.account && payoutRefusal(parseData<Stripe.Account>(caller.account));
        if (refusal) throw refusal;
        const forced: PayoutOutcome | null =
          params.status === 'failed'
            ? {
                kind: 'failed',
                code: 'account_closed',
                message: 'The bank account has been closed.',
              }
            : params.status === 'paid'
              ? { kind: 'paid' }
              : null;
        return createPayout(w, {
          amount: params.amount,
          currency,
          description: params.description,
          destination,
          metadata: params.metadata,
          method: params.method,
          sourceType: params.source_type,
          statementDescriptor: params.statement_descriptor,
          automatic: false,
          forced,
        });
      },
    ),

    get('/v1/payouts/:id', expandParam, async ({ db, caller, path }) =>
      parseData(await requireObject(db, caller, 'payout', path.id!)),
    ),

    post(
      '/v1/payouts/:id',
      { metadata: metadata(), ...expandParam },
      async ({ w, caller, path, params }) => {
        const row = await requireObjectToChange(w, caller, 'payout', path.id!);
        const before = parseData<Stripe.Payout>(row);
        const after = {
          ...before,
          metadata: applyMetadata(before.metadata ?? {}, params.metadata),
        };
        const previous = previousAttributes(before as never, after as never);
        await saveObject(w.db, row.id, after);
        if (previous)
          await emitEvent(w, {
            type: 'payout.updated',
            object: after as never,
            previousAttributes: previous,
          });
        return after;
      },
    ),

    post('/v1/payouts/:id/cancel', expandParam, async ({ w, caller, path }) => {
      const row = await requireObjectToChange(w, caller, 'payout', path.id!);
      const payout = parseData<Stripe.Payout>(row);
      if (payout.status !== 'pending') {
        throw errors.invalidRequest(
          `Payouts can only be canceled while they are pending; this one is ${payout.status}.`,
          undefined,
          'payout_not_cancelable' as never,
        );
      }
      await returnFunds(
        w,
        { accountId: row.account_id, livemode: row.livemode === 1 },
        payout.currency,
        payout.amount,
      );
      const canceled: Stripe.Payout = { ...payout, status: 'canceled' };
      await saveObject(w.db, row.id, canceled);
      await emitEvent(w, { type: 'payout.canceled', object: canceled as never });
      return canceled;
    }),

    post(
      '/v1/payouts/:id/reverse',
      { metadata: effect(metadata(), reversalTest), ...expandParam },
      async ({ w, caller, path, params }) =>
        reversePayout(
          w,
          await requireObjectToChange(w, caller, 'payout', path.id!),
          params.metadata,
        ),
    ),

    /** Test helper: the payout fails now, as if the bank returned it. */
    post('/v1/test_helpers/payouts/:id/fail', expandParam, async ({ w, caller, path }) => {
      if (caller.livemode)
        throw errors.invalidRequest(
          'Test helpers can only be used with a test-mode key.',
          undefined,
          'livemode_mismatch',
          400,
        );
      const row = await requireObjectToChange(w, caller, 'payout', path.id!);
      const payout = parseData<Stripe.Payout>(row);
      if (payout.status !== 'pending' && payout.status !== 'in_transit') {
        throw errors.invalidRequest(
          `Only a pending payout can be failed; this one is ${payout.status}.`,
        );
      }
      return failPayout(w, row, payout, {
        code: 'account_closed',
        message: 'The bank account has been closed.',
      });
    }),

    filteredList('/v1/payouts', {
      type: 'payout',
      filters: ['destination', 'status'],
      ranges: ['arrival_date'],
    }),
  ],
  tasks: { 'payout.arrive': arrive, 'payout.automatic': payOutOnSchedule },
};
