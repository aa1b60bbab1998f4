// Where ../shared is (Stripe's spec, fixtures, the CLI's fixtures): SHARED_DIR, else `shared`
// beside this checkout, else beside the main worktree of the repository (from a worktree elsewhere,
// such as /work/wt/NAME, whose main checkout is /work/main).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function sharedDir() {
  const candidates = [process.env.SHARED_DIR, resolve(root, '../shared')];
  try {
    const common = execFileSync(
      'git',
      ['rev-parse', '--path-format=absolute', '--git-common-dir'],
      {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    ).trim();
    candidates.push(resolve(dirname(common), '../shared'));
  } catch {
    // Not a git checkout (a packaged copy): only the first two places.
  }
  const found = candidates.find((dir) => dir && existsSync(`${dir}/stripe-openapi`));
  if (!found)
    throw new Error(`no shared directory with stripe-openapi/ in ${candidates.join(', ')}`);
  return found;
}
