import {
  createWebhookHandler,
  type Application,
  type Event,
  type EventContext,
  type WebhookHandler,
} from '@switchboard/sdk';
import type Stripe from 'stripe';
import type { AccountStore } from './store.js';

export type Log = (line: string) => void;

export interface HandlerDeps {
  stripe: Stripe;
  store: AccountStore;
  /** The mode of the platform's key: only events of this mode can be acted on with it. */
  livemode: boolean;
  webhookSecrets: string[];
  log: Log;
}

/** The seed's `handle_deauthorization`: the account disconnected, so forget everything about it. */
export function handleDeauthorization(
  deps: HandlerDeps,
  connectedAccountId: string,
  application: Application,
): void {
  const removed = deps.store.removeAccount(connectedAccountId);
  deps.log(`Connected account ID: ${connectedAccountId}`);
  deps.log(
    `Application: ${JSON.stringify({ id: application.id, name: application.name })}; removed ${removed} stored rows`,
  );
}

/**
 * Retrieves an event's `data.object` from the API as the connected account that owns it: the
 * snapshot in the event may be stale (deliveries arrive late and out of order), the API's copy is
 * current. One entry per object type; add one to handle a new type.
 */
const retrievers: Record<
  string,
  (
    stripe: Stripe,
    object: { id?: string },
    account: string,
    options: EventContext['requestOptions'],
  ) => Promise<object>
> = {
  account: (stripe, _object, _account, options) => stripe.accounts.retrieveCurrent({}, options),
  customer: (stripe, object, _account, options) =>
    stripe.customers.retrieve(object.id!, {}, options),
  payment_intent: (stripe, object, _account, options) =>
    stripe.paymentIntents.retrieve(object.id!, {}, options),
  payout: (stripe, object, _account, options) => stripe.payouts.retrieve(object.id!, {}, options),
  balance: (stripe, _object, _account, options) => stripe.balance.retrieve({}, options),
  // Persons and external accounts live under the account's path; the platform reads them there.
  person: (stripe, object, account) => stripe.accounts.retrievePerson(account, object.id!),
  bank_account: (stripe, object, account) =>
    stripe.accounts.retrieveExternalAccount(account, object.id!),
  card: (stripe, object, account) => stripe.accounts.retrieveExternalAccount(account, object.id!),
};

/** The event types the second handler syncs: the seed's table, plus customer.created. */
export const syncedTypes = [
  'account.updated',
  'customer.created',
  'payment_intent.succeeded',
  'payout.failed',
  'person.updated',
  'account.external_account.updated',
  'balance.available',
] as const satisfies ReadonlyArray<Event['type']>;

/**
 * The advised pattern for a connected account's event: check `livemode` (a live Connect endpoint
 * also receives test events, which a live key cannot act on), then retrieve `data.object` from the
 * API as the connected account (`Stripe-Account`), and store the current state.
 */
export async function syncFromApi(
  deps: HandlerDeps,
  event: Event,
  ctx: EventContext,
): Promise<void> {
  if (event.livemode !== deps.livemode) {
    deps.log(
      `skipped ${event.type} ${event.id}: livemode=${event.livemode}, but this key is ${deps.livemode ? 'live' : 'test'}`,
    );
    return;
  }
  const account = ctx.account!;
  const object = event.data.object as { object: string; id?: string };
  const retrieve = retrievers[object.object];
  if (!retrieve) throw new Error(`No retriever for ${object.object}`);
  const current = await retrieve(deps.stripe, object, account, ctx.requestOptions);
  if (object.object === 'account') deps.store.saveAccount(account, event.livemode, current);
  else deps.store.saveObject(account, object.object, object.id ?? object.object, current);
  deps.store.recordEvent(event.id, event.type, account);
  deps.log(
    `synced ${object.object} ${object.id ?? '-'} of ${account} after ${event.type} ${event.id}`,
  );
}

/** The webhook handler: verification, routing and dedupe come from the SDK. */
export function createHandler(deps: HandlerDeps): WebhookHandler<Event> {
  const sync = (event: Event, ctx: EventContext) => syncFromApi(deps, event, ctx);
  const inner = createWebhookHandler<Event>({
    secrets: deps.webhookSecrets,
    // Stripe may deliver an event twice: remember processed ids in the same SQLite file.
    dedupe: deps.store.dedupe,
    connect: {
      'account.application.deauthorized': (event, ctx) =>
        handleDeauthorization(deps, ctx.account!, event.data.object),
      ...Object.fromEntries(syncedTypes.map((type) => [type, sync])),
    },
    onUnhandled: (event, ctx) => deps.log(`unhandled ${event.type} ${event.id} (${ctx.scope})`),
    onError: (error, event) =>
      deps.log(`error handling ${event?.type} ${event?.id}: ${(error as Error).message}`),
  });
  // One line per delivery, whatever became of it.
  return {
    async handle(body, header) {
      const result = await inner.handle(body, header);
      const e = result.event;
      deps.log(
        `delivery ${result.status} ${result.outcome}` +
          (e ? ` ${e.type} ${e.id}${e.account ? ` account=${e.account}` : ''}` : '') +
          (result.outcome === 'invalid'
            ? `: ${(result.error as Error).message.split('\n')[0]}`
            : ''),
      );
      return result;
    },
  };
}
