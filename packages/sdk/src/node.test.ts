import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import {
  constructEvent,
  generateTestHeaderString,
  signPayload,
  SignatureVerificationError,
} from './index.js';

const stripe = new Stripe('sk_test_unused_for_webhooks');
const secret = 'whsec_test_secret';
const body = '{"id":"evt_test_webhook","object":"event"}';

describe('signature compatibility with the official stripe package', () => {
  it('matches the reference test vectors', () => {
    expect(signPayload(body, secret, 1700000000)).toBe(
      't=1700000000,v1=d95c6b7477fbd7e9f90b1b0ef5f9c7ac25abca5382460e0d988c2b2a5b71b990',
    );
    expect(signPayload('x', 'whsec_s3cr3t', 1700000000)).toBe(
      't=1700000000,v1=177034b28070b87d61ee4ad5b18b25401094b2795e3078714c56bf5922114311',
    );
  });

  it('stripe.webhooks.constructEvent accepts our signatures, one or several secrets', () => {
    const header = signPayload(body, [secret, 'whsec_other']);
    expect(stripe.webhooks.constructEvent(body, header, secret).id).toBe('evt_test_webhook');
    expect(stripe.webhooks.constructEvent(body, header, 'whsec_other').id).toBe('evt_test_webhook');
  });

  it('our constructEvent accepts generateTestHeaderString from stripe', () => {
    const header = stripe.webhooks.generateTestHeaderString({ payload: body, secret });
    expect(constructEvent<{ id: string }>(body, header, secret).id).toBe('evt_test_webhook');
    expect(constructEvent<{ id: string }>(Buffer.from(body), header, secret).id).toBe(
      'evt_test_webhook',
    );
  });

  it('our test header equals stripe.webhooks.generateTestHeaderString', () => {
    const opts = { payload: body, secret, timestamp: 1700000123 };
    expect(generateTestHeaderString(opts)).toBe(stripe.webhooks.generateTestHeaderString(opts));
  });

  it('fails with the same messages as stripe for each bad input', () => {
    const good = signPayload(body, secret);
    const cases: Array<[unknown, unknown, string]> = [
      ['', good, secret],
      [body, '', secret],
      [body, 'v1=abc', secret],
      [body, `t=${Math.floor(Date.now() / 1000)}`, secret],
      [body, good, 'whsec_wrong'],
      [body, good, 'whsec_wrong '],
      [JSON.parse(body), good, secret],
      [body, signPayload(body, secret, Math.floor(Date.now() / 1000) - 301), secret],
    ];
    for (const [payload, header, key] of cases) {
      let ours: unknown;
      let theirs: unknown;
      try {
        constructEvent(payload as string, header as string, key as string);
      } catch (e) {
        ours = e;
      }
      try {
        stripe.webhooks.constructEvent(payload as string, header as string, key as string);
      } catch (e) {
        theirs = e;
      }
      expect(ours).toBeInstanceOf(SignatureVerificationError);
      expect((ours as Error).message).toBe((theirs as Error).message);
    }
  });

  it('accepts a future timestamp and disables the age check with tolerance 0', () => {
    const future = signPayload(body, secret, Math.floor(Date.now() / 1000) + 3600);
    expect(() => constructEvent(body, future, secret)).not.toThrow();
    const old = signPayload(body, secret, 1000);
    expect(() => constructEvent(body, old, secret)).toThrow('Timestamp outside the tolerance zone');
    expect(() => constructEvent(body, old, secret, 0)).not.toThrow();
  });

  it('refuses thin v2 notifications in constructEvent', () => {
    const thin = '{"id":"evt_1","object":"v2.core.event"}';
    expect(() => constructEvent(thin, signPayload(thin, secret), secret)).toThrow(/thin event/);
  });
});
