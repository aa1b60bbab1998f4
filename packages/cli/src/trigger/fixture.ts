import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from '../api/client.js';
import { referencesIn } from './references.js';

/**
 * The Stripe CLI's fixture format (`stripe fixtures FILE`, and every `stripe trigger`): steps run in
 * order, each an API call whose response later steps can reference as `${step:path}`.
 */
export interface FixtureStep {
  name: string;
  path: string;
  method: 'get' | 'post' | 'delete';
  params?: Record<string, unknown>;
  /** The step may fail with this error type (`card_error`) and the run goes on. */
  expected_error_type?: string;
  idempotency_key?: string;
  headers?: Record<string, string>;
  /**
   * Switchboard's addition: the step runs only with `--stripe-account` (true) or only without it
   * (false); absent, it always runs.
   */
  if_stripe_account?: boolean;
  /**
   * Switchboard's addition: the step is the platform's own call, sent without Stripe-Account even
   * with `--stripe-account` (the test helpers that connect and disconnect an account).
   */
  as_platform?: boolean;
}

export interface Fixture {
  _meta: {
    template_version: number;
    /** Switchboard's additions (the Stripe CLI ignores unknown fields): shown by `trigger --list`. */
    description?: string;
    /** Printed after a successful trigger, e.g. when the event follows later on the server's clock. */
    note?: string;
    /**
     * With `--stripe-account`, the step of this name (the one creating an account) stands for the
     * named account instead: it is not run, `${NAME:...}` references read the named account, and
     * the other steps act on it.
     */
    account_step?: string;
  };
  fixtures: FixtureStep[];
  env?: Record<string, string>;
}

/** The triggers shipped with the CLI: packages/cli/fixtures/EVENT.json. */
export const fixturesDir = fileURLToPath(new URL('../../fixtures/', import.meta.url));

/** Built-in references that name no step. */
const builtins = new Set(['.env', 'time-now-RFC3339', 'generate-uuid']);

/** Checks a parsed fixture file; every problem is reported before anything is sent. */
export function validateFixture(data: unknown, source: string): Fixture {
  const bad = (why: string): never => {
    throw new CliError(`${source}: ${why}`);
  };
  if (!data || typeof data !== 'object') bad('a fixture file is a JSON object');
  const f = data as Partial<Fixture>;
  if (!f._meta || typeof f._meta.template_version !== 'number')
    bad('missing _meta.template_version');
  if (f._meta!.template_version > 0)
    bad(`fixture version not supported: ${f._meta!.template_version}`);
  if (!Array.isArray(f.fixtures) || f.fixtures.length === 0) bad('"fixtures" must list the steps');
  const seen = new Set<string>();
  f.fixtures!.forEach((step, i) => {
    const where = `step ${i + 1}${step && typeof step.name === 'string' ? ` ("${step.name}")` : ''}`;
    if (!step || typeof step !== 'object') bad(`${where} is not an object`);
    if (typeof step.name !== 'string' || !step.name) bad(`${where} has no name`);
    if (seen.has(step.name)) bad(`${where}: the name is used twice`);
    if (typeof step.path !== 'string' || !/^\/v[12]\//.test(step.path))
      bad(`${where}: path must start with /v1/ or /v2/`);
    const method = String(step.method ?? '').toLowerCase();
    if (!['get', 'post', 'delete'].includes(method))
      bad(`${where}: method must be get, post or delete`);
    step.method = method as FixtureStep['method'];
    if (
      step.params !== undefined &&
      (typeof step.params !== 'object' || Array.isArray(step.params))
    )
      bad(`${where}: params must be an object`);
    const texts = [step.path, JSON.stringify(step.params ?? {}), step.idempotency_key ?? ''];
    texts.push(...Object.values(step.headers ?? {}));
    for (const ref of texts.flatMap(referencesIn)) {
      if (!builtins.has(ref.name) && !seen.has(ref.name)) {
        bad(
          `${where} references \${${ref.name}:${ref.path ?? ''}}, but no earlier step is named "${ref.name}"`,
        );
      }
    }
    for (const flag of ['if_stripe_account', 'as_platform'] as const)
      if (step[flag] !== undefined && typeof step[flag] !== 'boolean')
        bad(`${where}: ${flag} must be true or false`);
    seen.add(step.name);
  });
  const accountStep = f._meta!.account_step;
  if (accountStep !== undefined && !seen.has(accountStep))
    bad(`_meta.account_step names no step: ${JSON.stringify(accountStep)}`);
  return f as Fixture;
}

export function readFixture(file: string): Fixture {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  return validateFixture(data, file);
}

/** The events `switchboard trigger` knows, sorted. */
export function triggerNames(dir = fixturesDir): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

export function triggerFixture(event: string, dir = fixturesDir): Fixture {
  const names = triggerNames(dir);
  if (!names.includes(event)) {
    const near = names.filter((n) => n.split('.')[0] === event.split('.')[0]);
    throw new CliError(
      `cannot trigger ${JSON.stringify(event)}${near.length ? `; did you mean ${near.slice(0, 6).join(', ')}?` : ''} (\`switchboard trigger --list\` shows the ${names.length} events it can trigger)`,
    );
  }
  return readFixture(join(dir, `${event}.json`));
}
