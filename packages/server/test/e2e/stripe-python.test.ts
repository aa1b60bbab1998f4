import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver } from '../helpers/receiver.js';
import { startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';

/**
 * Debian's python3-stripe (5.0.0 on Debian 12; .ci/run installs it), run by Debian's own Python:
 * stripe-python before 7 sends booleans as `str(True)`, `True`/`False`, which Stripe's v1 API
 * takes as booleans.
 */
const python = '/usr/bin/python3';

const script = `
import json, sys
import stripe
from stripe import version
stripe.api_key = sys.argv[1]
stripe.api_base = sys.argv[2]
stripe.max_network_retries = 0
endpoint = stripe.WebhookEndpoint.create(
    url=sys.argv[3], enabled_events=["*"], connect=True, description="stripe-python"
)
account = stripe.Account.create(
    type="custom", country="US", capabilities={"transfers": {"requested": True}}
)
disabled = stripe.WebhookEndpoint.modify(endpoint.id, disabled=False)
print(json.dumps({
    "version": version.VERSION,
    "endpoint": endpoint.id,
    "secret": endpoint.secret,
    "application": endpoint.application,
    "status": disabled.status,
    "account": account.id,
    "capabilities": account.capabilities,
}))
`;

interface PythonResult {
  version: string;
  endpoint: string;
  secret: string;
  application: string | null;
  status: string;
  account: string;
  capabilities: Record<string, string>;
}

describe('stripe-python 5 (Debian python3-stripe) against Switchboard', () => {
  let server: TestServer;
  let receiver: Receiver;
  let stripe: Stripe;

  beforeAll(async () => {
    server = await startTestServer();
    receiver = await new Receiver().start();
    stripe = server.stripe();
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  it('creates a Connect endpoint with connect=True, and it gets connected-account events', async () => {
    expect(
      existsSync(python),
      'Debian python3 with python3-stripe (apt-get install python3-stripe; .ci/run does)',
    ).toBe(true);
    const { stdout } = await promisify(execFile)(python, [
      '-c',
      script,
      TEST_KEY,
      server.url,
      receiver.url('/connect'),
    ]);
    const out = JSON.parse(stdout) as PythonResult;
    expect(out.version).toMatch(/^5\./);
    // connect=True made a Connect endpoint (its application is the platform's), disabled=False
    // left it enabled, requested=True requested the capability.
    expect(out.application).toBe(server.sb.startup.platform.application_id);
    expect(out.status).toBe('enabled');
    expect(out.capabilities).toEqual({ transfers: 'inactive' });
    const endpoint = await stripe.webhookEndpoints.retrieve(out.endpoint);
    expect(endpoint.application).toBe(out.application);

    receiver.expect('/connect', out.secret);
    const customer = await stripe.customers.create({}, { stripeAccount: out.account });
    await receiver.waitFor(
      () => receiver.at('/connect').some((r) => r.event?.type === 'customer.created'),
      10_000,
      'customer.created at the Connect endpoint',
    );
    const got = receiver.at('/connect').find((r) => r.event?.type === 'customer.created')!;
    expect(got.verified, got.verifyError ?? '').toBe(true);
    expect(got.event!.account).toBe(out.account);
    expect((got.event!.data as { object: { id: string } }).object.id).toBe(customer.id);
  });

  it('refuses a boolean that is neither true/false nor True/False', async () => {
    const res = await fetch(`${server.url}/v1/webhook_endpoints`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${TEST_KEY}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: 'url=https://example.com/hook&enabled_events[]=*&connect=yes',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { param: 'connect', message: 'Invalid boolean: yes' },
    });
  });
});
