import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import { errors } from '../stripe/errors.js';
import { oneOf, type Field } from '../stripe/params.js';

/**
 * The virtual bank accounts a customer funds its cash balance through, one per bank transfer
 * type, as Stripe's test mode gives them: test banks' details with account numbers made from the
 * customer's id, so that they are the same every time they are asked for (Stripe keeps a
 * customer's funding instructions once made) and differ between customers.
 */

export type TransferType =
  | 'eu_bank_transfer'
  | 'gb_bank_transfer'
  | 'jp_bank_transfer'
  | 'mx_bank_transfer'
  | 'us_bank_transfer';

type FinancialAddress = Stripe.FundingInstructions.BankTransfer.FinancialAddress;

/** The currency each bank transfer type moves. */
export const transferCurrency: Record<TransferType, string> = {
  eu_bank_transfer: 'eur',
  gb_bank_transfer: 'gbp',
  jp_bank_transfer: 'jpy',
  mx_bank_transfer: 'mxn',
  us_bank_transfer: 'usd',
};

/**
 * `bank_transfer[type]`. Stripe's enum is open (`x-stripeBypassValidation`), and the official
 * CLI's `payment_intent.partially_funded` fixture sends `jp_bank_account`: the older
 * `<country>_bank_account` names are taken as the `<country>_bank_transfer` they stand for.
 */
export const transferTypeField: Field<TransferType, false> = {
  required: false,
  parse: (value, param) =>
    oneOf(Object.keys(transferCurrency) as TransferType[]).parse(
      typeof value === 'string'
        ? value.replace(/^(eu|gb|jp|mx|us)_bank_account$/, '$1_bank_transfer')
        : value,
      param,
    ),
};

/** The bank transfer type that funds a cash balance in each currency Stripe supports. */
export const transferTypes = Object.fromEntries(
  Object.entries(transferCurrency).map(([type, currency]) => [currency, type as TransferType]),
) as Record<string, TransferType>;

/** The countries of an EU bank transfer's IBAN, as Stripe offers them. */
export const EU_COUNTRIES = ['BE', 'DE', 'ES', 'FR', 'IE', 'NL'] as const;

/** Digits made from the customer and what they are for: stable, distinct per customer. */
function digits(customer: string, what: string, length: number): string {
  const hash = createHash('sha256').update(`${customer}/${what}`).digest();
  let out = '';
  for (let i = 0; out.length < length; i++) out += String(hash[i % hash.length]! % 10);
  return out;
}

const HOLDER = 'Stripe Payments (test mode)';

