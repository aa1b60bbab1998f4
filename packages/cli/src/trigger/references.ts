import { randomUUID } from 'node:crypto';
import { CliError } from '../api/client.js';

/**
 * References inside fixture strings, as the Stripe CLI writes them:
 * `${step:path.to.field}` (a field of an earlier step's response; `data.0.id` indexes arrays),
 * `${step:path|fallback}`, `${.env:VAR|fallback}`, `${time-now-RFC3339}` and `${generate-uuid}`.
 */
export interface Reference {
  text: string;
  name: string;
  path: string | null;
  fallback: string | null;
}

const pattern = /\$\{([^}:|]+)(?::([^}|]*))?(?:\|([^}]*))?\}/g;

export function referencesIn(text: string): Reference[] {
  return [...text.matchAll(pattern)].map((m) => ({
    text: m[0],
    name: m[1]!,
    path: m[2] ?? null,
    fallback: m[3] ?? null,
  }));
}

export interface ResolveContext {
  /** The parsed responses of the steps run so far, by step name. */
  responses: Map<string, unknown>;
  env: NodeJS.ProcessEnv;
  now?: () => Date;
}

function lookup(value: unknown, path: string): unknown {
  let at = value;
  for (const key of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function valueOf(ref: Reference, ctx: ResolveContext, where: string): unknown {
  if (ref.name === 'time-now-RFC3339') return (ctx.now?.() ?? new Date()).toISOString();
  if (ref.name === 'generate-uuid') return randomUUID();
  if (ref.name === '.env') {
    const v = ref.path ? ctx.env[ref.path] : undefined;
    if (v !== undefined && v !== '') return v;
    if (ref.fallback !== null) return ref.fallback;
    throw new CliError(`${where}: ${ref.text} has no value: set ${ref.path} in the environment`);
  }
  const found = ref.path ? lookup(ctx.responses.get(ref.name), ref.path) : undefined;
  if (found !== undefined && found !== null && found !== '') return found;
  if (ref.fallback !== null) return ref.fallback;
  throw new CliError(
    `${where}: ${ref.text} has no value: the response of step "${ref.name}" has no ${ref.path ?? 'path'}`,
  );
}

const asText = (v: unknown) => (typeof v === 'object' ? JSON.stringify(v) : String(v));

/**
 * A string with its references replaced. A string that is exactly one reference takes the
 * referenced value as it is (a number stays a number in a v2 JSON body).
 */
export function resolveString(text: string, ctx: ResolveContext, where: string): unknown {
  const refs = referencesIn(text);
  if (refs.length === 0) return text;
  if (refs.length === 1 && refs[0]!.text === text) return valueOf(refs[0]!, ctx, where);
  return substitute(text, refs, (ref) => asText(valueOf(ref, ctx, where)));
}

/** A path with its references replaced by their values, each percent-encoded as one segment. */
export function resolvePath(path: string, ctx: ResolveContext, where: string): string {
  return substitute(path, referencesIn(path), (ref) =>
    encodeURIComponent(asText(valueOf(ref, ctx, where))),
  );
}

function substitute(text: string, refs: Reference[], value: (ref: Reference) => string): string {
  let out = text;
  for (const ref of refs) out = out.replace(ref.text, () => value(ref));
  return out;
}

/** Params with every string's references resolved, at any depth. */
export function resolveDeep(value: unknown, ctx: ResolveContext, where: string): unknown {
  if (typeof value === 'string') return resolveString(value, ctx, where);
  if (Array.isArray(value)) return value.map((v) => resolveDeep(v, ctx, where));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveDeep(v, ctx, where)]),
    );
  }
  return value;
}
