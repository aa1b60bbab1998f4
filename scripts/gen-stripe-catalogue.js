// Derives Switchboard's catalogue of Stripe's API (packages/server/data/stripe-catalogue.json)
// from Stripe's OpenAPI spec (../shared/stripe-openapi/spec3.2023-09-12.json, API 2023-08-16)
// and the operations the official `stripe` package knows (node_modules/stripe, newer: each
// resource's `_makeRequest('METHOD', '/v1/...')`). The spec is 5 MB; the catalogue keeps what the
// server needs (operations, parameter schemas without descriptions, response object names),
// with each distinct schema node stored once. Run: `node scripts/gen-stripe-catalogue.js [SPEC]`
// (SPEC defaults to ../shared/stripe-openapi/spec3.2023-09-12.json beside the repository).
import { readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sdkParams } from './stripe-sdk-params.js';

const root = new URL('..', import.meta.url);
const specPath = process.argv[2] ?? new URL('../shared/stripe-openapi/spec3.2023-09-12.json', root);
const sdkDir = new URL('node_modules/stripe/cjs/resources/', root);
const target = new URL('packages/server/data/stripe-catalogue.json', root);

const spec = JSON.parse(readFileSync(specPath, 'utf8'));
const sdkVersion = JSON.parse(
  readFileSync(new URL('node_modules/stripe/package.json', root)),
).version;
const sdkOpenapi = readFileSync(
  new URL('node_modules/stripe/OPENAPI_VERSION', root),
  'utf8',
).trim();

/** Interned schema nodes: each distinct node once, referred to by its index. */
const nodes = [];
const index = new Map();
function intern(node) {
  const key = JSON.stringify(node);
  let i = index.get(key);
  if (i === undefined) {
    i = nodes.length;
    nodes.push(node);
    index.set(key, i);
  }
  return i;
}

/** An OpenAPI parameter schema as a compact node (see stripe/catalogue.ts for the format). */
export function compact(s) {
  if (!s || typeof s !== 'object') return intern({ t: 'any' });
  if (s.anyOf) return intern({ t: 'anyOf', u: s.anyOf.map(compact) });
  const n = { t: s.type ?? (s.properties ? 'object' : 'any') };
  if (s.enum) n.e = s.enum;
  if (s['x-stripeBypassValidation']) n.b = 1;
  if (s.maxLength !== undefined) n.x = s.maxLength;
  if (s.format) n.f = s.format;
  if (n.t === 'object') {
    if (s.properties) {
      n.p = Object.fromEntries(
        Object.entries(s.properties)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => [k, compact(v)]),
      );
    }
    if (s.required?.length) n.r = [...s.required].sort();
    if (s.additionalProperties === true) n.ap = intern({ t: 'any' });
    else if (s.additionalProperties && typeof s.additionalProperties === 'object')
      n.ap = compact(s.additionalProperties);
  }
  if (n.t === 'array') n.i = compact(s.items);
  return intern(n);
}

/** The object an operation answers with: its schema name, and whether it is a list of them. */
function returns(op) {
  const schema = op.responses?.['200']?.content?.['application/json']?.schema;
  if (!schema) return {};
  const refName = (r) => r?.$ref?.split('/').pop();
  if (schema.$ref) return { r: refName(schema) };
  if (schema.anyOf) {
    const names = schema.anyOf.map(refName).filter(Boolean);
    return { r: names.find((n) => !n.startsWith('deleted_')) ?? names[0] };
  }
  const items = schema.properties?.data?.items;
  if (items) {
    const name = refName(items) ?? items.anyOf?.map(refName).find(Boolean);
    return name ? { r: name, l: 1 } : { l: 1 };
  }
  return {};
}

const key = (method, path) => `${method} ${path.replace(/\{[^}]+\}/g, '{}')}`;
const operations = new Map();

