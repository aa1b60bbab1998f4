#!/usr/bin/env node
// The `switchboard` command: it runs the compiled CLI (dist/bin.js). It is a file of its own, not
// dist/bin.js itself, so that `npm ci` in the repository links it although nothing is built yet
// (npm links no bin whose file is missing); there the first run builds the repository.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(entry)) {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  if (!existsSync(new URL('../src/bin.ts', import.meta.url))) {
    process.stderr.write(
      `switchboard: ${fileURLToPath(entry)} is missing: reinstall the switchboard package\n`,
    );
    process.exit(1);
  }
  process.stderr.write(
    'switchboard: not built yet: running `npm run build` in the repository first\n',
  );
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const built = spawnSync(npm, ['run', 'build', '--silent'], {
    cwd: root,
    // The build's output goes to stderr: stdout is the command's own (--json).
    stdio: ['ignore', 2, 2],
  });
  if (built.status !== 0) {
    process.stderr.write('switchboard: the build failed (see above)\n');
    process.exit(1);
  }
}
await import(entry.href);
