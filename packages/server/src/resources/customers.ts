import { errors } from '../stripe/errors.js';
import type Stripe from 'stripe';
import {
  applied,
  applyMetadata,
  array,
  effect,
  expandParam,
  integer,
  listParams,
  metadata,
  nullableString,
  object,
  oneOf,
  range,
  refused,
  string,
} from '../stripe/params.js';
import { del, get, post, type Caller, type Resource } from './route.js';
import type { WriteContext } from '../services/context.js';
import {
  attachPaymentMethod,
  checkDefaultPaymentMethod,
  usePaymentMethod,
} from './payment-methods.js';
import { previousAttributes } from '../domain/event-body.js';
import { randomToken } from '../domain/ids.js';
import { emitEvent } from '../services/emit-event.js';
import { listFilterTest, nullableAddress, shippingParams, toAddress } from './shared-params.js';
import {
  checkDefaultSource,
  replaceDefaultSource,
  saveCustomerSource,
  sourcesTest,
} from './customer-sources.js';
import {
  createObject,
  definedOnly,
  deleteObject,
  listVisible,
  parseData,
  parseInternal,
  requireObject,
  requireObjectToChange,
  saveObject,
} from './common.js';
import { searchRoute } from './search.js';
import {
  MODE_TEST,
  cashState,
  withReconciliationMode,
  type CashBalanceState,
} from './cash-balances.js';

const sources = 'payment sources (cards, bank accounts) are not modelled';

const writable = {
  address: nullableAddress,
  balance: integer(),
  description: nullableString(),
  email: nullableString({ maxLength: 512 }),
  metadata: metadata(),
  name: nullableString({ maxLength: 256 }),
  phone: nullableString({ maxLength: 20 }),
  preferred_locales: array(string()),
  shipping: shippingParams,
  tax_exempt: oneOf(['none', 'exempt', 'reverse'] as const),
  invoice_prefix: string({ maxLength: 12 }),
  next_invoice_sequence: integer({ min: 1 }),
  invoice_settings: object({
    custom_fields: applied(),
    default_payment_method: nullableString(),
    footer: nullableString(),
    rendering_options: applied(),
  }),
  business_name: nullableString(),
  individual_name: nullableString(),
  cash_balance: object({
    settings: object({
      reconciliation_mode: effect(
        oneOf(['automatic', 'manual', 'merchant_default'] as const),
        MODE_TEST,
      ),
    }),
  }),
  coupon: refused('discounts are not modelled'),
  promotion_code: refused('discounts are not modelled'),
  source: effect(string(), sourcesTest),
  tax: refused('customer tax settings are not modelled'),
  validate: refused('source validation is not modelled: cards are checked as they are saved'),
  ...expandParam,
};

const updateParams = {
  ...writable,
  default_source: string(),
  bank_account: refused(sources),
  card: refused(sources),
  default_alipay_account: refused(sources),
  default_bank_account: refused(sources),
  default_card: refused(sources),
};

const createParams = {
  ...writable,
  payment_method: effect(
    string(),
    "refuses what Stripe refuses: a mistyped number, a real card in test mode, a declining card's attach, a default payment method not attached",
  ),
  tax_id_data: refused('tax ids are not modelled'),
  test_clock: string(),
};

type CustomerParams = Partial<{ [K in keyof typeof writable]: unknown }> & Record<string, unknown>;

function applyParams(c: Stripe.Customer, p: CustomerParams): Stripe.Customer {
  const next: Stripe.Customer = { ...c };
  if (p.address !== undefined) next.address = toAddress(p.address as never);
  if (p.balance !== undefined) next.balance = p.balance as number;
  if (p.description !== undefined) next.description = p.description as string | null;
  if (p.email !== undefined) next.email = p.email as string | null;
  if (p.name !== undefined) next.name = p.name as string | null;
  if (p.phone !== undefined) next.phone = p.phone as string | null;
  if (p.preferred_locales !== undefined) next.preferred_locales = p.preferred_locales as string[];
  if (p.tax_exempt !== undefined) next.tax_exempt = p.tax_exempt as Stripe.Customer.TaxExempt;
  if (p.invoice_prefix !== undefined) next.invoice_prefix = p.invoice_prefix as string;
  if (p.next_invoice_sequence !== undefined)
    next.next_invoice_sequence = p.next_invoice_sequence as number;
  if (p.shipping !== undefined) {
    const s = p.shipping as { address: object; name: string; phone?: string | null } | null;
    next.shipping = s
      ? { address: toAddress(s.address as never)!, name: s.name, phone: s.phone ?? null }
      : null;
  }
  // Newer than the 2023 spec: present only once set.
  for (const key of ['business_name', 'individual_name'] as const) {
    if (p[key] === null) delete next[key];
    else if (p[key] !== undefined) next[key] = p[key] as string;
  }
  if (p.invoice_settings !== undefined) {
    const given = p.invoice_settings as Record<string, unknown>;
    const settings: Record<string, unknown> = { ...next.invoice_settings };
    for (const [k, v] of Object.entries(given)) settings[k] = v === '' ? null : v;
    next.invoice_settings = settings as unknown as Stripe.Customer.InvoiceSettings;
  }
  next.metadata = applyMetadata(c.metadata, p.metadata as never);
  return next;
}