for (const [path, item] of Object.entries(spec.paths)) {
  for (const [method, op] of Object.entries(item)) {
    if (!['get', 'post', 'delete'].includes(method)) continue;
    const props = {};
    const required = [];
    for (const p of op.parameters ?? []) {
      if (p.in !== 'query') continue;
      props[p.name] = p.schema;
      if (p.required) required.push(p.name);
    }
    const content = op.requestBody?.content ?? {};
    const form = content['application/x-www-form-urlencoded'] ?? content['multipart/form-data'];
    if (form?.schema?.properties) {
      Object.assign(props, form.schema.properties);
      required.push(...(form.schema.required ?? []));
    }
    const entry = {
      id: op.operationId,
      m: method.toUpperCase(),
      p: path,
      q: { type: 'object', properties: props, required },
      ...returns(op),
      src: 'spec',
    };
    if (content['multipart/form-data']) entry.mp = 1;
    operations.set(key(entry.m, path), entry);
  }
}

/** `GetCustomersCustomerTaxIds` from GET /v1/customers/{customer}/tax_ids, as the spec names them. */
function operationId(method, path) {
  const words = path
    .split('/')
    .slice(2)
    .flatMap((s) => s.replace(/[{}]/g, '').split(/[_.]/))
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1));
  const prefix = path.startsWith('/v2/') ? 'V2' : '';
  return method.charAt(0) + method.slice(1).toLowerCase() + prefix + words.join('');
}

function walk(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : f.endsWith('.js') ? [p] : [];
  });
}

