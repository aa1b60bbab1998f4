import type Stripe from 'stripe';
import { newId } from '../../domain/ids.js';
import type { WriteContext } from '../../services/context.js';
import { emitEvent } from '../../services/emit-event.js';
import { scheduleTask, type TaskPayload } from '../../services/scheduler.js';
import type { Scope } from '../../scope/scope.js';
import { errors } from '../../stripe/errors.js';
import {
  applied,
  applyMetadata,
  boolean,
  effect,
  expandParam,
  integer,
  metadata,
  object,
  oneOf,
  refused,
  required,
  string,
} from '../../stripe/params.js';
import {
  createObject,
  findObjectToChange,
  parseData,
  parseInternal,
  requireObjectToChange,
  saveObject,
} from '../common.js';
import { post, type Resource } from '../route.js';
import { cardCurrency, decideRequest, requireCard, type AuthorizationInternal } from './cards.js';
import { issuingReads } from './list.js';
import { merchantData, type MerchantParams } from './merchant.js';
import type { Decision } from './spending.js';
import { createTransaction } from './transactions.js';

/**
 * Issuing authorizations (`iauth_...`), as Stripe's test mode makes them: a test helper asks for
 * one on a card of the caller's scope and Stripe decides at once (approved while the card and
 * its cardholder are active and the spending controls allow it; declined otherwise, with the
 * reason in `request_history`). The approved authorization holds its amount until it is
 * captured (an `issuing.transaction`), reversed, or expired. The official CLI's
 * `issuing_authorization.request` fixture asks through Stripe's older card test route instead:
 * that request waits for the platform's decision (`issuing_authorization.request`, then approve
 * or decline) for 2 seconds, then is declined (`webhook_timeout`).
 */

export const AUTHORIZATION_LABEL = 'issuing authorization';
/** How long a real-time request waits for approve or decline, as Stripe's webhook does. */
export const REQUEST_TIMEOUT_MS = 2000;

type Authorization = Stripe.Issuing.Authorization;

interface AuthorizationRequest {
  card: string;
  amount: number;
  currency?: string | undefined;
  merchant_data?: MerchantParams | undefined;
  authorization_method?: string | undefined;
  amount_details?: Record<string, number> | undefined;
  network_data?: Record<string, string> | undefined;
  verification_data?: Record<string, unknown> | undefined;
  wallet?: string | undefined;
}

const historyEntry = (
  a: Pick<Authorization, 'currency'>,
  amount: number,
  decision: { approved: boolean; reason: string },
  nowMs: number,
): Stripe.Issuing.Authorization.RequestHistory =>
  ({
    amount,
    amount_details: null,
    approved: decision.approved,
    created: Math.floor(nowMs / 1000),
    currency: a.currency,
    merchant_amount: amount,
    merchant_currency: a.currency,
    reason: decision.reason,
    reason_message: null,
  }) as Stripe.Issuing.Authorization.RequestHistory;

/**
 * Makes an authorization on a card of the caller's scope: decided at once (`decision`), or
 * waiting for the platform's (`pending`: `pending_request` set, `issuing_authorization.request`).
 */
