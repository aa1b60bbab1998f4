import { resources } from '../../src/resources/index.js';
import type { Route } from '../../src/resources/route.js';
import {
  catalogue,
  findOperation,
  type Operation,
  type SchemaNode,
} from '../../src/stripe/catalogue.js';
import type { Field } from '../../src/stripe/params.js';

/**
 * Walks the parameters of every operation a resource serves (its route's shape against the
 * operation's schema in the catalogue), for test/e2e/parameters.test.ts.
 */
export interface Modelled {
  route: Route;
  op: Operation;
}

/** Every route that serves an operation of Stripe's API, with that operation. */
export function modelledOperations(): Modelled[] {
  const out: Modelled[] = [];
  for (const resource of resources) {
    for (const route of resource.routes) {
      const op = findOperation(route.method, route.path);
      if (op) out.push({ route, op });
    }
  }
  return out;
}

export const node = (i: number): SchemaNode => catalogue().nodes[i]!;

const isEmptyNode = (n: SchemaNode) => n.t === 'string' && n.e?.length === 1 && n.e[0] === '';

/** The object form of a parameter (`address` is an object or '' to unset it), if it has one. */
export function objectForm(i: number): SchemaNode | undefined {
  const n = node(i);
  if (n.t === 'object') return n;
  return n.u?.map(node).find((a) => a.t === 'object' && a.p);
}

export type Use = 'reads' | 'effect' | 'refused' | 'extension' | 'unclassified';

/** One parameter, at any depth: `business_profile[mcc]` is ['business_profile', 'mcc']. */
export interface Leaf {
  path: string[];
  param: string;
  node: number;
  field: Field<unknown> | undefined;
  use: Use;
}

export const bracketed = (path: string[]) =>
  path[0]! +
  path
    .slice(1)
    .map((p) => `[${p}]`)
    .join('');

/** The operation's parameters as the route classifies them, down through objects it shapes. */
export function leaves(route: Route, op: Operation): Leaf[] {
  const out: Leaf[] = [];
  const walk = (
    shape: Record<string, Field<unknown>> | undefined,
    n: SchemaNode,
    path: string[],
  ) => {
    for (const [name, child] of Object.entries(n.p ?? {})) {
      const field = shape?.[name];
      const here = [...path, name];
      const inner = objectForm(child);
      // An object applied as a whole (an effect, a list's filter) is one parameter.
      if (field && field.use === undefined && field.shape && inner) {
        walk(field.shape, inner, here);
        continue;
      }
      const use: Use = !field ? 'unclassified' : (field.use ?? 'reads');
      out.push({ path: here, param: bracketed(here), node: child, field, use });
    }
  };
  walk(route.params, node(op.q), []);
  return out;
}

/**
 * A value the spec takes for a parameter: a usual example for well-known names, else the first
 * enum value, `x`, 1, true; an object's required members (`full` adds the rest).
 */
export function sample(i: number, name: string, full = false, depth = 0): unknown {
  const n = node(i);
  const known = examples[name];
  if (known !== undefined && !(n.e && !n.e.includes(known as string))) return known;
  switch (n.t) {
    case 'anyOf': {
      const alternatives = n.u!.filter((a) => !isEmptyNode(node(a)));
      const preferred =
        alternatives.find((a) => node(a).t === 'object' && node(a).p) ?? alternatives[0]!;
      return sample(preferred, name, full, depth);
    }
    case 'string':
      if (n.e) return n.e.find((v) => v !== '') ?? '';
      if (n.f === 'decimal') return '1.5';
      return 'x';
    case 'integer':
      return 1;
    case 'number':
      // TypeScript's number is often an integer in the API: 1 is both.
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [sample(n.i!, name, full, depth + 1)];
    case 'object': {
      if (!n.p || Object.keys(n.p).length === 0)
        return n.ap === undefined ? {} : { key: sample(n.ap, 'key', full, depth + 1) };
      const names = Object.keys(n.p).filter((k) => (full && depth < 3) || n.r?.includes(k));
      // A form cannot send an empty object: give one member at least.
      if (names.length === 0) names.push(Object.keys(n.p)[0]!);
      return Object.fromEntries(names.map((k) => [k, sample(n.p![k]!, k, full, depth + 1)]));
    }
    default:
      return 'x';
  }
}

