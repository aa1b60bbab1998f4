import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelOf, plainEvents, plainRefs } from '../../src/resources/plain/engine.js';
import { listShape } from '../../src/resources/plain/shape.js';
import { plainObject } from '../../src/resources/plain/objects.js';
import { plainTable } from '../../src/resources/plain/table.js';
import { catalogue, type Operation } from '../../src/stripe/catalogue.js';
import { caller, createOp, listBase, opOf, takes, type Json } from '../helpers/plain.js';
import { schemaErrors } from '../helpers/schemas.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The plain resources (resources/plain/table.ts), each walked from the catalogue: what its
 * operations answer validates against Stripe's schemas, its events are sent, its lists filter
 * and page, and its objects are the caller's own (another account's are "No such ...").
 */
describe('plain resources, made from the catalogue', () => {
  let server: TestServer;
  let stripe: Stripe;

  beforeAll(async () => {
    server = await startTestServer();
    stripe = server.stripe();
  });
  afterAll(() => server.close());

  const api = () => caller(server);
  const call: ReturnType<typeof caller>['call'] = (...a) => api().call(...a);
  const ok: ReturnType<typeof caller>['ok'] = (...a) => api().ok(...a);
  const make: ReturnType<typeof caller>['make'] = (...a) => api().make(...a);
  const create: ReturnType<typeof caller>['create'] = (...a) => api().create(...a);

  const writable = plainTable.filter((e) => createOp(e));

  it('serves every plain resource with objects that validate against its schema', async () => {
    const problems: string[] = [];
    for (const entry of writable) {
      const { object, path } = await create(entry);
      problems.push(...schemaErrors(object));
      expect(object.object).toBe(entry.object);
      const at = `${path}/${object.id as string}`;
      if (opOf(entry, 'GET', true)) {
        const got = await ok('GET', at);
        expect(got).toEqual(object);
      }
      const update = opOf(entry, 'POST', true);
      if (update && takes(update, 'metadata')) {
        const updated = await ok('POST', at, { metadata: { changed: 'yes' } });
        expect(updated.metadata).toEqual({ made: 'plain', changed: 'yes' });
        problems.push(...schemaErrors(updated));
      }
      if (opOf(entry, 'GET', false)) {
        const list = await ok('GET', path, { ...listBase(entry, object), limit: 100 });
        expect((list.data as Json[]).map((o) => o.id)).toContain(object.id);
        for (const o of list.data as Json[]) problems.push(...schemaErrors(o));
      }
      if (opOf(entry, 'DELETE', true)) {
        const deleted = await ok('DELETE', at);
        expect(deleted).toEqual({ id: object.id, object: entry.object, deleted: true });
        problems.push(...schemaErrors(deleted));
        const gone = await call('GET', at);
        expect(gone.status).toBe(404);
      }
    }
    expect(problems).toEqual([]);
  });

  it("sends each plain resource's events where Stripe's event list has them", async () => {
    const expected = writable.flatMap((e) => {
      const ev = plainEvents(e);
      return [
        ev.created,
        opOf(e, 'POST', true) ? ev.updated : null,
        opOf(e, 'DELETE', true) ? ev.deleted : null,
      ].filter((t): t is string => t !== null);
    });
    expect(expected.length).toBeGreaterThan(0);
    const events: Stripe.Event[] = [];
    for await (const e of stripe.events.list({ limit: 100 })) events.push(e);
    const types = new Set(events.map((e) => e.type));
    for (const t of expected) expect(types, t).toContain(t);
    for (const e of events.filter((e) => expected.includes(e.type)))
      expect(schemaErrors(e), e.type).toEqual([]);
  });

  it("a plain resource's objects are the caller's own: another account's are No such", async () => {
    const [x, y] = [
      (await stripe.accounts.create({ type: 'custom', country: 'US' })).id,
      (await stripe.accounts.create({ type: 'custom', country: 'US' })).id,
    ];
    for (const entry of writable) {
      const { object, path } = await create(entry, x);
      const at = `${path}/${object.id as string}`;
      for (const account of [undefined, y]) {
        if (opOf(entry, 'GET', true)) {
          const res = await call('GET', at, {}, account);
          expect(res.status, `${entry.object} from ${account ?? 'the platform'}`).toBe(404);
          expect((res.json.error as Json).message).toMatch(/^No such /);
        }
        if (opOf(entry, 'GET', false) && !entry.parent) {
          const base = listBase(entry, object);
          const res = await call('GET', path, { ...base, limit: 100 }, account);
          // A list that names an object of another scope is "No such ...".
          const list = res.status === 404 ? [] : (res.json.data as Json[]);
          expect(list.map((o) => o.id)).not.toContain(object.id);
        }
      }
      if (opOf(entry, 'GET', true)) expect((await ok('GET', at, {}, x)).id).toBe(object.id);
    }
  });

  it("a plain resource's references are objects of the caller's scope", async () => {
    const x = (await stripe.accounts.create({ type: 'custom', country: 'US' })).id;
    let checked = 0;
    for (const entry of writable) {
      for (const [name, ref] of Object.entries(plainRefs(entry))) {
        const theirs = await make(ref.type, x);
        const res = await call(
          'POST',
          entry.path,
          await api().createBody(entry, undefined, { [name]: theirs }),
        );
        expect(res.status, `${entry.object} ${name}`).toBe(404);
        expect(res.json.error).toMatchObject({
          code: 'resource_missing',
          param: name,
          message: `No such ${labelOf(ref.type)}: '${theirs}'`,
        });
        const mine = await make(ref.type);
        const made = (await create(entry, undefined, { [name]: mine })).object;
        const field = made[name];
        expect(ref.embed ? (field as Json).id : field).toBe(mine);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('each list filter of a plain resource narrows its list', async () => {
    let checked = 0;
    for (const entry of writable) {
      const list = opOf(entry, 'GET', false);
      if (!list) continue;
      const { filters } = listShape(plainObject(entry.object).schema, list.q);
      const { object, path } = await create(entry);
      await create(entry);
      for (const filter of filters) {
        let target = object;
        const ref = plainRefs(entry)[filter];
        // A reference the create left unset: one that names an object.
        if (object[filter] === null && ref)
          target = (await create(entry, undefined, { [filter]: await make(ref.type) })).object;
        const value = target[filter];
        if (value === null) continue;
        const base = listBase(entry, object);
        const same = (await ok('GET', path, { ...base, [filter]: value, limit: 100 }))
          .data as Json[];
        expect(
          same.map((o) => o.id),
          `${entry.object} ${filter}`,
        ).toContain(target.id);
        expect(
          same.filter((o) => o[filter] !== value).map((o) => o[filter]),
          `${entry.object} ${filter}=${JSON.stringify(value)}`,
        ).toEqual([]);
        const other = otherValue(list, filter, value);
        const rest = (await call('GET', path, { ...base, [filter]: other, limit: 100 })).json;
        expect((rest.data as Json[] | undefined)?.map((o) => o.id) ?? []).not.toContain(target.id);
        checked++;
      }
      const base0 = listBase(entry, object);
      if (takes(list, 'created')) {
        const all = (await ok('GET', path, { ...base0, limit: 100 })).data as Json[];
        // An invoice item's time of creation is its `date`.
        const newest = Math.max(...all.map((o) => (o.created ?? o.date) as number));
        const after = (await ok('GET', path, { ...base0, created: { gt: newest } })).data as Json[];
        expect(after).toEqual([]);
        const upTo = (await ok('GET', path, { ...base0, created: { lte: newest } })).data as Json[];
        expect(upTo.map((o) => o.id)).toContain(object.id);
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it("a terminal reader's registration code picks its device type", async () => {
    const location = await make('terminal.location');
    const reader = await ok('POST', '/v1/terminal/readers', {
      registration_code: 'simulated-wpe',
      location,
      label: 'Front desk',
    });
    expect(reader).toMatchObject({
      device_type: 'simulated_wisepos_e',
      location,
      status: 'online',
    });
    const s700 = await ok('POST', '/v1/terminal/readers', { registration_code: 'simulated-s700' });
    expect(s700.device_type).toBe('stripe_s700');
  });

  it("a customer balance transaction moves the customer's balance and shows the balance after it", async () => {
    const customer = await stripe.customers.create({ name: 'credit' });
    expect([customer.balance, customer.currency]).toEqual([0, null]);
    const credit = await stripe.customers.createBalanceTransaction(customer.id, {
      amount: -500,
      currency: 'usd',
      description: 'goodwill',
    });
    expect(credit).toMatchObject({ amount: -500, ending_balance: -500, type: 'adjustment' });
    expect(schemaErrors(credit as never)).toEqual([]);
    const debit = await stripe.customers.createBalanceTransaction(customer.id, {
      amount: 200,
      currency: 'usd',
    });
    expect(debit.ending_balance).toBe(-300);
    const after = await stripe.customers.retrieve(customer.id);
    expect(after).toMatchObject({ balance: -300, currency: 'usd' });
    // Each one is a customer.updated with the balance it had before.
    const updates = await stripe.events.list({ type: 'customer.updated', limit: 10 });
    const mine = updates.data.filter((e) => (e.data.object as Stripe.Customer).id === customer.id);
    expect(mine.map((e) => e.data.previous_attributes)).toEqual([
      { balance: -500 },
      { balance: 0, currency: null },
    ]);
    // A second currency is refused by name, and changes nothing.
    const refused = await stripe.customers
      .createBalanceTransaction(customer.id, { amount: 100, currency: 'eur' })
      .catch((e: Stripe.errors.StripeError) => e);
    expect(refused).toMatchObject({ param: 'currency', type: 'StripeInvalidRequestError' });
    expect((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({
      balance: -300,
    });
    const list = await stripe.customers.listBalanceTransactions(customer.id);
    expect(list.data.map((t) => t.ending_balance)).toEqual([-300, -500]);
  });

  it("a terminal connection token is a secret for the caller's own location", async () => {
    const location = await make('terminal.location');
    const token = await stripe.terminal.connectionTokens.create({ location });
    expect(token).toMatchObject({ object: 'terminal.connection_token', location });
    expect(token.secret).toMatch(/^pst_test_[A-Za-z0-9]{40}$/);
    expect(schemaErrors(token as never)).toEqual([]);
    const bare = await stripe.terminal.connectionTokens.create();
    expect(bare.location).toBeUndefined();
    expect(bare.secret).not.toBe(token.secret);
    // Another account's location is not the caller's: No such, naming the parameter.
    const account = await stripe.accounts.create({ type: 'custom', country: 'US' });
    const theirs = await stripe.terminal.locations.create(
      {
        display_name: 'Theirs',
        address: {
          line1: '1 Main St',
          city: 'Austin',
          state: 'TX',
          postal_code: '78701',
          country: 'US',
        },
      },
      { stripeAccount: account.id },
    );
    const refused = await stripe.terminal.connectionTokens
      .create({ location: theirs.id })
      .catch((e: Stripe.errors.StripeError) => e);
    expect(refused).toMatchObject({ statusCode: 404, param: 'location' });
  });

  /** A value of the filter's type that `value` is not. */
  function otherValue(op: Operation, filter: string, value: unknown): unknown {
    const nodes = catalogue().nodes;
    const n = nodes[nodes[op.q]!.p![filter]!]!;
    if (typeof value === 'boolean') return !value;
    if (typeof value === 'number') return value + 1;
    return n.e?.find((v) => v !== value && v !== '') ?? `other_${String(value)}`;
  }
});
