import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The official Stripe CLI's binary, as npm installs it. */
export const stripeBin = fileURLToPath(
  new URL('../../../../node_modules/@stripe/cli-linux-x64/bin/stripe', import.meta.url),
);

/** Runs the official Stripe CLI; resolves with its exit code and everything it printed. */
export function stripeCli(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(stripeBin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}
