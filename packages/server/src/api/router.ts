/**
 * A small path router: static segments and `:name` parameters, matched segment by segment.
 * Static segments win over parameters, so `/v1/events/:id/retry` and `/v1/events/:id` coexist.
 */
import type { Method } from '../resources/route.js';

export type { Method };

interface Node<H> {
  statics: Map<string, Node<H>>;
  param: { name: string; node: Node<H> } | null;
  handlers: Map<Method, H>;
}

const newNode = <H>(): Node<H> => ({ statics: new Map(), param: null, handlers: new Map() });

export type Match<H> =
  | { kind: 'found'; handler: H; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: Method[] }
  | { kind: 'not-found' };

export class Router<H> {
  readonly #root: Node<H> = newNode();

  add(method: Method, path: string, handler: H): void {
    let node = this.#root;
    for (const segment of path.split('/').filter(Boolean)) {
      if (segment.startsWith(':')) {
        const name = segment.slice(1);
        if (node.param && node.param.name !== name) {
          throw new Error(`Route ${path}: parameter :${name} conflicts with :${node.param.name}`);
        }
        node.param ??= { name, node: newNode() };
        node = node.param.node;
      } else {
        let next = node.statics.get(segment);
        if (!next) node.statics.set(segment, (next = newNode()));
        node = next;
      }
    }
    if (node.handlers.has(method)) throw new Error(`Route ${method} ${path} is defined twice`);
    node.handlers.set(method, handler);
  }

  match(method: string, path: string): Match<H> {
    const params: Record<string, string> = {};
    const node = this.#walk(this.#root, path.split('/').filter(Boolean), 0, params);
    if (!node || node.handlers.size === 0) return { kind: 'not-found' };
    const handler = node.handlers.get(method as Method);
    if (!handler) return { kind: 'method-not-allowed', allowed: [...node.handlers.keys()] };
    return { kind: 'found', handler, params };
  }

  #walk(
    node: Node<H>,
    segments: string[],
    i: number,
    params: Record<string, string>,
  ): Node<H> | null {
    if (i === segments.length) return node;
    const segment = segments[i]!;
    const next = node.statics.get(segment);
    if (next) {
      const found = this.#walk(next, segments, i + 1, params);
      if (found && found.handlers.size > 0) return found;
    }
    if (node.param) {
      let value: string;
      try {
        value = decodeURIComponent(segment);
      } catch {
        return null;
      }
      const found = this.#walk(node.param.node, segments, i + 1, params);
      if (found) {
        params[node.param.name] = value;
        return found;
      }
    }
    return null;
  }
}
