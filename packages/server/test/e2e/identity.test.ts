import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboardedAccount } from '../helpers/accounts.js';
import { Receiver } from '../helpers/receiver.js';
import { schemaErrors } from '../helpers/schemas.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Identity verification sessions: a url to a page of the server's own where the tester verifies
 * or fails the session, with Stripe's events for each step, delivered signed.
 */
describe('identity verification sessions', () => {
  let server: TestServer;
  let stripe: Stripe;
  let receiver: Receiver;

  beforeAll(async () => {
    server = await startTestServer();
    stripe = server.stripe();
    receiver = await new Receiver().start();
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
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  /** The verified deliveries of `id`'s events at `path`, in order, as [type, object]. */
  const eventsOf = (path: string, id: string) =>
    receiver
      .at(path)
      .filter((r) => r.verified && (r.event?.data as { object: { id: string } }).object.id === id)
      .map((r) => {
        expect(schemaErrors(JSON.parse(r.body))).toEqual([]);
        return [
          r.event!.type,
          (r.event!.data as { object: Stripe.Identity.VerificationSession }).object,
        ] as const;
      });

  /** Posts the page's form as a browser does, without following the redirect. */
  const choose = (url: string, action: 'verify' | 'fail') =>
    fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `action=${action}`,
      redirect: 'manual',
    });

  it('the verification page verifies a session with the test person and goes back to return_url', async () => {
    const session = await stripe.identity.verificationSessions.create({
      type: 'document',
      options: { document: { require_matching_selfie: true, allowed_types: ['passport'] } },
      return_url: 'https://example.com/back?x=1',
      metadata: { order: '42' },
      client_reference_id: 'user_7',
    });
    expect(schemaErrors(session, 'identity.verification_session')).toEqual([]);
    expect(session).toMatchObject({
      object: 'identity.verification_session',
      status: 'requires_input',
      type: 'document',
      options: { document: { require_matching_selfie: true, allowed_types: ['passport'] } },
      metadata: { order: '42' },
      client_reference_id: 'user_7',
      last_error: null,
      verified_outputs: null,
      redaction: null,
      livemode: false,
    });
    expect(session.id).toMatch(/^vs_/);
    expect(session.client_secret).toMatch(new RegExp(`^${session.id}_secret_[A-Za-z0-9]+$`));
    expect(session.url).toMatch(new RegExp(`^${server.url}/identity/start/${session.id}/`));

    // The page shows the session; a wrong token opens nothing.
    const page = await fetch(session.url!);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(session.id);
    expect(html).toContain('value="verify"');
    expect(html).toContain('value="fail"');
    expect((await fetch(session.url!.replace(/\/[A-Za-z0-9]+$/, '/wrong'))).status).toBe(404);

    // Fail: back to requires_input with last_error, and back to return_url.
    const failed = await choose(session.url!, 'fail');
    expect(failed.status).toBe(303);
    expect(failed.headers.get('location')).toBe('https://example.com/back?x=1');
    const retry = await stripe.identity.verificationSessions.retrieve(session.id);
    expect(retry).toMatchObject({
      status: 'requires_input',
      last_error: { code: 'document_unverified_other' },
      url: session.url,
    });
    expect(schemaErrors(retry, 'identity.verification_session')).toEqual([]);

    // Verify: processing, then verified with Stripe's test person; the url is spent.
    const ok = await choose(session.url!, 'verify');
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('https://example.com/back?x=1');
    const done = await stripe.identity.verificationSessions.retrieve(session.id);
    expect(done).toMatchObject({
      status: 'verified',
      last_error: null,
      url: null,
      client_secret: null,
      verified_outputs: {
        first_name: 'Jenny',
        last_name: 'Rosen',
        dob: { day: 1, month: 1, year: 1901 },
        address: { country: 'US', postal_code: '94111' },
      },
    });
    expect(schemaErrors(done, 'identity.verification_session')).toEqual([]);
    expect((await fetch(session.url!)).status).toBe(410);
    expect((await choose(session.url!, 'verify')).status).toBe(410);

    await receiver.waitFor(() => eventsOf('/platform', session.id).length >= 4);
    const seen = eventsOf('/platform', session.id);
    expect(seen.map(([type]) => type)).toEqual([
      'identity.verification_session.created',
      'identity.verification_session.requires_input',
      'identity.verification_session.processing',
      'identity.verification_session.verified',
    ]);
    expect(seen[1]![1].last_error?.code).toBe('document_unverified_other');
    expect(seen[2]![1].status).toBe('processing');
    expect(seen[3]![1].verified_outputs?.first_name).toBe('Jenny');

    // Narrowed lists.
    const verified = await stripe.identity.verificationSessions.list({ status: 'verified' });
    expect(verified.data.map((s) => s.id)).toContain(session.id);
    expect(verified.data.every((s) => s.status === 'verified')).toBe(true);
    const mine = await stripe.identity.verificationSessions.list({
      client_reference_id: 'user_7',
    } as never);
    expect(mine.data.map((s) => s.id)).toEqual([session.id]);
  });

  it("a connected account's session, without return_url, is verified on its page and reaches the Connect endpoint", async () => {
    const account = (await onboardedAccount(stripe)).id;
    const session = await stripe.identity.verificationSessions.create(
      { type: 'id_number' },
      { stripeAccount: account },
    );
    expect(session.options).toEqual({ id_number: {} });
    // Out of the platform's own scope.
    await expect(stripe.identity.verificationSessions.retrieve(session.id)).rejects.toMatchObject({
      statusCode: 404,
    });
    const ok = await choose(session.url!, 'verify');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('You can close this page');
    const done = await stripe.identity.verificationSessions.retrieve(
      session.id,
      {},
      { stripeAccount: account },
    );
    expect(done.verified_outputs).toMatchObject({ id_number_type: 'us_ssn' });
    await receiver.waitFor(() => eventsOf('/connect', session.id).length >= 3);
    expect(
      receiver
        .at('/connect')
        .filter((r) => r.event?.type === 'identity.verification_session.verified')
        .some((r) => r.event!.account === account),
    ).toBe(true);
  });

  it('cancels a session waiting for input, and redacts one: canceled and redacted events', async () => {
    const a = await stripe.identity.verificationSessions.create({ type: 'document' });
    const updated = await stripe.identity.verificationSessions.update(a.id, {
      type: 'id_number',
      metadata: { k: 'v' },
    });
    expect(updated).toMatchObject({
      type: 'id_number',
      options: { id_number: {} },
      metadata: { k: 'v' },
    });
    const canceled = await stripe.identity.verificationSessions.cancel(a.id);
    expect(canceled).toMatchObject({ status: 'canceled', url: null, client_secret: null });
    expect(schemaErrors(canceled, 'identity.verification_session')).toEqual([]);
    await expect(stripe.identity.verificationSessions.cancel(a.id)).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining('status of canceled'),
    });
    await expect(
      stripe.identity.verificationSessions.update(a.id, { metadata: { k: 'w' } }),
    ).rejects.toMatchObject({ statusCode: 400 });
    expect((await fetch(a.url!)).status).toBe(410);

    // A verified session is redacted: its personal data becomes [redacted].
    const b = await stripe.identity.verificationSessions.create({ type: 'document' });
    await choose(b.url!, 'verify');
    const redacted = await stripe.identity.verificationSessions.redact(b.id);
    expect(redacted).toMatchObject({
      status: 'verified',
      redaction: { status: 'redacted' },
      verified_outputs: { first_name: '[redacted]', last_name: '[redacted]' },
    });
    expect(schemaErrors(redacted, 'identity.verification_session')).toEqual([]);
    expect((await stripe.identity.verificationSessions.redact(b.id)).redaction).toEqual({
      status: 'redacted',
    });
    // One waiting for input is canceled by its redaction.
    const c = await stripe.identity.verificationSessions.create({ type: 'document' });
    expect(await stripe.identity.verificationSessions.redact(c.id)).toMatchObject({
      status: 'canceled',
      redaction: { status: 'redacted' },
    });

    await receiver.waitFor(() =>
      eventsOf('/platform', c.id).some(([t]) => t === 'identity.verification_session.redacted'),
    );
    expect(eventsOf('/platform', a.id).map(([t]) => t)).toEqual([
      'identity.verification_session.created',
      'identity.verification_session.canceled',
    ]);
    expect(eventsOf('/platform', b.id).map(([t]) => t)).toContain(
      'identity.verification_session.redacted',
    );
    expect(eventsOf('/platform', c.id).map(([t]) => t)).toEqual([
      'identity.verification_session.created',
      'identity.verification_session.canceled',
      'identity.verification_session.redacted',
    ]);
  });

  it('refuses what it does not model, naming it', async () => {
    await expect(
      stripe.identity.verificationSessions.create({
        type: 'document',
        verification_flow: 'vf_1',
      } as never),
    ).rejects.toMatchObject({ code: 'parameter_not_supported', param: 'verification_flow' });
    await expect(
      stripe.identity.verificationSessions.create({
        type: 'document',
        related_customer: 'cus_nope',
      } as never),
    ).rejects.toMatchObject({ statusCode: 404, param: 'related_customer' });
  });
});
