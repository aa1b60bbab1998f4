import { errors } from '../stripe/errors.js';

/**
 * Stripe's wire format for v1 parameters: `application/x-www-form-urlencoded` with nested keys.
 * stripe-node sends `a[b]=1` and indexed arrays `a[0]=x`; the Stripe CLI sends `a[]=x` and
 * `a[0][k]=v`; either may leave brackets unescaped or percent-encode them.
 */
export interface ParseLimits {
  maxParams: number;
  maxDepth: number;
  maxArrayLength: number;
}

export const defaultLimits: ParseLimits = { maxParams: 2000, maxDepth: 8, maxArrayLength: 1000 };

export type Params = { [key: string]: ParamValue };
export type ParamValue = string | Params | ParamValue[];

/** A node under construction: arrays are gathered as index -> value and turned into arrays last. */
type Node = Map<string, Node | string>;
const ARRAY = Symbol('array');
type Tagged = Node & { [ARRAY]?: boolean };

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw errors.malformedBody('a parameter is not valid percent-encoding');
  }
}

/** `a[b][0]` -> ['a', 'b', '0']; `a[]` -> ['a', '']. */
function splitKey(key: string): string[] | null {
  const open = key.indexOf('[');
  if (open === -1) return [key];
  const parts = [key.slice(0, open)];
  let i = open;
  while (i < key.length) {
    if (key[i] !== '[') return null;
    const close = key.indexOf(']', i);
    if (close === -1) return null;
    parts.push(key.slice(i + 1, close));
    i = close + 1;
  }
  return parts;
}

export function parseForm(text: string, limits: ParseLimits = defaultLimits): Params {
  const root: Tagged = new Map();
  if (text === '') return {};
  const pairs = text.split('&');
  if (pairs.length > limits.maxParams) {
    throw errors.invalidRequest(
      `Too many parameters: at most ${limits.maxParams} are accepted in one request.`,
    );
  }
  for (const pair of pairs) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawKey = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decode(pair.slice(eq + 1));
    const path = splitKey(rawKey);
    if (!path || path[0] === '') throw errors.malformedBody(`invalid parameter name '${rawKey}'`);
    if (path.length > limits.maxDepth) {
      throw errors.invalidRequest(
        `Parameter '${rawKey}' is nested too deeply (at most ${limits.maxDepth} levels).`,
        rawKey,
      );
    }
    assign(root, path, value, rawKey, limits);
  }
  return finish(root) as Params;
}

function assign(
  root: Tagged,
  path: string[],
  value: string,
  rawKey: string,
  limits: ParseLimits,
): void {
  let node = root;
  for (let i = 0; i < path.length; i++) {
    let segment = path[i]!;
    const last = i === path.length - 1;
    const isIndex = segment === '' || /^\d+$/.test(segment);
    if (i > 0 && isIndex) {
      if (node.size > 0 && !node[ARRAY]) throw conflict(rawKey);
      node[ARRAY] = true;
      if (segment === '') segment = String(node.size);
      if (Number(segment) >= limits.maxArrayLength) {
        throw errors.invalidRequest(
          `Array parameter '${path[0]}' is too long (at most ${limits.maxArrayLength} items).`,
          path[0],
        );
      }
    } else if (i > 0 && node[ARRAY]) {
      throw conflict(rawKey);
    }
    if (last) {
      const existing = node.get(segment);
      if (existing instanceof Map) throw conflict(rawKey);
      node.set(segment, value);
      return;
    }
    let child = node.get(segment);
    if (typeof child === 'string') {
      // `metadata=` followed by `metadata[k]=v`: the empty value only meant "unset"; keep the nested one.
      if (child !== '') throw conflict(rawKey);
      child = undefined;
    }
    if (!child) {
      child = new Map();
      node.set(segment, child);
    }
    node = child as Tagged;
  }
}

function conflict(key: string) {
  return errors.invalidRequest(
    `Invalid parameter '${key}': it mixes a value, an object and an array.`,
    key,
  );
}

function finish(node: Tagged): ParamValue {
  if (node[ARRAY]) {
    return [...node.entries()]
      .sort((a, b) => Number(a[0]) - Number(b[0]))
      .map(([, v]) => (typeof v === 'string' ? v : finish(v as Tagged)));
  }
  const out: Params = Object.create(null) as Params;
  for (const [k, v] of node) out[k] = typeof v === 'string' ? v : finish(v as Tagged);
  return out;
}

/** Parses a JSON body (v2), refusing anything but an object and nesting past the limit. */
export function parseJsonBody(
  text: string,
  limits: ParseLimits = defaultLimits,
): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw errors.malformedBody(`the JSON could not be parsed (${(e as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw errors.malformedBody('the JSON body must be an object');
  }
  if (depth(value, 0, limits.maxDepth * 2) > limits.maxDepth * 2) {
    throw errors.invalidRequest(
      `The JSON body is nested too deeply (at most ${limits.maxDepth * 2} levels).`,
    );
  }
  return value as Record<string, unknown>;
}

function depth(value: unknown, current: number, max: number): number {
  if (current > max || typeof value !== 'object' || value === null) return current;
  let deepest = current;
  for (const v of Object.values(value)) {
    deepest = Math.max(deepest, depth(v, current + 1, max));
    if (deepest > max) break;
  }
  return deepest;
}
