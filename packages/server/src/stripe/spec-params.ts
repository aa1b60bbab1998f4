import { catalogue, type SchemaNode } from './catalogue.js';
import { errors, type StripeError } from './errors.js';

/**
 * Checks a request's parameters against an operation's schema in the catalogue, as Stripe does
 * before anything else: unknown names (named in full, `address[cty]`), missing required ones,
 * types (form values are strings: `amount=100` is an integer, `active=true` a boolean), enums,
 * lengths, nesting and arrays (both `a[0]=` and `a[]=`, which api/form.ts already made arrays).
 * Returns the values with those types, so hand-written fields and handlers see numbers and
 * booleans. An empty string passes only where the spec says a parameter can be unset.
 *
 * A value outside its enum is not thrown at once but returned in `enumErrors`, so that a route's
 * own field for the parameter can answer first with a better message (an event type gets a
 * "did you mean"); the caller throws it if nothing else did.
 */
export function validateParams(
  node: number,
  input: Record<string, unknown>,
): { typed: Record<string, unknown>; enumErrors: StripeError[] } {
  const enumErrors: StripeError[] = [];
  deferred = enumErrors;
  try {
    const typed = validateObject(nodeAt(node), input, '') as Record<string, unknown>;
    return { typed, enumErrors };
  } finally {
    deferred = null;
  }
}

/** Where enum errors go while validating (null inside anyOf, where they pick the alternative). */
let deferred: StripeError[] | null = null;

/**
 * A boolean as a client sends it: `true`/`false` (stripe-node, the Stripe CLI, JSON), or
 * `True`/`False`, which stripe-python before 7 sends (`str(True)`) and Stripe's v1 API accepts.
 * Anything else is `undefined`.
 */
export function booleanValue(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'True') return true;
  if (value === 'false' || value === 'False') return false;
  return undefined;
}

const nodeAt = (i: number): SchemaNode => catalogue().nodes[i]!;

const describe = (value: unknown) =>
  typeof value === 'string' ? value : Array.isArray(value) ? 'an array' : 'an object';

const join = (prefix: string, key: string) => (prefix ? `${prefix}[${key}]` : key);

function validate(n: SchemaNode, value: unknown, param: string): unknown {
  switch (n.t) {
    case 'any':
      return value;
    case 'null':
      if (value === null) return null;
      throw errors.parameterInvalid(param, `Invalid ${param}: must be null`);
    case 'anyOf':
      return validateAnyOf(n, value, param);
    case 'object':
      if (value === '') throw errors.parameterEmpty(param);
      return validateObject(n, value, param);
    case 'array':
      return validateArray(n, value, param);
    case 'string':
      return validateString(n, value, param);
    case 'integer':
      return validateInteger(value, param);
    case 'number':
      return validateNumber(value, param);
    case 'boolean': {
      const b = booleanValue(value);
      if (b !== undefined) return b;
      if (value === '') throw errors.parameterEmpty(param);
      throw errors.parameterInvalid(param, `Invalid boolean: ${describe(value)}`);
    }
  }
}

function validateObject(n: SchemaNode, value: unknown, param: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw errors.parameterInvalid(param, `Invalid object: ${param} must be an object`);
  }
  const input = value as Record<string, unknown>;
  const props = n.p ?? {};
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(input)) {
    const child = props[key] ?? n.ap;
    if (child === undefined) throw errors.parameterUnknown(join(param, key));
    out[key] = validate(nodeAt(child), v, join(param, key));
  }
  for (const key of n.r ?? []) {
    if (input[key] === undefined) throw errors.parameterMissing(join(param, key));
  }
  return out;
}

function validateArray(n: SchemaNode, value: unknown, param: string): unknown[] {
  // `expand=customer`: one value where an array is expected, as the Stripe CLI may send it.
  const list = Array.isArray(value)
    ? value
    : typeof value === 'string' && value !== ''
      ? [value]
      : null;
  if (!list) {
    if (value === '') throw errors.parameterEmpty(param);
    throw errors.parameterInvalid(param, `Invalid array: ${param} must be an array`);
  }
  const item = nodeAt(n.i!);
  return list.map((v, i) => validate(item, v, `${param}[${i}]`));
}

function validateString(n: SchemaNode, value: unknown, param: string): string {
  if (typeof value === 'number' || typeof value === 'boolean') value = String(value);
  if (typeof value !== 'string')
    throw errors.parameterInvalid(param, `Invalid string: ${describe(value)}`);
  if (n.e && !n.b && !n.e.includes(value)) {
    if (value === '') throw errors.parameterEmpty(param);
    const e = errors.parameterInvalid(param, `Invalid ${param}: must be one of ${listOf(n.e)}`);
    if (!deferred) throw e;
    deferred.push(e);
    return value;
  }
  if (value === '' && !n.e?.includes('')) throw errors.parameterEmpty(param);
  const max = n.x ?? 5000;
  if (value.length > max) {
    throw errors.parameterInvalid(
      param,
      `Invalid string: must be at most ${max} characters long`,
      'string_length_exceeded',
    );
  }
  if (n.f === 'decimal' && !/^-?\d+(\.\d+)?$/.test(value)) {
    throw errors.parameterInvalid(param, `Invalid decimal: ${value}`);
  }
  return value;
}

function listOf(values: string[]): string {
  const shown = values.filter((v) => v !== '');
  const list = shown.length <= 12 ? shown : [...shown.slice(0, 12), '...'];
  return list.length > 1 ? `${list.slice(0, -1).join(', ')}, or ${list.at(-1)}` : list.join('');
}

function validateInteger(value: unknown, param: string): number {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) n = Number(value.trim());
  else if (value === '') throw errors.parameterEmpty(param);
  else throw errors.parameterInvalidInteger(param, describe(value));
  if (!Number.isSafeInteger(n)) throw errors.parameterInvalidInteger(param, String(value));
  return n;
}

function validateNumber(value: unknown, param: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?(\d+\.?\d*|\.\d+)$/.test(value.trim())) return Number(value);
  if (value === '') throw errors.parameterEmpty(param);
  throw errors.parameterInvalid(param, `Invalid decimal: ${describe(value)}`);
}

/**
 * The first alternative that takes the value. When none does, the error is the one of the
 * alternative of the value's own kind (an object for an object), so it names the real problem
 * (`address[cty]` unknown) rather than "not an empty string".
 */
function validateAnyOf(n: SchemaNode, value: unknown, param: string): unknown {
  const alternatives = n.u!.map(nodeAt);
  let fallback: unknown = null;
  const outer = deferred;
  deferred = null;
  try {
    for (const alt of alternatives) {
      try {
        return validate(alt, value, param);
      } catch (e) {
        if (fallback === null || sameKind(alt, value)) fallback = e;
      }
    }
  } finally {
    deferred = outer;
  }
  throw fallback;
}

function sameKind(n: SchemaNode, value: unknown): boolean {
  if (Array.isArray(value)) return n.t === 'array';
  if (typeof value === 'object' && value !== null) return n.t === 'object';
  if (value === '') return n.t === 'string' && !!n.e?.includes('');
  return (
    n.t !== 'object' && n.t !== 'array' && !(n.t === 'string' && n.e?.length === 1 && n.e[0] === '')
  );
}
