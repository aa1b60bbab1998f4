import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { ApiError, call, CliError, DEFAULT_API_BASE } from '../api/client.js';
import { configPath, keyMode, normalizeApiBase, storeKey } from '../config/credentials.js';
import { action, printJson } from '../output.js';

/** Reads a line from the terminal without echoing it. */
async function promptHidden(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  process.stderr.write(question);
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return answer.trim();
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

export function loginCommand(): Command {
  return new Command('login')
    .description(
      "Store a secret key for a Switchboard server (test or live, told by its prefix) in the user's config directory.",
    )
    .option(
      '--api-base <url>',
      `the server [env SWITCHBOARD_API_BASE] (default: ${DEFAULT_API_BASE})`,
    )
    .option(
      '--api-key <key>',
      'the key to store (else it is read from stdin, or asked for on a terminal)',
    )
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
The key is checked against the server (GET /v1/account) before it is stored, in
$XDG_CONFIG_HOME/switchboard/config.json (or ~/.config/switchboard/config.json), readable by you
only. Each server keeps one test key and one live key: commands use the test key, or the live key
with --live. --api-key and SWITCHBOARD_API_KEY override the stored keys.

Examples:
  switchboard login                                   # asks for the key
  switchboard keys --json | jq -r '.[0].test_keys[0]' | switchboard login
  switchboard login --api-base http://127.0.0.1:4000 --api-key sk_live_...`,
    )
    .action(
      action('login', async (flags: { apiBase?: string; apiKey?: string; json?: boolean }) => {
        const apiBase = normalizeApiBase(
          flags.apiBase ?? process.env.SWITCHBOARD_API_BASE ?? DEFAULT_API_BASE,
        );
        let key = flags.apiKey;
        if (!key) {
          key = process.stdin.isTTY
            ? await promptHidden(`Secret key for ${apiBase} (sk_test_... or sk_live_...): `)
            : await readStdin();
        }
        if (!key) throw new CliError('no key given: pass --api-key, or type or pipe the key');
        if (!keyMode(key))
          throw new CliError(
            'not a secret key: expected sk_test_..., sk_live_..., rk_test_... or rk_live_...',
          );
        let platform: { id: string };
        try {
          platform = await call<{ id: string }>({ apiBase, apiKey: key }, 'GET', '/v1/account');
        } catch (e) {
          if (e instanceof ApiError)
            throw new CliError(`${apiBase} refused the key: ${e.message}; nothing was stored`);
          throw e;
        }
        const path = configPath();
        const mode = storeKey(path, apiBase, key, platform.id);
        if (flags.json)
          return printJson({ api_base: apiBase, mode, platform: platform.id, config: path });
        process.stdout.write(
          `Logged in to ${apiBase}: stored the ${mode} key of platform ${platform.id} in ${path}.\n` +
            (mode === 'live' ? 'Commands use it with --live.\n' : ''),
        );
      }),
    );
}
