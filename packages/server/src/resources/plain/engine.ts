import { webhookEventTypes } from '../../domain/event-types.js';
import { emitEvent } from '../../services/emit-event.js';
import { catalogue, routePath, type Operation } from '../../stripe/catalogue.js';
import { errors } from '../../stripe/errors.js';
import { applyMetadata, type MetadataPatch } from '../../stripe/params.js';
import type { WriteContext } from '../../services/context.js';
import {
  createObject,
  deleteObject,
  listVisible,
  parseData,
  requireObject,
  requireObjectToChange,
  saveChanged,
  saveObject,
} from '../common.js';
import { del, get, post, type Caller, type Resource, type Route } from '../route.js';
import { blank, fromExample, isRecord, plainObject, type ObjNode } from './objects.js';
import { listShape, readShape, writeShape } from './shape.js';
import { plainTable, type PlainEntry, type PlainRef } from './table.js';

type Json = Record<string, unknown>;

/** "promotion code", as Stripe names an object in "No such promotion code: 'x'". */
export const labelOf = (object: string) => object.split('.').pop()!.replace(/_/g, ' ');

/** The operations of Stripe's API on an entry's collection and its items. */
export function plainOperations(entry: PlainEntry): {
  collection: Operation[];
  item: Operation[];
  actions: Array<{ op: Operation; name: string }>;
} {
  const at = `^${entry.path.replace(/[{}]/g, '\\$&')}/\\{[^}/]+\\}`;
  const item = new RegExp(`${at}$`);
  const action = new RegExp(`${at}/(\\w+)$`);
  const ops = catalogue().operations;
  return {
    collection: ops.filter((op) => op.p === entry.path),
    item: ops.filter((op) => item.test(op.p)),
    actions: ops.flatMap((op) => {
      const name = action.exec(op.p)?.[1];
      return op.m === 'POST' && name && entry.actions?.[name] ? [{ op, name }] : [];
    }),
  };
}

/** The events Stripe's event list has for the object: `promotion_code.created`, ... */
export function plainEvents(
  entry: PlainEntry,
): Record<'created' | 'updated' | 'deleted', string | null> {
  const known = new Set(webhookEventTypes);
  // Issuing's events name the object with an underscore: issuing_card.created.
  const names = [entry.object, entry.object.replace('.', '_')];
  const named = (what: string) =>
    names.map((n) => `${n}.${what}`).find((type) => known.has(type)) ?? null;
  return { created: named('created'), updated: named('updated'), deleted: named('deleted') };
}

/** Applies the parameters sent to `target`, member by member (`''` unsets: null). */
function applyParams(target: Json, params: Json, schema: ObjNode | undefined): Json {
  for (const [key, value] of Object.entries(params)) {
    const node = schema?.p?.[key];
    if (value === undefined || key === 'expand') continue;
    if (key === 'metadata' && node)
      target.metadata = applyMetadata(
        (target.metadata as Record<string, string>) ?? {},
        value as MetadataPatch,
      );
    else if (value === '' || value === null) target[key] = null;
    else if (isRecord(value) && node?.p) {
      const base = isRecord(target[key]) ? target[key] : (blank({ ...node, n: undefined }) as Json);
      target[key] = applyParams(base, value, node);
    } else target[key] = value;
  }
  return target;
}

/** The objects a request's references name, found in the caller's scope (or "No such ..."). */
async function resolveRefs(
  w: WriteContext,
  caller: Caller,
  refs: Record<string, PlainRef>,
  params: Json,
): Promise<Json> {
  const out: Json = { ...params };
  for (const [name, ref] of Object.entries(refs)) {
    const id = params[name];
    if (id === undefined || id === '' || id === null) continue;
    if (typeof id !== 'string' && ref.inline) {
      out[name] = await ref.inline(w, caller, id as Json);
      continue;
    }
    if (typeof id !== 'string')
      throw errors.parameterNotSupported(
        name,
        `an object given inline is not modelled: create the ${labelOf(ref.type)} first and pass its id`,
      );
    const row = await requireObject(w.db, caller, ref.type, id, labelOf(ref.type), name);
    if (ref.embed) out[name] = parseData(row);
  }
  return out;
}

/** Objects Switchboard keeps, which a plain resource's field may name (by their `type`). */
const builtinTypes = ['customer', 'coupon', 'product', 'price', 'tax_rate'];

/**
 * The parameters of an entry that name other objects: those it lists, and each one whose field
 * is an id of an object Switchboard keeps (a tax ID's `customer`); found in the caller's scope.
 */
export function plainRefs(entry: PlainEntry): Record<string, PlainRef> {
  const { schema } = plainObject(entry.object);
  const kept = new Set([...builtinTypes, ...plainTable.map((e) => e.object)]);
  const refs: Record<string, PlainRef> = {};
  for (const op of [...plainOperations(entry).collection, ...plainOperations(entry).item]) {
    if (op.m !== 'POST') continue;
    for (const name of Object.keys(catalogue().nodes[op.q]!.p ?? {})) {
      const target = schema.p?.[name]?.id?.[0];
      if (target && kept.has(target) && name !== entry.parent?.field) refs[name] = { type: target };
    }
  }
  return { ...refs, ...entry.refs };
}