async function authorize(
  w: WriteContext,
  caller: Scope,
  req: AuthorizationRequest,
  how: 'decide' | 'request',
): Promise<Authorization> {
  const { card, cardholder } = await requireCard(w.db, caller, req.card);
  const currency = cardCurrency(card, req.currency);
  const merchant = merchantData(req.merchant_data);
  const decision = await decideRequest(
    w,
    caller,
    card,
    cardholder,
    { amount: req.amount, category: merchant.category },
    Math.floor(w.now / 1000),
  );
  const pending = how === 'request' && decision.approved;
  const { data } = await createObject<Authorization>(w, {
    type: 'issuing.authorization',
    id: newId('iauth', 24),
    parentId: card.id,
    internal: {
      spend: decision.approved && !pending ? req.amount : 0,
    } satisfies AuthorizationInternal,
    data: (id, created) =>
      ({
        id,
        object: 'issuing.authorization',
        amount: pending ? 0 : req.amount,
        amount_details: {
          atm_fee: req.amount_details?.atm_fee ?? null,
          cashback_amount: req.amount_details?.cashback_amount ?? null,
        },
        approved: pending ? false : decision.approved,
        authorization_method: req.authorization_method ?? 'online',
        balance_transactions: [],
        card,
        cardholder: cardholder.id,
        created,
        currency,
        livemode: w.livemode,
        merchant_amount: pending ? 0 : req.amount,
        merchant_currency: currency,
        merchant_data: merchant,
        metadata: {},
        network_data: { acquiring_institution_id: null, ...(req.network_data ?? {}) },
        pending_request: pending
          ? {
              amount: req.amount,
              amount_details: null,
              currency,
              is_amount_controllable: false,
              merchant_amount: req.amount,
              merchant_currency: currency,
            }
          : null,
        request_history: pending ? [] : [historyEntry({ currency }, req.amount, decision, w.now)],
        status: pending || decision.approved ? 'pending' : 'closed',
        transactions: [],
        treasury: null,
        verification_data: {
          address_line1_check: 'not_provided',
          address_postal_code_check: 'not_provided',
          cvc_check: 'not_provided',
          expiry_check: 'match',
          ...(req.verification_data ?? {}),
        },
        wallet: req.wallet ?? null,
      }) as unknown as Authorization,
  });
  if (!pending) {
    await emitEvent(w, { type: 'issuing_authorization.created', object: data as never });
    return data;
  }
  await emitEvent(w, { type: 'issuing_authorization.request', object: data as never });
  await scheduleTask(w, 'issuing_authorization.timeout', w.now + REQUEST_TIMEOUT_MS, {
    livemode: w.livemode,
    accountId: w.accountId,
    authorization: data.id,
  });
  return data;
}

/** The platform's answer to a pending request (approve, decline, or the timeout's decline). */
async function answerRequest(
  w: WriteContext,
  row: { id: string; data: string },
  decision:
    | Decision
    | { approved: boolean; reason: 'webhook_approved' | 'webhook_declined' | 'webhook_timeout' },
  meta?: Parameters<typeof applyMetadata>[1],
): Promise<Authorization> {
  const before = parseData<Authorization>(row as never);
  const request = before.pending_request;
  if (!request)
    throw errors.invalidRequest(
      `This authorization is not waiting for a decision (${before.status}, ${before.approved ? 'approved' : 'declined'}): only an authorization with a pending_request can be approved or declined.`,
    );
  const after: Authorization = {
    ...before,
    amount: request.amount,
    merchant_amount: request.merchant_amount,
    approved: decision.approved,
    status: decision.approved ? 'pending' : 'closed',
    pending_request: null,
    metadata: applyMetadata(before.metadata, meta),
    request_history: [
      ...before.request_history,
      historyEntry(before, request.amount, decision, w.now),
    ],
  };
  await saveObject(w.db, row.id, after, {
    spend: decision.approved ? request.amount : 0,
  } satisfies AuthorizationInternal);
  // Stripe tells of the authorization once it is decided.
  await emitEvent(w, { type: 'issuing_authorization.created', object: after as never });
  return after;
}

/** The scheduled task: a request nobody answered in time is declined. */
async function timeOut(w: WriteContext, payload: TaskPayload): Promise<void> {
  const row = await findObjectToChange(w, payload.authorization as string);
  if (!row || !parseData<Authorization>(row).pending_request) return;
  await answerRequest(w, row, { approved: false, reason: 'webhook_timeout' });
}

/** An approved authorization still holding funds, to capture, reverse, increment or expire. */
function requireOpen(a: Authorization): void {
  if (!a.approved || a.status !== 'pending' || a.pending_request)
    throw errors.invalidRequest(
      `This authorization is ${a.pending_request ? 'waiting for a decision' : a.approved ? a.status : 'declined'}: only an approved, pending authorization can be changed.`,
    );
}

/** Saves a change to an authorization and tells of it (`issuing_authorization.updated`). */
async function saveAuthorization(
  w: WriteContext,
  before: Authorization,
  after: Authorization,
  spend: number,
): Promise<Authorization> {
  await saveObject(w.db, after.id, after, { spend } satisfies AuthorizationInternal);
  const previous: Record<string, unknown> = {};
  for (const key of Object.keys(after) as Array<keyof Authorization>)
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) previous[key] = before[key];
  await emitEvent(w, {
    type: 'issuing_authorization.updated',
    object: after as never,
    previousAttributes: previous,
  });
  return after;
}

