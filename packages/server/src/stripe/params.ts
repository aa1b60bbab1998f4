import { errors } from './errors.js';
import { booleanValue, validateParams } from './spec-params.js';

export { booleanValue };

/**
 * Declarative parameter schemas: each field parses a wire value (form strings, or JSON on /v2)
 * into a typed value or throws Stripe's error for it. Unknown parameters are refused, as Stripe
 * refuses them, with the full bracketed name (`address[cty]`).
 *
 * A route that serves an operation of Stripe's API (see stripe/catalogue.ts) declares, for each
 * parameter the operation takes, what it does with it: its shape's entry is the field that
 * parses it (the parameter is applied), `applied()` (applied, as the spec types it) or
 * `refused()`. The spec checks every parameter first; then a parameter the shape does not name,
 * or names as refused, is refused with `parameter_not_supported`: nothing is accepted and dropped.
 */
export interface Field<T, R extends boolean = boolean> {
  parse(value: unknown, param: string): T;
  required: R;
  /**
   * How the parameter is applied, for the test that walks every operation's parameters:
   * `reads` (the default) reads back at the same place in the object the operation answers with;
   * `effect` has an effect the test named by `test` checks; `refused` answers
   * parameter_not_supported; `extension` is Switchboard's own, not Stripe's (the spec does not
   * check it).
   */
  use?: 'reads' | 'effect' | 'refused' | 'extension';
  /** `effect`: the name of the test that checks it. `refused`: why (in the error message). */
  note?: string;
  /** An object's fields (object, nullableObject), classified in turn. */
  shape?: Shape;
  /** An array's item (array). */
  item?: Field<unknown>;
}

type Shape = Record<string, Field<unknown>>;
type Value<F> = F extends Field<infer T> ? T : never;
export type Parsed<S extends Shape> = {
  [K in keyof S as S[K] extends Field<unknown, true> ? K : never]: Value<S[K]>;
} & {
  [K in keyof S as S[K] extends Field<unknown, true> ? never : K]?: Value<S[K]>;
};

const field = <T>(parse: (value: unknown, param: string) => T): Field<T, false> => ({
  parse,
  required: false,
});

export function required<T>(f: Field<T>): Field<T, true> {
  return { ...f, required: true };
}

/** A parameter applied as the spec types it (strings, numbers, booleans, objects, arrays). */
export function applied<T = unknown>(): Field<T, false> {
  return field((value) => value as T);
}

/**
 * A parameter applied with an effect that does not read back where it was sent (a list's
 * filter, a page's size, an expansion): `test` names the test that checks it.
 */
export function effect<T, R extends boolean>(f: Field<T, R>, test: string): Field<T, R> {
  return { ...f, use: 'effect', note: test };
}

/**
 * A parameter applied for some of the values Stripe takes: the others are refused, naming it
 * (`collect=eventually_due` where only `currently_due` is modelled).
 */
export function onlyValues<const T extends string>(
  values: readonly T[],
  why: string,
): Field<T, false> {
  const set = new Set<string>(values);
  return field((value, param) => {
    if (typeof value !== 'string' || !set.has(value)) {
      throw errors.parameterNotSupported(param, `${why} (${values.join(', ')} only)`);
    }
    return value as T;
  });
}

/** A parameter of Switchboard's own on an operation of Stripe's (test mode's shortcuts). */
export function extension<T, R extends boolean>(f: Field<T, R>, why: string): Field<T, R> {
  return { ...f, use: 'extension', note: why };
}

/** A parameter of Stripe's that this operation does not apply: refused, naming it. */
export function refused(why?: string): Field<never, false> {
  return {
    parse: (_value, param) => {
      throw errors.parameterNotSupported(param, why);
    },
    required: false,
    use: 'refused',
    ...(why === undefined ? {} : { note: why }),
  };
}

const withParts = <T>(
  parts: Pick<Field<unknown>, 'shape' | 'item'>,
  parse: (value: unknown, param: string) => T,
): Field<T, false> => ({ ...parts, parse, required: false });

const describe = (value: unknown) =>
  typeof value === 'string' ? value : Array.isArray(value) ? 'an array' : 'an object';

export function string(
  opts: { maxLength?: number; empty?: 'error' | 'allow' } = {},
): Field<string, false> {
  return field((value, param) => {
    if (typeof value === 'number' || typeof value === 'boolean') value = String(value);
    if (typeof value !== 'string')
      throw errors.parameterInvalid(param, `Invalid string: ${describe(value)}`);
    if (value === '' && opts.empty !== 'allow') throw errors.parameterEmpty(param);
    const max = opts.maxLength ?? 5000;
    if (value.length > max) {
      throw errors.parameterInvalid(
        param,
        `Invalid string: must be at most ${max} characters long`,
        'string_length_exceeded',
      );
    }
    return value;
  });
}

