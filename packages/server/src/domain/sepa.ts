/**
 * SEPA Direct Debit in test mode: Stripe's test IBANs and what a debit from each does
 * (docs.stripe.com/testing#sepa-direct-debit). Every country has the same eight scenarios; the
 * IBANs differ. A test-mode payment method takes only these IBANs, as Stripe's test mode does.
 */

export type SepaScenario =
  | 'success'
  | 'successDelayed'
  | 'failed'
  | 'failedDelayed'
  | 'disputed'
  | 'exceedsWeeklyVolumeLimit'
  | 'exceedsWeeklyTransactionLimit'
  | 'insufficientFunds';

const scenarios: readonly SepaScenario[] = [
  'success',
  'successDelayed',
  'failed',
  'failedDelayed',
  'disputed',
  'exceedsWeeklyVolumeLimit',
  'exceedsWeeklyTransactionLimit',
  'insufficientFunds',
];

/** Stripe's test IBANs by country, in the order of `scenarios`. */
const testIbans: Record<string, readonly string[]> = {
  at: [
    'AT611904300234573201',
    'AT321904300235473204',
    'AT861904300235473202',
    'AT051904300235473205',
    'AT591904300235473203',
    'AT981904300000343434',
    'AT601904300000121212',
    'AT981904300002222227',
  ],
  be: [
    'BE62510007547061',
    'BE78510007547064',
    'BE68539007547034',
    'BE51510007547065',
    'BE08510007547063',
    'BE90510000343434',
    'BE52510000121212',
    'BE90510002222227',
  ],
  de: [
    'DE89370400440532013000',
    'DE08370400440532013003',
    'DE62370400440532013001',
    'DE78370400440532013004',
    'DE35370400440532013002',
    'DE65370400440000343434',
    'DE27370400440000121212',
    'DE65370400440002222227',
  ],
  fr: [
    'FR1420041010050500013M02606',
    'FR3020041010050500013M02609',
    'FR8420041010050500013M02607',
    'FR7920041010050500013M02600',
    'FR5720041010050500013M02608',
    'FR9720041010050000000343434',
    'FR5920041010050000000121212',
    'FR9720041010050000002222227',
  ],
  ie: [
    'IE29AIBK93115212345678',
    'IE24AIBK93115212345671',
    'IE02AIBK93115212345679',
    'IE94AIBK93115212345672',
    'IE51AIBK93115212345670',
    'IE10AIBK93115200343434',
    'IE69AIBK93115200121212',
    'IE10AIBK93115202222227',
  ],
  lu: [
    'LU280019400644750000',
    'LU440019400644750003',
    'LU980019400644750001',
    'LU170019400644750004',
    'LU710019400644750002',
    'LU900010000000343434',
    'LU520010000000121212',
    'LU900010000002222227',
  ],
};

/** The scenario of each test IBAN, and the test payment methods that stand for them. */
const scenarioOfIban = new Map<string, SepaScenario>();
const ibanOfMethod = new Map<string, string>();
for (const [country, ibans] of Object.entries(testIbans)) {
  ibans.forEach((iban, i) => {
    const scenario = scenarios[i]!;
    scenarioOfIban.set(iban, scenario);
    // Stripe's docs name them both ways: pm_success_at and pm_sepaDebit_success_at.
    ibanOfMethod.set(`pm_${scenario}_${country}`, iban);
    ibanOfMethod.set(`pm_sepaDebit_${scenario}_${country}`, iban);
  });
}

/** The test IBAN a `pm_sepaDebit_<scenario>_<country>` (or `pm_<scenario>_<country>`) stands for. */
export const sepaTestMethodIban = (id: string): string | undefined => ibanOfMethod.get(id);

/** An IBAN without spaces, upper-cased, as Stripe stores it. */
export const normalizeIban = (iban: string): string => iban.replace(/\s+/g, '').toUpperCase();

/** Whether `iban` is well formed: country, check digits and the ISO 13616 mod-97 check. */
export function isValidIban(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(iban)) return false;
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (const ch of moved) {
    const value = /\d/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const digit of value) rest = (rest * 10 + Number(digit)) % 97;
  }
  return rest === 1;
}

/** The test scenario of an IBAN, or undefined when it is not one of Stripe's test IBANs. */
export const sepaScenario = (iban: string): SepaScenario | undefined => scenarioOfIban.get(iban);

/** What the bank answers to a debit from a test IBAN, and when (Stripe waits 3 minutes for the delayed ones). */
export type SepaOutcome =
  | { kind: 'paid'; delayed: boolean; disputed: boolean }
  | { kind: 'failed'; delayed: boolean; code: string; message: string };

/** The failure Stripe names for each failing scenario (its docs give no code for `failed`). */
const failures: Partial<Record<SepaScenario, { code: string; message: string }>> = {
  failed: {
    code: 'generic_could_not_process',
    message: 'The payment could not be processed by the customer’s bank.',
  },
  failedDelayed: {
    code: 'generic_could_not_process',
    message: 'The payment could not be processed by the customer’s bank.',
  },
  exceedsWeeklyVolumeLimit: {
    code: 'charge_exceeds_source_limit',
    message: 'This payment would exceed the weekly payment volume limit of the account.',
  },
  exceedsWeeklyTransactionLimit: {
    code: 'charge_exceeds_weekly_limit',
    message: 'This payment exceeds the transaction volume limit of the account.',
  },
  insufficientFunds: {
    code: 'insufficient_funds',
    message: 'The customer’s bank account has insufficient funds to cover this payment.',
  },
};

export function sepaOutcome(scenario: SepaScenario): SepaOutcome {
  const delayed = scenario === 'successDelayed' || scenario === 'failedDelayed';
  const failure = failures[scenario];
  return failure
    ? { kind: 'failed', delayed, ...failure }
    : { kind: 'paid', delayed, disputed: scenario === 'disputed' };
}

/** Test IBANs to name in an error: one that succeeds and one that fails. */
export const SEPA_TEST_IBANS_HINT = 'AT611904300234573201 (succeeds), AT861904300235473202 (fails)';
