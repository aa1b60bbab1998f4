import type Stripe from 'stripe';
import {
  applied,
  applyMetadata,
  array,
  boolean,
  effect,
  expandParam,
  integer,
  listParams,
  metadata,
  object,
  refused,
  required,
  string,
  type MetadataPatch,
} from '../stripe/params.js';
import { errors } from '../stripe/errors.js';
import { emitEvent } from '../services/emit-event.js';
import { publicBaseUrl, type Services, type WriteContext } from '../services/context.js';
import type { Scope } from '../scope/scope.js';
import { get, post, type Resource } from './route.js';
import { listFilterTest } from './shared-params.js';
import {
  createObject,
  definedOnly,
  listVisible,
  pageOf,
  parseData,
  parseInternal,
  requireObject,
  requireObjectToChange,
  saveChanged,
} from './common.js';
import { buildLineItems, createCheckoutSession } from './checkout-sessions.js';
import { onBehalfOfCheck } from './setup-intents.js';

/**
 * Payment links (`/v1/payment_links`): prices and quantities to sell, and a `url` (a page of this
 * server, hosted/payment-links.ts) that opens a Checkout Session for them each time it is
 * followed, with the session's `payment_link` set. Connect: `application_fee_amount`,
 * `transfer_data` and `on_behalf_of` go to the session's PaymentIntent, as Checkout's
 * `payment_intent_data` takes them. Events: payment_link.created, payment_link.updated.
 */
export const LINK_TEST = 'sells through a payment link: its url opens a Checkout Session for it';
const CONNECT_TEST =
  'a payment link with an application fee and a destination makes a destination charge';

const notModelled = (what: string) => refused(`${what} are not modelled on payment links`);

const afterCompletion = object({
  type: applied<string>(),
  hosted_confirmation: object({ custom_message: applied<string>() }),
  redirect: object({ url: applied<string>() }),
});

const shared = {
  after_completion: afterCompletion,
  allow_promotion_codes: applied<boolean>(),
  billing_address_collection: applied<string>(),
  customer_creation: applied<string>(),
  metadata: metadata(),
  automatic_tax: notModelled('Stripe Tax calculations'),
  custom_fields: notModelled('custom fields'),
  custom_text: notModelled('custom texts'),
  invoice_creation: notModelled('invoices'),
  payment_method_collection: notModelled('payment method collection settings'),
  payment_method_types: notModelled('payment method type lists'),
  shipping_address_collection: notModelled('shipping address collection settings'),
  ...expandParam,
};

const createParams = {
  ...shared,
  line_items: effect(
    required(
      array(
        object({
          price: required(string()),
          quantity: required(integer({ min: 1, max: 999_999 })),
          adjustable_quantity: notModelled('adjustable quantities'),
        }),
        { max: 20 },
      ),
    ),
    LINK_TEST,
  ),
  currency: applied<string>(),
  submit_type: applied<string>(),
  application_fee_amount: effect(integer({ min: 0 }), CONNECT_TEST),
  on_behalf_of: effect(string(), CONNECT_TEST),
  transfer_data: effect(
    object({ destination: required(string()), amount: integer({ min: 0 }) }),
    CONNECT_TEST,
  ),
  application_fee_percent: refused('subscriptions are not modelled (a percentage applies to them)'),
  consent_collection: notModelled('consent collections'),
  payment_intent_data: notModelled('PaymentIntent settings'),
  phone_number_collection: notModelled('phone number collections'),
  shipping_options: notModelled('shipping options'),
  subscription_data: refused('subscriptions are not modelled'),
  tax_id_collection: notModelled('tax ID collections'),
};

const updateParams = {
  ...shared,
  active: applied<boolean>(),
  line_items: refused('the line items of a payment link are fixed once it is made here'),
};

interface LinkInternal {
  lineItems: Stripe.LineItem[];
}

type Shared = {
  after_completion?: Record<string, unknown> | undefined;
  allow_promotion_codes?: boolean | undefined;
  billing_address_collection?: string | undefined;
  customer_creation?: string | undefined;
  metadata?: MetadataPatch | undefined;
};

function applyShared(link: Stripe.PaymentLink, p: Shared): Stripe.PaymentLink {
  const after = p.after_completion as Stripe.PaymentLink.AfterCompletion | undefined;
  if (after?.type === 'redirect' && !after.redirect?.url)
    throw errors.parameterMissing('after_completion[redirect][url]');
  return {
    ...link,
    ...(definedOnly({
      allow_promotion_codes: p.allow_promotion_codes,
      billing_address_collection: p.billing_address_collection,
      customer_creation: p.customer_creation,
    }) as Partial<Stripe.PaymentLink>),
    // Each member reads back as sent; a redirect needs its url.
    ...(after
      ? {
          after_completion: {
            type: after.type,
            ...(after.type === 'hosted_confirmation' || after.hosted_confirmation
              ? {
                  hosted_confirmation: {
                    custom_message: after.hosted_confirmation?.custom_message ?? null,
                  },
                }
              : {}),
            ...(after.redirect ? { redirect: { url: after.redirect.url } } : {}),
          } as Stripe.PaymentLink.AfterCompletion,
        }
      : {}),
    metadata: applyMetadata(link.metadata, p.metadata),
  };
}

/** The path of a link's page: Stripe's buy.stripe.com/test_... */
export const linkPath = (id: string) => `/b/${id}`;

