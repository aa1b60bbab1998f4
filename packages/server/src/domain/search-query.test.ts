import { describe, expect, it } from 'vitest';
import { matchesQuery, parseSearchQuery, QueryError, type SearchFields } from './search-query.js';

const fields: SearchFields = {
  email: 'string',
  customer: 'token',
  amount: 'numeric',
  created: 'numeric',
  active: 'boolean',
  'billing_details.address.postal_code': 'string',
};
const parse = (q: string) => parseSearchQuery(q, fields, 'customers');
const matches = (q: string, o: object) => matchesQuery(parse(q), o);

describe("Stripe's search query language", () => {
  const jenny = {
    email: 'Jenny.Rosen@Example.com',
    customer: 'cus_Abc',
    amount: 1500,
    created: 1_700_000_000,
    active: true,
    billing_details: { address: { postal_code: '94107' } },
    metadata: { order: '42', plan: 'pro' },
  };

  it('exact string matches ignore case; tokens do not', () => {
    expect(matches("email:'jenny.rosen@example.com'", jenny)).toBe(true);
    expect(matches('email:"someone@example.com"', jenny)).toBe(false);
    expect(matches("customer:'cus_Abc'", jenny)).toBe(true);
    expect(matches("customer:'cus_abc'", jenny)).toBe(false);
  });

  it('substrings with ~, numbers compared, booleans, nested fields and metadata', () => {
    expect(matches("email~'example'", jenny)).toBe(true);
    expect(matches("email~'example.org'", jenny)).toBe(false);
    expect(matches('amount>1000 AND amount<=1500', jenny)).toBe(true);
    expect(matches('amount>=1501', jenny)).toBe(false);
    expect(matches('amount:1500', jenny)).toBe(true);
    expect(matches('created<1700000001', jenny)).toBe(true);
    expect(matches('active:true', jenny)).toBe(true);
    expect(matches("active:'false'", jenny)).toBe(false);
    expect(matches("billing_details.address.postal_code:'94107'", jenny)).toBe(true);
    expect(matches("metadata['order']:'42'", jenny)).toBe(true);
    expect(matches('metadata["plan"]:"basic"', jenny)).toBe(false);
  });

  it('negation, null checks, OR, and a space joining as AND', () => {
    expect(matches("-email:'jenny.rosen@example.com'", jenny)).toBe(false);
    expect(matches("metadata['missing']:null", jenny)).toBe(true);
    expect(matches("-metadata['order']:null", jenny)).toBe(true);
    expect(matches("email:'x@y.z' OR amount:1500", jenny)).toBe(true);
    expect(matches("email:'x@y.z' or amount:1500", jenny)).toBe(true);
    expect(matches("email~'rosen' amount:1", jenny)).toBe(false);
    expect(matches("email~'rosen' amount:1500", jenny)).toBe(true);
  });

  it('refuses what Stripe refuses, saying why', () => {
    const refused = (q: string) => {
      try {
        parse(q);
      } catch (e) {
        expect(e).toBeInstanceOf(QueryError);
        return (e as Error).message;
      }
      throw new Error(`accepted: ${q}`);
    };
    expect(refused("nickname:'x'")).toContain('Field `nickname` is an unsupported search field');
    expect(refused("email:'a' AND amount:1 OR amount:2")).toContain('cannot combine AND and OR');
    expect(refused("email~'ab'")).toContain('at least 3 characters');
    expect(refused('amount~1000')).toContain('only supported on string fields');
    expect(refused("email>'a'")).toContain('only supported on numeric fields');
    expect(refused("amount:'ten'")).toContain('not a number');
    expect(refused('email:jenny')).toContain('unable to parse');
    expect(refused("email:'open")).toContain('unable to parse');
    expect(refused('')).toContain('unable to parse');
    expect(refused(Array.from({ length: 11 }, (_, i) => `amount:${i}`).join(' AND '))).toContain(
      'at most 10 clauses',
    );
  });
});
