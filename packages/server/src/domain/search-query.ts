/**
 * Stripe's search query language (https://stripe.com/docs/search#search-query-language), the
 * part real apps use: clauses `field:value` (exact), `field~value` (substring, 3 characters or
 * more, string fields), `field>value`, `<`, `>=`, `<=` (numeric fields), `metadata['key']:value`,
 * `field:null` (no value), `-` before a clause to negate it, joined by `AND` (or a space) or by
 * `OR` (not both, as on Stripe), at most 10 clauses. Strings are quoted ('...' or "..."); numbers and `true`/
 * `false` may be bare. Pure: parse once, then test objects with `matches`.
 */

/** How a field compares, as Stripe's query fields are typed. */
export type FieldKind =
  /** Exact, case-sensitive (ids): `customer:'cus_123'`. */
  | 'token'
  /** Exact, case-insensitive, or a substring with `~`: `email~'example.com'`. */
  | 'string'
  /** Exact or compared: `amount>=1000`, `created<1700000000`. */
  | 'numeric'
  | 'boolean';

/** The query fields of one resource: a path into the object (`billing_details.address.postal_code`). */
export type SearchFields = Record<string, FieldKind>;

export type Operator = ':' | '~' | '>' | '<' | '>=' | '<=';

export interface Clause {
  negated: boolean;
  /** `['metadata', key]` for metadata, else the field's path. */
  path: string[];
  kind: FieldKind;
  op: Operator;
  /** null: the clause asks for no value (`field:null`). */
  value: string | null;
}

export interface SearchQuery {
  clauses: Clause[];
  join: 'AND' | 'OR';
}

/** A query Stripe would refuse: `message` says what is wrong, as Stripe's error does. */
export class QueryError extends Error {}

const MAX_CLAUSES = 10;

const unparsable = () =>
  new QueryError(
    'We were unable to parse your search query. Try using the format `metadata["key"]:"value"` to query for metadata or `key:"value"` to query for other fields.',
  );

interface Cursor {
  text: string;
  at: number;
}

const skipSpaces = (c: Cursor) => {
  while (c.text[c.at] === ' ') c.at++;
};

/** A quoted string ('...' or "..."), backslash escaping the quote; null when none is here. */
function quoted(c: Cursor): string | null {
  const quote = c.text[c.at];
  if (quote !== "'" && quote !== '"') return null;
  let out = '';
  for (let i = c.at + 1; i < c.text.length; i++) {
    const ch = c.text[i]!;
    if (ch === '\\' && i + 1 < c.text.length) out += c.text[++i];
    else if (ch === quote) {
      c.at = i + 1;
      return out;
    } else out += ch;
  }
  throw unparsable();
}

/** `metadata['key']` or a dotted field name. */
function fieldPath(c: Cursor): string[] {
  const name = /^[a-z_][a-z0-9_.]*/i.exec(c.text.slice(c.at))?.[0];
  if (!name) throw unparsable();
  c.at += name.length;
  if (name !== 'metadata' || c.text[c.at] !== '[') return name.split('.');
  c.at++;
  const key = quoted(c);
  if (key === null || c.text[c.at] !== ']') throw unparsable();
  c.at++;
  return ['metadata', key];
}

function operator(c: Cursor): Operator {
  const op = /^(>=|<=|:|~|>|<)/.exec(c.text.slice(c.at))?.[0] as Operator | undefined;
  if (!op) throw unparsable();
  c.at += op.length;
  return op;
}