/** An IBAN of `country` whose check digits are right (ISO 13616: mod 97 of the rearranged IBAN). */
function iban(country: string, bban: string): string {
  const numeric = `${bban}${country}00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rest = 0;
  for (const d of numeric) rest = (rest * 10 + Number(d)) % 97;
  return `${country}${String(98 - rest).padStart(2, '0')}${bban}`;
}

/** The financial addresses of a customer's bank transfers of `type`. */
export function financialAddresses(
  customer: string,
  type: TransferType,
  euCountry = 'DE',
): FinancialAddress[] {
  switch (type) {
    case 'eu_bank_transfer':
      return [
        {
          type: 'iban',
          iban: {
            account_holder_name: HOLDER,
            bic: 'SXPYDEHH',
            country: euCountry,
            iban: iban(euCountry, digits(customer, type, 18)),
          },
          supported_networks: ['sepa'],
        } as FinancialAddress,
      ];
    case 'gb_bank_transfer':
      return [
        {
          type: 'sort_code',
          sort_code: {
            account_holder_name: HOLDER,
            account_number: digits(customer, type, 8),
            sort_code: '040075',
          },
          supported_networks: ['bacs', 'fps'],
        } as FinancialAddress,
      ];
    case 'jp_bank_transfer':
      return [
        {
          type: 'zengin',
          zengin: {
            account_holder_name: 'ストライプジャパン（カ',
            account_number: digits(customer, type, 7),
            account_type: 'futsu',
            bank_code: '0009',
            bank_name: '三井住友銀行',
            branch_code: '950',
            branch_name: 'カブシキガイシャ',
          },
          supported_networks: ['zengin'],
        } as FinancialAddress,
      ];
    case 'mx_bank_transfer':
      return [
        {
          type: 'spei',
          spei: {
            bank_code: '002',
            bank_name: 'BANAMEX',
            clabe: `002180${digits(customer, type, 12)}`,
          },
          supported_networks: ['spei'],
        } as FinancialAddress,
      ];
    case 'us_bank_transfer':
      return [
        {
          type: 'aba',
          aba: {
            account_number: digits(customer, type, 12),
            bank_name: 'STRIPE TEST BANK',
            routing_number: '110000000',
          },
          supported_networks: ['ach', 'domestic_wire_us'],
        } as unknown as FinancialAddress,
        {
          type: 'swift',
          swift: {
            account_number: digits(customer, type, 12),
            bank_name: 'STRIPE TEST BANK',
            swift_code: 'TSTEZ122',
          },
          supported_networks: ['swift'],
        } as unknown as FinancialAddress,
      ];
  }
}

/** The bank transfer parameters of funding instructions and of a PaymentIntent's options. */
export interface BankTransferParams {
  type?: TransferType | undefined;
  eu_bank_transfer?: { country: string } | undefined;
  requested_address_types?: string[] | undefined;
}

/**
 * Checks a bank transfer's type against its currency and its EU country, as Stripe does; returns
 * the type and the EU country. `param` prefixes the names in errors (`bank_transfer`).
 */
export function checkBankTransfer(
  given: BankTransferParams,
  currency: string,
  param: string,
  currencyParam: string,
): BankTransfer {
  const type = given.type;
  if (!type) throw errors.parameterMissing(`${param}[type]`);
  if (transferCurrency[type] !== currency)
    throw errors.invalidRequest(
      `${type} moves ${transferCurrency[type]}: the currency ${currency} cannot be used with it.`,
      currencyParam,
    );
  let euCountry = 'DE';
  if (type === 'eu_bank_transfer') {
    const country = given.eu_bank_transfer?.country;
    if (!country) throw errors.parameterMissing(`${param}[eu_bank_transfer][country]`);
    if (!(EU_COUNTRIES as readonly string[]).includes(country))
      throw errors.parameterInvalid(
        `${param}[eu_bank_transfer][country]`,
        `Invalid ${param}[eu_bank_transfer][country]: must be one of ${EU_COUNTRIES.join(', ')}.`,
      );
    euCountry = country;
  } else if (given.eu_bank_transfer !== undefined)
    throw errors.parameterInvalid(
      `${param}[eu_bank_transfer]`,
      `${param}[eu_bank_transfer] is only for eu_bank_transfer.`,
    );
  const offered = financialAddresses('', type, euCountry).map((a) => a.type as string);
  for (const [i, t] of (given.requested_address_types ?? []).entries())
    if (!offered.includes(t))
      throw errors.parameterInvalid(
        `${param}[requested_address_types][${i}]`,
        `${type} offers ${offered.join(', ')} addresses: ${t} is not one of them.`,
      );
  const addressTypes = given.requested_address_types?.length ? given.requested_address_types : null;
  return { type, euCountry, addressTypes };
}

/** A bank transfer as checked: its type, its EU country, the address types asked for. */
export interface BankTransfer {
  type: TransferType;
  euCountry: string;
  /** `requested_address_types`; null for all. */
  addressTypes: string[] | null;
}

/** The financial addresses of a customer's bank transfer, only of the types asked for. */
export const addressesFor = (customer: string, transfer: BankTransfer): FinancialAddress[] =>
  financialAddresses(customer, transfer.type, transfer.euCountry).filter(
    (a) => !transfer.addressTypes || transfer.addressTypes.includes(a.type as string),
  );

/** The `funding_instructions` of a customer for one bank transfer type. */
export function fundingInstructions(
  customer: string,
  livemode: boolean,
  currency: string,
  transfer: BankTransfer,
): Stripe.FundingInstructions {
  return {
    object: 'funding_instructions',
    bank_transfer: {
      country: {
        eu_bank_transfer: transfer.euCountry,
        gb_bank_transfer: 'GB',
        jp_bank_transfer: 'JP',
        mx_bank_transfer: 'MX',
        us_bank_transfer: 'US',
      }[transfer.type],
      financial_addresses: addressesFor(customer, transfer),
      type: transfer.type as Stripe.FundingInstructions.BankTransfer.Type,
    },
    currency,
    funding_type: 'bank_transfer',
    livemode,
  };
}