export const paymentLinks: Resource = {
  name: 'payment_links',
  routes: [
    post('/v1/payment_links', createParams, async ({ w, caller, params, services, host }) => {
      const items = await buildLineItems(w, caller, params.line_items, 'allow');
      const currency = items[0]!.currency;
      if (items.some((i) => i.currency !== currency))
        throw errors.invalidRequest(
          'All prices of a payment link must have the same currency.',
          'line_items',
        );
      if (params.currency !== undefined && params.currency !== currency)
        throw errors.invalidRequest(
          `currency ${params.currency} is not the currency of the link's prices (${currency}).`,
          'currency',
        );
      await onBehalfOfCheck(w, caller, params.on_behalf_of, 'on_behalf_of');
      await onBehalfOfCheck(
        w,
        caller,
        params.transfer_data?.destination,
        'transfer_data[destination]',
      );
      const base = publicBaseUrl(services, host);
      const { data } = await createObject<Stripe.PaymentLink>(w, {
        type: 'payment_link',
        prefix: 'plink',
        internal: { lineItems: items } satisfies LinkInternal,
        data: (id) =>
          applyShared(
            {
              id,
              object: 'payment_link',
              active: true,
              after_completion: {
                type: 'hosted_confirmation',
                hosted_confirmation: { custom_message: null },
              },
              allow_promotion_codes: false,
              application: null,
              application_fee_amount: params.application_fee_amount ?? null,
              application_fee_percent: null,
              automatic_tax: { enabled: false },
              billing_address_collection: 'auto',
              consent_collection: null,
              currency,
              custom_fields: [],
              custom_text: { shipping_address: null, submit: null },
              customer_creation: 'if_required',
              invoice_creation: null,
              livemode: w.livemode,
              metadata: {},
              on_behalf_of: params.on_behalf_of ?? null,
              payment_intent_data: null,
              payment_method_collection: 'always',
              payment_method_types: null,
              phone_number_collection: { enabled: false },
              shipping_address_collection: null,
              shipping_options: [],
              submit_type: (params.submit_type ?? 'auto') as Stripe.PaymentLink.SubmitType,
              subscription_data: null,
              tax_id_collection: { enabled: false },
              transfer_data: params.transfer_data
                ? {
                    amount: params.transfer_data.amount ?? null,
                    destination: params.transfer_data.destination,
                  }
                : null,
              url: `${base}${linkPath(id)}`,
            } as unknown as Stripe.PaymentLink,
            params,
          ),
      });
      await emitEvent(w, { type: 'payment_link.created', object: data as never });
      return data;
    }),

    get('/v1/payment_links/:id', expandParam, async ({ db, caller, path }) =>
      parseData(await requireObject(db, caller, 'payment_link', path.id!, 'payment link')),
    ),

    post('/v1/payment_links/:id', updateParams, async ({ w, caller, path, params }) => {
      const row = await requireObjectToChange(w, caller, 'payment_link', path.id!, 'payment link');
      const before = parseData<Stripe.PaymentLink>(row);
      const after = applyShared(
        { ...before, ...definedOnly({ active: params.active }) } as Stripe.PaymentLink,
        params,
      );
      return saveChanged(w, row.id, before, after, 'payment_link.updated');
    }),

    get(
      '/v1/payment_links/:id/line_items',
      listParams,
      async ({ db, caller, path, params, url }) => {
        const row = await requireObject(db, caller, 'payment_link', path.id!, 'payment link');
        return pageOf(parseInternal<LinkInternal>(row).lineItems, params, url, 'line item');
      },
    ),

    get(
      '/v1/payment_links',
      { ...listParams, active: effect(boolean(), listFilterTest) },
      async ({ services, caller, params, url }) =>
        listVisible(
          services.dialect,
          caller,
          url,
          { type: 'payment_link', matches: definedOnly({ active: params.active }) },
          params,
          'payment link',
        ),
    ),
  ],
};

/**
 * Opens a Checkout Session for an active link, in the link's scope, as following Stripe's link
 * does: its prices and quantities, its Connect settings as `payment_intent_data`, and where to go
 * once paid.
 */
export async function openSession(
  w: WriteContext,
  scope: Scope,
  services: Services,
  host: string,
  link: Stripe.PaymentLink,
  internal: LinkInternal,
): Promise<Stripe.Checkout.Session> {
  const connect = definedOnly({
    application_fee_amount: link.application_fee_amount ?? undefined,
    on_behalf_of: (link.on_behalf_of as string | null) ?? undefined,
    transfer_data: link.transfer_data
      ? definedOnly({
          destination: link.transfer_data.destination as string,
          amount: link.transfer_data.amount ?? undefined,
        })
      : undefined,
  });
  const redirect =
    link.after_completion.type === 'redirect'
      ? link.after_completion.redirect!.url
      : `${publicBaseUrl(services, host)}${linkPath(link.id)}/done?session_id={CHECKOUT_SESSION_ID}`;
  return createCheckoutSession(
    w,
    scope,
    services,
    host,
    {
      mode: 'payment',
      line_items: internal.lineItems.map((i) => ({
        price: (i.price as Stripe.Price).id,
        quantity: i.quantity ?? 1,
      })),
      success_url: redirect,
      ...(Object.keys(connect).length ? { payment_intent_data: connect as never } : {}),
      submit_type: link.submit_type as never,
      billing_address_collection: link.billing_address_collection as never,
      metadata: link.metadata,
    } as never,
    link.id,
  );
}
