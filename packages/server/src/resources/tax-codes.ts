import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import { expandParam, listParams } from '../stripe/params.js';
import { get, type Resource } from './route.js';
import { pageOf } from './common.js';

/**
 * Stripe's tax codes (`/v1/tax_codes`): read-only data, the same for every account. Switchboard
 * carries Stripe's four general codes only (docs/resources.md says where their texts come from);
 * the hundreds of specific codes Stripe lists are not carried offline.
 */
/** A tax code as API 2023-08-16 shows it (`requirements` came later). */
type TaxCode = Omit<Stripe.TaxCode, 'requirements'>;

export const taxCodes: readonly TaxCode[] = [
  {
    id: 'txcd_99999999',
    object: 'tax_code',
    name: 'General - Tangible Goods',
    // Stripe's own example object (fixtures3.HEAD.json).
    description:
      'A physical good that can be moved or touched. Also known as tangible personal property.',
  },
  {
    id: 'txcd_20030000',
    object: 'tax_code',
    name: 'General - Services',
    description:
      'Miscellaneous services. This code will only treat services as taxable if the jurisdiction taxes services generally.',
  },
  {
    id: 'txcd_10000000',
    object: 'tax_code',
    name: 'General - Electronically Supplied Services',
    description: 'Any electronically supplied good or service.',
  },
  {
    id: 'txcd_00000000',
    object: 'tax_code',
    name: 'Nontaxable',
    description:
      'Any nontaxable good or service which can be used to ensure no tax is applied, even for jurisdictions that impose a tax.',
  },
];

export const taxCodesResource: Resource = {
  name: 'tax_codes',
  routes: [
    get('/v1/tax_codes', listParams, async ({ params, url }) =>
      pageOf([...taxCodes], params, url, 'tax code'),
    ),
    get('/v1/tax_codes/:id', expandParam, async ({ path }) => {
      const code = taxCodes.find((c) => c.id === path.id);
      if (!code) throw errors.resourceMissing('tax code', path.id!);
      return code;
    }),
  ],
};