const CREATE_TEST = 'authorize, capture and refund an Issuing card purchase, with its events';
const DECLINE_TEST = 'declines an authorization on a canceled card or beyond its spending limits';
const REQUEST_TEST =
  'a real-time authorization request waits for approve or decline, then times out declined';

/** An authorization of the caller's scope, locked to change it. */
const own = (w: WriteContext, caller: Scope, id: string) =>
  requireObjectToChange(w, caller, 'issuing.authorization', id, AUTHORIZATION_LABEL);

export const issuingAuthorizations: Resource = {
  name: 'issuing.authorizations',
  routes: [
    ...issuingReads('/v1/issuing/authorizations', {
      type: 'issuing.authorization',
      label: AUTHORIZATION_LABEL,
      filters: { card: 'card.id', cardholder: 'cardholder', status: 'status' },
      test: 'lists Issuing authorizations by card, cardholder, status and created',
    }),
    post(
      '/v1/issuing/authorizations/:id',
      { metadata: metadata(), ...expandParam },
      async ({ w, caller, path, params }) => {
        const row = await own(w, caller, path.id!);
        const before = parseData<Authorization>(row);
        const after = { ...before, metadata: applyMetadata(before.metadata, params.metadata) };
        if (JSON.stringify(after.metadata) === JSON.stringify(before.metadata)) return before;
        return saveAuthorization(w, before, after, parseInternal<AuthorizationInternal>(row).spend);
      },
    ),
    post(
      '/v1/issuing/authorizations/:id/approve',
      {
        amount: refused(
          'partial approval is not modelled: an authorization is approved for its requested amount',
        ),
        metadata: metadata(),
        ...expandParam,
      },
      async ({ w, caller, path, params }) =>
        answerRequest(
          w,
          await own(w, caller, path.id!),
          { approved: true, reason: 'webhook_approved' },
          params.metadata,
        ),
    ),
    post(
      '/v1/issuing/authorizations/:id/decline',
      { metadata: metadata(), ...expandParam },
      async ({ w, caller, path, params }) =>
        answerRequest(
          w,
          await own(w, caller, path.id!),
          { approved: false, reason: 'webhook_declined' },
          params.metadata,
        ),
    ),
    post(
      '/v1/test_helpers/issuing/authorizations',
      {
        amount: required(applied<number>()),
        card: required(effect(string(), CREATE_TEST)),
        currency: applied<string>(),
        amount_details: applied<Record<string, number>>(),
        authorization_method: applied<string>(),
        merchant_data: applied<MerchantParams>(),
        network_data: applied<Record<string, string>>(),
        verification_data: applied<Record<string, unknown>>(),
        wallet: applied<string>(),
        is_amount_controllable: refused(
          'partial approval is not modelled: an authorization is approved for its requested amount',
        ),
        ...expandParam,
      },
      async ({ w, caller, params }) => authorize(w, caller, params, 'decide'),
    ),
    post(
      '/v1/test_helpers/issuing/authorizations/:id/capture',
      {
        capture_amount: effect(integer({ min: 1 }), CREATE_TEST),
        close_authorization: effect(boolean(), CREATE_TEST),
        purchase_details: effect(applied<Record<string, unknown>>(), CREATE_TEST),
        ...expandParam,
      },
      async ({ w, caller, path, params }) => {
        const row = await own(w, caller, path.id!);
        const before = parseData<Authorization>(row);
        requireOpen(before);
        const captured = before.transactions.reduce((sum, t) => sum - t.amount, 0);
        const amount = params.capture_amount ?? before.amount;
        const { card } = await requireCard(w.db, caller, before.card.id);
        const tx = await createTransaction(w, {
          type: 'capture',
          amount,
          currency: before.currency,
          card,
          authorization: before.id,
          merchant: before.merchant_data,
          wallet: before.wallet,
          purchaseDetails: params.purchase_details,
        });
        const close = params.close_authorization ?? true;
        const after: Authorization = {
          ...before,
          status: close ? 'closed' : 'pending',
          transactions: [...before.transactions, tx],
        };
        const total = captured + amount;
        return saveAuthorization(w, before, after, close ? total : Math.max(before.amount, total));
      },
    ),
    post(
      '/v1/test_helpers/issuing/authorizations/:id/expire',
      expandParam,
      async ({ w, caller, path }) => {
        const row = await own(w, caller, path.id!);
        const before = parseData<Authorization>(row);
        requireOpen(before);
        const captured = before.transactions.reduce((sum, t) => sum - t.amount, 0);
        return saveAuthorization(w, before, { ...before, status: 'closed' }, captured);
      },
    ),
    post(
      '/v1/test_helpers/issuing/authorizations/:id/increment',
      {
        increment_amount: required(effect(integer({ min: 1 }), DECLINE_TEST)),
        is_amount_controllable: refused(
          'partial approval is not modelled: an increment is approved or declined whole',
        ),
        ...expandParam,
      },
      async ({ w, caller, path, params }) => {
        const row = await own(w, caller, path.id!);
        const before = parseData<Authorization>(row);
        requireOpen(before);
        const spend = parseInternal<AuthorizationInternal>(row).spend;
        const { card, cardholder } = await requireCard(w.db, caller, before.card.id);
        const decision = await decideRequest(
          w,
          caller,
          card,
          cardholder,
          { amount: params.increment_amount, category: before.merchant_data.category },
          Math.floor(w.now / 1000),
        );
        const amount = before.amount + (decision.approved ? params.increment_amount : 0);
        const after: Authorization = {
          ...before,
          amount,
          merchant_amount: amount,
          request_history: [
            ...before.request_history,
            historyEntry(before, before.amount + params.increment_amount, decision, w.now),
          ],
        };
        return saveAuthorization(
          w,
          before,
          after,
          spend + (decision.approved ? params.increment_amount : 0),
        );
      },
    ),
    post(
      '/v1/test_helpers/issuing/authorizations/:id/reverse',
      { reverse_amount: effect(integer({ min: 1 }), CREATE_TEST), ...expandParam },
      async ({ w, caller, path, params }) => {
        const row = await own(w, caller, path.id!);
        const before = parseData<Authorization>(row);
        requireOpen(before);
        const reverse = params.reverse_amount ?? before.amount;
        if (reverse > before.amount)
          throw errors.invalidRequest(
            `The reverse_amount (${reverse}) is greater than the authorization's amount (${before.amount}).`,
            'reverse_amount',
          );
        const amount = before.amount - reverse;
        const after: Authorization = {
          ...before,
          amount,
          merchant_amount: amount,
          status: amount === 0 ? 'reversed' : 'pending',
        };
        const spend = parseInternal<AuthorizationInternal>(row).spend;
        return saveAuthorization(w, before, after, Math.max(0, spend - reverse));
      },
    ),
    // The official Stripe CLI's issuing_authorization.request fixtures ask through this older
    // route of Stripe's, which the spec no longer lists: a request the platform must answer.
    post(
      '/v1/issuing/cards/:id/test/authorizations',
      {
        held_amount: required(effect(integer({ min: 1 }), REQUEST_TEST)),
        held_currency: effect(string(), REQUEST_TEST),
        authorization_method: effect(
          oneOf(['chip', 'contactless', 'keyed_in', 'online', 'swipe']),
          REQUEST_TEST,
        ),
        merchant_data: effect(
          object({
            category: string(),
            city: string(),
            country: string(),
            name: string(),
            network_id: string(),
            postal_code: string(),
            state: string(),
          }),
          REQUEST_TEST,
        ),
      },
      async ({ w, caller, path, params }) =>
        authorize(
          w,
          caller,
          {
            card: path.id!,
            amount: params.held_amount,
            currency: params.held_currency,
            authorization_method: params.authorization_method,
            merchant_data: params.merchant_data as MerchantParams | undefined,
          },
          'request',
        ),
    ),
  ],
  tasks: { 'issuing_authorization.timeout': timeOut },
};
