// Generates packages/server/data/plain-objects.json, what the plain resources (resources/plain/)
// build their objects from: for each object the table names, its schema in Stripe's spec
// (../shared/stripe-openapi/spec3.2023-09-12.json, API 2023-08-16), compacted, and Stripe's
// example object (fixtures3.HEAD.json) with only the fields that schema has. Committed, as the
// catalogue is: CI runs without ../shared. Run after `npm run build`:
// `node scripts/gen-plain-objects.js` (`npm run plain-objects`).
import { readFileSync, writeFileSync } from 'node:fs';
import { sharedDir } from './shared-dir.js';
import { plainTable } from '../packages/server/dist/resources/plain/table.js';

const shared = sharedDir();
const spec = JSON.parse(readFileSync(`${shared}/stripe-openapi/spec3.2023-09-12.json`, 'utf8'));
const { resources: examples } = JSON.parse(
  readFileSync(`${shared}/stripe-openapi/fixtures3.HEAD.json`, 'utf8'),
);
const all = spec.components.schemas;
const target = new URL('../packages/server/data/plain-objects.json', import.meta.url);

const refName = (ref) => ref.split('/').pop();

/**
 * A schema as the engine reads it: `t` type, `n` nullable, `p` properties, `r` required, `i` an
 * array's items, `map` an object of free keys (metadata), `id` the objects an expandable id may
 * name, `ref` another resource's object (embedded whole), `e` an enum.
 */
function compact(schema, depth, seen) {
  if (schema.$ref) {
    const name = refName(schema.$ref);
    const s = all[name];
    if (depth > 0 && s['x-resourceId']) return { t: 'object', ref: name };
    if (seen.includes(name) || depth > 8) return { t: 'any' };
    return compact(s, depth + 1, [...seen, name]);
  }
  const n = schema.nullable ? { n: 1 } : {};
  if (schema.anyOf) {
    const alts = schema.anyOf;
    const refs = alts.filter((a) => a.$ref).map((a) => refName(a.$ref));
    if (alts.some((a) => a.type === 'string') && refs.length)
      return { t: 'string', id: refs, ...n };
    if (alts.length === 1) return { ...compact(alts[0], depth, seen), ...n };
    const object = alts.find((a) => a.$ref || a.type === 'object');
    return object ? { ...compact(object, depth, seen), ...n } : { t: 'any', ...n };
  }
  switch (schema.type) {
    case 'object': {
      const props = schema.properties ?? {};
      if (Object.keys(props).length === 0) return { t: 'object', map: 1, ...n };
      return {
        t: 'object',
        p: Object.fromEntries(
          Object.entries(props).map(([k, v]) => [k, compact(v, depth + 1, seen)]),
        ),
        ...(schema.required?.length ? { r: schema.required } : {}),
        ...n,
      };
    }
    case 'array':
      return { t: 'array', i: compact(schema.items ?? {}, depth + 1, seen), ...n };
    case 'string':
    case 'integer':
    case 'number':
    case 'boolean':
      return { t: schema.type, ...(schema.enum ? { e: schema.enum } : {}), ...n };
    default:
      return { t: 'any', ...n };
  }
}

const objects = {};
for (const entry of plainTable) {
  const name = entry.object;
  const schema = all[name];
  if (!schema) throw new Error(`no schema ${name} in the spec`);
  const example = examples[name] ?? {};
  const fields = Object.keys(schema.properties);
  objects[name] = {
    schema: compact(schema, 0, [name]),
    example: Object.fromEntries(Object.entries(example).filter(([k]) => fields.includes(k))),
  };
}
writeFileSync(
  target,
  `${JSON.stringify({
    source:
      'spec3.2023-09-12.json (API 2023-08-16) and fixtures3.HEAD.json, by scripts/gen-plain-objects.js',
    objects,
  })}\n`,
);
console.log(`${Object.keys(objects).length} objects`);