/** The routes of one plain resource, made from the catalogue. */
export function plainResource(entry: PlainEntry): Resource {
  const { schema } = plainObject(entry.object);
  const refs = plainRefs(entry);
  const label = labelOf(entry.object);
  const events = plainEvents(entry);
  const base = entry.path.replace(/\{[^}]+\}/, ':parent');
  const parentParam = /\{([^}]+)\}/.exec(entry.path)?.[1];
  const parentOf = async (db: WriteContext['db'], caller: Caller, path: Record<string, string>) => {
    if (!entry.parent) return undefined;
    const id = path.parent!;
    await requireObject(db, caller, entry.parent.type, id, labelOf(entry.parent.type), parentParam);
    return id;
  };
  /** The object the path names, in the caller's scope and under its parent; locked to change it. */
  const own = async (
    db: WriteContext['db'],
    caller: Caller,
    path: Record<string, string>,
    w?: WriteContext,
  ) => {
    const parent = await parentOf(db, caller, path);
    const row = w
      ? await requireObjectToChange(w, caller, entry.object, path.id!, label)
      : await requireObject(db, caller, entry.object, path.id!, label);
    if (parent !== undefined && row.parent_id !== parent)
      throw errors.resourceMissing(label, path.id!);
    return row;
  };
  const routes: Route[] = [];
  const { collection, item } = plainOperations(entry);
  for (const op of collection) {
    if (op.m === 'GET') {
      const { shape, filters } = listShape(schema, op.q);
      routes.push(
        get(base, shape, async ({ db, services, caller, params, path, url }) => {
          const p = params as Json;
          const parentId = await parentOf(db, caller, path);
          const matches = Object.fromEntries(
            filters.filter((f) => p[f] !== undefined).map((f) => [f, p[f]]),
          );
          return listVisible(
            services.dialect,
            caller,
            url,
            { type: entry.object, parentId, matches, created: p.created as never },
            p,
            label,
          );
        }),
      );
    } else if (op.m === 'POST') {
      routes.push(
        post(base, writeShape(entry, refs, schema, op.q), async ({ w, caller, params, path }) => {
          const parentId = await parentOf(w.db, caller, path);
          const p = await resolveRefs(w, caller, refs, params as Json);
          if (typeof p.id === 'string') {
            const taken = await requireObject(w.db, caller, entry.object, p.id).catch(() => null);
            if (taken)
              throw errors.invalidRequest(
                `A ${label} with id '${p.id}' already exists.`,
                'id',
                'resource_already_exists',
              );
          }
          const effects = (await entry.beforeCreate?.(w, caller, p, parentId ?? null)) ?? {};
          const { data } = await createObject<Json>(w, {
            type: entry.object,
            prefix: entry.prefix,
            ...(typeof p.id === 'string' ? { id: p.id } : {}),
            parentId: parentId ?? null,
            data: (id, created) => {
              const obj = fromExample(entry.object, id, created, w.livemode, routePath(entry.path));
              Object.assign(obj, structuredClone(entry.defaults ?? {}));
              if (entry.parent && parentId) obj[entry.parent.field] = parentId;
              const consumed = new Set(Object.keys(entry.consumes ?? {}));
              const fields = Object.fromEntries(
                Object.entries(p).filter(([k]) => !consumed.has(k)),
              );
              applyParams(obj, fields, schema);
              entry.derive?.(obj, p, created);
              Object.assign(obj, effects);
              return obj;
            },
          });
          if (events.created) await emitEvent(w, { type: events.created, object: data });
          return data;
        }),
      );
    }
  }
  for (const op of item) {
    const at = `${base}/:id`;
    if (op.m === 'GET')
      routes.push(
        get(at, readShape(op.q), async ({ db, caller, path }) =>
          parseData(await own(db, caller, path)),
        ),
      );
    else if (op.m === 'POST')
      routes.push(
        post(at, writeShape(entry, refs, schema, op.q), async ({ w, caller, params, path }) => {
          const row = await own(w.db, caller, path, w);
          const before = parseData<Json>(row);
          const p = await resolveRefs(w, caller, refs, params as Json);
          const after = applyParams(structuredClone(before), p, schema);
          if (events.updated) return saveChanged(w, row.id, before, after, events.updated);
          await saveObject(w.db, row.id, after);
          return after;
        }),
      );
    else if (op.m === 'DELETE')
      routes.push(
        del(at, readShape(op.q), async ({ w, caller, path }) => {
          const row = await own(w.db, caller, path, w);
          await deleteObject(w.db, row.id);
          if (events.deleted) await emitEvent(w, { type: events.deleted, object: parseData(row) });
          return { id: row.id, object: entry.object, deleted: true };
        }),
      );
  }
  for (const { op, name } of plainOperations(entry).actions) {
    routes.push(
      post(
        `${base}/:id/${name}`,
        writeShape(entry, refs, schema, op.q),
        async ({ w, caller, params, path }) => {
          const row = await own(w.db, caller, path, w);
          const before = parseData<Json>(row);
          const p = await resolveRefs(w, caller, refs, params as Json);
          const after = applyParams(
            Object.assign(structuredClone(before), structuredClone(entry.actions![name])),
            p,
            schema,
          );
          if (events.updated) return saveChanged(w, row.id, before, after, events.updated);
          await saveObject(w.db, row.id, after);
          return after;
        },
      ),
    );
  }
  return { name: resourceName(entry), routes };
}

/** The restricted-key permission's resource: the path without `/v1/` and its parameters. */
export const resourceName = (entry: PlainEntry) =>
  entry.path
    .replace(/^\/v1\//, '')
    .split('/')
    .filter((s) => !s.startsWith('{'))
    .join('.');

/** Every plain resource of the table. */
export const plainResources = (table: readonly PlainEntry[]): Resource[] =>
  table.map(plainResource);
