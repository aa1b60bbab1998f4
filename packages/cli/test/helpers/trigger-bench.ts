import type Stripe from 'stripe';
import { expect } from 'vitest';
import { onboardedAccount } from '../../../server/test/helpers/accounts.js';
import { Receiver, type Received } from '../../../server/test/helpers/receiver.js';
import { schemaErrors } from '../../../server/test/helpers/schemas.js';
import { startTestServer, TEST_KEY, type TestServer } from '../../../server/test/helpers/server.js';
import { runCli } from './cli.js';

/**
 * A real server with a receiver behind a Your-account endpoint (`/account`) and a Connect endpoint
 * (`/connect`), and a connected account to trigger as.
 */
export class TriggerBench {
  server!: TestServer;
  receiver!: Receiver;
  stripe!: Stripe;
  connected!: string;
  /** A Standard account (Dashboard access): what account.application.* can disconnect. */
  standard!: string;
  /** What each trigger created and where its events belong, for the final cross-scope check. */
  readonly sent: Array<{ name: string; ids: string[]; path: string }> = [];

  async start(): Promise<this> {
    // Payouts arrive a second after creation, so payout.paid follows within the test.
    this.server = await startTestServer({ config: { payoutArrivalMs: '1s' } });
    this.receiver = await new Receiver().start();
    this.stripe = this.server.stripe();
    for (const connect of [false, true]) {
      const path = connect ? '/connect' : '/account';
      const we = await this.stripe.webhookEndpoints.create({
        url: this.receiver.url(path),
        enabled_events: ['*'],
        connect,
      });
      this.receiver.expect(path, we.secret!);
    }
    // Onboarded, as charges and payouts need; paid out manually (POST /v1/payouts only).
    this.connected = (
      await onboardedAccount(this.stripe, {
        type: 'custom',
        country: 'US',
        capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
        settings: { payouts: { schedule: { interval: 'manual' } } },
      })
    ).id;
    this.standard = (await this.stripe.accounts.create({ type: 'standard', country: 'US' })).id;
    return this;
  }

  async close(): Promise<void> {
    await this.server?.close();
    await this.receiver?.close();
  }

  cli(args: string[]) {
    return runCli(['trigger', ...args, '--api-base', this.server.url, '--api-key', TEST_KEY]);
  }

  /**
   * Events about what the platform alone holds (application fees): from the platform, at its own
   * endpoint, even when the fee came from a connected account's charge.
   */
  static platformOwned(type: string | undefined): boolean {
    return type?.startsWith('application_fee.') ?? false;
  }

  /** Whether a received event is about one of the objects a trigger created. */
  static related(r: Received, ids: string[]): boolean {
    const o = (r.event?.data as { object?: Record<string, unknown> } | undefined)?.object ?? {};
    return [o.id, o.payment_intent, o.customer, o.account, r.event?.account].some(
      (v) => typeof v === 'string' && ids.includes(v),
    );
  }

  /** Runs a trigger and waits for its event, signed, at the endpoint of its scope. */
  async triggered(name: string, stripeAccount?: string): Promise<Received> {
    const { receiver } = this;
    const mark = receiver.received.length;
    const accountsBefore = stripeAccount ? await this.accountIds() : [];
    const r = await this.cli([
      name,
      '--json',
      ...(stripeAccount ? ['--stripe-account', stripeAccount] : []),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const ids = (JSON.parse(r.stdout) as { steps: Array<{ id: string | null }> }).steps
      .map((s) => s.id)
      .filter((id): id is string => id !== null);
    // Without --stripe-account, triggers that create a connected account make events from that
    // account; with it, every trigger acts on the named account (its account step reads it).
    const createsAccount = !stripeAccount && /^(account|capability|person)\./.test(name);
    const platformOwned = TriggerBench.platformOwned(name);
    const account = platformOwned ? null : createsAccount ? ids[0]! : (stripeAccount ?? null);
    const path = account ? '/connect' : '/account';
    if (stripeAccount) ids.push(stripeAccount);
    // With --stripe-account, only what arrived after this run counts (earlier triggers on the
    // same account made events of the same types).
    const hit = (x: Received) =>
      x.event?.type === name &&
      (!stripeAccount || receiver.received.indexOf(x) >= mark) &&
      (x.event.account ?? null) === account &&
      (TriggerBench.related(x, ids) ||
        (name === 'balance.available' && receiver.received.indexOf(x) >= mark));
    await receiver.waitFor(() => receiver.received.some(hit), 10_000, `${name} at ${path}`);
    const event = receiver.received.find(hit)!;
    expect(event.path).toBe(path);
    expect(event.verified, event.verifyError ?? '').toBe(true);
    expect(schemaErrors(event.event), `${name} is schema-valid`).toEqual([]);
    if (stripeAccount) {
      // The event is about the named account itself, or about an object inside it.
      const object = (event.event!.data as { object: { id: string; object: string } }).object;
      if (object.object === 'account') expect(object.id).toBe(stripeAccount);
      // ... and no trigger made an account of its own.
      const made = (await this.accountIds()).filter((id) => !accountsBefore.includes(id));
      expect(made, `${name} created no account`).toEqual([]);
    }
    // A fee's trigger also acts on the account (its charge): only the fee's own events are checked.
    const own = platformOwned ? [(event.event!.data as { object: { id: string } }).object.id] : ids;
    if (!createsAccount) this.sent.push({ name, ids: own, path });
    if (name === 'payout.failed' && stripeAccount) await this.repairBankAccounts(stripeAccount);
    return event;
  }

  /** The platform's connected accounts. */
  async accountIds(): Promise<string[]> {
    const all = await this.stripe.accounts.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
    return all.map((a) => a.id).sort();
  }

  /**
   * A failed payout disables the bank account it went to, and payouts stop until it is updated
   * (as on Stripe): the account's bank accounts are updated so the next payout triggers can pay.
   */
  async repairBankAccounts(account: string): Promise<void> {
    const list = await this.stripe.accounts.listExternalAccounts(account);
    for (const ea of list.data)
      await this.stripe.accounts.updateExternalAccount(account, ea.id, {
        metadata: { repaired: 'true' },
      });
  }

  /** No trigger's events reached the endpoint of the other scope. */
  async expectNoCrossScope(): Promise<void> {
    await new Promise((r) => setTimeout(r, 200));
    for (const t of this.sent) {
      const wrong = this.receiver.received.filter(
        (r) =>
          TriggerBench.related(r, t.ids) &&
          r.path !== (TriggerBench.platformOwned(r.event?.type) ? '/account' : t.path),
      );
      expect(
        wrong.map((r) => `${r.event?.type} at ${r.path}`),
        t.name,
      ).toEqual([]);
    }
  }
}
