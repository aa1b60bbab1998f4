import type Stripe from 'stripe';
import { errors } from '../../stripe/errors.js';

/**
 * The merchant of a test authorization or transaction: Stripe's test helpers take its category
 * (one of Stripe's merchant categories) and describe it; its category code is the category's
 * merchant category code (ISO 18245), which Stripe's objects carry beside it.
 */

/** The merchant category codes Switchboard knows; a category outside them is refused. */
export const categoryCodes: Record<string, string> = {
  ac_refrigeration_repair: '7623',
  airlines_air_carriers: '4511',
  automated_cash_disburse: '6011',
  bakeries: '5462',
  book_stores: '5942',
  car_rental_agencies: '7512',
  computer_network_services: '4816',
  computer_software_stores: '5734',
  department_stores: '5311',
  drinking_places: '5813',
  drug_stores_and_pharmacies: '5912',
  eating_places_restaurants: '5812',
  electronics_stores: '5732',
  fast_food_restaurants: '5814',
  gift_card_novelty_and_souvenir_shops: '5947',
  grocery_stores_supermarkets: '5411',
  hardware_stores: '5251',
  hotels_motels_and_resorts: '7011',
  parking_lots_garages: '7523',
  service_stations: '5541',
  taxicabs_limousines: '4121',
};

/** Stripe's example merchant, for a test helper called without merchant_data. */
const exampleMerchant: Stripe.Issuing.Authorization.MerchantData = {
  category: 'taxicabs_limousines',
  category_code: '4121',
  city: 'San Francisco',
  country: 'US',
  name: 'Rocket Rides',
  network_id: '1234567890',
  postal_code: '94107',
  state: 'CA',
  tax_id: null,
  terminal_id: null,
  url: null,
};

export type MerchantParams = Partial<
  Record<keyof Stripe.Issuing.Authorization.MerchantData, string>
>;

/** The merchant a test helper describes: Stripe's example, with each member sent applied. */
export function merchantData(
  params: MerchantParams | undefined,
): Stripe.Issuing.Authorization.MerchantData {
  const merchant = { ...exampleMerchant, ...(params ?? {}) };
  const code = categoryCodes[merchant.category];
  if (!code)
    throw errors.parameterNotSupported(
      'merchant_data[category]',
      `the merchant category code of '${merchant.category}' is not known to Switchboard (it knows ${Object.keys(categoryCodes).join(', ')})`,
    );
  return { ...merchant, category_code: code };
}
