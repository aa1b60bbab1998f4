/**
 * A small path router: static segments and `:name` parameters, matched segment by segment.
 * Static segments win over parameters, so `/v1/events/:id/retry` and `/v1/events/:id` coexist.
 * Parameter names belong to each route, not to the position: `/v1/customers/:id` and Stripe's
 * `/v1/customers/:customer/tax_ids` share the tree.
 */
import type { Method } from '../resources/route.js';

export type { Method };

interface Entry<H> {
  handler: H;
  /** The route's parameter names, in path order. */
  names: string[];
}

interface Node<H> {
  statics: Map<string, Node<H>>;
  param: Node<H> | null;
  handlers: Map<Method, Entry<H>>;
}

const newNode = <H>(): Node<H> => ({ statics: new Map(), param: null, handlers: new Map() });

export type Match<H> =
  | { kind: 'found'; handler: H; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: Method[] }
  | { kind: 'not-found' };

export class Router<H> {
  readonly #root: Node<H> = newNode();

  add(method: Method, path: string, handler: H): void {
    const names: string[] = [];
    let node = this.#root;
    for (const segment of path.split('/').filter(Boolean)) {
      if (segment.startsWith(':')) {
        names.push(segment.slice(1));
        node = node.param ??= newNode();
      } else {
        let next = node.statics.get(segment);
        if (!next) node.statics.set(segment, (next = newNode()));
        node = next;
      }
    }
    if (node.handlers.has(method)) throw new Error(`Route ${method} ${path} is defined twice`);
    node.handlers.set(method, { handler, names });
  }

  /** Whether a route answers `method` on `path` (parameters matched by position, not name). */
  has(method: Method, path: string): boolean {
    let node: Node<H> | null | undefined = this.#root;
    for (const segment of path.split('/').filter(Boolean)) {
      node = segment.startsWith(':') ? node.param : node.statics.get(segment);
      if (!node) return false;
    }
    return node.handlers.has(method);
  }

  match(method: string, path: string): Match<H> {
    const values: string[] = [];
    const node = this.#walk(this.#root, path.split('/').filter(Boolean), 0, values);
    if (!node || node.handlers.size === 0) return { kind: 'not-found' };
    const entry = node.handlers.get(method as Method);
    if (!entry) return { kind: 'method-not-allowed', allowed: [...node.handlers.keys()] };
    const params: Record<string, string> = {};
    entry.names.forEach((name, i) => (params[name] = values[i]!));
    return { kind: 'found', handler: entry.handler, params };
  }

  /** Finds the node for `segments`, pushing parameter values in path order. */
  #walk(node: Node<H>, segments: string[], i: number, values: string[]): Node<H> | null {
    if (i === segments.length) return node;
    const segment = segments[i]!;
    const depth = values.length;
    const next = node.statics.get(segment);
    if (next) {
      const found = this.#walk(next, segments, i + 1, values);
      if (found && found.handlers.size > 0) return found;
      values.length = depth;
    }
    if (node.param) {
      let value: string;
      try {
        value = decodeURIComponent(segment);
      } catch {
        return null;
      }
      values.push(value);
      const found = this.#walk(node.param, segments, i + 1, values);
      if (found) return found;
      values.length = depth;
    }
    return null;
  }
}
