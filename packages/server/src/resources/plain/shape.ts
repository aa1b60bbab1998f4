import { catalogue, type SchemaNode } from '../../stripe/catalogue.js';
import {
  applied,
  effect,
  expandParam,
  listParams,
  metadata,
  nullableObject,
  object,
  range,
  refused,
  type Field,
} from '../../stripe/params.js';
import type { ObjNode } from './objects.js';
import type { PlainEntry, PlainRef } from './table.js';

/**
 * The shape of a plain resource's operation, from the operation's parameters (the catalogue)
 * and the object's schema: a parameter that is a field of the object, of the same form, is
 * applied where it is sent (and reads back there); one the entry names as a reference is
 * looked up in the caller's scope; any other is refused, naming it. Nothing is accepted and
 * dropped, and no resource lists its parameters by hand.
 */
type Shape = Record<string, Field<unknown>>;

/** The test that checks the list filters of every plain resource (test/e2e/plain.test.ts). */
export const plainFilterTest = 'each list filter of a plain resource narrows its list';
/** The test that checks references are looked up in the caller's scope. */
export const plainRefTest = "a plain resource's references are objects of the caller's scope";

const nodeAt = (i: number): SchemaNode => catalogue().nodes[i]!;

/** The object form of a parameter (`restrictions` is an object; `shipping` an object or ''). */
function objectForm(n: SchemaNode): SchemaNode | undefined {
  if (n.t === 'object') return n;
  return n.u?.map(nodeAt).find((a) => a.t === 'object');
}

const takesEmpty = (n: SchemaNode) =>
  n.u?.some((a) => nodeAt(a).t === 'string' && nodeAt(a).e?.includes('')) ?? false;

const scalarKinds = (n: SchemaNode): string[] =>
  n.t === 'anyOf'
    ? n.u!.map(nodeAt).flatMap(scalarKinds)
    : n.t === 'string' && n.e?.length === 1 && n.e[0] === ''
      ? []
      : [n.t === 'integer' ? 'number' : n.t];

const fieldKind = (o: ObjNode) =>
  o.id ? 'string' : o.map ? 'map' : o.t === 'integer' ? 'number' : o.t;

/** How one parameter is applied to the object's field `field` (undefined: not a field). */
function classify(param: SchemaNode, field: ObjNode | undefined, why: string): Field<unknown> {
  if (!field || field.ref) return refused(why);
  // An id of another object, inside an object: not looked up, so not taken.
  if (field.id)
    return refused(`it names a ${field.id[0]!.replace(/_/g, ' ')}, which is not looked up here`);
  if (field.t === 'any') return applied();
  const form = objectForm(param);
  if (form && form.p && field.t === 'object' && field.p) {
    const members: Shape = {};
    for (const [name, child] of Object.entries(form.p))
      members[name] = classify(nodeAt(child), field.p[name], why);
    return takesEmpty(param) ? nullableObject(members) : object(members);
  }
  if (form && field.map) return applied();
  const kinds = scalarKinds(param);
  const want = fieldKind(field);
  if (kinds.length > 0 && kinds.every((k) => k === want)) return applied();
  return refused(why);
}

/** The shape of a create or update: each parameter as the object takes it. */
export function writeShape(
  entry: PlainEntry,
  refs: Record<string, PlainRef>,
  schema: ObjNode,
  params: number,
): Shape {
  const shape: Shape = {};
  const label = entry.object.replace(/_/g, ' ');
  for (const [name, i] of Object.entries(nodeAt(params).p ?? {})) {
    const why = `it is not a field of ${label} objects as Switchboard keeps them (plain state, docs/resources.md)`;
    if (name === 'expand') Object.assign(shape, expandParam);
    else if (entry.consumes?.[name]) shape[name] = effect(applied(), entry.consumes[name]);
    else if (refs[name])
      shape[name] = refs[name].embed ? effect(applied(), plainRefTest) : applied();
    else if (schema.p?.[name]?.id)
      shape[name] = refused(
        `it names a ${schema.p[name].id[0]!.replace(/_/g, ' ')}, an object Switchboard does not keep`,
      );
    else if (name === 'metadata' && schema.p?.metadata) shape[name] = metadata();
    else shape[name] = classify(nodeAt(i), schema.p?.[name], why);
  }
  return shape;
}

/** The scalar fields a list may be narrowed by, besides its page and `created`. */
export function listShape(schema: ObjNode, params: number): { shape: Shape; filters: string[] } {
  const shape: Shape = { ...listParams };
  const filters: string[] = [];
  for (const [name, i] of Object.entries(nodeAt(params).p ?? {})) {
    if (name in shape) continue;
    if (name === 'created') shape[name] = effect(range(), plainFilterTest);
    else {
      const field = schema.p?.[name];
      const kinds = scalarKinds(nodeAt(i));
      if (field && !field.ref && kinds.length > 0 && kinds.every((k) => k === fieldKind(field))) {
        shape[name] = effect(applied(), plainFilterTest);
        filters.push(name);
      } else shape[name] = refused('this list filter is not modelled');
    }
  }
  return { shape, filters };
}

/** A retrieve takes `expand`; any other parameter is refused. */
export function readShape(params: number): Shape {
  const shape: Shape = {};
  for (const name of Object.keys(nodeAt(params).p ?? {}))
    shape[name] = name === 'expand' ? expandParam.expand : refused();
  return shape;
}
