import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver } from '../helpers/receiver.js';
import { connect, openAuthorize, registerRedirectUris } from '../helpers/oauth.js';
import { startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';

const REDIRECT = 'https://platform.example/oauth/callback';

/** OAuth for Standard accounts: authorize page, code exchange, access tokens, deauthorization. */
describe('Connect OAuth', () => {
  let server: TestServer;
  let receiver: Receiver;
  let stripe: Stripe;
  let clientId: string;

  beforeAll(async () => {
    server = await startTestServer({ manualClock: true });
    receiver = await new Receiver().start();
    stripe = server.stripe();
    // The platform's application (ca_...): the client_id of its OAuth links.
    clientId = server.sb.startup.platform.application_id;
    // Stripe redirects only to the URIs registered in the platform's Connect settings.
    await registerRedirectUris(server, [REDIRECT]);
    const endpoint = await stripe.webhookEndpoints.create({
      url: receiver.url('/oauth'),
      connect: true,
      enabled_events: ['account.application.authorized', 'account.application.deauthorized'],
    });
    receiver.expect('/oauth', endpoint.secret!);
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  it('connects a new Standard account, exchanges the code, and acts as the account with its token', async () => {
    const authorizeUrl = stripe.oauth.authorizeUrl({
      client_id: clientId,
      scope: 'read_write',
      redirect_uri: REDIRECT,
      state: 'csrf-123',
      stripe_user: { email: 'owner@example.com' },
    });
    const back = await connect(server, authorizeUrl);
    expect(back.origin + back.pathname).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe('csrf-123');
    expect(back.searchParams.get('scope')).toBe('read_write');
    const code = back.searchParams.get('code')!;
    expect(code).toMatch(/^ac_/);

    const token = await stripe.oauth.token({ grant_type: 'authorization_code', code });
    expect(token).toMatchObject({
      livemode: false,
      scope: 'read_write',
      token_type: 'bearer',
      stripe_user_id: expect.stringMatching(/^acct_/),
      access_token: expect.stringMatching(/^sk_test_/),
      refresh_token: expect.stringMatching(/^rt_/),
      stripe_publishable_key: expect.stringMatching(/^pk_test_/),
    });
    const accountId = token.stripe_user_id!;
    const account = await stripe.accounts.retrieve(accountId);
    expect(account.type).toBe('standard');
    expect(account.email).toBe('owner@example.com');
    await receiver.waitFor(() =>
      receiver
        .at('/oauth')
        .some(
          (r) =>
            r.event!.type === 'account.application.authorized' && r.event!.account === accountId,
        ),
    );

    // The access token is a key that acts as the connected account.
    const asAccount = server.stripe(token.access_token!);
    const customer = await asAccount.customers.create({ name: 'made with the access token' });
    expect(
      (await stripe.customers.retrieve(customer.id, {}, { stripeAccount: accountId })).id,
    ).toBe(customer.id);
    await expect(stripe.customers.retrieve(customer.id)).rejects.toMatchObject({
      statusCode: 404,
    });
    expect((await asAccount.accounts.retrieveCurrent()).id).toBe(accountId);
    const other = await stripe.accounts.create({ type: 'custom', country: 'US' });
    await expect(asAccount.customers.list({}, { stripeAccount: other.id })).rejects.toMatchObject({
      statusCode: 403,
      code: 'account_invalid',
    });

    // A code works once.
    await expect(
      stripe.oauth.token({ grant_type: 'authorization_code', code }),
    ).rejects.toMatchObject({ type: 'StripeInvalidGrantError', rawType: 'invalid_grant' });

    // The refresh token issues another access token for the same account.
    const refreshed = await stripe.oauth.token({
      grant_type: 'refresh_token',
      refresh_token: token.refresh_token!,
    });
    expect(refreshed.stripe_user_id).toBe(accountId);
    expect(refreshed.access_token).not.toBe(token.access_token);
    // A refresh token is not an API key.
    await expect(server.stripe(token.refresh_token!).customers.list()).rejects.toMatchObject({
      statusCode: 401,
    });

    // Deauthorizing ends the connection and its tokens.
    await stripe.oauth.deauthorize({ client_id: clientId, stripe_user_id: accountId });
    for (const t of [token.access_token!, refreshed.access_token!])
      await expect(server.stripe(t).customers.list()).rejects.toMatchObject({ statusCode: 401 });
    await expect(
      stripe.oauth.token({ grant_type: 'refresh_token', refresh_token: token.refresh_token! }),
    ).rejects.toMatchObject({ type: 'StripeInvalidGrantError' });
  });

  it('sends the user back with access_denied when they deny', async () => {
    const back = await connect(
      server,
      stripe.oauth.authorizeUrl({ client_id: clientId, redirect_uri: REDIRECT, state: 's1' }),
      'deny',
    );
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('s1');
    expect(back.searchParams.get('code')).toBeNull();
  });

  it('connects Express accounts on the express path', async () => {
    const back = await connect(
      server,
      stripe.oauth.authorizeUrl({ client_id: clientId, redirect_uri: REDIRECT }, { express: true }),
    );
    const token = await stripe.oauth.token({
      grant_type: 'authorization_code',
      code: back.searchParams.get('code')!,
    });
    expect((await stripe.accounts.retrieve(token.stripe_user_id!)).type).toBe('express');
  });

  it("exchanges a code with client_secret in the body and no Authorization header (Stripe's documented form)", async () => {
    const back = await connect(
      server,
      stripe.oauth.authorizeUrl({ client_id: clientId, redirect_uri: REDIRECT }),
    );
    const exchange = (body: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${server.url}/oauth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(body).toString(),
      });
    const code = back.searchParams.get('code')!;
    // As curl https://connect.stripe.com/oauth/token -d client_secret=sk_test_... -d code=... sends it.
    const res = await exchange({
      client_secret: TEST_KEY,
      code,
      grant_type: 'authorization_code',
    });
    expect(res.status).toBe(200);
    const token = (await res.json()) as Stripe.OAuthToken;
    expect(token.stripe_user_id).toMatch(/^acct_/);
    const asAccount = server.stripe(token.access_token!);
    expect((await asAccount.accounts.retrieveCurrent()).id).toBe(token.stripe_user_id);
    // Without a key anywhere: Stripe's 401; a client_secret that is not the header's key: refused.
    expect((await exchange({ code, grant_type: 'authorization_code' })).status).toBe(401);
    const wrong = await exchange(
      { client_secret: 'sk_test_notthekey0000', code, grant_type: 'authorization_code' },
      { Authorization: `Bearer ${TEST_KEY}` },
    );
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_request' });
    const bad = await exchange({ client_secret: 'sk_test_notthekey0000', code, grant_type: 'x' });
    expect(bad.status).toBe(401);
  });

  it('refuses what Stripe refuses', async () => {
    const page = await fetch(`${server.url}/oauth/authorize?response_type=code&client_id=ca_nope`);
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('No application matches the supplied client identifier');
    const accountsBefore = (await stripe.accounts.list({ limit: 100 })).data.length;
    const large = await fetch(`${server.url}/oauth/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `client_id=${clientId}&action=connect&state=${'x'.repeat(20_000)}`,
    });
    expect(large.status).toBe(413);
    expect((await stripe.accounts.list({ limit: 100 })).data.length).toBe(accountsBefore);
    await expect(
      stripe.oauth.token({ grant_type: 'authorization_code', code: 'ac_nosuchcode' }),
    ).rejects.toMatchObject({ type: 'StripeInvalidGrantError', rawType: 'invalid_grant' });
    await expect(stripe.oauth.token({ grant_type: 'password' as never })).rejects.toMatchObject({
      rawType: 'unsupported_grant_type',
    });
    // Codes expire after 5 minutes.
    const back = await connect(
      server,
      stripe.oauth.authorizeUrl({ client_id: clientId, redirect_uri: REDIRECT }),
    );
    server.clock!.advance(301_000);
    await expect(
      stripe.oauth.token({
        grant_type: 'authorization_code',
        code: back.searchParams.get('code')!,
      }),
    ).rejects.toMatchObject({ type: 'StripeInvalidGrantError' });
  });

  it('redirects only to registered redirect URIs, as Stripe does (no open redirect)', async () => {
    const accountsBefore = (await stripe.accounts.list({ limit: 100 })).data.length;
    for (const uri of ['https://evil.example/steal', `${REDIRECT}/`, 'http://localhost:4242/cb']) {
      const res = await fetch(
        `${server.url}/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: uri, state: 's9' })}`,
        { redirect: 'manual' },
      );
      expect(res.status, uri).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.json()).toEqual({
        error: 'invalid_redirect_uri',
        error_description: `Invalid redirect URI '${uri}'. Ensure this uri exactly matches one of the uris specified in your application settings`,
        state: 's9',
      });
    }
    // A POST naming an unregistered URI creates nothing either.
    const posted = await fetch(`${server.url}/oauth/authorize`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({
        client_id: clientId,
        redirect_uri: 'https://evil.example/steal',
        action: 'connect',
      }),
    });
    expect(posted.status).toBe(400);
    expect((await stripe.accounts.list({ limit: 100 })).data.length).toBe(accountsBefore);

    // Without redirect_uri: the first registered one, Stripe's default.
    await registerRedirectUris(server, [REDIRECT, 'https://platform.example/second']);
    const back = await connect(server, stripe.oauth.authorizeUrl({ client_id: clientId }));
    expect(back.origin + back.pathname).toBe(REDIRECT);
    const second = await connect(
      server,
      stripe.oauth.authorizeUrl({
        client_id: clientId,
        redirect_uri: 'https://platform.example/second',
      }),
    );
    expect(second.origin + second.pathname).toBe('https://platform.example/second');

    // With none registered, loopback URLs only (local development); without redirect_uri the
    // page shows the code (the startup banner's link) and redirects nowhere.
    await registerRedirectUris(server, []);
    const local = await connect(
      server,
      stripe.oauth.authorizeUrl({ client_id: clientId, redirect_uri: 'http://localhost:4242/cb' }),
    );
    expect(local.host).toBe('localhost:4242');
    const remote = await fetch(
      `${server.url}/oauth/authorize?${new URLSearchParams({ client_id: clientId, redirect_uri: REDIRECT })}`,
      { redirect: 'manual' },
    );
    expect(remote.status).toBe(400);
    expect(await remote.json()).toMatchObject({ error: 'invalid_redirect_uri' });
    const page = await openAuthorize(
      server,
      `${server.url}/oauth/authorize?response_type=code&client_id=${clientId}`,
    );
    expect(page.status).toBe(200);
    const shown = await fetch(page.url, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: page.cookie, 'Sec-Fetch-Site': 'same-origin' },
      body: new URLSearchParams([...page.fields, ['action', 'connect']]),
    });
    expect(shown.status).toBe(200);
    expect(shown.headers.get('location')).toBeNull();
    const code = /Authorization code: <code>(ac_[A-Za-z0-9]+)<\/code>/.exec(
      await shown.text(),
    )?.[1];
    expect(code).toBeDefined();
    expect(
      (await stripe.oauth.token({ grant_type: 'authorization_code', code: code! })).stripe_user_id,
    ).toMatch(/^acct_/);
    await registerRedirectUris(server, [REDIRECT]);
  });

  it('refuses cross-site posts of the authorize form: no account is made', async () => {
    const accountsBefore = (await stripe.accounts.list({ limit: 100 })).data.length;
    const page = await openAuthorize(
      server,
      stripe.oauth.authorizeUrl({ client_id: clientId, redirect_uri: REDIRECT }),
    );
    const form = new URLSearchParams([...page.fields, ['action', 'connect']]);
    const attempt = (headers: Record<string, string>, body = form) =>
      fetch(page.url, { method: 'POST', redirect: 'manual', headers, body });
    // Another site's page posting the same fields: the browser does not send the cookie.
    const noCookie = await attempt({
      Origin: 'https://evil.example',
      'Sec-Fetch-Site': 'cross-site',
    });
    expect(noCookie.status).toBe(403);
    expect((await attempt({})).status).toBe(403);
    // Even with the cookie, headers that say another site sent it are refused.
    expect((await attempt({ Cookie: page.cookie, 'Sec-Fetch-Site': 'cross-site' })).status).toBe(
      403,
    );
    expect((await attempt({ Cookie: page.cookie, Origin: 'https://evil.example' })).status).toBe(
      403,
    );
    // The token is bound to what the form showed: changing the redirect or state is refused.
    const changed = new URLSearchParams(form);
    changed.set('state', 'forged');
    expect((await attempt({ Cookie: page.cookie }, changed)).status).toBe(403);
    expect((await stripe.accounts.list({ limit: 100 })).data.length).toBe(accountsBefore);
    // The page's own post goes through.
    const ok = await attempt({ Cookie: page.cookie, 'Sec-Fetch-Site': 'same-origin' });
    expect(ok.status).toBe(303);
  });

  it("keeps redirect URIs in the Connect settings, which only the platform's secret keys change", async () => {
    const res = await fetch(`${server.url}/v1/switchboard/connect_settings`, {
      headers: { Authorization: `Bearer ${TEST_KEY}` },
    });
    expect(await res.json()).toMatchObject({
      object: 'connect_settings',
      application: clientId,
      redirect_uris: [REDIRECT],
    });
    const invalid = await fetch(`${server.url}/v1/switchboard/connect_settings`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_KEY}` },
      body: new URLSearchParams({ 'redirect_uris[0]': 'https://platform.example/cb#frag' }),
    });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({
      error: { param: 'redirect_uris[0]', code: 'url_invalid' },
    });
    const account = await stripe.accounts.create({ type: 'express' });
    const asAccount = await fetch(`${server.url}/v1/switchboard/connect_settings`, {
      headers: { Authorization: `Bearer ${TEST_KEY}`, 'Stripe-Account': account.id },
    });
    expect(asAccount.status).toBe(403);
  });
});
