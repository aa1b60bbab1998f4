import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboardedAccount } from './accounts.js';
import { Receiver } from './receiver.js';
import { schemaErrors } from './schemas.js';
import { startTestServer, TEST_KEY, type TestServer } from './server.js';
import { stripeCli } from './stripe-cli.js';

/**
 * Runs the official Stripe CLI's own fixtures for `events`, unchanged, on the platform and with
 * --stripe-account: each event reaches a receiver signed, from the right account, and validates
 * against Stripe's schemas.
 */
export function describeCliTriggers(
  title: string,
  /** Fixture names; `[fixture, event]` where they differ (`issuing_authorization.request.eu`). */
  events: ReadonlyArray<string | readonly [string, string]>,
): void {
  describe(title, () => {
    let server: TestServer;
    let receiver: Receiver;
    let stripe: Stripe;
    let account: string;
    const base = () => ['--api-base', server.url, '--api-key', TEST_KEY];

    beforeAll(async () => {
      server = await startTestServer();
      receiver = await new Receiver().start();
      stripe = server.stripe(TEST_KEY);
      for (const connect of [false, true]) {
        const path = connect ? '/connect' : '/platform';
        const we = await stripe.webhookEndpoints.create({
          url: receiver.url(path),
          // `.redacted` is sent only to endpoints that name it, as on Stripe.
          enabled_events: ['*', 'identity.verification_session.redacted'],
          connect,
        });
        receiver.expect(path, we.secret!);
      }
      account = (await onboardedAccount(stripe)).id;
    });
    afterAll(async () => {
      await server.close();
      await receiver.close();
    });

    const seen = (path: string, type: string) =>
      receiver.at(path).filter((r) => r.event?.type === type);

    for (const named of events) {
      const [fixture, event] = typeof named === 'string' ? [named, named] : named;
      it(`stripe trigger ${fixture}, on the platform and with --stripe-account`, async () => {
        const beforeOwn = seen('/platform', event).length;
        const own = await stripeCli(['trigger', fixture, ...base()]);
        expect(own.out).toContain('Trigger succeeded!');
        expect(own.code).toBe(0);
        await receiver.waitFor(() => seen('/platform', event).length > beforeOwn, 10_000, event);

        const before = seen('/connect', event).length;
        const theirs = await stripeCli([
          'trigger',
          fixture,
          '--stripe-account',
          account,
          ...base(),
        ]);
        expect(theirs.out).toContain('Trigger succeeded!');
        await receiver.waitFor(() => seen('/connect', event).length > before, 10_000, event);
        const delivered = seen('/connect', event).slice(before);
        expect(delivered.every((r) => r.verified && r.event!.account === account)).toBe(true);
        for (const r of [...delivered, ...seen('/platform', event)])
          expect(schemaErrors(JSON.parse(r.body))).toEqual([]);
      }, 60_000);
    }
  });
}
