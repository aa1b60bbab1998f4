#!/usr/bin/env node
/**
 * How much of Stripe's API Switchboard serves: starts a Switchboard (SQLite in a temporary
 * directory, on 127.0.0.1), sends each v1 operation of Stripe's OpenAPI spec once, with placeholder
 * ids and no parameters, and sorts the answers:
 * - served: any answer but the two below (a 2xx, or a Stripe-style error from the resource that
 *   handles it: a missing parameter, "No such ...");
 * - refused: 400 operation_not_supported, the documented code of an operation Switchboard does not
 *   emulate (docs/resources.md);
 * - unknown: 404 "Unrecognized request URL".
 * The operations come from packages/server/data/stripe-catalogue.json: those the spec describes
 * (`src` spec or both), 468 for the spec of 2023-08-16; `--all` adds the newer ones only the
 * `stripe` package knows. Run after `npm run build`: `npm run coverage:api`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig, startSwitchboard } from '@switchboard/server';

const KEY = 'sk_test_switchboard_coverage_01';
const all = process.argv.includes('--all');
const catalogue = JSON.parse(
  readFileSync(new URL('../packages/server/data/stripe-catalogue.json', import.meta.url), 'utf8'),
);
const operations = catalogue.operations.filter(
  (op) => op.p.startsWith('/v1/') && (all || op.src !== 'sdk'),
);

const dir = mkdtempSync(join(tmpdir(), 'switchboard-coverage-'));
const config = loadConfig(
  { port: '0', db: join(dir, 'coverage.db'), testKey: KEY, logLevel: 'error' },
  {},
);
const sb = await startSwitchboard(config, {
  log: createLogger({ level: 'error', format: 'json', write: () => {} }),
});

const counts = { served: 0, refused: 0, unknown: 0 };
const unknown = [];
try {
  for (const op of operations) {
    const path = op.p.replace(/\{[^}]+\}/g, 'xx_placeholder');
    const res = await fetch(`${sb.url}${path}`, {
      method: op.m,
      headers: { Authorization: `Bearer ${KEY}` },
    });
    const body = await res.json().catch(() => ({}));
    const error = body?.error;
    if (res.status === 404 && String(error?.message).startsWith('Unrecognized request URL')) {
      counts.unknown++;
      unknown.push(`${op.m} ${op.p}`);
    } else if (error?.code === 'operation_not_supported') counts.refused++;
    else counts.served++;
  }
} finally {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
}

const total = operations.length;
const share = (n) => `${((100 * n) / total).toFixed(1)}%`;
console.log(`Stripe v1 operations (${all ? 'spec and stripe package' : 'spec'}): ${total}`);
console.log(`served with state: ${counts.served} (${share(counts.served)})`);
console.log(`refused with operation_not_supported: ${counts.refused} (${share(counts.refused)})`);
console.log(`unknown (Unrecognized request URL): ${counts.unknown} (${share(counts.unknown)})`);
for (const line of unknown) console.log(`  unknown: ${line}`);
