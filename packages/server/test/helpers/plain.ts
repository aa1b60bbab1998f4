import { expect } from 'vitest';
import { plainOperations, plainRefs } from '../../src/resources/plain/engine.js';
import { plainTable, type PlainEntry } from '../../src/resources/plain/table.js';
import { catalogue, type Operation } from '../../src/stripe/catalogue.js';
import { requestWith, toForm } from './param-walk.js';
import { TEST_KEY, type TestServer } from './server.js';

/**
 * Making the plain resources' objects in tests, generically: an entry's create with the
 * parameters it requires (the catalogue's samples), its parent and the objects it names.
 */
export type Json = Record<string, unknown>;

export interface Answer {
  status: number;
  json: Json;
}

export function caller(server: TestServer, key = TEST_KEY) {
  async function call(method: string, path: string, body: Json = {}, account?: string) {
    const form = toForm(body);
    const query = method === 'POST' || !form ? '' : `?${form}`;
    const res = await fetch(`${server.url}${path}${query}`, {
      method,
      headers: {
        Authorization: `Bearer ${key}`,
        'Content-Type': 'application/x-www-form-urlencoded',
        ...(account ? { 'Stripe-Account': account } : {}),
      },
      body: method === 'POST' ? form : undefined,
    });
    return { status: res.status, json: (await res.json()) as Json } satisfies Answer;
  }
  async function ok(method: string, path: string, body: Json = {}, account?: string) {
    const res = await call(method, path, body, account);
    expect(res.status, `${method} ${path} ${JSON.stringify(res.json)}`).toBe(200);
    return res.json;
  }

  /** Objects of other resources the plain ones name, made the simplest way. */
  const builders: Record<string, [string, Json]> = {
    customer: ['/v1/customers', { name: 'Plain' }],
    coupon: ['/v1/coupons', { percent_off: 10 }],
    product: ['/v1/products', { name: 'Plain' }],
    price: ['/v1/prices', { currency: 'usd', unit_amount: 100, product_data: { name: 'Plain' } }],
    tax_rate: ['/v1/tax_rates', { display_name: 'VAT', inclusive: false, percentage: 19 }],
  };

  /** An object of `type` in the scope of `account` (the platform's own without one). */
  async function make(type: string, account?: string): Promise<string> {
    const builder = builders[type];
    if (builder) return (await ok('POST', builder[0], builder[1], account)).id as string;
    const entry = plainTable.find((e) => e.object === type);
    if (!entry) throw new Error(`no way to make a ${type}`);
    return (await create(entry, account)).object.id as string;
  }

  /** The parameters a create needs: what the spec requires, and the objects it names. */
  async function createBody(entry: PlainEntry, account?: string, extra: Json = {}) {
    const refs: Json = {};
    for (const [name, ref] of Object.entries(neededRefs(entry)))
      if (!(name in extra)) refs[name] = await make(ref.type, account);
    return requestWith(createOp(entry)!, { ...refs, ...extra });
  }

  /** Creates one in the scope of `account`, under a new parent when it has one. */
  async function create(entry: PlainEntry, account?: string, extra: Json = {}) {
    const parent = entry.parent ? await make(entry.parent.type, account) : undefined;
    const path = entry.path.replace(/\{[^}]+\}/, parent ?? '');
    const body = await createBody(entry, account, extra);
    if (takes(createOp(entry)!, 'metadata')) body.metadata = { made: 'plain' };
    const object = await ok('POST', path, body, account);
    return { object, path, parent };
  }

  return { call, ok, make, create, createBody };
}

/** The references a create needs: those the spec requires, and those its entry lists. */
export function neededRefs(entry: PlainEntry) {
  const required = catalogue().nodes[createOp(entry)!.q]!.r ?? [];
  return Object.fromEntries(
    Object.entries(plainRefs(entry)).filter(
      ([name]) => required.includes(name) || entry.refs?.[name],
    ),
  );
}

/** What a list of the entry's objects requires (a value list's items: `value_list`), from `object`. */
export function listBase(entry: PlainEntry, object: Json): Json {
  const list = opOf(entry, 'GET', false);
  const required = list ? (catalogue().nodes[list.q]!.r ?? []) : [];
  return Object.fromEntries(required.map((name) => [name, object[name]]));
}

export const takes = (op: Operation, param: string) => param in (catalogue().nodes[op.q]!.p ?? {});

export const createOp = (entry: PlainEntry) =>
  plainOperations(entry).collection.find((op) => op.m === 'POST');

/** The entry's operation: on the collection, or (`item`) on one of its objects. */
export const opOf = (entry: PlainEntry, m: string, item: boolean) =>
  (item ? plainOperations(entry).item : plainOperations(entry).collection).find((op) => op.m === m);

/** A path template's parameter names, in order: `/v1/customers/{customer}/tax_ids/{id}`. */
const pathNames = (template: string) => [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);

interface Variant {
  path?: Record<string, string>;
  base?: Json;
  values?: Json;
}

/**
 * What parameters.test.ts's walk needs for each plain resource's create and update: the parent
 * and the object in the path, the parameters the spec requires, ids for the objects it names.
 */
export function plainSetups(server: () => TestServer): Record<string, () => Promise<Variant[]>> {
  const api = {
    make: (type: string) => caller(server()).make(type),
    create: (entry: PlainEntry) => caller(server()).create(entry),
    createBody: (entry: PlainEntry) => caller(server()).createBody(entry),
  };
  const setups: Record<string, () => Promise<Variant[]>> = {};
  for (const entry of plainTable) {
    const { collection, item, actions } = plainOperations(entry);
    const refs = async () => {
      const values: Json = {};
      for (const [name, ref] of Object.entries(plainRefs(entry)))
        if (!ref.embed) values[name] = await api.make(ref.type);
      return values;
    };
    const creating = collection.find((op) => op.m === 'POST');
    if (creating)
      setups[creating.id] = async () => {
        const parent = entry.parent ? await api.make(entry.parent.type) : undefined;
        const names = pathNames(creating.p);
        return [
          {
            path: parent ? { [names[0]!]: parent } : {},
            base: await api.createBody(entry),
            values: await refs(),
          },
        ];
      };
    const changing = [item.find((op) => op.m === 'POST'), ...actions.map((a) => a.op)];
    for (const updating of changing) {
      if (!updating) continue;
      setups[updating.id] = async () => {
        const { object, parent } = await api.create(entry);
        const names = pathNames(updating.p);
        const path = parent
          ? { [names[0]!]: parent, [names[1]!]: object.id as string }
          : { [names[0]!]: object.id as string };
        return [{ path, values: await refs() }];
      };
    }
  }
  return setups;
}