/** A quoted string, or a bare number, `true`, `false` or `null`. */
function rawValue(c: Cursor): { text: string | null; quoted: boolean } {
  const text = quoted(c);
  if (text !== null) return { text, quoted: true };
  const bare = /^[^\s'"]+/.exec(c.text.slice(c.at))?.[0];
  if (!bare) throw unparsable();
  c.at += bare.length;
  if (bare === 'null') return { text: null, quoted: false };
  if (!/^-?\d+(\.\d+)?$/.test(bare) && bare !== 'true' && bare !== 'false') throw unparsable();
  return { text: bare, quoted: false };
}

function clause(c: Cursor, fields: SearchFields, resource: string): Clause {
  const negated = c.text[c.at] === '-';
  if (negated) c.at++;
  const path = fieldPath(c);
  const name = path.join('.');
  const kind: FieldKind | undefined =
    path[0] === 'metadata' && path.length === 2 ? 'string' : fields[name];
  if (!kind)
    throw new QueryError(
      `Field \`${name}\` is an unsupported search field for resource \`${resource}\`. See http://stripe.com/docs/search#query-fields-for-${resource} for a list of supported fields.`,
    );
  const op = operator(c);
  const raw = rawValue(c);
  const value = raw.text;
  if (op === '~') {
    if (kind !== 'string')
      throw new QueryError(
        `Substring search (\`~\`) is only supported on string fields; \`${name}\` is a ${kind} field.`,
      );
    if (value === null || value.length < 3)
      throw new QueryError(
        `Substring search (\`~\`) on \`${name}\` needs a value of at least 3 characters.`,
      );
  }
  if (op !== ':' && op !== '~' && kind !== 'numeric')
    throw new QueryError(
      `\`${op}\` compares numbers and is only supported on numeric fields; \`${name}\` is a ${kind} field.`,
    );
  if (kind === 'numeric' && value !== null && !/^-?\d+(\.\d+)?$/.test(value))
    throw new QueryError(`\`${name}\` is a numeric field: \`${value}\` is not a number.`);
  if (kind === 'boolean' && value !== 'true' && value !== 'false')
    throw new QueryError(`\`${name}\` is a boolean field: give true or false.`);
  if (kind !== 'numeric' && kind !== 'boolean' && value !== null && !raw.quoted) throw unparsable();
  return { negated, path, kind, op, value };
}

/** Parses a query for a resource (`customers`) with its query fields, or throws QueryError. */
export function parseSearchQuery(
  text: string,
  fields: SearchFields,
  resource: string,
): SearchQuery {
  const c: Cursor = { text: text.trim(), at: 0 };
  if (c.text === '') throw unparsable();
  const clauses: Clause[] = [];
  const joins = new Set<'AND' | 'OR'>();
  for (;;) {
    clauses.push(clause(c, fields, resource));
    skipSpaces(c);
    if (c.at >= c.text.length) break;
    const keyword = /^(AND|OR) /i.exec(c.text.slice(c.at))?.[1];
    // Clauses separated by a space alone are joined by AND, as on Stripe (`a:'x' b:'y'`).
    if (keyword) c.at += keyword.length;
    joins.add(keyword?.toUpperCase() === 'OR' ? 'OR' : 'AND');
    skipSpaces(c);
  }
  if (joins.size > 1)
    throw new QueryError(
      'A search query cannot combine AND and OR: use one of them between all its clauses.',
    );
  if (clauses.length > MAX_CLAUSES)
    throw new QueryError(`A search query may have at most ${MAX_CLAUSES} clauses.`);
  return { clauses, join: joins.has('OR') ? 'OR' : 'AND' };
}

function valueAt(object: unknown, path: string[]): unknown {
  let v: unknown = object;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function clauseMatches(clause: Clause, object: unknown): boolean {
  const v = valueAt(object, clause.path);
  if (clause.value === null) return v === null || v === undefined || v === '';
  if (v === null || v === undefined) return false;
  const want = clause.value;
  switch (clause.kind) {
    case 'numeric': {
      const n = Number(v);
      const w = Number(want);
      if (clause.op === '>') return n > w;
      if (clause.op === '<') return n < w;
      if (clause.op === '>=') return n >= w;
      if (clause.op === '<=') return n <= w;
      return n === w;
    }
    case 'boolean':
      return String(v) === want;
    case 'token':
      return String(v) === want;
    case 'string': {
      const s = String(v).toLowerCase();
      return clause.op === '~' ? s.includes(want.toLowerCase()) : s === want.toLowerCase();
    }
  }
}

/** Whether an object matches the query. */
export function matchesQuery(query: SearchQuery, object: unknown): boolean {
  const results = query.clauses.map((c) => clauseMatches(c, object) !== c.negated);
  return query.join === 'AND' ? results.every(Boolean) : results.some(Boolean);
}
