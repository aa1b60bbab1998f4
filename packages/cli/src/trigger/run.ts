import { apiErrorOf, CliError, request, type Connection } from '../api/client.js';
import type { Fixture } from './fixture.js';
import { resolveDeep, resolvePath, resolveString, type ResolveContext } from './references.js';

export interface StepResult {
  name: string;
  method: string;
  path: string;
  status: number | null;
  /** The `id` of the object the step answered with, if any. */
  id: string | null;
  /** Set when the step failed as its `expected_error_type` allows. */
  expected_error?: string;
  skipped?: boolean;
}

export interface RunOptions {
  /** Steps to leave out (`--skip`). */
  skip?: string[];
  /** Progress lines, as the Stripe CLI prints them. */
  out?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs a fixture's steps in order against the API, as the Stripe CLI does: every request carries
 * the connection's Stripe-Account (but `as_platform` steps); a step succeeds on a 2xx answer, or
 * on the error type it expects; anything else stops the run with the server's message. Events
 * come from the server as side effects of these calls. With a Stripe-Account, the fixture's
 * `account_step` reads the named account instead of creating one, so the steps act on it; steps
 * with `if_stripe_account` run only with (true) or without (false) one.
 */
export async function runFixture(
  fixture: Fixture,
  conn: Connection,
  options: RunOptions = {},
): Promise<StepResult[]> {
  const out = options.out ?? (() => undefined);
  const ctx: ResolveContext = { responses: new Map(), env: options.env ?? process.env };
  const results: StepResult[] = [];
  const named = conn.stripeAccount;
  const { stripeAccount: _named, ...asPlatform } = conn;
  for (const step of fixture.fixtures) {
    if (step.if_stripe_account !== undefined && step.if_stripe_account !== Boolean(named)) continue;
    if (named && step.name === fixture._meta.account_step) {
      out(`Using ${named} for: ${step.name}`);
      const path = `/v1/accounts/${encodeURIComponent(named)}`;
      const res = await request(asPlatform, 'GET', path, {});
      if (res.status !== 200)
        throw new CliError(
          `${apiErrorOf(res.status, res.body).message} (step "${step.name}": GET ${path} answered ${res.status})`,
        );
      ctx.responses.set(step.name, res.body);
      results.push({ name: step.name, method: 'GET', path, status: res.status, id: named });
      continue;
    }
    if (options.skip?.includes(step.name)) {
      out(`Skipping fixture for: ${step.name}`);
      results.push({
        name: step.name,
        method: step.method,
        path: step.path,
        status: null,
        id: null,
        skipped: true,
      });
      continue;
    }
    out(`Setting up fixture for: ${step.name}`);
    const where = `step "${step.name}"`;
    const path = resolvePath(step.path, ctx, where);
    const params = resolveDeep(step.params ?? {}, ctx, where) as Record<string, unknown>;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(step.headers ?? {}))
      headers[k] = String(resolveString(v, ctx, where));
    const idempotencyKey = step.idempotency_key
      ? String(resolveString(step.idempotency_key, ctx, where))
      : undefined;

    out(`Running fixture for: ${step.name}`);
    const method = step.method.toUpperCase();
    const res = await request(step.as_platform ? asPlatform : conn, method, path, {
      params,
      headers,
      idempotencyKey,
    });
    const result: StepResult = { name: step.name, method, path, status: res.status, id: null };
    if (res.status < 200 || res.status >= 300) {
      const error = apiErrorOf(res.status, res.body);
      if (!step.expected_error_type || error.type !== step.expected_error_type) {
        throw new CliError(
          `${error.message} (step "${step.name}": ${method} ${path} answered ${res.status})`,
        );
      }
      result.expected_error = error.type;
    }
    // A card error carries the payment or setup intent it failed, as on Stripe.
    const body = res.body as {
      id?: unknown;
      error?: { payment_intent?: { id?: unknown }; setup_intent?: { id?: unknown } };
    } | null;
    const id = body?.id ?? body?.error?.payment_intent?.id ?? body?.error?.setup_intent?.id;
    if (typeof id === 'string') result.id = id;
    ctx.responses.set(step.name, res.body);
    results.push(result);
  }
  return results;
}