/** Values the spec's types cannot tell: a currency, a country, an email address, a URL. */
const examples: Record<string, unknown> = Object.assign(Object.create(null) as object, {
  currency: 'usd',
  default_currency: 'usd',
  country: 'US',
  email: 'jenny@example.com',
  contact_email: 'jenny@example.com',
  receipt_email: 'jenny@example.com',
  support_email: 'jenny@example.com',
  url: 'https://example.com/hook',
  support_url: 'https://example.com/support',
  refresh_url: 'https://example.com/refresh',
  return_url: 'https://example.com/return',
  phone: '+15555550123',
  support_phone: '+15555550123',
  contact_phone: '+15555550123',
  enabled_events: ['*'],
  preferred_locales: ['en'],
  mcc: '5734',
  year: 1990,
  month: 1,
  day: 1,
}) as Record<string, unknown>;

/** The request that carries the operation's required parameters, and `leaf` with `value`. */
export function requestWith(
  op: Operation,
  base: Record<string, unknown>,
  leaf?: Leaf,
  value?: unknown,
) {
  const body: Record<string, unknown> = structuredClone(base);
  const top = node(op.q);
  for (const name of top.r ?? []) body[name] ??= sample(top.p![name]!, name);
  if (!leaf) return body;
  // Each object on the way carries its own required members.
  let holder = body;
  let n: SchemaNode = top;
  for (const [depth, key] of leaf.path.entries()) {
    if (depth === leaf.path.length - 1) {
      holder[key] = value;
      break;
    }
    const inner = objectForm(n.p![key]!)!;
    const existing = holder[key];
    if (typeof existing !== 'object' || existing === null || Array.isArray(existing)) {
      holder[key] = Object.fromEntries((inner.r ?? []).map((k) => [k, sample(inner.p![k]!, k)]));
    }
    holder = holder[key] as Record<string, unknown>;
    n = inner;
  }
  return body;
}

/** `{a: {b: [1]}}` as Stripe's form encoding, `a[b][0]=1`, as stripe-node sends it. */
export function toForm(value: Record<string, unknown>): string {
  const pairs: string[] = [];
  const add = (prefix: string, v: unknown) => {
    if (v === null || v === undefined) return;
    if (Array.isArray(v)) v.forEach((item, i) => add(`${prefix}[${i}]`, item));
    else if (typeof v === 'object') {
      for (const [k, inner] of Object.entries(v)) add(prefix ? `${prefix}[${k}]` : k, inner);
    } else pairs.push(`${encodeURIComponent(prefix)}=${encodeURIComponent(String(v))}`);
  };
  add('', value);
  return pairs.join('&');
}

/** The member of `answer` at `path`, or undefined. */
export function at(answer: unknown, path: string[]): unknown {
  return path.reduce<unknown>(
    (v, k) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined),
    answer,
  );
}

/** Whether what was sent reads back: every member sent is there, numbers as numbers. */
export function readsBack(sent: unknown, got: unknown): boolean {
  if (Array.isArray(sent)) {
    return Array.isArray(got) && sent.every((s, i) => readsBack(s, got[i]));
  }
  if (typeof sent === 'object' && sent !== null) {
    return (
      typeof got === 'object' &&
      got !== null &&
      Object.entries(sent).every(([k, v]) => readsBack(v, (got as Record<string, unknown>)[k]))
    );
  }
  // A form sends every value as a string: `exp_month=12` reads back as 12.
  const scalar = (v: unknown) => ['string', 'number', 'boolean'].includes(typeof v);
  return got === sent || (scalar(sent) && scalar(got) && String(got) === String(sent));
}