/** A string that an empty value unsets: `description=` gives null. */
export function nullableString(opts: { maxLength?: number } = {}): Field<string | null, false> {
  const inner = string({ ...opts, empty: 'allow' });
  return field((value, param) => {
    if (value === null) return null;
    const s = inner.parse(value, param);
    return s === '' ? null : s;
  });
}

export function integer(opts: { min?: number; max?: number } = {}): Field<number, false> {
  return field((value, param) => {
    let n: number;
    if (typeof value === 'number') n = value;
    else if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) n = Number(value.trim());
    else throw errors.parameterInvalidInteger(param, describe(value));
    if (!Number.isSafeInteger(n)) throw errors.parameterInvalidInteger(param, String(value));
    if (opts.min !== undefined && n < opts.min) {
      throw errors.parameterInvalid(
        param,
        `Invalid ${param}: must be greater than or equal to ${opts.min}`,
      );
    }
    if (opts.max !== undefined && n > opts.max) {
      throw errors.parameterInvalid(
        param,
        `Invalid ${param}: must be less than or equal to ${opts.max}`,
      );
    }
    return n;
  });
}

export function boolean(): Field<boolean, false> {
  return field((value, param) => {
    const b = booleanValue(value);
    if (b === undefined)
      throw errors.parameterInvalid(param, `Invalid boolean: ${describe(value)}`);
    return b;
  });
}

export function oneOf<const T extends string>(values: readonly T[]): Field<T, false> {
  const set = new Set<string>(values);
  return field((value, param) => {
    if (typeof value !== 'string' || !set.has(value)) {
      const list =
        values.length <= 12 ? values.join(', ') : `${values.slice(0, 12).join(', ')}, ...`;
      throw errors.parameterInvalid(param, `Invalid ${param}: must be one of ${list}`);
    }
    return value as T;
  });
}

export function array<T>(item: Field<T>, opts: { max?: number } = {}): Field<T[], false> {
  return withParts({ item }, (value, param) => {
    // `expand=foo` style: a single value where an array is expected.
    const list = Array.isArray(value)
      ? value
      : typeof value === 'string'
        ? value === ''
          ? []
          : [value]
        : null;
    if (!list) throw errors.parameterInvalid(param, `Invalid array: ${param} must be an array`);
    if (opts.max !== undefined && list.length > opts.max) {
      throw errors.parameterInvalid(param, `Invalid ${param}: must have at most ${opts.max} items`);
    }
    return list.map((v, i) => item.parse(v, `${param}[${i}]`));
  });
}

export function object<S extends Shape>(shape: S): Field<Parsed<S>, false> {
  return withParts({ shape }, (value, param) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw errors.parameterInvalid(param, `Invalid object: ${param} must be an object`);
    }
    return parseShape(shape, value as Record<string, unknown>, param);
  });
}

/** An object whose empty value (`shipping=`) means "unset": gives null. */
export function nullableObject<S extends Shape>(shape: S): Field<Parsed<S> | null, false> {
  const inner = object(shape);
  return withParts({ shape }, (value, param) =>
    value === '' || value === null ? null : inner.parse(value, param),
  );
}

/** Whether `value` is an absolute http or https URL. */
export function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** An absolute http or https URL (where the API sends a browser back to the platform). */
export function httpUrl(): Field<string, false> {
  return field((value, param) => {
    if (typeof value !== 'string' || !isHttpUrl(value))
      throw errors.parameterInvalid(param, 'Not a valid URL', 'url_invalid');
    return value;
  });
}

/** Any value, kept as sent (for parameters accepted but not modelled). */
export function anything(): Field<unknown, false> {
  return field((value) => value);
}

/** Metadata as Stripe takes it: up to 50 string keys; an empty value unsets a key, `metadata=` all. */
export type MetadataPatch = Record<string, string | null> | null;

export function metadata(): Field<MetadataPatch, false> {
  return field((value, param) => {
    if (value === '' || value === null) return null;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw errors.parameterInvalid(param, `Invalid object: ${param} must be an object`);
    }
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length > 50)
      throw errors.parameterInvalid(param, 'Invalid metadata: at most 50 keys are allowed');
    const out: Record<string, string | null> = {};
    for (const [k, v] of entries) {
      if (k.length > 40) {
        throw errors.parameterInvalid(
          `${param}[${k}]`,
          `Metadata keys can be at most 40 characters long; '${k}' is too long.`,
        );
      }
      if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
        throw errors.parameterInvalid(`${param}[${k}]`, `Invalid string: ${describe(v)}`);
      }
      const s = v === null ? '' : String(v);
      if (s.length > 500) {
        throw errors.parameterInvalid(
          `${param}[${k}]`,
          `Metadata values can be at most 500 characters long; the value of '${k}' is too long.`,
        );
      }
      out[k] = s === '' ? null : s;
    }
    return out;
  });
}

