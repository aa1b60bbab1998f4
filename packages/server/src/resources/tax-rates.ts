import type Stripe from 'stripe';
import {
  applied,
  applyMetadata,
  expandParam,
  metadata,
  required,
  type MetadataPatch,
} from '../stripe/params.js';
import { emitEvent } from '../services/emit-event.js';
import { filteredList } from './list-route.js';
import { get, post, type Resource } from './route.js';
import {
  createObject,
  definedOnly,
  parseData,
  requireObject,
  requireObjectToChange,
  saveChanged,
} from './common.js';

/**
 * Tax rates: plain state, as Stripe keeps them (create, retrieve, update, list; never deleted,
 * archived with `active=false`). `inclusive` and `percentage` are fixed once created, as on Stripe.
 */
const writable = {
  active: applied<boolean>(),
  country: applied<string>(),
  description: applied<string>(),
  display_name: applied<string>(),
  jurisdiction: applied<string>(),
  metadata: metadata(),
  state: applied<string>(),
  tax_type: applied<string>(),
  ...expandParam,
};

type Changes = { [K in Exclude<keyof typeof writable, 'metadata' | 'expand'>]?: unknown } & {
  metadata?: MetadataPatch | undefined;
};

function applyParams(rate: Stripe.TaxRate, p: Changes): Stripe.TaxRate {
  const { metadata: patch, ...fields } = p;
  return {
    ...rate,
    ...(definedOnly(fields) as Partial<Stripe.TaxRate>),
    metadata: applyMetadata(rate.metadata ?? {}, patch),
  };
}

export const taxRates: Resource = {
  name: 'tax_rates',
  routes: [
    post(
      '/v1/tax_rates',
      {
        ...writable,
        display_name: required(applied<string>()),
        inclusive: required(applied<boolean>()),
        percentage: required(applied<number>()),
      },
      async ({ w, params }) => {
        const { inclusive, percentage, ...rest } = params;
        const { data } = await createObject<Stripe.TaxRate>(w, {
          type: 'tax_rate',
          prefix: 'txr',
          data: (id, created) =>
            applyParams(
              {
                id,
                object: 'tax_rate',
                active: true,
                country: null,
                created,
                description: null,
                display_name: params.display_name,
                effective_percentage: percentage,
                inclusive,
                jurisdiction: null,
                jurisdiction_level: null,
                livemode: w.livemode,
                metadata: {},
                percentage,
                state: null,
                tax_type: null,
              } as Stripe.TaxRate,
              rest,
            ),
        });
        await emitEvent(w, { type: 'tax_rate.created', object: data as never });
        return data;
      },
    ),

    get('/v1/tax_rates/:id', expandParam, async ({ db, caller, path }) =>
      parseData(await requireObject(db, caller, 'tax_rate', path.id!)),
    ),

    post('/v1/tax_rates/:id', writable, async ({ w, caller, path, params }) => {
      const row = await requireObjectToChange(w, caller, 'tax_rate', path.id!);
      const before = parseData<Stripe.TaxRate>(row);
      return saveChanged(w, row.id, before, applyParams(before, params), 'tax_rate.updated');
    }),

    filteredList('/v1/tax_rates', { type: 'tax_rate', flags: ['active', 'inclusive'] }),
  ],
};
