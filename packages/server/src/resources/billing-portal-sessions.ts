import type Stripe from 'stripe';
import {
  applied,
  effect,
  expandParam,
  httpUrl,
  object,
  onlyValues,
  refused,
  required,
  string,
} from '../stripe/params.js';
import { errors } from '../stripe/errors.js';
import { emitEvent } from '../services/emit-event.js';
import { publicBaseUrl, writeDialect, type WriteContext } from '../services/context.js';
import { listOwnObjects } from '../scope/finders.js';
import type { Scope } from '../scope/scope.js';
import { routePath } from '../stripe/catalogue.js';
import { post, type Resource } from './route.js';
import { createObject, parseData, requireObject } from './common.js';
import { fromExample } from './plain/objects.js';
import { onBehalfOfCheck } from './setup-intents.js';

/**
 * Customer portal sessions (`POST /v1/billing_portal/sessions`): a short-lived `url` (a page of
 * this server, hosted/billing-portal.ts) where a customer sees the portal of a configuration: the
 * one named, or the account's default configuration, made on first use as Stripe makes it once
 * the portal settings are saved. No billing action is served there (subscriptions and invoices
 * are not modelled): the page shows the customer and links back to `return_url`.
 * Event: billing_portal.session.created.
 */
export const PORTAL_TEST =
  'opens a customer portal session on the default configuration, made on first use';
export const FLOW_TEST = 'a portal session with a payment method update flow shows it as its flow';
const CONFIG = 'billing_portal.configuration';

const noSubscriptions = refused('subscriptions are not modelled, so portal flows on them are not');

const params = {
  customer: required(string()),
  configuration: applied<string>(),
  return_url: httpUrl(),
  locale: applied<string>(),
  on_behalf_of: applied<string>(),
  flow_data: effect(
    object({
      type: required(
        onlyValues(['payment_method_update'], 'subscriptions are not modelled: portal flows'),
      ),
      after_completion: object({
        type: required(string()),
        hosted_confirmation: object({ custom_message: applied<string>() }),
        redirect: object({ return_url: required(httpUrl()) }),
      }),
      subscription_cancel: noSubscriptions,
      subscription_update: noSubscriptions,
      subscription_update_confirm: noSubscriptions,
    }),
    FLOW_TEST,
  ),
  ...expandParam,
};

/** The scope's default portal configuration, made (with its created event) if it has none. */
export async function defaultConfiguration(
  w: WriteContext,
  scope: Scope,
): Promise<Stripe.BillingPortal.Configuration> {
  const page = await listOwnObjects(
    // In the write's transaction: SQLite has one writer, which this request holds.
    writeDialect(w),
    scope,
    { type: CONFIG, matches: { is_default: true, active: true } },
    { limit: 1 },
  );
  const found = page.rows[0];
  if (found) return parseData(found);
  const { data } = await createObject<Stripe.BillingPortal.Configuration>(w, {
    type: CONFIG,
    prefix: 'bpc',
    data: (id, created) =>
      ({
        ...fromExample(
          CONFIG,
          id,
          created,
          w.livemode,
          routePath('/v1/billing_portal/configurations'),
        ),
        business_profile: { headline: null, privacy_policy_url: null, terms_of_service_url: null },
        default_return_url: null,
        is_default: true,
        updated: created,
      }) as unknown as Stripe.BillingPortal.Configuration,
  });
  await emitEvent(w, { type: 'billing_portal.configuration.created', object: data as never });
  return data;
}

type Flow = NonNullable<Stripe.BillingPortal.SessionCreateParams['flow_data']>;

/** The session's `flow` from `flow_data`: a redirect needs its return_url. */
function flowOf(flow: Flow): Stripe.BillingPortal.Session.Flow {
  // The 2023-08-16 flow (the stripe package's type adds later flows' fields).
  const after = flow.after_completion ?? { type: 'portal_homepage' as const };
  if (after.type === 'redirect' && !after.redirect)
    throw errors.parameterMissing('flow_data[after_completion][redirect][return_url]');
  return {
    type: flow.type,
    after_completion: {
      type: after.type,
      hosted_confirmation:
        after.type === 'hosted_confirmation'
          ? { custom_message: after.hosted_confirmation?.custom_message ?? null }
          : null,
      redirect: after.type === 'redirect' ? { return_url: after.redirect!.return_url } : null,
    },
    subscription_cancel: null,
    subscription_update: null,
    subscription_update_confirm: null,
  } as Stripe.BillingPortal.Session.Flow;
}

/** The path of a session's page: Stripe's billing.stripe.com/p/session/... */
export const portalPath = (id: string) => `/p/session/${id}`;

export const billingPortalSessions: Resource = {
  name: 'billing_portal.sessions',
  routes: [
    post(
      '/v1/billing_portal/sessions',
      params,
      async ({ w, caller, params: p, services, host }) => {
        await requireObject(w.db, caller, 'customer', p.customer, 'customer', 'customer');
        const configuration = p.configuration
          ? parseData<Stripe.BillingPortal.Configuration>(
              await requireObject(
                w.db,
                caller,
                CONFIG,
                p.configuration,
                'configuration',
                'configuration',
              ),
            )
          : await defaultConfiguration(w, caller);
        if (!configuration.active)
          throw errors.invalidRequest(
            `The configuration ${configuration.id} is not active: activate it or use another.`,
            'configuration',
          );
        await onBehalfOfCheck(w, caller, p.on_behalf_of);
        const base = publicBaseUrl(services, host);
        const { data } = await createObject<Stripe.BillingPortal.Session>(w, {
          type: 'billing_portal.session',
          prefix: 'bps',
          data: (id, created) =>
            ({
              id,
              object: 'billing_portal.session',
              configuration: configuration.id,
              created,
              customer: p.customer,
              flow: p.flow_data ? flowOf(p.flow_data as Flow) : null,
              livemode: w.livemode,
              locale: (p.locale ?? null) as Stripe.BillingPortal.Session.Locale | null,
              on_behalf_of: p.on_behalf_of ?? null,
              return_url: p.return_url ?? configuration.default_return_url ?? null,
              url: `${base}${portalPath(id)}`,
            }) as Stripe.BillingPortal.Session,
        });
        await emitEvent(w, { type: 'billing_portal.session.created', object: data as never });
        return data;
      },
    ),
  ],
};
