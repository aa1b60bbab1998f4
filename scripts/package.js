// `npm run package`: packs every publishable workspace (those not marked private) into
// packages-dist/, after `npm run build`. `npm install -g ./packages-dist/*.tgz` installs them
// together: each finds the others among the tarballs, none on the registry.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'packages-dist');
const readJson = (path) => JSON.parse(readFileSync(join(root, path), 'utf8'));

const publishable = readJson('package.json')
  .workspaces.map((dir) => ({ dir, manifest: readJson(join(dir, 'package.json')) }))
  .filter(({ manifest }) => !manifest.private);
for (const { dir, manifest } of publishable) {
  for (const file of ['README.md', 'LICENSE']) {
    if (!existsSync(join(root, dir, file))) throw new Error(`${manifest.name} has no ${file}`);
  }
  if (manifest.files?.includes('dist') && !existsSync(join(root, dir, 'dist')))
    throw new Error(`${manifest.name} is not built: run npm run build first`);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out);
const packed = JSON.parse(
  execFileSync(
    'npm',
    ['pack', '--json', '--pack-destination', out, ...publishable.flatMap(({ dir }) => ['-w', dir])],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  ),
);
for (const p of packed)
  console.log(
    `${join('packages-dist', p.filename)}  ${p.entryCount} files, ${Math.round(p.size / 1024)} kB`,
  );
