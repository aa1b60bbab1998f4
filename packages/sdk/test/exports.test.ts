import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(pkgDir, 'dist');

/** Every module specifier a built file imports or re-exports. */
function specifiers(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  return [
    ...code.matchAll(
      /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(?\s*['"]([^'"]+)['"]/g,
    ),
  ].map((m) => (m[1] ?? m[2])!);
}

/** The files reachable from an entry, following relative imports. */
function graph(entry: string): { files: Set<string>; external: Set<string> } {
  const files = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const spec of specifiers(file)) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else external.add(spec);
    }
  };
  visit(entry);
  return { files, external };
}

function importIn(conditions: string[], subpath = '@switchboard/sdk'): string[] {
  const script = `import(${JSON.stringify(subpath)}).then((m) => console.log(JSON.stringify(Object.keys(m).sort())))`;
  const args = [...conditions.map((c) => `--conditions=${c}`), '--input-type=module', '-e', script];
  return JSON.parse(
    execFileSync(process.execPath, args, { cwd: pkgDir, encoding: 'utf8' }),
  ) as string[];
}

describe('package exports (built dist)', () => {
  it('has been built', () => {
    expect(existsSync(join(dist, 'web.js')), 'run `npm run build` first').toBe(true);
  });

  it('the Web build imports no node:* module and nothing outside the package', () => {
    const { files, external } = graph(join(dist, 'web.js'));
    expect(files.size).toBeGreaterThan(10);
    expect([...external]).toEqual([]);
  });

  it('the Node build imports only node:crypto and nothing outside the package', () => {
    const { external } = graph(join(dist, 'index.js'));
    expect([...external].sort()).toEqual(['node:crypto']);
  });

  it('resolves the Web build for worker, workerd, browser, deno and edge-light, the Node build on Node', () => {
    const node = importIn([]);
    expect(node).toEqual(
      expect.arrayContaining([
        'constructEvent',
        'constructEventAsync',
        'expressWebhook',
        'toNodeListener',
        'signPayload',
      ]),
    );
    for (const condition of ['worker', 'workerd', 'browser', 'deno', 'edge-light']) {
      const web = importIn([condition]);
      expect(web, condition).toEqual(
        expect.arrayContaining(['constructEventAsync', 'createWebhookHandler', 'toFetchHandler']),
      );
      expect(web, condition).not.toContain('constructEvent');
      expect(web, condition).not.toContain('toNodeListener');
    }
    expect(importIn([], '@switchboard/sdk/web')).not.toContain('constructEvent');
  });

  it('ships type declarations for every entry of the exports map', () => {
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
      exports: Record<string, string | Record<string, { types: string; default: string }>>;
    };
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') continue;
      const conditions =
        'types' in target
          ? { default: target as unknown as { types: string; default: string } }
          : target;
      for (const [condition, files] of Object.entries(conditions)) {
        expect(existsSync(join(pkgDir, files.types)), `${subpath} ${condition} types`).toBe(true);
        expect(existsSync(join(pkgDir, files.default)), `${subpath} ${condition} js`).toBe(true);
      }
    }
  });
});