// The SDK's operations: `name(args) { return this._makeRequest('POST', `/v1/x/${encodeURIComponent(id)}`...`.
const sdkOps = [];
const call =
  /\n {4}(\w+)\([^)]*\) \{\n\s+return this\._makeRequest\('(GET|POST|DELETE)', [`']([^`']+)[`']/g;
for (const file of walk(sdkDir.pathname)) {
  const text = readFileSync(file, 'utf8');
  const resource = file.slice(sdkDir.pathname.length).replace(/\.js$/, '');
  for (const [, name, method, raw] of text.matchAll(call)) {
    // OAuth (connect.stripe.com/oauth/...) is not the API: it answers in OAuth's own shape.
    if (!raw.startsWith('/v1/') && !raw.startsWith('/v2/')) continue;
    const path = raw.replace(/\$\{encodeURIComponent\((\w+)\)\}/g, '{$1}');
    sdkOps.push({ resource, name, method, path });
  }
}

const sdk = sdkParams(sdkDir.pathname, sdkOps);
let added = 0;
let completed = 0;
for (const op of sdkOps) {
  const k = key(op.method, op.path);
  const params = sdk.get(`${op.resource}.${op.name}`);
  const existing = operations.get(k);
  if (existing) {
    existing.src = 'both';
    if (params && mergeInto(existing.q, params)) completed++;
    continue;
  }
  added++;
  // v2 lists page with `page`, the token in next_page_url, which the types leave out.
  if (params && op.method === 'GET' && op.path.startsWith('/v2/') && !op.path.endsWith('}')) {
    params.properties.page ??= { type: 'string' };
  }
  operations.set(k, {
    id: operationId(op.method, op.path),
    m: op.method,
    p: op.path,
    q: params ?? { type: 'object', properties: {}, required: [] },
    src: 'sdk',
  });
}

/**
 * Adds what the SDK's types know and the spec does not: parameters, nested fields and enum
 * values added since 2023-08-16. The spec's types win where both describe a parameter (it says
 * integer where TypeScript says number). Returns whether anything was added.
 */
function mergeInto(specNode, sdkNode) {
  if (!specNode || !sdkNode) return false;
  let changed = false;
  const sdkAlternatives = sdkNode.anyOf ?? [sdkNode];
  if (specNode.anyOf || sdkNode.anyOf) {
    if (!specNode.anyOf) {
      const before = { ...specNode };
      for (const k of Object.keys(specNode)) delete specNode[k];
      specNode.anyOf = [before];
    }
    for (const alt of sdkAlternatives) {
      const twin = specNode.anyOf.find((s) => kind(s) === kind(alt));
      if (twin) {
        if (mergeInto(twin, alt)) changed = true;
      } else if (kind(alt) !== 'any') {
        // A newer form of the parameter: bank account details where the spec has a token only,
        // or an empty string that unsets it.
        specNode.anyOf.push(alt);
        changed = true;
      }
    }
    if (specNode.anyOf.length === 1) {
      const [only] = specNode.anyOf;
      delete specNode.anyOf;
      Object.assign(specNode, only);
    }
    return changed;
  }
  if (specNode.type === 'object' && sdkNode.type === 'object') {
    specNode.properties ??= {};
    for (const [name, sub] of Object.entries(sdkNode.properties ?? {})) {
      if (specNode.properties[name]) {
        if (mergeInto(specNode.properties[name], sub)) changed = true;
      } else if (name !== 'expand' || !specNode.properties.expand) {
        specNode.properties[name] = sub;
        changed = true;
      }
    }
    if (sdkNode.additionalProperties && specNode.additionalProperties) {
      if (mergeInto(specNode.additionalProperties, sdkNode.additionalProperties)) changed = true;
    }
    return changed;
  }
  if (specNode.type === 'array' && sdkNode.type === 'array') {
    return mergeInto(specNode.items, sdkNode.items);
  }
  if (specNode.enum && sdkNode.enum && specNode.type === 'string') {
    const more = sdkNode.enum.filter((v) => !specNode.enum.includes(v));
    if (more.length) {
      specNode.enum = [...specNode.enum, ...more];
      changed = true;
    }
  }
  return changed;
}

function isEmpty(node) {
  return node.type === 'string' && node.enum?.length === 1 && node.enum[0] === '';
}

/** What alternatives of a parameter are compared by: TypeScript's number is the spec's integer. */
function kind(node) {
  if (isEmpty(node)) return 'empty';
  if (node.type === 'integer') return 'number';
  return node.type ?? (node.properties ? 'object' : 'any');
}

const list = [...operations.values()]
  .sort((a, b) => a.p.localeCompare(b.p) || a.m.localeCompare(b.m))
  .map((op) => ({ ...op, q: compact(op.q) }));

/**
 * What `expand[]` can reach in each object: `{ charge: { customer: ['customer'],
 * 'transfer_data.destination': ['account'] } }`, an id field's path (through sub-objects) and the
 * objects it may name (the spec's x-expansionResources); `[]` for what only `expand` shows
 * (`customer.tax_ids`).
 */
function expandable() {
  const schemas = spec.components.schemas;
  const refName = (r) => r?.$ref?.split('/').pop();
  const out = {};
  const walk = (schema, prefix, depth, paths) => {
    for (const [name, prop] of Object.entries(schema.properties ?? {})) {
      const targets = prop['x-expansionResources']?.oneOf?.map(refName).filter(Boolean);
      if (targets) {
        paths[prefix + name] = targets.filter((t) => !t.startsWith('deleted_'));
        continue;
      }
      if (!schema['x-expandableFields']?.includes(name)) continue;
      const sub = schemas[refName(prop) ?? refName(prop.anyOf?.[0])];
      if (sub && !sub.properties?.object) {
        if (depth < 2) walk(sub, `${prefix}${name}.`, depth + 1, paths);
      } else if (!sub) {
        // Expandable but no id: a block or list only `expand` shows (`customer.tax_ids`).
        paths[prefix + name] = [];
      }
    }
    return paths;
  };
  for (const [name, schema] of Object.entries(schemas)) {
    if (!schema.properties?.object) continue;
    const paths = walk(schema, '', 0, {});
    if (Object.keys(paths).length) out[name] = paths;
  }
  return out;
}

mkdirSync(new URL('.', target), { recursive: true });
const out = {
  source: `Stripe OpenAPI spec3.2023-09-12.json (API ${spec.info.version}), completed with stripe ${sdkVersion} (OpenAPI ${sdkOpenapi})`,
  nodes,
  operations: list,
  expandable: expandable(),
};
writeFileSync(target, JSON.stringify(out) + '\n');
const v1 = list.filter((o) => o.p.startsWith('/v1/'));
console.log(
  `${list.length} operations (${v1.length} v1; ${v1.filter((o) => o.src !== 'sdk').length} from the spec, ${added} only in stripe ${sdkVersion}; ${completed} completed from its types), ${nodes.length} schema nodes, ${JSON.stringify(out).length} bytes`,
);