/** `invoice_settings.default_payment_method` must be attached to the customer, as on Stripe. */
async function checkDefault(w: WriteContext, caller: Caller, c: Stripe.Customer): Promise<void> {
  const pm = c.invoice_settings?.default_payment_method as string | null | undefined;
  if (pm) await checkDefaultPaymentMethod(w.db, caller, c.id, pm);
}

export const customers: Resource = {
  name: 'customers',
  routes: [
    // The fields Stripe documents as searchable for customers (metadata too).
    searchRoute('customers', 'customer', {
      created: 'numeric',
      email: 'string',
      name: 'string',
      phone: 'string',
    }),
    post('/v1/customers', createParams, async ({ w, caller, params }) => {
      const { data } = await createObject<Stripe.Customer>(w, {
        type: 'customer',
        prefix: 'cus',
        data: (id, created) =>
          applyParams(
            {
              id,
              object: 'customer',
              address: null,
              balance: 0,
              created,
              currency: null,
              default_source: null,
              delinquent: false,
              description: null,
              discount: null,
              email: null,
              invoice_prefix: randomToken(8).toUpperCase(),
              invoice_settings: {
                custom_fields: null,
                default_payment_method: null,
                footer: null,
                rendering_options: null,
              },
              livemode: w.livemode,
              metadata: {},
              name: null,
              next_invoice_sequence: 1,
              phone: null,
              preferred_locales: [],
              shipping: null,
              tax_exempt: 'none',
              test_clock: (params.test_clock as string | undefined) ?? null,
            },
            params,
          ),
        internal: {
          cashBalance: withReconciliationMode(
            {},
            params.cash_balance?.settings?.reconciliation_mode,
          ),
        },
      });
      // `source`: a card or bank account saved on the new customer, its default source.
      const card = params.source
        ? await saveCustomerSource(w, caller, data.id, params.source)
        : null;
      const customer = card ? { ...data, default_source: card.id } : data;
      if (card) await saveObject(w.db, customer.id, customer);
      await emitEvent(w, { type: 'customer.created', object: customer as never });
      if (card) await emitEvent(w, { type: 'customer.source.created', object: card as never });
      // Stripe attaches `payment_method` to the new customer (payment_method.attached).
      if (params.payment_method !== undefined) {
        const used = await usePaymentMethod(w, caller, params.payment_method);
        await attachPaymentMethod(w, caller, used, data.id, 'payment_method');
      }
      await checkDefault(w, caller, customer);
      return customer;
    }),

    get('/v1/customers/:id', expandParam, async ({ db, caller, path }) =>
      parseData(await requireObject(db, caller, 'customer', path.id!)),
    ),

    post('/v1/customers/:id', updateParams, async ({ w, caller, path, params }) => {
      const row = await requireObjectToChange(w, caller, 'customer', path.id!);
      const before = parseData<Stripe.Customer>(row);
      const after = applyParams(before, params);
      if (params.invoice_settings?.default_payment_method !== undefined)
        await checkDefault(w, caller, after);
      if (params.source !== undefined && params.default_source !== undefined)
        throw errors.parametersExclusive('source', 'default_source');
      if (params.default_source !== undefined) {
        await checkDefaultSource(w, caller, row, params.default_source);
        after.default_source = params.default_source;
      }
      // `source` replaces the default source (the old one is deleted), as Stripe documents it.
      const card = params.source ? await replaceDefaultSource(w, caller, row, params.source) : null;
      if (card) after.default_source = card.id;
      const previous = previousAttributes(before as never, after as never);
      const mode = params.cash_balance?.settings?.reconciliation_mode;
      const internal = parseInternal<{ cashBalance?: CashBalanceState }>(row);
      await saveObject(
        w.db,
        row.id,
        after,
        mode
          ? { ...internal, cashBalance: withReconciliationMode(internal.cashBalance ?? {}, mode) }
          : undefined,
      );
      if (card) await emitEvent(w, { type: 'customer.source.created', object: card as never });
      if (previous)
        await emitEvent(w, {
          type: 'customer.updated',
          object: after as never,
          previousAttributes: previous,
        });
      return after;
    }),

    del('/v1/customers/:id', {}, async ({ w, caller, path }) => {
      const row = await requireObjectToChange(w, caller, 'customer', path.id!);
      // As Stripe documents `cash_balance.available`: once funded, a customer stays undeletable.
      if (Object.keys(cashState(row).available ?? {}).length > 0)
        throw errors.invalidRequest(
          `You cannot delete customer ${row.id}: it has a cash balance, and a customer with any cash balance cannot be deleted, even if the balance is 0.`,
        );
      await deleteObject(w.db, row.id);
      await emitEvent(w, { type: 'customer.deleted', object: parseData(row) });
      return { id: row.id, object: 'customer', deleted: true } satisfies Stripe.DeletedCustomer;
    }),

    get(
      '/v1/customers',
      {
        ...listParams,
        email: effect(string({ maxLength: 512 }), listFilterTest),
        created: effect(range(), listFilterTest),
        test_clock: effect(string(), listFilterTest),
      },
      async ({ services, caller, params, url }) =>
        listVisible(
          services.dialect,
          caller,
          url,
          {
            type: 'customer',
            where: definedOnly({ email: params.email, test_clock: params.test_clock }),
            created: params.created,
          },
          params,
          'customer',
        ),
    ),
  ],
};
