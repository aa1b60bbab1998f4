import { nullableObject, nullableString, object, required, string } from '../stripe/params.js';

/** Parameters several resources share. */
export const addressParams = {
  city: nullableString(),
  country: nullableString(),
  line1: nullableString(),
  line2: nullableString(),
  postal_code: nullableString(),
  state: nullableString(),
};

export const nullableAddress = nullableObject(addressParams);

export const shippingParams = nullableObject({
  address: required(object(addressParams)),
  name: required(string()),
  phone: nullableString(),
  carrier: nullableString(),
  tracking_number: nullableString(),
});

export interface Address {
  city: string | null;
  country: string | null;
  line1: string | null;
  line2: string | null;
  postal_code: string | null;
  state: string | null;
}

export function toAddress(
  p: Partial<Record<keyof Address, string | null>> | null | undefined,
): Address | null {
  if (!p) return null;
  return {
    city: p.city ?? null,
    country: p.country ?? null,
    line1: p.line1 ?? null,
    line2: p.line2 ?? null,
    postal_code: p.postal_code ?? null,
    state: p.state ?? null,
  };
}

/** What `shipping` records on a charge or a payment intent (Stripe's `Shipping`). */
export interface Shipping {
  address: Address;
  name: string;
  phone: string | null;
  carrier: string | null;
  tracking_number: string | null;
}

/** `shipping` (shippingParams) as charges and payment intents record it; null unsets it. */
export function toShipping(p: unknown): Shipping | null {
  const s = p as {
    address: object;
    name: string;
    phone?: string | null;
    carrier?: string | null;
    tracking_number?: string | null;
  } | null;
  if (!s) return null;
  return {
    address: toAddress(s.address as never)!,
    name: s.name,
    phone: s.phone ?? null,
    carrier: s.carrier ?? null,
    tracking_number: s.tracking_number ?? null,
  };
}

/** The test that checks list filters (test/e2e/parameters.test.ts). */
export const listFilterTest = 'each list filter narrows the list to the objects that match it';

/** The test that checks identity numbers read back as `*_provided` (test/e2e/parameters.test.ts). */
export const providedTest = 'identity numbers read back as provided, never as themselves';

/** Billing details of a test card that was given none (charges and payment methods). */
export function emptyBillingDetails() {
  return {
    address: toAddress({})!,
    email: null,
    name: null,
    phone: null,
    tax_id: null,
  };
}
