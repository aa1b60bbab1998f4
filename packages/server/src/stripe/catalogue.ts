import { readFileSync } from 'node:fs';

/**
 * Stripe's API as Switchboard knows it: every operation of Stripe's OpenAPI spec (API
 * 2023-08-16) and of the official `stripe` package (newer operations, parameters and enum values
 * from its TypeScript types), derived by scripts/gen-stripe-catalogue.js into
 * packages/server/data/stripe-catalogue.json (340 KB, against the spec's 5 MB). Every operation
 * is known to the router: one that no resource serves answers `operationNotSupported`.
 */
export type Method = 'GET' | 'POST' | 'DELETE';

/**
 * A parameter schema, compact: `t` is the type (`string`, `integer`, `number`, `boolean`,
 * `object`, `array`, `anyOf`, `any`, `null`: JSON's, on /v2); `e` its enum (`['']` alone: the empty string that unsets
 * a parameter), `b` set when Stripe does not hold values to the enum, `x` a maximum length, `f` a
 * format; objects have `p` (properties), `r` (required names) and `ap` (the schema of keys not in
 * `p`: a map); arrays `i` (items); `anyOf` nodes `u` (alternatives). Nodes refer to each other by
 * index into `Catalogue.nodes`.
 */
export interface SchemaNode {
  t: 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'anyOf' | 'any' | 'null';
  e?: string[];
  b?: 1;
  x?: number;
  f?: string;
  p?: Record<string, number>;
  r?: string[];
  ap?: number;
  i?: number;
  u?: number[];
}

export interface Operation {
  /** The spec's operationId (`GetCustomersCustomerTaxIds`), or one named the same way. */
  id: string;
  m: Method;
  /** Stripe's path template: `/v1/customers/{customer}/tax_ids`. */
  p: string;
  /** The parameters (query and body together): an object node. */
  q: number;
  /** The schema of the object it answers with (a list's items when `l` is set). */
  r?: string;
  l?: 1;
  /** Where it is described: the spec, the `stripe` package's types, or both. */
  src: 'spec' | 'sdk' | 'both';
  /** Takes `multipart/form-data` (file uploads). */
  mp?: 1;
}

export interface Catalogue {
  source: string;
  nodes: SchemaNode[];
  operations: Operation[];
  /**
   * What `expand[]` reaches in each object (by schema name): an id field's path, through
   * sub-objects (`transfer_data.destination`), and the objects it may name; `[]` for a block or
   * list only `expand` shows (`customer.tax_ids`).
   */
  expandable: Record<string, Record<string, string[]>>;
}

// src/stripe/ and dist/stripe/ are both two levels below packages/server/.
const file = new URL('../../data/stripe-catalogue.json', import.meta.url);

let loaded: Catalogue | null = null;

/** The catalogue, read once (about 10 ms). */
export function catalogue(): Catalogue {
  loaded ??= JSON.parse(readFileSync(file, 'utf8')) as Catalogue;
  return loaded;
}

/** A Stripe path template as a route path: `/v1/customers/{customer}` -> `/v1/customers/:customer`. */
export const routePath = (template: string) => template.replace(/\{([^}]+)\}/g, ':$1');

/** The same path with its parameters unnamed, to compare routes and operations. */
export const pathShape = (path: string) =>
  path.replace(/\{[^}]+\}/g, ':').replace(/:[A-Za-z_]\w*/g, ':');

let byShape: Map<string, Operation> | null = null;

/** The operation a route serves (`POST /v1/customers/:id` is PostCustomersCustomer), if any. */
export function findOperation(method: string, path: string): Operation | undefined {
  byShape ??= new Map(catalogue().operations.map((op) => [`${op.m} ${pathShape(op.p)}`, op]));
  return byShape.get(`${method} ${pathShape(path)}`);
}
