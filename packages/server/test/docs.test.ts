import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errors } from '../src/stripe/errors.js';
import { renderConfigDocs } from '../src/config/docs.js';
import { resources } from '../src/resources/index.js';
import { withDecisions } from '../src/resources/plain/decisions.js';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

describe('docs stay in step with the code', () => {
  it('docs/errors.md lists every error of the catalog', () => {
    const doc = read('docs/errors.md');
    for (const name of Object.keys(errors))
      expect(doc, name).toMatch(new RegExp(`\\|\\s*\`${name}\`\\s*\\|`));
  });

  it("docs/resources.md's decision table is generated from the current routes", () => {
    const doc = read('docs/resources.md');
    expect(doc).toBe(withDecisions(doc, resources));
  });

  it('docs/config.md is generated from the current config schema', () => {
    expect(read('docs/config.md')).toBe(renderConfigDocs());
  });
});
