import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Validates objects and events against Stripe's OpenAPI schemas (../shared/stripe-openapi, API
 * 2023-08-16). The spec is OpenAPI 3.0: `nullable` becomes `anyOf [schema, null]`, `x-*` keys are
 * dropped (and the enums Stripe marks `x-stripeBypassValidation` with them), Stripe's formats are declared, and an event's `data.object` is checked against the
 * schema its `object` field names.
 */
// A subset of ../shared/stripe-openapi/spec3.2023-09-12.json, vendored by scripts/vendor-stripe-schemas.js.
const specPath = fileURLToPath(new URL('../fixtures/stripe-schemas.json', import.meta.url));

type Json = Record<string, unknown>;

function convert(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convert);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  // Stripe marks the enums it does not hold to (`x-stripeBypassValidation`): newer values occur,
  // such as the `aba` and `swift` financial addresses of US bank transfers.
  const open = (node as Json)['x-stripeBypassValidation'] === true;
  for (const [k, v] of Object.entries(node as Json)) {
    if (k.startsWith('x-') || k === 'nullable' || k === 'description') continue;
    if (open && k === 'enum') continue;
    out[k] =
      k === 'properties'
        ? Object.fromEntries(Object.entries(v as Json).map(([p, s]) => [p, convert(s)]))
        : convert(v);
  }
  if ((node as Json).nullable === true) return { anyOf: [out, { type: 'null' }] };
  return out;
}

let ajv: Ajv | null = null;
const compiled = new Map<string, ValidateFunction>();

function validator(name: string): ValidateFunction {
  if (!ajv) {
    const spec = JSON.parse(readFileSync(specPath, 'utf8')) as { schemas: Json };
    ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    (addFormats as unknown as (a: Ajv) => void)(ajv);
    for (const f of ['unix-time', 'decimal', 'binary']) ajv.addFormat(f, true);
    const schemas = convert(spec.schemas) as Json;
    ajv.addSchema({ $id: 'stripe', components: { schemas } });
  }
  let v = compiled.get(name);
  if (!v) {
    v = ajv.getSchema(`stripe#/components/schemas/${name}`);
    if (!v) throw new Error(`No schema named ${name} in Stripe's spec`);
    compiled.set(name, v);
  }
  return v;
}

/** The schema a Stripe object validates against, from its `object` field. */
function schemaName(obj: Json): string {
  const object = obj.object as string;
  if (obj.deleted === true) return `deleted_${object}`;
  return object;
}

/** Returns the validation errors of an object (empty when it is valid). */
export function schemaErrors(obj: unknown, name?: string): string[] {
  const o = obj as Json;
  const schema = name ?? schemaName(o);
  const v = validator(schema);
  const errors: string[] = [];
  if (!v(o))
    errors.push(
      ...(v.errors ?? []).map(
        (e) => `${schema}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`,
      ),
    );
  if (schema === 'event') {
    const data = o.data as { object: Json };
    errors.push(...schemaErrors(data.object));
  }
  return errors;
}
