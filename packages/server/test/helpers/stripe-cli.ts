import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The official Stripe CLI's binary, as npm installs it. */
export const stripeBin = fileURLToPath(
  new URL('../../../../node_modules/@stripe/cli-linux-x64/bin/stripe', import.meta.url),
);

/**
 * The environment the official CLI runs in here: it never reaches beyond loopback. Released builds
 * send telemetry to r.stripe.com (opted out) and ask api.github.com for a newer version before
 * `trigger` (no setting turns that off: its HTTPS goes to a closed loopback proxy and fails
 * quietly); requests to Switchboard on 127.0.0.1 go direct.
 */
export const stripeCliEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  NO_COLOR: '1',
  STRIPE_CLI_TELEMETRY_OPTOUT: '1',
  HTTPS_PROXY: 'http://127.0.0.1:9',
  HTTP_PROXY: 'http://127.0.0.1:9',
  NO_PROXY: '127.0.0.1,localhost',
});

/** Runs the official Stripe CLI; resolves with its exit code and everything it printed. */
export function stripeCli(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(stripeBin, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: stripeCliEnv(),
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}
