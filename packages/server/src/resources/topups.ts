import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import {
  applyMetadata,
  effect,
  expandParam,
  integer,
  metadata,
  required,
  string,
} from '../stripe/params.js';
import { newId, randomToken } from '../domain/ids.js';
import { bankTokens, debitOutcome, type PayoutOutcome } from '../domain/test-instruments.js';
import { creditFunds } from '../services/balance.js';
import type { WriteContext } from '../services/context.js';
import { emitEvent } from '../services/emit-event.js';
import { scheduleTask, type TaskPayload } from '../services/scheduler.js';
import {
  createObject,
  definedOnly,
  findObjectToChange,
  parseData,
  parseInternal,
  requireObject,
  requireObjectToChange,
  saveObject,
} from './common.js';
import { filteredList } from './list-route.js';
import { get, post, type Resource } from './route.js';

/**
 * Top-ups (`tu_...`): funds pulled from a bank account into the balance of the platform, or of
 * the connected account named by Stripe-Account. A top-up is `pending` (`topup.created`) until
 * the bank transfer arrives after `--payout-arrival` on the server clock: then it succeeds
 * (`topup.succeeded`), and a balance transaction of type `topup` holds the amount pending until
 * `--funds-available-after` (`balance.available`); or, from one of Stripe's failing test bank
 * accounts (`source=btok_us_verified_noAccount`, ...), it fails (`topup.failed`) and moves
 * nothing. A pending top-up can be canceled (`topup.canceled`).
 */
interface TopupInternal {
  outcome: PayoutOutcome;
}

export const failingSourceTest =
  "a connected account's top-up from a failing test bank account fails and moves nothing";

/** Stripe's test bank account, which a top-up without `source` is drawn from. */
const defaultBankAccount = '000123456789';

/** The bank account a top-up is drawn from, as the Source object Stripe shows in `source`. */
function bankSource(w: WriteContext, currency: string, accountNumber: string): Stripe.Source {
  const id = newId('src', 24);
  return {
    id,
    object: 'source',
    ach_debit: {
      bank_name: 'STRIPE TEST BANK',
      country: 'US',
      fingerprint: randomToken(16),
      last4: accountNumber.slice(-4),
      routing_number: '110000000',
      type: 'individual',
    },
    amount: null,
    client_secret: `${id}_secret_${randomToken(24)}`,
    created: Math.floor(w.now / 1000),
    currency,
    flow: 'none',
    livemode: w.livemode,
    metadata: {},
    owner: null,
    statement_descriptor: null,
    status: 'chargeable',
    type: 'ach_debit',
    usage: 'reusable',
  } as unknown as Stripe.Source;
}

/** The account number a `source` names: one of Stripe's test bank account tokens. */
function sourceAccount(source: string | undefined): string {
  if (source === undefined) return defaultBankAccount;
  const token = bankTokens[source];
  if (!token) throw errors.resourceMissing('source', source, 'source');
  return token.accountNumber;
}

async function createTopup(
  w: WriteContext,
  p: {
    amount: number;
    currency: string;
    description?: string | undefined;
    metadata?: Parameters<typeof applyMetadata>[1];
    source?: string | undefined;
    statement_descriptor?: string | undefined;
    transfer_group?: string | undefined;
  },
): Promise<Stripe.Topup> {
  const currency = p.currency.toLowerCase();
  const accountNumber = sourceAccount(p.source);
  const arrival = w.now + w.services.config.payoutArrivalMs;
  const { id, data } = await createObject<Stripe.Topup>(w, {
    type: 'topup',
    prefix: 'tu',
    data: (id, created) =>
      ({
        id,
        object: 'topup',
        amount: p.amount,
        balance_transaction: null,
        created,
        currency,
        description: p.description ?? null,
        expected_availability_date: Math.floor(
          (arrival + w.services.config.fundsAvailableAfterMs) / 1000,
        ),
        failure_code: null,
        failure_message: null,
        livemode: w.livemode,
        metadata: applyMetadata({}, p.metadata),
        source: bankSource(w, currency, accountNumber),
        statement_descriptor: p.statement_descriptor ?? null,
        status: 'pending',
        transfer_group: p.transfer_group ?? null,
      }) as Stripe.Topup,
    internal: { outcome: debitOutcome(accountNumber) } satisfies TopupInternal,
  });
  await emitEvent(w, { type: 'topup.created', object: data as never });
  await scheduleTask(w, 'topup.arrive', arrival, {
    livemode: w.livemode,
    accountId: w.accountId,
    topup: id,
  });
  return data;
}