export function applyMetadata(
  current: Record<string, string>,
  patch: MetadataPatch | undefined,
): Record<string, string> {
  if (patch === undefined) return current;
  if (patch === null) return {};
  const next = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete next[k];
    else next[k] = v;
  }
  return next;
}

/** `created=123` or `created[gte]=123`: a range of unix seconds. */
export function range(): Field<{ gt?: number; gte?: number; lt?: number; lte?: number }, false> {
  const int = integer();
  const bounds = object({ gt: int, gte: int, lt: int, lte: int });
  return field((value, param) => {
    if (typeof value === 'string' || typeof value === 'number') {
      const n = int.parse(value, param);
      return { gte: n, lte: n };
    }
    return bounds.parse(value, param);
  });
}

export function parseShape<S extends Shape>(
  shape: S,
  input: Record<string, unknown>,
  prefix = '',
): Parsed<S> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    if (!(key in shape)) throw errors.parameterUnknown(prefix ? `${prefix}[${key}]` : key);
  }
  for (const [key, f] of Object.entries(shape)) {
    const param = prefix ? `${prefix}[${key}]` : key;
    const value = input[key];
    if (value === undefined) {
      if (f.required) throw errors.parameterMissing(param);
      continue;
    }
    out[key] = f.parse(value, param);
  }
  return out as Parsed<S>;
}

/**
 * Parses the parameters of an operation of Stripe's API: the spec checks them (`node`, the
 * operation's parameters in the catalogue), `shape` says what the route does with each.
 */
export function parseOperation<S extends Shape>(
  node: number,
  shape: S,
  input: Record<string, unknown>,
): Parsed<S> {
  const { theirs, ours } = splitExtensions(shape, input);
  const { typed, enumErrors } = validateParams(node, theirs);
  refuseUnapplied(shape, typed, '');
  const parsed = parseShape(shape, mergeExtensions(typed, ours));
  if (enumErrors[0]) throw enumErrors[0];
  return parsed;
}

type Input = Record<string, unknown>;

const isPlainObject = (v: unknown): v is Input =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Takes out the values of Switchboard's own parameters (`extension`), at any depth of the
 * objects the shape describes, so that the spec checks only Stripe's.
 */
function splitExtensions(shape: Shape, input: Input): { theirs: Input; ours: Input } {
  const theirs: Input = {};
  const ours: Input = {};
  for (const [key, value] of Object.entries(input)) {
    const f = shape[key];
    if (f?.use === 'extension') ours[key] = value;
    else if (f?.shape && isPlainObject(value)) {
      const inner = splitExtensions(f.shape, value);
      theirs[key] = inner.theirs;
      if (Object.keys(inner.ours).length > 0) ours[key] = inner.ours;
    } else theirs[key] = value;
  }
  return { theirs, ours };
}

function mergeExtensions(typed: Input, ours: Input): Input {
  const out: Input = { ...typed };
  for (const [key, value] of Object.entries(ours)) {
    const there = out[key];
    out[key] = isPlainObject(there) && isPlainObject(value) ? mergeExtensions(there, value) : value;
  }
  return out;
}

/** Refuses every parameter sent that `shape` does not apply, naming it in full. */
function refuseUnapplied(shape: Shape, input: Record<string, unknown>, prefix: string): void {
  for (const [key, value] of Object.entries(input)) {
    const param = prefix ? `${prefix}[${key}]` : key;
    const f = shape[key];
    if (!f || f.use === 'refused') throw errors.parameterNotSupported(param, f?.note);
    refuseNested(f, value, param);
  }
}

function refuseNested(f: Field<unknown>, value: unknown, param: string): void {
  if (f.shape && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    refuseUnapplied(f.shape, value as Record<string, unknown>, param);
  } else if (f.item && Array.isArray(value)) {
    value.forEach((v, i) => refuseNested(f.item!, v, `${param}[${i}]`));
  }
}

/** `expand[]`: applied to every answer by resources/expand.ts. */
export const expandParam = {
  expand: effect(
    array(string()),
    'expands ids into objects, in lists too, and refuses what cannot be expanded',
  ),
};

/** Parameters every list accepts. */
export const listParams = {
  limit: effect(
    integer({ min: 1, max: 100 }),
    'pages lists newest first with limit, starting_after, ending_before and has_more',
  ),
  starting_after: effect(
    string(),
    'pages lists newest first with limit, starting_after, ending_before and has_more',
  ),
  ending_before: effect(
    string(),
    'pages lists newest first with limit, starting_after, ending_before and has_more',
  ),
  ...expandParam,
};
