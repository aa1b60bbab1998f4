import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import {
  applyMetadata,
  expandParam,
  integer,
  listParams,
  metadata,
  nullableString,
  oneOf,
  range,
  required,
  string,
} from '../stripe/params.js';
import { get, post, type Resource } from './route.js';
import { previousAttributes } from '../domain/event-body.js';
import { newId } from '../domain/ids.js';
import type { PayoutOutcome } from '../domain/test-instruments.js';
import { recordBalanceTransaction, returnFunds, withdrawAvailable } from '../services/balance.js';
import type { WriteContext } from '../services/context.js';
import { emitEvent } from '../services/emit-event.js';
import type { TaskPayload } from '../services/scheduler.js';
import { scheduleTask } from '../services/scheduler.js';
import { findObject, type ObjectRow } from '../storage/repositories/objects.js';
import { platformAccountRow, refreshAccount } from './accounts.js';
import {
  createObject,
  findObjectToChange,
  listVisible,
  parseData,
  parseInternal,
  requireObject,
  requireObjectToChange,
  saveObject,
} from './common.js';
import {
  emitExternalAccountEvent,
  syncAccount,
  type ExternalAccount,
  type ExternalAccountInternal,
} from './external-accounts.js';

/**
 * Payouts from the available balance to an external account. A payout arrives after
 * `--payout-arrival` on the server's clock: `payout.paid`, or `payout.failed` for Stripe's failing
 * test bank accounts (or `POST /v1/test_helpers/payouts/{id}/fail`). When a payout fails, its
 * external account is disabled and no payouts are made until the external account is updated.
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
    if (row.account_id) {
      await syncAccount(w, row.account_id);
      await refreshAccount(w, row.account_id, (internal) => ({
        internal: { ...internal, external_account_disabled: true },
      }));
    }
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
        payout_method: string(),
        // Test mode only: force the outcome (the Stripe CLI's payout.failed fixture sends status=failed).
        status: oneOf(['paid', 'failed'] as const),
        ...expandParam,
      },
      async ({ w, caller, params }) => {
        const currency = params.currency.toLowerCase();
        if (params.status && caller.livemode) throw errors.parameterUnknown('status');
        const destination = await destinationFor(w, caller.accountId, params.destination, currency);
        const internal = caller.account
          ? parseInternal<{ external_account_disabled?: boolean }>(caller.account)
          : {};
        {
          if ((destination && isDisabled(destination)) || internal.external_account_disabled) {
            throw errors.invalidRequest(
              'Payouts are disabled for this account: its external account failed a payout and must be updated before payouts can be made again.',
              'destination',
              'payouts_not_allowed',
            );
          }
        }
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
        const outcome =
          forced ??
          (destination
            ? parseInternal<ExternalAccountInternal>(destination).payout
            : { kind: 'paid' as const });
        const scope = { accountId: caller.accountId, livemode: caller.livemode };
        // A payout forced to fail moves no money, so it needs no funds (the CLI fixture has none).
        let txn: string | null = null;
        const id = newId('po', 24);
        if (params.status !== 'failed') {
          txn = await withdrawAvailable(w, scope, {
            currency,
            amount: params.amount,
            type: 'payout',
            source: id,
            description: params.description ?? 'STRIPE PAYOUT',
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
              amount: params.amount,
              application_fee: null,
              application_fee_amount: null,
              arrival_date: Math.floor(arrival / 1000),
              automatic: false,
              balance_transaction: txn,
              created,
              currency,
              description: params.description ?? 'STRIPE PAYOUT',
              destination: destination?.id ?? null,
              failure_balance_transaction: null,
              failure_code: null,
              failure_message: null,
              livemode: w.livemode,
              metadata: applyMetadata({}, params.metadata),
              method: params.method ?? 'standard',
              original_payout: null,
              reconciliation_status: 'not_applicable',
              reversed_by: null,
              source_type: params.source_type ?? 'card',
              statement_descriptor: params.statement_descriptor ?? null,
              status: 'pending',
              type: destinationData?.object === 'card' ? 'card' : 'bank_account',
            }) as Stripe.Payout,
          internal: { outcome } satisfies PayoutInternal,
        });
        await emitEvent(w, { type: 'payout.created', object: data as never });
        if (params.status === 'failed') {
          const row = (await findObject(w.db, id))!;
          return failPayout(w, row, data, outcome as { code: string; message: string });
        }
        await scheduleTask(w, 'payout.arrive', arrival, {
          livemode: w.livemode,
          accountId: caller.accountId,
          payout: id,
        });
        return data;
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

    get(
      '/v1/payouts',
      {
        ...listParams,
        created: range(),
        arrival_date: range(),
        destination: string(),
        status: string(),
      },
      async ({ services, caller, params, url }) => {
        const where: Record<string, string> = {};
        if (params.status) where.status = params.status;
        if (params.destination) where.destination = params.destination;
        return listVisible(
          services.dialect,
          caller,
          url,
          { type: 'payout', where, created: params.created },
          params,
        );
      },
    ),
  ],
  tasks: { 'payout.arrive': arrive },
};
