// Reads the parameters of each operation from the official `stripe` package's TypeScript types
// (node_modules/stripe/cjs/resources/**/*.d.ts) with the TypeScript compiler, as OpenAPI-like
// schemas: what scripts/gen-stripe-catalogue.js adds to the 2023 spec for newer parameters.
// TypeScript has one `number`: a parameter only the types know is a number, not an integer.
import ts from 'typescript';
import { join } from 'node:path';

const MAX_DEPTH = 12;

/**
 * `ops`: [{ resource: 'Issuing/Cards', name: 'create', ... }]. Returns a map from
 * `resource.name` to the schema of that method's `params` argument.
 */
export function sdkParams(dir, ops) {
  const files = [...new Set(ops.map((o) => join(dir, `${o.resource}.d.ts`)))];
  const program = ts.createProgram(files, {
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  });
  const checker = program.getTypeChecker();
  const out = new Map();
  // On /v1 `null` comes only from Emptyable<T> = null | '' | T, where TypeScript folds '' into
  // `string`: a form unsets with an empty string.
  let v1 = true;

  for (const resource of new Set(ops.map((o) => o.resource))) {
    const source = program.getSourceFile(join(dir, `${resource}.d.ts`));
    if (!source) continue;
    for (const stmt of source.statements) {
      if (!ts.isClassDeclaration(stmt)) continue;
      for (const member of stmt.members) {
        if (!ts.isMethodDeclaration(member) || !member.name) continue;
        const param = member.parameters.find((p) => p.name.getText(source) === 'params');
        if (!param) continue;
        const type = checker.getNonNullableType(checker.getTypeAtLocation(param));
        v1 = !resource.startsWith('V2/');
        out.set(`${resource}.${member.name.getText(source)}`, convert(type, 0, new Set()));
      }
    }
  }
  return out;

  function convert(type, depth, seen) {
    if (depth > MAX_DEPTH || seen.has(type.id)) return {};
    if (type.flags & ts.TypeFlags.String) return { type: 'string' };
    if (type.flags & ts.TypeFlags.Number) return { type: 'number' };
    if (type.flags & (ts.TypeFlags.Boolean | ts.TypeFlags.BooleanLiteral))
      return { type: 'boolean' };
    if (type.flags & ts.TypeFlags.StringLiteral) return { type: 'string', enum: [type.value] };
    if (type.isUnion()) return union(type.types, depth, seen);
    if (type.isIntersection()) {
      // OtherString = string & Record<never, never>: any string (an open enum's escape).
      if (type.types.some((t) => t.flags & ts.TypeFlags.String))
        return { type: 'string', open: true };
      return {};
    }
    if (checker.isArrayType(type)) {
      const [item] = checker.getTypeArguments(type);
      return { type: 'array', items: item ? convert(item, depth + 1, seen) : {} };
    }
    const symbol = type.getSymbol() ?? type.aliasSymbol;
    if (symbol && /^Decimal/.test(symbol.getName())) return { type: 'string', format: 'decimal' };
    if (type.flags & ts.TypeFlags.Object) {
      const inner = new Set(seen).add(type.id);
      const properties = {};
      const required = [];
      for (const prop of checker.getPropertiesOfType(type)) {
        const decl = prop.valueDeclaration ?? prop.declarations?.[0];
        if (!decl) continue;
        // Optional members' `undefined` is dropped in union(); `null` (v2's unset) is kept.
        const propType = checker.getTypeOfSymbolAtLocation(prop, decl);
        if (propType.getCallSignatures().length) continue;
        properties[prop.getName()] = convert(propType, depth + 1, inner);
        if (!(prop.flags & ts.SymbolFlags.Optional)) required.push(prop.getName());
      }
      const node = { type: 'object', properties, required };
      const index = checker.getIndexInfoOfType(type, ts.IndexKind.String);
      if (index) node.additionalProperties = convert(index.type, depth + 1, inner);
      return node;
    }
    return {};
  }

  function union(types, depth, seen) {
    const literals = [];
    let emptyable = false;
    let open = false;
    let hasString = false;
    let hasBoolean = false;
    let hasNull = false;
    const others = [];
    for (const t of types) {
      if (t.flags & ts.TypeFlags.Undefined) continue;
      if (t.flags & ts.TypeFlags.Null) hasNull = true;
      else if (t.flags & ts.TypeFlags.StringLiteral) {
        if (t.value === '') emptyable = true;
        else literals.push(t.value);
      } else if (t.flags & ts.TypeFlags.BooleanLiteral) hasBoolean = true;
      else if (t.isIntersection() && t.types.some((x) => x.flags & ts.TypeFlags.String))
        open = true;
      else if (t.flags & ts.TypeFlags.String) hasString = true;
      else others.push(t);
    }
    const alternatives = [];
    if (literals.length) {
      const node = { type: 'string', enum: literals };
      if (open || hasString) node['x-stripeBypassValidation'] = true;
      alternatives.push(node);
    } else if (open || hasString) alternatives.push({ type: 'string' });
    if (hasBoolean) alternatives.push({ type: 'boolean' });
    // Several object forms (bank account details or card details): one object with the members
    // of each, requiring what all of them require. Telling the forms apart is the resource's job.
    const objects = [];
    for (const t of others) {
      const node = convert(t, depth, seen);
      if (node.type === 'object') objects.push(node);
      else alternatives.push(node);
    }
    if (objects.length) {
      const merged = { type: 'object', properties: {}, required: objects[0].required ?? [] };
      for (const o of objects) {
        for (const [name, prop] of Object.entries(o.properties)) {
          const seen = merged.properties[name];
          // `object: 'bank_account'` in one form, `object: 'card'` in the other: either.
          if (seen?.enum && prop.enum) seen.enum = [...new Set([...seen.enum, ...prop.enum])];
          else merged.properties[name] ??= prop;
        }
        merged.required = merged.required.filter((r) => o.required?.includes(r));
        if (o.additionalProperties) merged.additionalProperties = o.additionalProperties;
      }
      alternatives.push(merged);
    }
    if (emptyable || (hasNull && v1)) alternatives.push({ type: 'string', enum: [''] });
    // JSON (v2) unsets with null; a form (v1) cannot send one.
    if (hasNull && !v1) alternatives.push({ type: 'null' });
    return alternatives.length === 1 ? alternatives[0] : { anyOf: alternatives };
  }
}