/** The scheduled arrival of a pending top-up: succeeded (funds pending), or failed. */
async function arrive(w: WriteContext, payload: TaskPayload): Promise<void> {
  const row = await findObjectToChange(w, payload.topup as string);
  if (!row) return;
  const topup = parseData<Stripe.Topup>(row);
  if (topup.status !== 'pending') return;
  const { outcome } = parseInternal<TopupInternal>(row);
  if (outcome.kind === 'failed') {
    const failed: Stripe.Topup = {
      ...topup,
      status: 'failed',
      failure_code: outcome.code,
      failure_message: outcome.message,
    };
    await saveObject(w.db, row.id, failed);
    await emitEvent(w, { type: 'topup.failed', object: failed as never });
    return;
  }
  const txn = await creditFunds(
    w,
    { accountId: row.account_id, livemode: row.livemode === 1 },
    {
      currency: topup.currency,
      amount: topup.amount,
      fee: 0,
      type: 'topup',
      source: topup.id,
      description: topup.description ?? 'Top-up',
    },
    w.now + w.services.config.fundsAvailableAfterMs,
  );
  const succeeded: Stripe.Topup = { ...topup, status: 'succeeded', balance_transaction: txn };
  await saveObject(w.db, row.id, succeeded);
  await emitEvent(w, { type: 'topup.succeeded', object: succeeded as never });
}

export const topups: Resource = {
  name: 'topups',
  routes: [
    post(
      '/v1/topups',
      {
        amount: required(integer({ min: 1 })),
        currency: required(string({ maxLength: 3 })),
        description: string({ maxLength: 5000 }),
        metadata: metadata(),
        source: effect(string(), failingSourceTest),
        statement_descriptor: string({ maxLength: 15 }),
        transfer_group: string(),
        ...expandParam,
      },
      async ({ w, params }) => createTopup(w, params),
    ),

    get('/v1/topups/:id', expandParam, async ({ db, caller, path }) =>
      parseData(await requireObject(db, caller, 'topup', path.id!)),
    ),

    post(
      '/v1/topups/:id',
      { description: string({ maxLength: 5000 }), metadata: metadata(), ...expandParam },
      async ({ w, caller, path, params }) => {
        const row = await requireObjectToChange(w, caller, 'topup', path.id!);
        const before = parseData<Stripe.Topup>(row);
        const after: Stripe.Topup = {
          ...before,
          ...definedOnly({ description: params.description }),
          metadata: applyMetadata(before.metadata ?? {}, params.metadata),
        };
        // Stripe has no topup.updated event.
        await saveObject(w.db, row.id, after);
        return after;
      },
    ),

    post('/v1/topups/:id/cancel', expandParam, async ({ w, caller, path }) => {
      const row = await requireObjectToChange(w, caller, 'topup', path.id!);
      const topup = parseData<Stripe.Topup>(row);
      if (topup.status !== 'pending')
        throw errors.invalidRequest(
          `This top-up cannot be canceled because it has a status of ${topup.status}. Only pending top-ups can be canceled.`,
          undefined,
          'topup_not_cancelable',
        );
      const canceled: Stripe.Topup = { ...topup, status: 'canceled' };
      await saveObject(w.db, row.id, canceled);
      await emitEvent(w, { type: 'topup.canceled', object: canceled as never });
      return canceled;
    }),

    filteredList('/v1/topups', { type: 'topup', filters: ['status'], ranges: ['amount'] }),
  ],
  tasks: { 'topup.arrive': arrive },
};
